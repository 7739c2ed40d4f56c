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
 *
 * Splitting: the optimizer updates and the uniforms run in `threads` parts (set_threads; the
 * caller follows the BLAS pool, so loops and GEMMs use the same free cores) when the array is
 * large enough that a part outweighs waking a helper (MIN_PART elements). Parts are contiguous
 * ranges, so values do not depend on the split: the updates are elementwise, and each part of a
 * uniform fill jumps the PCG64 stream ahead to its first word (an LCG advances in O(log n)).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
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

/* -- helper threads: one loop split into contiguous parts ------------------------------------------ */

#define MAX_THREADS 8
#define MIN_PART 32768        /* elements: a part costs well over a helper's wake-up (~5-10 us) */
#define SPIN_ROUNDS 300       /* a helper polls ~20 us (a pause is ~75 ns) for the next split, then sleeps */

/* part(job, begin, end) computes elements [begin, end) of a split loop. */
typedef void (*part_fn)(const void *job, Py_ssize_t begin, Py_ssize_t end);

/* Parts are claimed, by the caller and the helpers alike, from one word: the split's generation
 * (bits 16 and up), its part count (bits 8-15) and the next unclaimed part (bits 0-7). A helper
 * that wakes late finds every part taken (the caller runs the parts nobody claimed), or a newer
 * generation, and goes back to waiting: a preempted helper never holds up a split it has not
 * joined. */
static struct {
    pthread_mutex_t run;      /* held by the one split in flight; another caller runs its loop whole */
    pthread_mutex_t lock;     /* with `wake`: sleeping helpers wait for a new generation */
    pthread_cond_t wake;
    int started;              /* helper threads running */
    atomic_int threads;       /* parts a loop may use: set_threads */
    atomic_ulong claim;       /* generation << 16 | parts << 8 | next part */
    atomic_int pending;       /* parts not finished */
    part_fn fn;               /* the split's job: stable while one of its parts is unfinished */
    const void *job;
    Py_ssize_t n, align;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 1, 0, 0};

static Py_ssize_t part_start(Py_ssize_t n, Py_ssize_t align, int parts, int k) {
    if (k >= parts) return n;
    const Py_ssize_t start = (Py_ssize_t)((double)n * k / parts);
    return start - start % align;
}

/* Claims and runs parts of generation `gen` until none is left. */
static void run_parts(unsigned long gen) {
    unsigned long c = atomic_load(&pool.claim);
    while ((c >> 16) == gen && (c & 0xff) < ((c >> 8) & 0xff)) {
        if (!atomic_compare_exchange_weak(&pool.claim, &c, c + 1)) continue;  /* c reloaded */
        const int k = (int)(c & 0xff), parts = (int)((c >> 8) & 0xff);
        pool.fn(pool.job, part_start(pool.n, pool.align, parts, k), part_start(pool.n, pool.align, parts, k + 1));
        atomic_fetch_sub(&pool.pending, 1);
        c = atomic_load(&pool.claim);
    }
}

static void *helper_main(void *unused) {
    unsigned long seen = 0;
    for (;;) {
        for (int spin = 0; spin < SPIN_ROUNDS && (atomic_load(&pool.claim) >> 16) == seen; spin++) {
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
        pthread_mutex_lock(&pool.lock);
        while ((atomic_load(&pool.claim) >> 16) == seen) pthread_cond_wait(&pool.wake, &pool.lock);
        seen = atomic_load(&pool.claim) >> 16;
        pthread_mutex_unlock(&pool.lock);
        run_parts(seen);
    }
    return NULL;
}

/* In a forked child the helpers are gone and the locks may be held: start afresh. */
static void pool_after_fork(void) {
    pthread_mutex_init(&pool.run, NULL);
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pool.started = 0;
}

/* Runs part(job, ...) over [0, n) in up to `threads` parts of at least MIN_PART elements, on the
 * calling thread and the helpers; part boundaries are multiples of align. Called without the GIL. */
static void run_split(part_fn fn, const void *job, Py_ssize_t n, Py_ssize_t align) {
    int parts = atomic_load(&pool.threads);
    if (parts > n / MIN_PART) parts = (int)(n / MIN_PART);
    if (parts <= 1 || pthread_mutex_trylock(&pool.run) != 0) {
        fn(job, 0, n);
        return;
    }
    while (pool.started < parts - 1) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int failed = pthread_create(&thread, &attr, helper_main, NULL);
        pthread_attr_destroy(&attr);
        if (failed) break;
        pool.started++;
    }
    if (parts > pool.started + 1) parts = pool.started + 1;
    pool.fn = fn, pool.job = job, pool.n = n, pool.align = align;
    atomic_store(&pool.pending, parts);
    pthread_mutex_lock(&pool.lock);
    const unsigned long gen = (atomic_load(&pool.claim) >> 16) + 1;
    atomic_store(&pool.claim, gen << 16 | (unsigned long)parts << 8);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    run_parts(gen);
    for (int spin = 0; atomic_load(&pool.pending); spin++) {
        if (spin > 1000) sched_yield();  /* a helper was preempted in its part: give it the core */
    }
    pthread_mutex_unlock(&pool.run);
}

static PyObject *py_set_threads(PyObject *self, PyObject *arg) {
    const long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) return NULL;
    atomic_store(&pool.threads, n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n);
    Py_RETURN_NONE;
}

static PyObject *py_get_threads(PyObject *self, PyObject *unused) {
    return PyLong_FromLong(atomic_load(&pool.threads));
}

/* run_split's address, for the generated fused loops (kernels/fused_elementwise.py) to split by. */
static PyObject *py_split_address(PyObject *self, PyObject *unused) {
    return PyLong_FromVoidPtr((void *)run_split);
}

/* Uniforms in [0, 1) from NumPy's PCG64 stream (128-bit LCG, XSL-RR output), the same words
 * `Generator.bit_generator.random_raw` gives, turned into floats as random_kernels.py does: a
 * mantissa from the word's top bits under exponent 0, minus 1; each 64-bit word gives two float32s
 * (low half first) or one float64. state: uint64[4] = state hi, lo, increment hi, lo; advanced. */
#if defined(__SIZEOF_INT128__)
#define HAVE_PCG64 1
typedef unsigned __int128 u128;

static const u128 PCG64_MULT = ((u128)0x2360ED051FC65DA4ULL << 64) | 0x4385DF649FCCF645ULL;

static inline uint64_t pcg64_next(u128 *state, u128 inc) {
    *state = *state * PCG64_MULT + inc;
    const uint64_t value = (uint64_t)(*state >> 64) ^ (uint64_t)*state;
    const unsigned rot = (unsigned)(*state >> 122);
    return (value >> rot) | (value << ((64 - rot) & 63));
}

/* The state `delta` steps on: the LCG's k-th power by squaring (Brown, "Random number generation
 * with arbitrary strides"), O(log delta). */
static u128 pcg64_advance(u128 state, u128 inc, uint64_t delta) {
    u128 acc_mult = 1, acc_plus = 0, cur_mult = PCG64_MULT, cur_plus = inc;
    for (; delta; delta >>= 1) {
        if (delta & 1) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1) * cur_plus;
        cur_mult *= cur_mult;
    }
    return acc_mult * state + acc_plus;
}

typedef struct {
    u128 state, inc;   /* the stream before the fill */
    void *out;
    Py_ssize_t n;      /* values */
    int size;          /* 4 (two values a word) or 8 */
} PcgJob;

/* A mantissa under exponent 0 (a float in [1, 2)) minus 1: the value random_kernels.py makes. */
static inline float pcg64_float(uint32_t bits) {
    const uint32_t one_bits = (bits >> 9) | 0x3F800000u;
    float f;
    memcpy(&f, &one_bits, sizeof f);
    return f - 1.0f;
}

static inline double pcg64_double(uint64_t bits) {
    const uint64_t one_bits = (bits >> 12) | 0x3FF0000000000000ULL;
    double f;
    memcpy(&f, &one_bits, sizeof f);
    return f - 1.0;
}

static inline void pcg64_store(const PcgJob *j, Py_ssize_t w, uint64_t word) {
    if (j->size == 8) {
        ((double *)j->out)[w] = pcg64_double(word);
        return;
    }
    float *o = j->out;
    o[2 * w] = pcg64_float((uint32_t)word);
    if (2 * w + 1 < j->n) o[2 * w + 1] = pcg64_float((uint32_t)(word >> 32));
}

#define PCG_LANES 4

/* Values [begin, end) (begin on a word boundary): the words from begin's, in PCG_LANES stretches
 * whose states advance side by side (the LCG's multiply latency, not its throughput, bounds one
 * chain). */
static void pcg64_part(const void *job, Py_ssize_t begin, Py_ssize_t end) {
    const PcgJob *j = job;
    const Py_ssize_t per = j->size == 4 ? 2 : 1, first = begin / per, count = (end + per - 1) / per - first;
    const Py_ssize_t stretch = count >= 64 * PCG_LANES ? count / PCG_LANES : 0;
    u128 st[PCG_LANES];
    st[0] = pcg64_advance(j->state, j->inc, (uint64_t)first);
    for (int l = 1; l < PCG_LANES; l++) st[l] = pcg64_advance(st[l - 1], j->inc, (uint64_t)stretch);
    for (Py_ssize_t i = 0; i < stretch; i++)
        for (int l = 0; l < PCG_LANES; l++) pcg64_store(j, first + l * stretch + i, pcg64_next(&st[l], j->inc));
    u128 *last = stretch ? &st[PCG_LANES - 1] : &st[0];  /* stands at word first + PCG_LANES * stretch */
    for (Py_ssize_t w = first + PCG_LANES * stretch; w < first + count; w++) pcg64_store(j, w, pcg64_next(last, j->inc));
}

/* Fills out with n uniforms and advances words past the words used (split; see run_split). */
static void pcg64_uniform(uint64_t *words, void *out, Py_ssize_t n, int size) {
    const PcgJob job = {((u128)words[0] << 64) | words[1], ((u128)words[2] << 64) | words[3], out, n, size};
    run_split(pcg64_part, &job, n, size == 4 ? 2 : 1);
    const u128 state = pcg64_advance(job.state, job.inc, (uint64_t)((n + (size == 4)) / (size == 4 ? 2 : 1)));
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

/* One float loop's call, split by element range: every buffer holds n elements of `size` bytes. */
typedef void (*float_loop)(Py_ssize_t n, void *const *p, const double *s, const int *f);
typedef struct {
    float_loop loop;
    int buffers, size;
    void *const *p;
    const double *s;
    const int *f;
} FloatJob;

static void float_part(const void *job, Py_ssize_t begin, Py_ssize_t end) {
    const FloatJob *j = job;
    void *q[MAX_BUFFERS];
    for (int i = 0; i < j->buffers; i++) q[i] = (char *)j->p[i] + begin * j->size;
    j->loop(end - begin, q, j->s, j->f);
}

/* py_<name>(n, ...): parses by spec, runs name_float or name_double without the GIL, split. */
#define FLOAT_LOOP_ENTRY(name, spec)                                                               \
    static PyObject *py_##name(PyObject *self, PyObject *args) {                                   \
        LoopArgs a;                                                                                \
        if (!parse_args(args, spec, &a)) return NULL;                                              \
        const int size = float_size(&a);                                                           \
        if (size) {                                                                                \
            const FloatJob job = {size == 4 ? name##_float : name##_double, a.buffers, size, a.p, a.s, a.f}; \
            Py_BEGIN_ALLOW_THREADS                                                                 \
            run_split(float_part, &job, a.n, 1);                                                   \
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
    {"set_threads", py_set_threads, METH_O, "set_threads(n): the parts a large loop splits into (1 to 8)"},
    {"get_threads", py_get_threads, METH_NOARGS, "get_threads() -> the parts a large loop splits into"},
    {"split_address", py_split_address, METH_NOARGS, "split_address() -> run_split's address, for generated loops"},
    {"relu_grad", py_relu_grad, METH_VARARGS, "relu_grad(n, g, x, out)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cpu_fused",
                                    "Fused CPU loops: optimizer updates, uniforms, select against zero, ReluGrad.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__cpu_fused(void) {
    pthread_atfork(NULL, NULL, pool_after_fork);
    return PyModule_Create(&module);
}
