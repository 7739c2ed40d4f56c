/* Fused CPU loops: the optimizers' dense updates (one pass over var, its slots and the gradient,
 * where the NumPy bodies in optimizer_updates.py make nine to eleven), PCG64 uniforms, and the
 * elementwise work of a dropout layer and its gradient (a select against zero, ReluGrad).
 *
 * Optional: setup.py builds it when a C compiler is present; without it sluice runs the NumPy
 * paths. Only sluice/kernels/native.py calls it. Each update follows TensorFlow's Eigen expression
 * term by term (ApplyRMSProp, ApplyMomentum, ApplyAdam in training_ops.cc), in float32 or float64,
 * with no contraction into fused multiply-adds (setup.py passes -ffp-contract=off), so results do
 * not depend on the CPU. Loops run without the GIL. x86-64 builds carry an AVX2 clone picked at
 * load time.
 *
 * Elementwise loops take n (elements), then their arguments in the order a spec string names them
 * (see parse_args): buffers of n elements (C-contiguous), scalars as Python floats (cast to the
 * element type as TF casts its scalar inputs to T) and flags. An optimizer loop's arguments are
 * those of its NumPy body: refs, scalars in the op's order, the gradient, then its attrs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CLONES
#endif

/* The signature of every float loop: element count, buffers, scalars, flags (as parsed). */
#define FLOAT_LOOP(name, T) CLONES static void name##_##T(Py_ssize_t n, void *const *p, const double *s, const int *f)

/* ApplyRMSProp(var, ms, mom; lr, rho, momentum, eps; g):
 * ms += (g*g - ms) * (1 - rho); mom = mom*momentum + g*lr / sqrt(ms + eps); var -= mom */
#define RMS_PROP(T, SQRT)                                                                          \
    FLOAT_LOOP(rms_prop, T) {                                                                      \
        T *var = p[0], *ms = p[1], *mom = p[2];                                                    \
        const T *g = p[3];                                                                         \
        const T lr = (T)s[0], rho = (T)s[1], momentum = (T)s[2], eps = (T)s[3];                    \
        const T keep = (T)1 - rho;                                                                 \
        (void)f;                                                                                   \
        for (Py_ssize_t i = 0; i < n; i++) {                                                       \
            const T gi = g[i];                                                                     \
            const T m = ms[i] + (gi * gi - ms[i]) * keep;                                          \
            const T u = mom[i] * momentum + gi * lr / SQRT(m + eps);                               \
            ms[i] = m;                                                                             \
            mom[i] = u;                                                                            \
            var[i] -= u;                                                                           \
        }                                                                                          \
    }

/* ApplyMomentum(var, accum; lr, momentum; g; use_nesterov):
 * accum = accum*momentum + g; var -= accum*lr, or with Nesterov var -= g*lr + accum*momentum*lr */
#define MOMENTUM(T)                                                                                \
    FLOAT_LOOP(momentum, T) {                                                                      \
        T *var = p[0], *accum = p[1];                                                              \
        const T *g = p[2];                                                                         \
        const T lr = (T)s[0], momentum = (T)s[1];                                                  \
        const int nesterov = f[0];                                                                 \
        for (Py_ssize_t i = 0; i < n; i++) {                                                       \
            const T a = accum[i] * momentum + g[i];                                                \
            accum[i] = a;                                                                          \
            var[i] -= nesterov ? g[i] * lr + a * momentum * lr : a * lr;                           \
        }                                                                                          \
    }

/* ApplyAdam(var, m, v; beta1_power, beta2_power, lr, beta1, beta2, eps; g; use_nesterov):
 * alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power), in T as TF computes it;
 * m += (g - m) * (1 - beta1); v += (g*g - v) * (1 - beta2);
 * var -= alpha * m / (sqrt(v) + eps), or with Nesterov alpha * (m*beta1 + (1 - beta1)*g) / (...) */
#define ADAM(T, SQRT)                                                                              \
    FLOAT_LOOP(adam, T) {                                                                          \
        T *var = p[0], *m = p[1], *v = p[2];                                                       \
        const T *g = p[3];                                                                         \
        const T beta1_power = (T)s[0], beta2_power = (T)s[1], lr = (T)s[2];                        \
        const T beta1 = (T)s[3], beta2 = (T)s[4], eps = (T)s[5];                                   \
        const T alpha = lr * SQRT((T)1 - beta2_power) / ((T)1 - beta1_power);                      \
        const T keep1 = (T)1 - beta1, keep2 = (T)1 - beta2;                                        \
        const int nesterov = f[0];                                                                 \
        for (Py_ssize_t i = 0; i < n; i++) {                                                       \
            const T gi = g[i];                                                                     \
            const T mi = m[i] + (gi - m[i]) * keep1;                                               \
            const T vi = v[i] + (gi * gi - v[i]) * keep2;                                          \
            const T step = nesterov ? (mi * beta1 + keep1 * gi) * alpha : mi * alpha;              \
            m[i] = mi;                                                                             \
            v[i] = vi;                                                                             \
            var[i] -= step / (SQRT(vi) + eps);                                                     \
        }                                                                                          \
    }

/* TF's ReluGrad(g, x) -> out: g * (x > 0), the comparison cast to T (so an infinite g times 0 is
 * NaN, as in TF). The 1.0 or 0.0 is built from the comparison's bits, so the loop has no branch
 * and vectorizes. */
#define RELU_GRAD(T, U, ONE)                                                                       \
    FLOAT_LOOP(relu_grad, T) {                                                                     \
        const T *g = p[0], *x = p[1];                                                              \
        T *out = p[2];                                                                             \
        (void)s, (void)f;                                                                          \
        for (Py_ssize_t i = 0; i < n; i++) {                                                       \
            const U bits = (U)0 - (U)(x[i] > (T)0);                                                \
            const U one_bits = bits & ONE;                                                         \
            T one;                                                                                 \
            memcpy(&one, &one_bits, sizeof one);                                                   \
            out[i] = g[i] * one;                                                                   \
        }                                                                                          \
    }

RMS_PROP(float, sqrtf)
RMS_PROP(double, sqrt)
MOMENTUM(float)
MOMENTUM(double)
ADAM(float, sqrtf)
ADAM(double, sqrt)
RELU_GRAD(float, uint32_t, 0x3F800000u)
RELU_GRAD(double, uint64_t, 0x3FF0000000000000ULL)

/* out = cond ? x : +0 (keep) or cond ? +0 : x, as bit patterns (NaN, -0 and inf pass unchanged):
 * x AND a mask of all ones or all zeros, so the loop has no branch and vectorizes. */
#define SELECT_ZERO(T)                                                                             \
    CLONES static void select_zero_##T(Py_ssize_t n, const unsigned char *cond, const T *x, T *out,   \
                                       int keep) {                                                 \
        const unsigned char flip = keep ? 0 : 1;                                                   \
        for (Py_ssize_t i = 0; i < n; i++) out[i] = x[i] & ((T)0 - (T)((cond[i] ^ flip) & 1));      \
    }
SELECT_ZERO(uint16_t)
SELECT_ZERO(uint32_t)
SELECT_ZERO(uint64_t)

/* Uniforms in [0, 1) from NumPy's PCG64 stream (128-bit LCG, XSL-RR output), the same words
 * `Generator.bit_generator.random_raw` gives, turned into floats as random_kernels.py does: a
 * mantissa from the word's top bits under exponent 0, minus 1; each 64-bit word gives two float32s
 * (low half first) or one float64. state: uint64[4] = state hi, lo, increment hi, lo; advanced. */
#if defined(__SIZEOF_INT128__)
#define HAVE_PCG64 1
typedef unsigned __int128 u128;

static inline uint64_t pcg64_next(u128 *state, u128 inc) {
    const u128 mult = ((u128)0x2360ED051FC65DA4ULL << 64) | 0x4385DF649FCCF645ULL;
    *state = *state * mult + inc;
    const uint64_t value = (uint64_t)(*state >> 64) ^ (uint64_t)*state;
    const unsigned rot = (unsigned)(*state >> 122);
    return (value >> rot) | (value << ((64 - rot) & 63));
}

static void pcg64_uniform(uint64_t *words, void *out, Py_ssize_t n, int size) {
    u128 state = ((u128)words[0] << 64) | words[1], inc = ((u128)words[2] << 64) | words[3];
    if (size == 4) {
        uint32_t *o = out;
        Py_ssize_t i = 0;
        for (; i + 1 < n; i += 2) {
            const uint64_t w = pcg64_next(&state, inc);
            o[i] = ((uint32_t)w >> 9) | 0x3F800000u;
            o[i + 1] = ((uint32_t)(w >> 32) >> 9) | 0x3F800000u;
        }
        if (i < n) o[i] = ((uint32_t)pcg64_next(&state, inc) >> 9) | 0x3F800000u;
        float *f = out;
        for (i = 0; i < n; i++) f[i] -= 1.0f;
    } else {
        uint64_t *o = out;
        for (Py_ssize_t i = 0; i < n; i++) o[i] = (pcg64_next(&state, inc) >> 12) | 0x3FF0000000000000ULL;
        double *f = out;
        for (Py_ssize_t i = 0; i < n; i++) f[i] -= 1.0;
    }
    words[0] = (uint64_t)(state >> 64);
    words[1] = (uint64_t)state;
}
#endif


/* -- argument parsing shared by the elementwise loops ----------------------------------------------- */

#define MAX_BUFFERS 4
#define MAX_SCALARS 6
#define MAX_FLAGS 2

/* One call's arguments: the element count n, then, in the order of the spec string, 'w' a writable
 * buffer, 'r' a read-only buffer (both C-contiguous), 'd' a float, 'p' a flag (any truth value). */
typedef struct {
    Py_ssize_t n;
    int buffers, scalars, flags;
    Py_buffer b[MAX_BUFFERS];
    void *p[MAX_BUFFERS];
    double s[MAX_SCALARS];
    int f[MAX_FLAGS];
} LoopArgs;

static void release_args(LoopArgs *a) {
    for (int i = 0; i < a->buffers; i++) PyBuffer_Release(&a->b[i]);
    a->buffers = 0;
}

/* 1 with a filled, 0 with an exception set (and nothing held). */
static int parse_args(PyObject *args, const char *spec, LoopArgs *a) {
    const Py_ssize_t count = (Py_ssize_t)strlen(spec);
    a->buffers = a->scalars = a->flags = 0;
    if (PyTuple_GET_SIZE(args) != count + 1) {
        PyErr_Format(PyExc_TypeError, "expected %zd arguments, got %zd", count + 1, PyTuple_GET_SIZE(args));
        return 0;
    }
    a->n = PyLong_AsSsize_t(PyTuple_GET_ITEM(args, 0));
    if (a->n == -1 && PyErr_Occurred()) return 0;
    if (a->n <= 0) {
        PyErr_SetString(PyExc_ValueError, "n must be positive");
        return 0;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyTuple_GET_ITEM(args, i + 1);
        if (spec[i] == 'w' || spec[i] == 'r') {
            const int flags = PyBUF_C_CONTIGUOUS | (spec[i] == 'w' ? PyBUF_WRITABLE : 0);
            if (PyObject_GetBuffer(item, &a->b[a->buffers], flags) < 0) goto fail;
            a->p[a->buffers] = a->b[a->buffers].buf;
            a->buffers++;
        } else if (spec[i] == 'd') {
            const double value = PyFloat_AsDouble(item);
            if (value == -1.0 && PyErr_Occurred()) goto fail;
            a->s[a->scalars++] = value;
        } else {
            const int flag = PyObject_IsTrue(item);
            if (flag < 0) goto fail;
            a->f[a->flags++] = flag;
        }
    }
    return 1;
fail:
    release_args(a);
    return 0;
}

/* The element size (4 or 8) shared by every buffer of n elements, or 0 with an exception set. */
static int float_size(const LoopArgs *a) {
    const Py_ssize_t size = a->b[0].len / a->n;
    if ((size != 4 && size != 8) || a->b[0].len != size * a->n) {
        PyErr_SetString(PyExc_ValueError, "buffers must hold n float32 or float64 elements");
        return 0;
    }
    for (int i = 1; i < a->buffers; i++) {
        if (a->b[i].len != a->b[0].len) {
            PyErr_SetString(PyExc_ValueError, "buffers differ in size");
            return 0;
        }
    }
    return (int)size;
}

/* py_<name>(n, ...): parses by spec, runs name_float or name_double without the GIL. */
#define FLOAT_LOOP_ENTRY(name, spec)                                                               \
    static PyObject *py_##name(PyObject *self, PyObject *args) {                                   \
        LoopArgs a;                                                                                \
        if (!parse_args(args, spec, &a)) return NULL;                                              \
        const int size = float_size(&a);                                                           \
        if (size) {                                                                                \
            Py_BEGIN_ALLOW_THREADS                                                                 \
            if (size == 4) name##_float(a.n, a.p, a.s, a.f);                                        \
            else name##_double(a.n, a.p, a.s, a.f);                                                \
            Py_END_ALLOW_THREADS                                                                   \
        }                                                                                          \
        release_args(&a);                                                                          \
        if (!size) return NULL;                                                                    \
        Py_RETURN_NONE;                                                                            \
    }

FLOAT_LOOP_ENTRY(rms_prop, "wwwddddr")
FLOAT_LOOP_ENTRY(momentum, "wwddrp")
FLOAT_LOOP_ENTRY(adam, "wwwddddddrp")
FLOAT_LOOP_ENTRY(relu_grad, "rrw")

static PyObject *py_select_zero(PyObject *self, PyObject *args) {
    LoopArgs a;
    if (!parse_args(args, "rrwp", &a)) return NULL;  /* cond (bool), x, out, keep */
    const Py_ssize_t n = a.n, size = a.b[1].len / n;
    const int ok = a.b[0].len == n && a.b[1].len == a.b[2].len && a.b[1].len == size * n &&
                   (size == 2 || size == 4 || size == 8);
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        if (size == 2) select_zero_uint16_t(n, a.p[0], a.p[1], a.p[2], a.f[0]);
        else if (size == 4) select_zero_uint32_t(n, a.p[0], a.p[1], a.p[2], a.f[0]);
        else select_zero_uint64_t(n, a.p[0], a.p[1], a.p[2], a.f[0]);
        Py_END_ALLOW_THREADS
    }
    release_args(&a);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "select_zero(n, cond bool[n], x, out, keep): sizes differ");
        return NULL;
    }
    Py_RETURN_NONE;
}

#ifdef HAVE_PCG64
static PyObject *py_pcg64_uniform(PyObject *self, PyObject *args) {
    Py_buffer state, out;
    Py_ssize_t n;
    int size;
    if (!PyArg_ParseTuple(args, "w*w*ni", &state, &out, &n, &size)) return NULL;
    int ok = state.len == 4 * (Py_ssize_t)sizeof(uint64_t) && (size == 4 || size == 8) && n >= 0 &&
             out.len == n * size;
    if (ok) {
        Py_BEGIN_ALLOW_THREADS
        pcg64_uniform(state.buf, out.buf, n, size);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&state);
    PyBuffer_Release(&out);
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "pcg64_uniform(state uint64[4], out, n, itemsize 4 or 8)");
        return NULL;
    }
    Py_RETURN_NONE;
}
#endif

static PyMethodDef methods[] = {
    {"rms_prop", py_rms_prop, METH_VARARGS, "rms_prop(n, var, ms, mom, lr, rho, momentum, epsilon, grad)"},
    {"momentum", py_momentum, METH_VARARGS, "momentum(n, var, accum, lr, momentum, grad, nesterov)"},
    {"adam", py_adam, METH_VARARGS,
     "adam(n, var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad, nesterov)"},
#ifdef HAVE_PCG64
    {"pcg64_uniform", py_pcg64_uniform, METH_VARARGS, "pcg64_uniform(state, out, n, itemsize)"},
#endif
    {"select_zero", py_select_zero, METH_VARARGS, "select_zero(n, cond, x, out, keep)"},
    {"relu_grad", py_relu_grad, METH_VARARGS, "relu_grad(n, g, x, out)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cpu_fused",
                                    "Fused CPU loops: optimizer updates, uniforms, select against zero, ReluGrad.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__cpu_fused(void) { return PyModule_Create(&module); }
