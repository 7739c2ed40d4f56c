"""A stand-in for NVIDIA's cuDNN frontend (`import cudnn`) on fake GPUs.

It has the names and keyword arguments sluice's kernels/cudnn_conv.py calls, as the frontend's
bindings declare them (python/pygraph/pygraph.cpp: pygraph(io_data_type=, intermediate_data_type=,
compute_data_type=, handle=), tensor(dim=, stride=, data_type=, name=), conv_fprop(image, weight,
padding, stride, dilation, compute_data_type, name), conv_dgrad(loss, filter, ...), conv_wgrad(image,
loss, ...), build([heur_mode...]), get_workspace_size(), execute({tensor: pointer}, workspace,
handle=)), checks what it is given, and computes the convolutions with NumPy straight from the host
addresses the kernels pass (a fake GPU's arrays are NumPy), reading and writing each tensor through
the dims (N, C, H, W / K, C, R, S) and strides it was declared with. A wrong layout, filter
transposition or padding in sluice's mapping therefore gives wrong values, not a silent pass.
"""
import ctypes
import types

import numpy as np


class _Enum:
    def __init__(self, *names):
        for name in names:
            setattr(self, name, '%s' % name)


class cudnnGraphNotSupportedError(Exception):
    pass


class Tensor:
    def __init__(self, graph, name, dim, stride, data_type):
        self.graph, self.name = graph, name
        self.dim = None if dim is None else [int(d) for d in dim]
        self.stride = None if stride is None else [int(s) for s in stride]
        self.data_type, self.is_output = data_type, False

    def set_output(self, flag):
        self.is_output = bool(flag)
        return self

    def set_dim(self, dim):
        self.dim = [int(d) for d in dim]
        return self

    def set_stride(self, stride):
        self.stride = [int(s) for s in stride]
        return self

    def set_data_type(self, data_type):
        self.data_type = data_type
        return self

    def get_uid(self):
        return id(self)


class Graph:
    def __init__(self, frontend, name='test_graph', io_data_type=None, intermediate_data_type=None,
                 compute_data_type=None, handle=None):
        assert handle in frontend.handles, 'pygraph needs a handle from create_handle()'
        self.frontend, self.io, self.compute, self.handle = frontend, io_data_type, compute_data_type, handle
        self.deselected, self.op, self.built = [], None, False

    def tensor(self, dim, stride, data_type=None, is_virtual=False, name=''):
        assert len(dim) == len(stride) == 4, (dim, stride)
        assert all(s >= 1 for s in stride), 'strides must be positive: %s' % (stride,)
        return Tensor(self, name, dim, stride, data_type or self.io)

    def deselect_numeric_notes(self, notes):
        self.deselected.extend(notes)

    def _conv(self, kind, a, b, padding, stride, dilation, compute_data_type, name):
        assert self.op is None, 'one convolution per graph here'
        for v in (padding, stride, dilation):
            assert len(v) == 2 and all(int(i) == i for i in v), (padding, stride, dilation)
        assert a.graph is self and b.graph is self
        out = Tensor(self, name, None, None, self.io)
        self.op = dict(kind=kind, inputs=(a, b), out=out, padding=list(padding), stride=list(stride),
                       dilation=list(dilation), compute=compute_data_type)
        if kind == 'fprop':  # the frontend infers the output dims of a forward convolution
            n, _, h, w = a.dim
            k, _, r, s = b.dim
            out.dim = [n, k] + [(size + 2 * p - d * (kk - 1) - 1) // st + 1 for size, p, d, kk, st in
                                zip((h, w), padding, dilation, (r, s), stride)]
        return out

    def conv_fprop(self, image, weight, padding=(), stride=(), dilation=(), compute_data_type=None, name=''):
        return self._conv('fprop', image, weight, padding, stride, dilation, compute_data_type, name)

    def conv_dgrad(self, loss, filter, padding=(), stride=(), dilation=(), compute_data_type=None, name=''):
        return self._conv('dgrad', loss, filter, padding, stride, dilation, compute_data_type, name)

    def conv_wgrad(self, image, loss, padding=(), stride=(), dilation=(), compute_data_type=None, name=''):
        return self._conv('wgrad', image, loss, padding, stride, dilation, compute_data_type, name)

    def build(self, modes):
        assert modes and all(m in (self.frontend.heur_mode.A, self.frontend.heur_mode.FALLBACK) for m in modes)
        op = self.op
        out = op['out']
        assert out.is_output and out.dim is not None and out.stride is not None, 'output dims/strides not set'
        a, b = op['inputs']
        shapes = {'fprop': (a.dim, b.dim, out.dim), 'dgrad': (out.dim, b.dim, a.dim),
                  'wgrad': (a.dim, out.dim, b.dim)}[op['kind']]
        x, w, y = shapes
        assert x[1] == w[1] and y[1] == w[0] and x[0] == y[0], 'inconsistent dims %s' % (shapes,)
        for size, p, d, k, s, o in zip(x[2:], op['padding'], op['dilation'], w[2:], op['stride'], y[2:]):
            assert (size + 2 * p - d * (k - 1) - 1) // s + 1 == o, 'output size %s for %s' % (o, shapes)
        reason = self.frontend.unsupported(self)
        if reason:
            raise cudnnGraphNotSupportedError(reason)
        self.built = True
        self.frontend.builds.append(self)

    def get_workspace_size(self):
        assert self.built
        return self.frontend.workspace_size

    def execute(self, var_pack, workspace, handle=None):
        assert self.built and handle is self.handle
        assert handle in self.frontend.streams, 'set_stream before execute'
        assert isinstance(workspace, int) and workspace
        op = self.op
        a, b = op['inputs']
        out = op['out']
        assert set(var_pack) == {a, b, out} and all(isinstance(p, int) for p in var_pack.values())
        dtype = self.frontend.numpy_type(self.io)
        va, vb, vout = (_view(var_pack[t], t.dim, t.stride, dtype) for t in (a, b, out))
        geometry = op['padding'], op['stride'], op['dilation']
        if op['kind'] == 'fprop':
            vout[...] = _fprop(va, vb, vout.shape, *geometry)
        elif op['kind'] == 'dgrad':
            vout[...] = _dgrad(va, vb, vout.shape, *geometry)
        else:
            vout[...] = _wgrad(va, vb, vout.shape, *geometry)
        self.frontend.executions.append(self)


def _view(pointer, dims, strides, dtype):
    """The array at a host address, seen through cuDNN's (dims, strides) in elements."""
    itemsize = np.dtype(dtype).itemsize
    extent = (sum((d - 1) * s for d, s in zip(dims, strides)) + 1) * itemsize
    base = np.frombuffer((ctypes.c_char * extent).from_address(pointer), dtype=dtype)
    return np.lib.stride_tricks.as_strided(base, shape=dims, strides=[s * itemsize for s in strides])


def _taps(w_shape, y_shape, padding, stride, dilation):
    """(r, s, index into the padded input read by every output position at filter tap (r, s))."""
    for r in range(w_shape[2]):
        for s in range(w_shape[3]):
            rows = slice(r * dilation[0], r * dilation[0] + stride[0] * (y_shape[2] - 1) + 1, stride[0])
            cols = slice(s * dilation[1], s * dilation[1] + stride[1] * (y_shape[3] - 1) + 1, stride[1])
            yield r, s, (slice(None), slice(None), rows, cols)


def _padded(x, padding):
    return np.pad(x.astype(np.float64), ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))


def _fprop(x, w, y_shape, padding, stride, dilation):
    xp, y = _padded(x, padding), np.zeros(y_shape)
    for r, s, index in _taps(w.shape, y_shape, padding, stride, dilation):
        y += np.einsum('nchw,kc->nkhw', xp[index], w[:, :, r, s].astype(np.float64))
    return y


def _dgrad(dy, w, x_shape, padding, stride, dilation):
    n, c, h, wd = x_shape
    dx = np.zeros((n, c, h + 2 * padding[0], wd + 2 * padding[1]))
    for r, s, index in _taps(w.shape, dy.shape, padding, stride, dilation):
        dx[index] += np.einsum('nkhw,kc->nchw', dy.astype(np.float64), w[:, :, r, s].astype(np.float64))
    return dx[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + wd]


def _wgrad(x, dy, w_shape, padding, stride, dilation):
    xp, dw = _padded(x, padding), np.zeros(w_shape)
    for r, s, index in _taps(w_shape, dy.shape, padding, stride, dilation):
        dw[:, :, r, s] = np.einsum('nchw,nkhw->kc', xp[index], dy.astype(np.float64))
    return dw


def make(unsupported=None, workspace_size=256, handle_error=None):
    """A fresh stand-in module. unsupported(graph) -> reason or None decides which builds fail;
    handle_error: an exception create_handle raises. It records builds, executions and streams."""
    m = types.ModuleType('cudnn')
    m.data_type = _Enum('NOT_SET', 'HALF', 'FLOAT', 'DOUBLE')
    m.heur_mode = _Enum('A', 'B', 'FALLBACK')
    m.numerical_note = _Enum('TENSOR_CORE', 'DOWN_CONVERT_INPUTS')
    m.cudnnGraphNotSupportedError = cudnnGraphNotSupportedError
    m.handles, m.streams, m.builds, m.executions = [], {}, [], []
    m.unsupported = unsupported or (lambda graph: None)
    m.workspace_size = workspace_size
    types_ = {m.data_type.HALF: np.float16, m.data_type.FLOAT: np.float32, m.data_type.DOUBLE: np.float64}
    m.numpy_type = types_.__getitem__

    def create_handle():
        if handle_error is not None:
            raise handle_error
        handle = object()
        m.handles.append(handle)
        return handle

    def set_stream(handle, stream):
        assert handle in m.handles and isinstance(stream, int)
        m.streams[handle] = stream

    m.create_handle, m.set_stream = create_handle, set_stream
    m.pygraph = lambda **kwargs: Graph(m, **kwargs)
    return m
