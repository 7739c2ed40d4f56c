/* Convolution and pooling loops for NHWC float32/float64 (kernels/nn_conv_pool_cpu_kernels.py binds
 * them through native.py). No im2col buffer of the whole batch is ever built.
 *
 * Conv2D is an implicit GEMM. The output [N*OH*OW, O] is computed in register blocks of R output
 * pixels by NBMAX vectors of output channels. For each block the loop takes, per kernel offset
 * (kh, kw), a pointer to the C input channels that pixel reads there (a shared zero row where it
 * reads padding; offsets no pixel of the block reaches are skipped) and accumulates the pixel value,
 * broadcast, times the filter row W[kh, kw, c, :] (packed once per call, padded to whole vectors).
 * Blocks go in super-blocks of SB; the offsets in chunks of about 64 reduction steps, each chunk
 * over the whole super-block, so that its filter rows stay in L1 (the accumulators wait in a small
 * tile between chunks). With fewer than 32 channels per offset each row's offsets are copied into
 * one short row first (a cache-sized tile, never the whole batch). One input channel with unit
 * strides (a grayscale first layer) is vectorized over output columns instead, reading runs of
 * zero-padded image rows in place.
 * Conv2DBackpropInput is the same loop over input pixels: each reads dy at the output pixels whose
 * window covers it, (ih + pt - kh*dh) / sh where that divides evenly, times W[kh, kw]^T; pixels go
 * one stride phase after another, so a block's rows share the offsets that reach them. With fewer
 * than 32 input channels it is scattered instead: each dy row times W^T gives its window's gradient
 * (all kh*kw*c lanes of the vectors used), added into dx.
 * Conv2DBackpropFilter takes blocks of 128 output pixels (their dy rows copied, padded), for each
 * offset the pixels that read inside the input, and accumulates x[pixel, c0 + i] times dy[pixel, :]
 * for register blocks of R input channels; with few channels and outputs, dw^T from packed rows;
 * with one input channel, lane-wise products of padded-row runs and dy columns.
 * Pooling (_cpu_pool_body.h) and the depthwise convolution (_cpu_depthwise_body.h) visit each
 * output pixel's window, channels innermost.
 *
 * Sums run in another order than a BLAS GEMM's, so values agree with the NumPy path to rounding
 * (this file is built with contraction to fused multiply-adds on). The loops are compiled per
 * instruction set (AVX-512, AVX2+FMA, baseline) from _cpu_conv_body.h and picked at import.
 * The GIL is released while they run; callers split a batch over threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef Py_ssize_t idx;

/* One call's geometry: input n x h x w x c, output n x oh x ow x o, window kh x kw, strides,
 * dilations, and the padding before the first row (pt) and column (pl). */
typedef struct {
    idx n, h, w, c, oh, ow, o, kh, kw, sh, sw, dh, dw, pt, pl;
} Geo;

typedef struct {
    int (*conv_forward)(const Geo *g, const void *x, const void *w, void *y);
    int (*conv_backprop_input)(const Geo *g, const void *dy, const void *w, void *dx);
    int (*conv_backprop_filter)(const Geo *g, const void *x, const void *dy, void *dw);
    void (*max_pool)(const Geo *g, const void *x, void *y);
    void (*max_pool_grad)(const Geo *g, const void *x, const void *y, const void *grad, void *dx, void *scratch);
    void (*avg_pool)(const Geo *g, const void *x, void *y);
    void (*avg_pool_grad)(const Geo *g, const void *grad, void *dx, void *scratch);
    int (*depthwise_forward)(const Geo *g, const void *x, const void *w, void *y);
    int (*depthwise_backprop_input)(const Geo *g, const void *dy, const void *w, void *dx);
    int (*depthwise_backprop_filter)(const Geo *g, const void *x, const void *dy, void *dw);
} Loops;

#define T float
#define VB 16
#define R 4
#define NBMAX 3
#define NAME(x) x##_f32_base
#include "_cpu_conv_body.h"
#undef T
#undef NAME
#define T double
#define NAME(x) x##_f64_base
#include "_cpu_conv_body.h"
#undef T
#undef NAME
#undef VB
#undef R
#undef NBMAX

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MULTI_TARGET 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define VB 32
#define R 4
#define NBMAX 3
#define T float
#define NAME(x) x##_f32_avx2
#include "_cpu_conv_body.h"
#undef T
#undef NAME
#define T double
#define NAME(x) x##_f64_avx2
#include "_cpu_conv_body.h"
#undef T
#undef NAME
#undef VB
#undef R
#undef NBMAX
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
#define VB 64
#define R 6
#define NBMAX 4
#define T float
#define NAME(x) x##_f32_avx512
#include "_cpu_conv_body.h"
#undef T
#undef NAME
#define T double
#define NAME(x) x##_f64_avx512
#include "_cpu_conv_body.h"
#undef T
#undef NAME
#undef VB
#undef R
#undef NBMAX
#pragma GCC pop_options
#endif

static const Loops *loops_f32 = &loops_f32_base, *loops_f64 = &loops_f64_base;
static const char *instruction_set = "baseline";

/* -- arguments ----------------------------------------------------------------------------------- */

#define MAX_ARRAYS 4

typedef struct {
    Geo g;
    int itemsize;
    int count;
    Py_buffer b[MAX_ARRAYS];
} Call;

static void release(Call *call) {
    for (int i = 0; i < call->count; i++) PyBuffer_Release(&call->b[i]);
    call->count = 0;
}

/* args = (geo, array, ...): geo = (itemsize, n, h, w, c, oh, ow, o, kh, kw, sh, sw, dh, dw, pt, pl);
 * each array C-contiguous, the last `writable` of them writable, holding sizes[i] elements. Returns
 * 1, or 0 with an exception set and nothing held. */
static int parse(PyObject *args, Call *call, int arrays, int writable, const char *const *what) {
    call->count = 0;
    if (PyTuple_GET_SIZE(args) != arrays + 1) {
        PyErr_Format(PyExc_TypeError, "expected %d arguments", arrays + 1);
        return 0;
    }
    PyObject *geo = PyTuple_GET_ITEM(args, 0);
    if (!PyTuple_Check(geo) || PyTuple_GET_SIZE(geo) != 16) {
        PyErr_SetString(PyExc_TypeError, "geo must be a tuple of 16 ints");
        return 0;
    }
    idx v[16];
    for (int i = 0; i < 16; i++) {
        v[i] = PyLong_AsSsize_t(PyTuple_GET_ITEM(geo, i));
        if (v[i] == -1 && PyErr_Occurred()) return 0;
        if (i < 14 && v[i] <= 0) {  /* the pads (last two) may be zero; nothing else */
            PyErr_SetString(PyExc_ValueError, "geo: sizes, strides and dilations must be positive");
            return 0;
        }
        if (v[i] < 0) {
            PyErr_SetString(PyExc_ValueError, "geo: pads must not be negative");
            return 0;
        }
    }
    if (v[0] != 4 && v[0] != 8) {
        PyErr_SetString(PyExc_ValueError, "geo: itemsize must be 4 or 8");
        return 0;
    }
    call->itemsize = (int)v[0];
    Geo *g = &call->g;
    g->n = v[1], g->h = v[2], g->w = v[3], g->c = v[4], g->oh = v[5], g->ow = v[6], g->o = v[7];
    g->kh = v[8], g->kw = v[9], g->sh = v[10], g->sw = v[11], g->dh = v[12], g->dw = v[13];
    g->pt = v[14], g->pl = v[15];
    for (int i = 0; i < arrays; i++) {
        const int flags = PyBUF_C_CONTIGUOUS | (i >= arrays - writable ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(args, i + 1), &call->b[i], flags) < 0) {
            release(call);
            return 0;
        }
        call->count++;
    }
    for (int i = 0; i < arrays; i++) {
        const char *w = what[i];
        idx size = 1;
        for (; *w; w++) {
            switch (*w) {
            case 'n': size *= g->n; break;
            case 'h': size *= g->h; break;
            case 'w': size *= g->w; break;
            case 'c': size *= g->c; break;
            case 'H': size *= g->oh; break;
            case 'W': size *= g->ow; break;
            case 'o': size *= g->o; break;
            case 'k': size *= g->kh * g->kw; break;
            case 'm': size *= g->o / g->c; break;  /* depthwise: o = c * m */
            }
        }
        if (call->b[i].len != size * call->itemsize) {
            PyErr_Format(PyExc_ValueError, "array %d holds %zd bytes, expected %zd", i, call->b[i].len,
                         size * call->itemsize);
            release(call);
            return 0;
        }
    }
    return 1;
}

static const Loops *loops_for(const Call *call) { return call->itemsize == 4 ? loops_f32 : loops_f64; }

#define BUF(i) (call.b[i].buf)

static PyObject *finish(Call *call, int ok) {
    release(call);
    if (!ok) return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyObject *py_conv2d(PyObject *self, PyObject *args) {
    static const char *const what[] = {"nhwc", "kco", "nHWo"};
    Call call;
    if (!parse(args, &call, 3, 1, what)) return NULL;
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = loops_for(&call)->conv_forward(&call.g, BUF(0), BUF(1), BUF(2));
    Py_END_ALLOW_THREADS
    return finish(&call, ok);
}

static PyObject *py_conv2d_backprop_input(PyObject *self, PyObject *args) {
    static const char *const what[] = {"nHWo", "kco", "nhwc"};
    Call call;
    if (!parse(args, &call, 3, 1, what)) return NULL;
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = loops_for(&call)->conv_backprop_input(&call.g, BUF(0), BUF(1), BUF(2));
    Py_END_ALLOW_THREADS
    return finish(&call, ok);
}

static PyObject *py_conv2d_backprop_filter(PyObject *self, PyObject *args) {
    static const char *const what[] = {"nhwc", "nHWo", "kco"};
    Call call;
    if (!parse(args, &call, 3, 1, what)) return NULL;
    int ok;
    Py_BEGIN_ALLOW_THREADS
    ok = loops_for(&call)->conv_backprop_filter(&call.g, BUF(0), BUF(1), BUF(2));
    Py_END_ALLOW_THREADS
    return finish(&call, ok);
}

/* Depthwise: geo's o is c*m; the filter holds kh*kw*c*m elements. */
#define DEPTHWISE_ENTRY(name, w0, w1, w2)                                                          \
    static PyObject *py_##name(PyObject *self, PyObject *args) {                                   \
        static const char *const what[] = {w0, w1, w2};                                            \
        Call call;                                                                                 \
        if (!parse(args, &call, 3, 1, what)) return NULL;                                          \
        if (call.g.o % call.g.c) {                                                                 \
            release(&call);                                                                        \
            PyErr_SetString(PyExc_ValueError, "geo: o must be a multiple of c");                   \
            return NULL;                                                                           \
        }                                                                                          \
        int ok;                                                                                    \
        Py_BEGIN_ALLOW_THREADS                                                                     \
        ok = loops_for(&call)->name(&call.g, BUF(0), BUF(1), BUF(2));                              \
        Py_END_ALLOW_THREADS                                                                       \
        return finish(&call, ok);                                                                  \
    }
DEPTHWISE_ENTRY(depthwise_forward, "nhwc", "kcm", "nHWo")
DEPTHWISE_ENTRY(depthwise_backprop_input, "nHWo", "kcm", "nhwc")
DEPTHWISE_ENTRY(depthwise_backprop_filter, "nhwc", "nHWo", "kcm")

static PyObject *py_max_pool(PyObject *self, PyObject *args) {
    static const char *const what[] = {"nhwc", "nHWc"};
    Call call;
    if (!parse(args, &call, 2, 1, what)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    loops_for(&call)->max_pool(&call.g, BUF(0), BUF(1));
    Py_END_ALLOW_THREADS
    return finish(&call, 1);
}

static PyObject *py_avg_pool(PyObject *self, PyObject *args) {
    static const char *const what[] = {"nhwc", "nHWc"};
    Call call;
    if (!parse(args, &call, 2, 1, what)) return NULL;
    Py_BEGIN_ALLOW_THREADS
    loops_for(&call)->avg_pool(&call.g, BUF(0), BUF(1));
    Py_END_ALLOW_THREADS
    return finish(&call, 1);
}

static PyObject *py_max_pool_grad(PyObject *self, PyObject *args) {
    static const char *const what[] = {"nhwc", "nHWc", "nHWc", "nhwc"};
    Call call;
    if (!parse(args, &call, 4, 1, what)) return NULL;
    void *pending = malloc(sizeof(int32_t) * (size_t)call.g.c);
    if (pending) {
        Py_BEGIN_ALLOW_THREADS
        loops_for(&call)->max_pool_grad(&call.g, BUF(0), BUF(1), BUF(2), BUF(3), pending);
        Py_END_ALLOW_THREADS
    }
    free(pending);
    return finish(&call, pending != NULL);
}

static PyObject *py_avg_pool_grad(PyObject *self, PyObject *args) {
    static const char *const what[] = {"nHWc", "nhwc"};
    Call call;
    if (!parse(args, &call, 2, 1, what)) return NULL;
    void *share = malloc((size_t)(call.g.c * call.itemsize));
    if (share) {
        Py_BEGIN_ALLOW_THREADS
        loops_for(&call)->avg_pool_grad(&call.g, BUF(0), BUF(1), share);
        Py_END_ALLOW_THREADS
    }
    free(share);
    return finish(&call, share != NULL);
}

#define GEO_DOC "geo = (itemsize, n, h, w, c, oh, ow, o, kh, kw, sh, sw, dh, dw, pt, pl); NHWC C-contiguous arrays"

static PyMethodDef methods[] = {
    {"conv2d", py_conv2d, METH_VARARGS, "conv2d(geo, x, w, y): y = x conv w. " GEO_DOC},
    {"conv2d_backprop_input", py_conv2d_backprop_input, METH_VARARGS,
     "conv2d_backprop_input(geo, dy, w, dx). " GEO_DOC},
    {"conv2d_backprop_filter", py_conv2d_backprop_filter, METH_VARARGS,
     "conv2d_backprop_filter(geo, x, dy, dw). " GEO_DOC},
    {"depthwise_forward", py_depthwise_forward, METH_VARARGS, "depthwise_forward(geo, x, w, y); o = c*m. " GEO_DOC},
    {"depthwise_backprop_input", py_depthwise_backprop_input, METH_VARARGS,
     "depthwise_backprop_input(geo, dy, w, dx). " GEO_DOC},
    {"depthwise_backprop_filter", py_depthwise_backprop_filter, METH_VARARGS,
     "depthwise_backprop_filter(geo, x, dy, dw). " GEO_DOC},
    {"max_pool", py_max_pool, METH_VARARGS, "max_pool(geo, x, y); o == c. " GEO_DOC},
    {"max_pool_grad", py_max_pool_grad, METH_VARARGS, "max_pool_grad(geo, x, y, grad, dx). " GEO_DOC},
    {"avg_pool", py_avg_pool, METH_VARARGS, "avg_pool(geo, x, y). " GEO_DOC},
    {"avg_pool_grad", py_avg_pool_grad, METH_VARARGS, "avg_pool_grad(geo, grad, dx). " GEO_DOC},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cpu_conv",
                                    "NHWC convolution and pooling loops without an im2col buffer.", -1, methods};

PyMODINIT_FUNC PyInit__cpu_conv(void) {
#ifdef MULTI_TARGET
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq")) {
        loops_f32 = &loops_f32_avx512, loops_f64 = &loops_f64_avx512, instruction_set = "avx512";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        loops_f32 = &loops_f32_avx2, loops_f64 = &loops_f64_avx2, instruction_set = "avx2";
    }
#endif
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddStringConstant(m, "instruction_set", instruction_set) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
