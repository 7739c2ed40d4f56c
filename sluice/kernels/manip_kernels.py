"""Kernels of the array-manipulation ops (ops/manip_ops.py), one ctx.xp body for CPU and GPU: Unique, ListDiff,
BroadcastTo, BroadcastArgs, ScatterNd, Roll, ReverseSequence.
"""
import numpy as np

from sluice.kernels.checks import dims_text as _dims, invalid as _invalid
from sluice.kernels.gpu_registration import register_scatter_kernel
from sluice.kernels.registry import register_kernel


@register_kernel('Unique', multi_output=True, fresh_output=True)
def unique(op, ctx):
    xp = ctx.xp
    idx_dtype = op.get_attr('out_idx').as_numpy_dtype

    def run(x):
        if x.ndim != 1:
            raise _invalid(op, 'unique expects a 1D vector.')
        if x.size == 0:
            return [x.copy(), xp.zeros((0,), dtype=idx_dtype)]
        _, first, inverse = xp.unique(x, return_index=True, return_inverse=True)
        order = xp.argsort(first)  # first occurrences are distinct: no ties, any sort will do
        rank = xp.empty_like(order)
        rank[order] = xp.arange(order.size)
        return [x[first[order]], rank[inverse.reshape(-1)].astype(idx_dtype)]
    return run


@register_kernel('ListDiff', multi_output=True, fresh_output=True)
def list_diff(op, ctx):
    xp = ctx.xp
    idx_dtype = op.get_attr('out_idx').as_numpy_dtype

    def run(x, y):
        for name, v in (('x', x), ('y', y)):
            if v.ndim != 1:
                raise _invalid(op, '%s should be a 1D vector.' % name)
        keep = xp.nonzero(~xp.isin(x, y))[0]
        return [x[keep], keep.astype(idx_dtype)]
    return run


@register_kernel('BroadcastTo', host_inputs=(1,), fresh_output=True)
def broadcast_to(op, ctx):
    xp = ctx.xp

    def run(x, shape):
        shape = tuple(int(d) for d in np.asarray(shape).reshape(-1))
        try:
            return xp.array(xp.broadcast_to(x, shape), copy=True)
        except ValueError:
            raise _invalid(op, 'Incompatible shapes: %s vs. %s' % (_dims(x.shape), _dims(shape))) from None
    return run


@register_kernel('BroadcastArgs', host_inputs=(0, 1), fresh_output=True)
def broadcast_args(op, ctx):
    xp, dtype = ctx.xp, op.get_attr('T').as_numpy_dtype

    def run(s0, s1):
        s0, s1 = (tuple(int(d) for d in np.asarray(s).reshape(-1)) for s in (s0, s1))
        try:
            shape = np.broadcast_shapes(s0, s1)
        except ValueError:
            raise _invalid(op, 'Incompatible shapes: %s vs. %s' % (_dims(s0), _dims(s1))) from None
        return xp.asarray(np.array(shape, dtype=dtype))
    return run


def _scatter_nd(scatter_add):
    """The ScatterNd builder: checks, then one scatter_add of the updates into zeros."""
    def build(op, ctx):
        xp = ctx.xp

        def run(indices, updates, shape):
            shape = tuple(int(d) for d in np.asarray(shape).reshape(-1))
            if indices.ndim < 1:
                raise _invalid(op, 'Indices shape must have rank at least one. Found:%s' % _dims(indices.shape))
            k = indices.shape[-1]
            if k > len(shape):
                raise _invalid(op, 'Dimensions [0,%d) of indices[shape=%s] must match dimensions [0,%d) of '
                               'updates[shape=%s]' % (indices.ndim - 1, _dims(indices.shape), indices.ndim - 1,
                                                      _dims(updates.shape)))
            expected = indices.shape[:-1] + shape[k:]
            if updates.shape != expected:
                raise _invalid(op, 'Dimensions [%d,%d) of input[shape=%s] = %s must match dimensions [%d,%d) of '
                               'updates[shape=%s] = %s' % (k, len(shape), _dims(shape), _dims(shape[k:]),
                                                           indices.ndim - 1, updates.ndim, _dims(updates.shape),
                                                           _dims(updates.shape[indices.ndim - 1:])))
            out = xp.zeros(shape, dtype=updates.dtype)
            flat_idx = indices.reshape(-1, k).astype(np.int64)
            n = flat_idx.shape[0]
            if n == 0:
                return out
            bounds = xp.asarray(np.array(shape[:k], dtype=np.int64))
            bad = xp.any((flat_idx < 0) | (flat_idx >= bounds), axis=1)
            if bool(bad.any()):
                i = int(xp.argmax(bad))
                raise _invalid(op, 'indices[%d] = [%s] does not index into shape %s' % (
                    i, ', '.join(str(int(v)) for v in flat_idx[i]), _dims(shape)))
            strides = np.cumprod((shape[1:k] + (1,))[::-1])[::-1].astype(np.int64) if k else np.zeros(0, np.int64)
            linear = (flat_idx * xp.asarray(strides)).sum(axis=1) if k else xp.zeros(n, dtype=np.int64)
            flat_out = out.reshape((int(np.prod(shape[:k], dtype=np.int64)),) + shape[k:])
            scatter_add(flat_out, linear, updates.reshape((n,) + shape[k:]))
            return out
        return run
    return build


register_scatter_kernel('ScatterNd', _scatter_nd, host_inputs=(2,), fresh_output=True)


@register_kernel('Roll', host_inputs=(1, 2), fresh_output=True)
def roll(op, ctx):
    xp = ctx.xp

    def run(x, shift, axis):
        shift, axis = np.asarray(shift), np.asarray(axis)
        if shift.ndim > 1:
            raise _invalid(op, 'shift must be a scalar or a 1-D vector. Found: %s' % _dims(shift.shape))
        if axis.ndim > 1:
            raise _invalid(op, 'axis must be a scalar or a 1-D vector. Found: %s' % _dims(axis.shape))
        if shift.shape != axis.shape:
            raise _invalid(op, 'shift and axis must have the same size')
        shifts, axes = [int(s) for s in shift.reshape(-1)], [int(a) for a in axis.reshape(-1)]
        for a in axes:
            if not -x.ndim <= a < x.ndim:
                raise _invalid(op, 'axis %d is out of range' % a)
        if not axes:
            return xp.array(x, copy=True)
        return xp.roll(x, tuple(shifts), tuple(axes))
    return run


@register_kernel('ReverseSequence', fresh_output=True)
def reverse_sequence(op, ctx):
    xp = ctx.xp
    seq_dim, batch_dim = op.get_attr('seq_dim'), op.get_attr('batch_dim')

    def run(x, lengths):
        if lengths.ndim != 1 or lengths.shape[0] != x.shape[batch_dim]:
            raise _invalid(op, 'Length of seq_lengths != input.dims(%d), (%d vs. %d)'
                           % (batch_dim, lengths.shape[0] if lengths.ndim else 0, x.shape[batch_dim]))
        host = np.asarray(lengths.get() if hasattr(lengths, 'get') else lengths)
        for i, n in enumerate(host):
            if n < 0:
                raise _invalid(op, 'seq_lens(%d) < 0' % i)
            if n > x.shape[seq_dim]:
                raise _invalid(op, 'seq_lens(%d) > input.dims(%d)' % (i, seq_dim))
        t = xp.arange(x.shape[seq_dim]).reshape(1, -1)
        lens = xp.asarray(host.astype(np.int64)).reshape(-1, 1)
        idx = xp.where(t < lens, lens - 1 - t, t)  # [batch, seq]
        if batch_dim > seq_dim:
            idx = idx.T
        shape = [1] * x.ndim
        shape[batch_dim], shape[seq_dim] = x.shape[batch_dim], x.shape[seq_dim]
        idx = xp.broadcast_to(idx.reshape(shape), x.shape)
        return xp.take_along_axis(x, idx, axis=seq_dim)
    return run
