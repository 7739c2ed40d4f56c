"""CPU kernels of Conv2D, DepthwiseConv2dNative, their gradients, MaxPool/AvgPool and their gradients
on the C loops of _cpu_conv.c (bound through kernels/native.py): NHWC float32/float64, no im2col
buffer.

Each builder here specializes the shared NumPy/CuPy builder of nn_conv_pool_kernels.py for CPU and
returns that builder's step function where the loops do not apply at plan time (extension not built,
SLUICE_NATIVE=0, another dtype); at run time an empty array goes to the NumPy body too. Checks and
error messages are the shared kernels' (same helpers), so both paths fail alike.

Threads: the loops run without the GIL, so a step splits the batch into as many parts as the BLAS
pool has threads (sluice/engine/blas_threads.py sizes that pool: ConfigProto's
intra_op_parallelism_threads, or the free cores) and runs one part per thread; the filter gradient
adds the parts' sums. Steps under about a millisecond of work stay on the calling thread.
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sluice.engine import blas_threads
from sluice.kernels import native, nn_conv_pool_kernels as shared
from sluice.kernels.registry import register_kernel

# multiply-adds of one step below which it runs on the calling thread
_PARALLEL_WORK = 2e7
_pool = []  # [(size, ThreadPoolExecutor)] once a step has run on more than one thread
_pool_lock = threading.Lock()


def _executor(threads):
    """The shared pool of worker threads, grown to at least `threads`."""
    with _pool_lock:
        if not _pool or _pool[0][0] < threads:
            if _pool:
                _pool.pop()[1].shutdown(wait=False)
            _pool.append((threads, ThreadPoolExecutor(threads, thread_name_prefix='sluice-conv')))
        return _pool[0][1]


def _parts(n, work):
    """[(start, stop)] batch ranges, one per thread the BLAS pool has now (one when work is small)."""
    threads = min(n, blas_threads.get_num_threads() or 1) if work >= _PARALLEL_WORK else 1
    if threads <= 1:
        return [(0, n)]
    bounds = [n * i // threads for i in range(threads + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def _run_parts(parts, call):
    """call(start, stop) for each part, the first on this thread and the others on the pool's."""
    if len(parts) == 1:
        return [call(*parts[0])]
    futures = [_executor(len(parts) - 1).submit(call, *p) for p in parts[1:]]
    first = call(*parts[0])
    return [first] + [f.result() for f in futures]


def _geo(itemsize, n, in_hw, c, out_hw, o, k_hw, geo, pads):
    return (itemsize, n, in_hw[0], in_hw[1], c, out_hw[0], out_hw[1], o, k_hw[0], k_hw[1], geo.strides[0],
            geo.strides[1], geo.dilations[0], geo.dilations[1], pads[0][0], pads[1][0])


def _loop(op, name):
    return native.conv_loop(name, op.get_attr('T').as_numpy_dtype)


# -- convolution -----------------------------------------------------------------------------------------
@register_kernel('Conv2D', devices=('CPU',), fresh_output=True)
def conv2d_cpu(op, ctx):
    loop = _loop(op, 'conv2d')
    fallback = shared.conv2d(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op)

    def run(x, f):
        xn = geo.to_nhwc(x)
        shared._check_conv(op, xn, f)
        out_hw, pads = geo.plan(xn.shape[1:3], f.shape[:2])
        n, _, _, c = xn.shape
        kh, kw, _, o = f.shape
        if not (xn.size and f.size and out_hw[0] > 0 and out_hw[1] > 0):
            return fallback(x, f)
        xn, f = np.ascontiguousarray(xn), np.ascontiguousarray(f)
        y = np.empty((n, out_hw[0], out_hw[1], o), xn.dtype)

        def part(a, b):
            loop(_geo(xn.itemsize, b - a, xn.shape[1:3], c, out_hw, o, (kh, kw), geo, pads), xn[a:b], f, y[a:b])
        _run_parts(_parts(n, y.size * kh * kw * c), part)
        return np.ascontiguousarray(geo.from_nhwc(y)) if geo.nchw else y
    return run


@register_kernel('Conv2DBackpropInput', devices=('CPU',), host_inputs=(0,), fresh_output=True)
def conv2d_backprop_input_cpu(op, ctx):
    loop = _loop(op, 'conv2d_backprop_input')
    fallback = shared.conv2d_backprop_input(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op)

    def run(sizes, f, dy):
        in_shape = geo.nhwc_shape(shared._sizes(sizes, op, 'input_sizes'))
        dyn = geo.to_nhwc(dy)
        if in_shape[3] != f.shape[2]:
            return fallback(sizes, f, dy)  # its error
        out_hw, pads = geo.plan(in_shape[1:3], f.shape[:2])
        shared._check_dy(op, dyn, (in_shape[0], out_hw[0], out_hw[1], f.shape[3]))
        if not (dyn.size and f.size and min(in_shape) > 0):
            return fallback(sizes, f, dy)
        dyn, f = np.ascontiguousarray(dyn), np.ascontiguousarray(f)
        n, h, w, c = in_shape
        kh, kw, _, o = f.shape
        dx = np.empty((n, h, w, c), dyn.dtype)

        def part(a, b):
            loop(_geo(dyn.itemsize, b - a, (h, w), c, out_hw, o, (kh, kw), geo, pads), dyn[a:b], f, dx[a:b])
        _run_parts(_parts(n, dyn.size * kh * kw * c), part)
        return np.ascontiguousarray(geo.from_nhwc(dx)) if geo.nchw else dx
    return run


@register_kernel('Conv2DBackpropFilter', devices=('CPU',), host_inputs=(1,), fresh_output=True)
def conv2d_backprop_filter_cpu(op, ctx):
    loop = _loop(op, 'conv2d_backprop_filter')
    fallback = shared.conv2d_backprop_filter(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op)

    def run(x, sizes, dy):
        f_shape = shared._sizes(sizes, op, 'filter_sizes')
        xn, dyn = geo.to_nhwc(x), geo.to_nhwc(dy)
        if xn.shape[3] != f_shape[2]:
            return fallback(x, sizes, dy)  # its error
        out_hw, pads = geo.plan(xn.shape[1:3], f_shape[:2])
        shared._check_dy(op, dyn, (xn.shape[0], out_hw[0], out_hw[1], f_shape[3]))
        if not (xn.size and dyn.size and min(f_shape) > 0):
            return fallback(x, sizes, dy)
        xn, dyn = np.ascontiguousarray(xn), np.ascontiguousarray(dyn)
        n, _, _, c = xn.shape
        kh, kw, _, o = f_shape

        def part(a, b):
            dw = np.empty(f_shape, xn.dtype)
            loop(_geo(xn.itemsize, b - a, xn.shape[1:3], c, out_hw, o, (kh, kw), geo, pads), xn[a:b], dyn[a:b], dw)
            return dw
        sums = _run_parts(_parts(n, dyn.size * kh * kw * c), part)
        for other in sums[1:]:
            sums[0] += other
        return sums[0]
    return run


# -- depthwise convolution -------------------------------------------------------------------------------
@register_kernel('DepthwiseConv2dNative', devices=('CPU',), fresh_output=True)
def depthwise_conv2d_cpu(op, ctx):
    loop = _loop(op, 'depthwise_forward')
    fallback = shared.depthwise_conv2d(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op)

    def run(x, f):
        xn = geo.to_nhwc(x)
        if xn.ndim != 4 or f.ndim != 4 or xn.shape[3] != f.shape[2] or not (xn.size and f.size):
            return fallback(x, f)  # its error, or its empty result
        out_hw, pads = geo.plan(xn.shape[1:3], f.shape[:2])
        if min(out_hw) <= 0:
            return fallback(x, f)
        xn, f = np.ascontiguousarray(xn), np.ascontiguousarray(f)
        n, _, _, c = xn.shape
        kh, kw, _, m = f.shape
        y = np.empty((n, out_hw[0], out_hw[1], c * m), xn.dtype)

        def part(a, b):
            loop(_geo(xn.itemsize, b - a, xn.shape[1:3], c, out_hw, c * m, (kh, kw), geo, pads), xn[a:b], f, y[a:b])
        _run_parts(_parts(n, y.size * kh * kw), part)
        return np.ascontiguousarray(geo.from_nhwc(y)) if geo.nchw else y
    return run


@register_kernel('DepthwiseConv2dNativeBackpropInput', devices=('CPU',), host_inputs=(0,), fresh_output=True)
def depthwise_backprop_input_cpu(op, ctx):
    loop = _loop(op, 'depthwise_backprop_input')
    fallback = shared.depthwise_backprop_input(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op)

    def run(sizes, f, dy):
        in_shape = geo.nhwc_shape(shared._sizes(sizes, op, 'input_sizes'))
        dyn = geo.to_nhwc(dy)
        n, h, w, c = in_shape
        kh, kw, fc, m = f.shape
        out_hw, pads = geo.plan((h, w), (kh, kw))
        if fc != c or tuple(dyn.shape) != (n, out_hw[0], out_hw[1], c * m) or not (dyn.size and f.size):
            return fallback(sizes, f, dy)
        dyn, f = np.ascontiguousarray(dyn), np.ascontiguousarray(f)
        dx = np.empty((n, h, w, c), dyn.dtype)

        def part(a, b):
            loop(_geo(dyn.itemsize, b - a, (h, w), c, out_hw, c * m, (kh, kw), geo, pads), dyn[a:b], f, dx[a:b])
        _run_parts(_parts(n, dyn.size * kh * kw), part)
        return np.ascontiguousarray(geo.from_nhwc(dx)) if geo.nchw else dx
    return run


@register_kernel('DepthwiseConv2dNativeBackpropFilter', devices=('CPU',), host_inputs=(1,), fresh_output=True)
def depthwise_backprop_filter_cpu(op, ctx):
    loop = _loop(op, 'depthwise_backprop_filter')
    fallback = shared.depthwise_backprop_filter(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op)

    def run(x, sizes, dy):
        kh, kw, c, m = f_shape = shared._sizes(sizes, op, 'filter_sizes')
        xn, dyn = geo.to_nhwc(x), geo.to_nhwc(dy)
        if xn.ndim != 4 or xn.shape[3] != c or min(f_shape) <= 0 or not xn.size:
            return fallback(x, sizes, dy)
        out_hw, pads = geo.plan(xn.shape[1:3], (kh, kw))
        if tuple(dyn.shape) != (xn.shape[0], out_hw[0], out_hw[1], c * m) or not dyn.size:
            return fallback(x, sizes, dy)
        xn, dyn = np.ascontiguousarray(xn), np.ascontiguousarray(dyn)

        def part(a, b):
            dw = np.empty(f_shape, xn.dtype)
            loop(_geo(xn.itemsize, b - a, xn.shape[1:3], c, out_hw, c * m, (kh, kw), geo, pads), xn[a:b], dyn[a:b],
                 dw)
            return dw
        sums = _run_parts(_parts(xn.shape[0], dyn.size * kh * kw), part)
        for other in sums[1:]:
            sums[0] += other
        return sums[0]
    return run


# -- pooling ---------------------------------------------------------------------------------------------
def _pool_geo(dtype, n, shape, out_hw, geo, pads):
    return _geo(np.dtype(dtype).itemsize, n, shape[1:3], shape[3], out_hw, shape[3], geo.window, geo, pads)


def _pool_kernel(op_type, loop_name, shared_builder):
    """The CPU builder of MaxPool or AvgPool: y[n, oh, ow, c] from each window, one C pass."""
    @register_kernel(op_type, devices=('CPU',), fresh_output=True)
    def pool_cpu(op, ctx):
        loop = _loop(op, loop_name)
        fallback = shared_builder(op, ctx)
        if loop is None:
            return fallback
        geo = shared._Geometry(op, 'ksize')

        def run(x):
            shared._check_pool_input(op, x)
            xn = geo.to_nhwc(x)
            out_hw, pads = geo.plan(xn.shape[1:3], geo.window)
            if not (xn.size and out_hw[0] > 0 and out_hw[1] > 0):
                return fallback(x)
            xn = np.ascontiguousarray(xn)
            n, c = xn.shape[0], xn.shape[3]
            y = np.empty((n, out_hw[0], out_hw[1], c), xn.dtype)

            def part(a, b):
                loop(_pool_geo(xn.dtype, b - a, xn.shape, out_hw, geo, pads), xn[a:b], y[a:b])
            _run_parts(_parts(n, y.size * geo.window[0] * geo.window[1]), part)
            return np.ascontiguousarray(geo.from_nhwc(y)) if geo.nchw else y
        return run
    pool_cpu.__name__ = pool_cpu.__qualname__ = '%s_cpu' % loop_name
    return pool_cpu


max_pool_cpu = _pool_kernel('MaxPool', 'max_pool', shared.max_pool)
avg_pool_cpu = _pool_kernel('AvgPool', 'avg_pool', shared.avg_pool)


@register_kernel('MaxPoolGrad', devices=('CPU',), fresh_output=True)
def max_pool_grad_cpu(op, ctx):
    """Each window's gradient to its first maximum in row-major order, as the shared kernel."""
    loop = _loop(op, 'max_pool_grad')
    fallback = shared.max_pool_grad(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op, 'ksize')

    def run(x, y, grad):
        xn, yn, gn = geo.to_nhwc(x), geo.to_nhwc(y), geo.to_nhwc(grad)
        out_hw, pads = geo.plan(xn.shape[1:3], geo.window)
        expected = (xn.shape[0], out_hw[0], out_hw[1], xn.shape[3])
        shared._check_dy(op, gn, expected, 'grad')
        shared._check_dy(op, yn, expected, 'orig_output')
        if not (xn.size and gn.size):
            return fallback(x, y, grad)
        xn, yn, gn = np.ascontiguousarray(xn), np.ascontiguousarray(yn), np.ascontiguousarray(gn)
        n = xn.shape[0]
        dx = np.empty(xn.shape, xn.dtype)

        def part(a, b):
            loop(_pool_geo(xn.dtype, b - a, xn.shape, out_hw, geo, pads), xn[a:b], yn[a:b], gn[a:b], dx[a:b])
        _run_parts(_parts(n, gn.size * geo.window[0] * geo.window[1]), part)
        return np.ascontiguousarray(geo.from_nhwc(dx)) if geo.nchw else dx
    return run


@register_kernel('AvgPoolGrad', devices=('CPU',), host_inputs=(0,), fresh_output=True)
def avg_pool_grad_cpu(op, ctx):
    loop = _loop(op, 'avg_pool_grad')
    fallback = shared.avg_pool_grad(op, ctx)
    if loop is None:
        return fallback
    geo = shared._Geometry(op, 'ksize')

    def run(sizes, grad):
        in_shape = geo.nhwc_shape(shared._sizes(sizes, op, 'orig_input_shape'))
        gn = geo.to_nhwc(grad)
        out_hw, pads = geo.plan(in_shape[1:3], geo.window)
        shared._check_dy(op, gn, (in_shape[0], out_hw[0], out_hw[1], in_shape[3]), 'grad')
        if not (gn.size and min(in_shape) > 0):
            return fallback(sizes, grad)
        gn = np.ascontiguousarray(gn)
        n = in_shape[0]
        dx = np.empty(in_shape, gn.dtype)

        def part(a, b):
            loop(_pool_geo(gn.dtype, b - a, in_shape, out_hw, geo, pads), gn[a:b], dx[a:b])
        _run_parts(_parts(n, gn.size * geo.window[0] * geo.window[1]), part)
        return np.ascontiguousarray(geo.from_nhwc(dx)) if geo.nchw else dx
    return run
