"""Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on GPUs through cuDNN's frontend Python API
(`import cudnn`: the `nvidia-cudnn-frontend` package with the `nvidia-cudnn-cu12` runtime, the `gpu` extra).

Selection. At plan time a node takes this path when the frontend imports (and is the frontend: it has
`pygraph`), `SLUICE_CUDNN` is not 0 and the dtype is half, float or double; otherwise its step is the
shared im2col + GEMM body of nn_conv_pool_kernels. At run time each *case* (op, layout, shapes, strides,
dilations, padding, dtype, TF32 setting) builds one cuDNN graph, cached per device; a case whose graph
fails to build or is not supported, and every case of a device whose handle cannot be made, runs the
im2col + GEMM body from then on, with one DEBUG line naming the case and why. Empty tensors run it too.
Input checks and their error messages are the shared kernels' (same helpers), so both paths fail alike.

Parameter mapping, TF -> frontend:
  - cuDNN describes a tensor by its dims in N, C, H, W order (a filter's in K, C, R, S) and strides that
    give the memory layout: NHWC data is (H*W*C, 1, W*C, C), NCHW is packed. The data stay in the
    node's data_format; nothing is transposed.
  - TF's filter is HWIO [KH, KW, C, O], which is no cuDNN filter layout: it is transposed to KRSC
    ([O, KH, KW, C]) for NHWC data and to KCRS ([O, C, KH, KW]) for NCHW, as TF's GPU kernels
    transform theirs; the filter gradient comes back in that layout and is transposed to HWIO.
  - Padding: cuDNN pads symmetrically (pre = post). TF's SAME puts an odd pixel after (bottom,
    right), and EXPLICIT may be anything, so pre = post = min(before, after) goes to cuDNN and the
    input is first padded with zeros by the difference, as TF's conv kernels do; the input gradient
    is computed for that padded input and cropped back.
  - Strides and dilations (H, W) as they are; cross-correlation (TF's convolution).
  - float32: engines whose numerical notes include TENSOR_CORE round float32 to TF32 on Ampere and
    later; they are deselected unless TF32 is on (engine/tensor_float_32: off by default, TF1).
Execution: one handle per device, bound to CuPy's current stream before each call; the workspace is
a uint8 array from CuPy's memory pool; buffers are passed as device pointers (`array.data.ptr`).
On NumPy-backed fake GPUs the pointers are host addresses (`array.ctypes.data`), so the tests drive
every decision and data path with a stand-in frontend that computes with NumPy.
"""
import logging
import os
import sys
import threading

import numpy as np

from sluice.engine import tensor_float_32
from sluice.kernels import nn_conv_pool_kernels as shared
from sluice.kernels.registry import register_kernel

_log = logging.getLogger('sluice')
_DATA_TYPES = {np.dtype(np.float16): 'HALF', np.dtype(np.float32): 'FLOAT', np.dtype(np.float64): 'DOUBLE'}
_backends = {}          # (id(frontend), physical GPU, fake) -> CudnnDevice
_lock = threading.Lock()
_import_failure = []    # [reason] once `import cudnn` failed (a failed import is not cached by Python)


def frontend():
    """The cuDNN frontend module, or None (the reason logged at DEBUG once)."""
    if os.environ.get('SLUICE_CUDNN', '1') == '0':
        return None
    module = sys.modules.get('cudnn')
    if module is None:
        if _import_failure:
            return None
        try:
            import cudnn as module
        except Exception as e:  # not installed, or its cuDNN library does not load
            _import_failure.append('%s: %s' % (type(e).__name__, e))
            _log.debug('cuDNN frontend not importable (%s): convolutions run im2col + GEMM', _import_failure[0])
            return None
    return module if hasattr(module, 'pygraph') else None


def device_backend(cudnn, device):
    """The CudnnDevice of `device` for frontend module `cudnn` (one per physical GPU)."""
    key = (id(cudnn), device.physical_index, device.fake)
    with _lock:
        backend = _backends.get(key)
        if backend is None or backend.cudnn is not cudnn:
            backend = _backends[key] = CudnnDevice(cudnn, device)
        return backend


class ConvCase:
    """One convolution as cuDNN sees it: kind 'fprop' | 'dgrad' | 'wgrad', NCHW or NHWC, dims and
    strides of x (the padded input), w (filter in KRSC/KCRS) and y, symmetric pads, strides,
    dilations, dtype and whether TF32 may be used. Equal cases share one graph."""
    __slots__ = ('kind', 'nchw', 'x', 'w', 'y', 'shapes', 'pads', 'strides', 'dilations', 'dtype', 'tf32', 'key')

    def __init__(self, kind, nchw, x_shape, w_shape, y_shape, pads, strides, dilations, dtype, tf32):
        self.kind, self.nchw, self.dtype, self.tf32 = kind, nchw, np.dtype(dtype), tf32
        self.shapes = tuple(int(d) for d in x_shape), tuple(int(d) for d in w_shape), tuple(int(d) for d in y_shape)
        self.x, self.w, self.y = describe(x_shape, nchw), describe(w_shape, nchw), describe(y_shape, nchw)
        self.pads, self.strides, self.dilations = list(pads), list(strides), list(dilations)
        self.key = (kind, nchw, self.dtype.str, tf32) + self.shapes + (tuple(pads), tuple(strides), tuple(dilations))

    def __repr__(self):
        return '%s %s %s x%s w%s pads %s strides %s dilations %s' % (
            self.kind, 'NCHW' if self.nchw else 'NHWC', self.dtype.name, self.x[0], self.w[0], self.pads,
            self.strides, self.dilations)


def describe(shape, nchw):
    """(dims in N, C, H, W order, strides) of a packed 4-d array of `shape` in the layout."""
    if nchw:
        n, c, h, w = (int(d) for d in shape)
        return [n, c, h, w], [c * h * w, h * w, w, 1]
    n, h, w, c = (int(d) for d in shape)
    return [n, c, h, w], [h * w * c, 1, w * c, c]


class _Built:
    """A built graph: the frontend tensors in execute order (the two inputs, then the output)."""
    __slots__ = ('graph', 'tensors', 'workspace')

    def __init__(self, graph, tensors, workspace):
        self.graph, self.tensors, self.workspace = graph, tensors, workspace


class CudnnDevice:
    """The frontend bound to one GPU: its handle, the graphs built per case, and device memory access."""

    def __init__(self, cudnn, device):
        self.cudnn, self.device, self.xp = cudnn, device, device.xp
        self._handle = None
        self._broken = None     # why no handle could be made: every case falls back
        self._graphs = {}       # case key -> _Built, or None for a case that falls back
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()   # virtual GPUs on lanes of their own share the handle
        self.pointer = (lambda a: a.ctypes.data) if device.fake else (lambda a: a.data.ptr)

    def graph_for(self, case, op):
        """The built graph of `case`, or None (then the caller runs im2col + GEMM)."""
        built = self._graphs.get(case.key, False)
        if built is not False:
            return built
        with self._lock:
            if case.key not in self._graphs:
                self._graphs[case.key] = self._build_logged(case, op)
            return self._graphs[case.key]

    def _build_logged(self, case, op):
        try:
            with self.device.context():
                return self._build(case)
        except Exception as e:  # cudnnGraphNotSupportedError, a failed check_support, no cuDNN library
            _log.debug('%s %s: cuDNN not used for %r (%s: %s); im2col + GEMM runs', op.type, op.name, case,
                       type(e).__name__, e)
            return None

    def handle(self):
        if self._broken is not None:
            raise RuntimeError(self._broken)
        if self._handle is None:
            try:
                self._handle = self.cudnn.create_handle()
            except Exception as e:
                self._broken = 'no cuDNN handle: %s: %s' % (type(e).__name__, e)
                raise
        return self._handle

    def _build(self, case):
        c = self.cudnn
        io = getattr(c.data_type, _DATA_TYPES[case.dtype])
        compute = c.data_type.DOUBLE if case.dtype == np.float64 else c.data_type.FLOAT
        g = c.pygraph(io_data_type=io, intermediate_data_type=compute, compute_data_type=compute,
                      handle=self.handle())
        if case.dtype == np.float32 and not case.tf32:
            g.deselect_numeric_notes([c.numerical_note.TENSOR_CORE])
        geometry = dict(padding=case.pads, stride=case.strides, dilation=case.dilations, compute_data_type=compute)
        if case.kind == 'fprop':
            a = g.tensor(name='x', dim=case.x[0], stride=case.x[1], data_type=io)
            b = g.tensor(name='w', dim=case.w[0], stride=case.w[1], data_type=io)
            out, layout = g.conv_fprop(image=a, weight=b, name='y', **geometry), case.y
        elif case.kind == 'dgrad':
            a = g.tensor(name='dy', dim=case.y[0], stride=case.y[1], data_type=io)
            b = g.tensor(name='w', dim=case.w[0], stride=case.w[1], data_type=io)
            out, layout = g.conv_dgrad(loss=a, filter=b, name='dx', **geometry), case.x
        else:
            a = g.tensor(name='x', dim=case.x[0], stride=case.x[1], data_type=io)
            b = g.tensor(name='dy', dim=case.y[0], stride=case.y[1], data_type=io)
            out, layout = g.conv_wgrad(image=a, loss=b, name='dw', **geometry), case.w
        out.set_output(True)
        out.set_dim(layout[0])
        out.set_stride(layout[1])
        out.set_data_type(io)
        g.build([c.heur_mode.A, c.heur_mode.FALLBACK])
        return _Built(g, (a, b, out), int(g.get_workspace_size()))

    def execute(self, built, a, b, out):
        """Runs a built graph on device arrays a, b (inputs) into out, on CuPy's current stream."""
        xp, pointer, handle = self.xp, self.pointer, self.handle()
        workspace = xp.empty(max(built.workspace, 1), dtype=np.uint8)
        stream = 0 if self.device.fake else xp.cuda.get_current_stream().ptr
        ta, tb, tout = built.tensors
        pack = {ta: pointer(a), tb: pointer(b), tout: pointer(out)}
        with self._run_lock:
            self.cudnn.set_stream(handle=handle, stream=stream)
            built.graph.execute(pack, pointer(workspace), handle=handle)
        return out


# -- the kernels ------------------------------------------------------------------------------------------
class _CudnnNode:
    """What the three kernels share for one node: geometry, the device's frontend, layout helpers."""

    def __init__(self, op, ctx, cudnn):
        self.op, self.xp = op, ctx.xp
        self.geo = shared._Geometry(op)
        self.backend = device_backend(cudnn, ctx.device)
        self.nchw = self.geo.nchw
        self.spatial = (2, 3) if self.nchw else (1, 2)

    def case(self, kind, x_nhwc, f_hwio, pads, dtype):
        """(ConvCase, extra padding ((top, bottom), (left, right)) to apply to the input first)."""
        sym = [min(before, after) for before, after in pads]
        extra = tuple((before - s, after - s) for (before, after), s in zip(pads, sym))
        n, h, w, c = x_nhwc
        h, w = h + sum(extra[0]), w + sum(extra[1])
        kh, kw, _, o = f_hwio
        oh = (h + 2 * sym[0] - self.geo.dilations[0] * (kh - 1) - 1) // self.geo.strides[0] + 1
        ow = (w + 2 * sym[1] - self.geo.dilations[1] * (kw - 1) - 1) // self.geo.strides[1] + 1
        if self.nchw:
            shapes = (n, c, h, w), (o, c, kh, kw), (n, o, oh, ow)
        else:
            shapes = (n, h, w, c), (o, kh, kw, c), (n, oh, ow, o)
        case = ConvCase(kind, self.nchw, shapes[0], shapes[1], shapes[2], sym, self.geo.strides, self.geo.dilations,
                        dtype, tensor_float_32.enabled())
        return case, extra

    def graph(self, case):
        return self.backend.graph_for(case, self.op)

    def filter_in(self, f):
        """HWIO -> KRSC (NHWC data) or KCRS (NCHW data), packed."""
        return self.xp.ascontiguousarray(f.transpose((3, 2, 0, 1) if self.nchw else (3, 0, 1, 2)))

    def filter_out(self, w):
        """KRSC / KCRS -> HWIO, packed."""
        return self.xp.ascontiguousarray(w.transpose((2, 3, 1, 0) if self.nchw else (1, 2, 3, 0)))

    def pad(self, x, extra):
        x = self.xp.ascontiguousarray(x)
        if not any(a or b for a, b in extra):
            return x
        widths = [(0, 0)] * 4
        widths[self.spatial[0]], widths[self.spatial[1]] = extra
        return self.xp.pad(x, widths, mode='constant')

    def crop(self, dx, extra, hw):
        if not any(a or b for a, b in extra):
            return dx
        index = [slice(None)] * 4
        for axis, (before, _), size in zip(self.spatial, extra, hw):
            index[axis] = slice(before, before + size)
        return self.xp.ascontiguousarray(dx[tuple(index)])


def _selected(op, ctx):
    """The frontend when this node may run on cuDNN (see the module docstring), else None."""
    if np.dtype(op.get_attr('T').as_numpy_dtype) not in _DATA_TYPES:
        return None
    return frontend()


@register_kernel('Conv2D', devices=('GPU',), fresh_output=True)
def conv2d_gpu(op, ctx):
    fallback = shared.conv2d(op, ctx)
    cudnn = _selected(op, ctx)
    if cudnn is None:
        return fallback
    node = _CudnnNode(op, ctx, cudnn)
    geo, xp = node.geo, ctx.xp

    def run(x, f):
        xn = geo.to_nhwc(x)
        shared._check_conv(op, xn, f)
        _, pads = geo.plan(xn.shape[1:3], f.shape[:2])  # raises TF's error for a window larger than the input
        if not (x.size and f.size):
            return fallback(x, f)
        case, extra = node.case('fprop', xn.shape, f.shape, pads, x.dtype)
        built = node.graph(case)
        if built is None:
            return fallback(x, f)
        y = xp.empty(case.shapes[2], dtype=x.dtype)
        return node.backend.execute(built, node.pad(x, extra), node.filter_in(f), y)
    return run


@register_kernel('Conv2DBackpropInput', devices=('GPU',), host_inputs=(0,), fresh_output=True)
def conv2d_backprop_input_gpu(op, ctx):
    fallback = shared.conv2d_backprop_input(op, ctx)
    cudnn = _selected(op, ctx)
    if cudnn is None:
        return fallback
    node = _CudnnNode(op, ctx, cudnn)
    geo, xp = node.geo, ctx.xp

    def run(sizes, f, dy):
        in_shape = geo.nhwc_shape(shared._sizes(sizes, op, 'input_sizes'))
        dyn = geo.to_nhwc(dy)
        if in_shape[3] != f.shape[2]:
            raise shared._fail(op, 'Conv2DCustomBackpropInput: input and filter must have the same depth: %d vs %d'
                               % (in_shape[3], f.shape[2]))
        out_hw, pads = geo.plan(in_shape[1:3], f.shape[:2])
        shared._check_dy(op, dyn, (in_shape[0], out_hw[0], out_hw[1], f.shape[3]))
        if not (dy.size and f.size and np.prod(in_shape)):
            return fallback(sizes, f, dy)
        case, extra = node.case('dgrad', in_shape, f.shape, pads, dy.dtype)
        built = node.graph(case)
        if built is None:
            return fallback(sizes, f, dy)
        dx = xp.empty(case.shapes[0], dtype=dy.dtype)
        node.backend.execute(built, xp.ascontiguousarray(dy), node.filter_in(f), dx)
        return node.crop(dx, extra, in_shape[1:3])
    return run


@register_kernel('Conv2DBackpropFilter', devices=('GPU',), host_inputs=(1,), fresh_output=True)
def conv2d_backprop_filter_gpu(op, ctx):
    fallback = shared.conv2d_backprop_filter(op, ctx)
    cudnn = _selected(op, ctx)
    if cudnn is None:
        return fallback
    node = _CudnnNode(op, ctx, cudnn)
    geo, xp = node.geo, ctx.xp

    def run(x, sizes, dy):
        f_shape = shared._sizes(sizes, op, 'filter_sizes')
        xn, dyn = geo.to_nhwc(x), geo.to_nhwc(dy)
        if xn.shape[3] != f_shape[2]:
            raise shared._fail(op, 'Conv2DCustomBackpropFilter: input and filter must have the same depth: %d vs %d'
                               % (xn.shape[3], f_shape[2]))
        out_hw, pads = geo.plan(xn.shape[1:3], f_shape[:2])
        shared._check_dy(op, dyn, (xn.shape[0], out_hw[0], out_hw[1], f_shape[3]))
        if not (x.size and dy.size and np.prod(f_shape)):
            return fallback(x, sizes, dy)
        case, extra = node.case('wgrad', xn.shape, f_shape, pads, x.dtype)
        built = node.graph(case)
        if built is None:
            return fallback(x, sizes, dy)
        w = xp.empty(case.shapes[1], dtype=x.dtype)
        node.backend.execute(built, node.pad(x, extra), xp.ascontiguousarray(dy), w)
        return node.filter_out(w)
    return run
