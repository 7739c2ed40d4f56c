"""Kernels of the 3-D convolution and pooling ops (ops/nn_conv3d_pool3d.py), one `ctx.xp` body for CPU and GPU.

Everything works channels-last (NCDHW arrays are transposed in and out). The input is padded once with
the SAME pads of nn_shape_fns.window_geometry (TF's arithmetic, the smaller half before) and a strided
view gives every window without copying: win[n, od, oh, ow, kd, kh, kw, c] =
x[n, od*sd + kd*dd, oh*sh + kh*dh, ow*sw + kw*dw, c].

- Conv3D is im2col + one GEMM ([N*OD*OH*OW, KD*KH*KW*C] times [KD*KH*KW*C, O]);
  Conv3DBackpropFilterV2 the transposed product; Conv3DBackpropInputV2 multiplies dy by the filter
  matrix transposed and adds each kernel offset's slice back (col2im, one strided add per offset).
- Pooling combines the strided slice each kernel offset reads (maximum / sum, one vectorized pass per
  offset); max pooling pads with -inf, average pooling divides by the in-input count of each window.
  MaxPool3DGrad gives each window's gradient to every element equal to the window's maximum (TF's
  CPU kernel does so for 3-D pooling, unlike MaxPoolGrad's first maximum).
"""
import itertools

import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel
from sluice.ops import nn_shape_fns
from sluice.ops.nn_conv3d_pool3d import layout3d


def _fail(op, message, cls=errors.InvalidArgumentError):
    return errors.error_for_op(cls, op, message)


class _Geometry3D:
    """A 3-D conv/pool node's attrs resolved once: layout, strides, dilations, padding, window."""

    def __init__(self, op, window_attr=None):
        self.op = op
        spatial, c = layout3d(op.get_attr('data_format'))
        self.first = c == 1
        strides = op.get_attr('strides')
        dil = op._attrs.get('dilations') or [1] * 5
        self.strides = tuple(strides[a] for a in spatial)
        self.dilations = tuple(dil[a] for a in spatial)
        self.padding = nn_shape_fns._text(op.get_attr('padding'))
        if strides[0] != 1 or strides[c] != 1:
            raise _fail(op, 'Current implementation does not yet support strides in the batch and depth '
                            'dimensions.', errors.UnimplementedError)
        self.window = None
        if window_attr is not None:
            self.window = tuple(op.get_attr(window_attr)[a] for a in spatial)

    def plan(self, in_sizes, k_sizes):
        """(output sizes, ((before, after) pads per spatial dim)) for the input and window sizes."""
        out, pads = [], []
        for i in range(3):
            try:
                o, before, after = nn_shape_fns.window_geometry(in_sizes[i], k_sizes[i], self.strides[i],
                                                                self.dilations[i], self.padding)
            except ValueError as e:
                raise _fail(self.op, 'Computed output size would be negative: %s' % e) from None
            out.append(o)
            pads.append((before, after))
        return tuple(out), tuple(pads)

    def to_last(self, x):
        return x.transpose(0, 2, 3, 4, 1) if self.first else x

    def from_last(self, x):
        return x.transpose(0, 4, 1, 2, 3) if self.first else x

    def last_shape(self, shape):
        shape = [int(d) for d in shape]
        return [shape[0], shape[2], shape[3], shape[4], shape[1]] if self.first else shape


def _pad(xp, x, pads, value=0):
    if not any(b or a for b, a in pads):
        return x
    return xp.pad(x, ((0, 0),) + tuple(pads) + ((0, 0),), mode='constant', constant_values=value)


def _windows(xp, x, out, k, geo):
    """The view [N, OD, OH, OW, KD, KH, KW, C] of a padded channels-last array."""
    s = x.strides
    shape = (x.shape[0],) + tuple(out) + tuple(k) + (x.shape[4],)
    strides = ((s[0],) + tuple(s[1 + i] * geo.strides[i] for i in range(3)) +
               tuple(s[1 + i] * geo.dilations[i] for i in range(3)) + (s[4],))
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def _offsets(k, out, geo):
    """(offset, index) per kernel offset in row-major order: index is the strided slice of the padded
    input that every output position reads at that offset."""
    for offset in itertools.product(*(range(n) for n in k)):
        index = (slice(None),)
        for i, o in enumerate(offset):
            start = o * geo.dilations[i]
            index += (slice(start, start + geo.strides[i] * (out[i] - 1) + 1, geo.strides[i]),)
        yield offset, index + (slice(None),)


def _sizes(value, op, what):
    sizes = [int(v) for v in np.reshape(np.asarray(value), [-1])]
    if len(sizes) != 5:
        raise _fail(op, '%s: %s must be 5-dimensional, got %d values' % (op.type, what, len(sizes)))
    return sizes


def _cut(x, pads, in_sizes):
    index = (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, in_sizes)) + (slice(None),)
    return x[index]


# -- convolution -----------------------------------------------------------------------------------------
def _im2col(xp, x, out, k, pads, geo):
    win = _windows(xp, _pad(xp, x, pads), out, k, geo)
    return xp.ascontiguousarray(win).reshape(int(np.prod((x.shape[0],) + tuple(out))), -1)


def _check_depth(op, c, f_in, what):
    if c != f_in:
        raise _fail(op, '%s: input and filter must have the same depth: %d vs %d' % (what, c, f_in))


def _check_dy(op, dy, expected):
    if tuple(dy.shape) != tuple(expected):
        raise _fail(op, '%s: out_backprop has shape %s, but the convolution gives %s'
                    % (op.type, list(dy.shape), list(expected)))


@register_kernel('Conv3D', fresh_output=True)
def conv3d(op, ctx):
    xp = ctx.xp
    geo = _Geometry3D(op)

    def run(x, f):
        x = geo.to_last(x)
        if x.ndim != 5 or f.ndim != 5:
            raise _fail(op, 'input and filter must be 5-dimensional')
        _check_depth(op, x.shape[4], f.shape[3], 'Conv3D')
        out, pads = geo.plan(x.shape[1:4], f.shape[:3])
        cols = _im2col(xp, x, out, f.shape[:3], pads, geo)
        y = (cols @ f.reshape(-1, f.shape[4])).reshape((x.shape[0],) + out + (f.shape[4],))
        return xp.ascontiguousarray(geo.from_last(y))
    return run


@register_kernel('Conv3DBackpropInputV2', host_inputs=(0,), fresh_output=True)
def conv3d_backprop_input(op, ctx):
    xp = ctx.xp
    geo = _Geometry3D(op)

    def run(sizes, f, dy):
        in_shape = geo.last_shape(_sizes(sizes, op, 'input_sizes'))
        dy = geo.to_last(dy)
        _check_depth(op, in_shape[4], f.shape[3], 'Conv3DBackpropInputOp')
        out, pads = geo.plan(in_shape[1:4], f.shape[:3])
        _check_dy(op, dy, (in_shape[0],) + out + (f.shape[4],))
        k = f.shape[:3]
        cols = (dy.reshape(-1, f.shape[4]) @ f.reshape(-1, f.shape[4]).T).reshape(
            (in_shape[0],) + out + tuple(k) + (in_shape[4],))
        padded = xp.zeros([in_shape[0]] + [n + b + a for n, (b, a) in zip(in_shape[1:4], pads)] + [in_shape[4]],
                          dtype=dy.dtype)
        for offset, index in _offsets(k, out, geo):
            padded[index] += cols[(slice(None),) * 4 + offset]
        return xp.ascontiguousarray(geo.from_last(_cut(padded, pads, in_shape[1:4])))
    return run


@register_kernel('Conv3DBackpropFilterV2', host_inputs=(1,), fresh_output=True)
def conv3d_backprop_filter(op, ctx):
    xp = ctx.xp
    geo = _Geometry3D(op)

    def run(x, sizes, dy):
        f_shape = _sizes(sizes, op, 'filter_sizes')
        x, dy = geo.to_last(x), geo.to_last(dy)
        _check_depth(op, x.shape[4], f_shape[3], 'Conv3DBackpropFilterOp')
        out, pads = geo.plan(x.shape[1:4], f_shape[:3])
        _check_dy(op, dy, (x.shape[0],) + out + (f_shape[4],))
        cols = _im2col(xp, x, out, f_shape[:3], pads, geo)
        return xp.ascontiguousarray((cols.T @ dy.reshape(-1, f_shape[4])).reshape(f_shape))
    return run


# -- pooling ---------------------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == 'f' else np.iinfo(dtype).min


def _check_pool_input(op, x):
    if x.ndim != 5:
        raise _fail(op, 'tensor_in must be 5-dimensional')


@register_kernel('MaxPool3D', fresh_output=True)
def max_pool3d(op, ctx):
    xp = ctx.xp
    geo = _Geometry3D(op, 'ksize')

    def run(x):
        _check_pool_input(op, x)
        x = geo.to_last(x)
        out, pads = geo.plan(x.shape[1:4], geo.window)
        padded = _pad(xp, x, pads, _lowest(x.dtype))
        result = None
        for _, index in _offsets(geo.window, out, geo):
            result = padded[index].copy() if result is None else xp.maximum(result, padded[index], out=result)
        return xp.ascontiguousarray(geo.from_last(result))
    return run


def _window_counts(xp, in_sizes, out, pads, geo, dtype):
    ones = _pad(xp, xp.ones((1,) + tuple(in_sizes) + (1,), dtype=dtype), pads)
    counts = None
    for _, index in _offsets(geo.window, out, geo):
        counts = ones[index].copy() if counts is None else counts + ones[index]
    return counts


@register_kernel('AvgPool3D', fresh_output=True)
def avg_pool3d(op, ctx):
    xp = ctx.xp
    geo = _Geometry3D(op, 'ksize')

    def run(x):
        _check_pool_input(op, x)
        x = geo.to_last(x)
        out, pads = geo.plan(x.shape[1:4], geo.window)
        padded = _pad(xp, x, pads)
        total = None
        for _, index in _offsets(geo.window, out, geo):
            total = padded[index].copy() if total is None else xp.add(total, padded[index], out=total)
        result = total / _window_counts(xp, x.shape[1:4], out, pads, geo, x.dtype)
        return xp.ascontiguousarray(geo.from_last(result.astype(x.dtype, copy=False)))
    return run


@register_kernel('MaxPool3DGrad', fresh_output=True)
def max_pool3d_grad(op, ctx):
    xp = ctx.xp
    geo = _Geometry3D(op, 'ksize')

    def run(x, y, grad):
        x, y, grad = geo.to_last(x), geo.to_last(y), geo.to_last(grad)
        out, pads = geo.plan(x.shape[1:4], geo.window)
        if tuple(grad.shape[1:4]) != out:
            raise _fail(op, 'Expected grad shape to be %s, but got %s' % (list(out), list(grad.shape[1:4])))
        padded = _pad(xp, x, pads, _lowest(x.dtype))
        dx = xp.zeros(padded.shape, dtype=grad.dtype)
        for _, index in _offsets(geo.window, out, geo):
            dx[index] += xp.where(padded[index] == y, grad, 0).astype(grad.dtype, copy=False)
        return xp.ascontiguousarray(geo.from_last(_cut(dx, pads, x.shape[1:4])))
    return run


@register_kernel('AvgPool3DGrad', host_inputs=(0,), fresh_output=True)
def avg_pool3d_grad(op, ctx):
    xp = ctx.xp
    geo = _Geometry3D(op, 'ksize')

    def run(sizes, grad):
        in_shape = geo.last_shape(_sizes(sizes, op, 'orig_input_shape'))
        grad = geo.to_last(grad)
        out, pads = geo.plan(in_shape[1:4], geo.window)
        share = grad / _window_counts(xp, in_shape[1:4], out, pads, geo, grad.dtype)
        padded = xp.zeros([in_shape[0]] + [n + b + a for n, (b, a) in zip(in_shape[1:4], pads)] + [in_shape[4]],
                          dtype=grad.dtype)
        for _, index in _offsets(geo.window, out, geo):
            padded[index] += share
        return xp.ascontiguousarray(geo.from_last(_cut(padded, pads, in_shape[1:4]).astype(grad.dtype, copy=False)))
    return run
