"""Kernels of the counting, binning, searching and tensor-scatter ops (ops/counting_ops.py): one `ctx.xp`
body for CPU and GPU (sizes and ranges read on the host)."""
import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel


@register_kernel('UniqueWithCounts', multi_output=True, fresh_output=True)
def unique_with_counts(op, ctx):
    xp = ctx.xp
    idx_dtype = op.get_attr('out_idx').as_numpy_dtype

    def run(x):
        if x.ndim != 1:
            raise _invalid(op, 'unique expects a 1D vector.')
        if x.size == 0:
            return [x.copy(), xp.zeros((0,), dtype=idx_dtype), xp.zeros((0,), dtype=idx_dtype)]
        _, first, inverse, counts = xp.unique(x, return_index=True, return_inverse=True, return_counts=True)
        order = xp.argsort(first)  # by first occurrence, as TF lists them
        rank = xp.empty_like(order)
        rank[order] = xp.arange(order.size)
        return [x[first[order]], rank[inverse.reshape(-1)].astype(idx_dtype), counts[order].astype(idx_dtype)]
    return run


@register_kernel('Bincount', host_inputs=(1,), fresh_output=True)
def bincount(op, ctx):
    xp = ctx.xp

    def run(arr, size, weights):
        size = int(np.asarray(size))
        if size < 0:
            raise _invalid(op, 'size (%d) must be non-negative' % size)
        flat = arr.reshape(-1)
        if flat.size and int(flat.min()) < 0:
            raise _invalid(op, 'Input arr must be non-negative!')
        keep = flat < size
        dtype = weights.dtype
        if weights.size:
            if weights.shape != arr.shape:
                raise _invalid(op, 'If weights are passed, they must have the same shape (%s) as arr (%s)'
                               % (list(weights.shape), list(arr.shape)))
            return xp.bincount(flat[keep], weights=weights.reshape(-1)[keep], minlength=size)[:size].astype(dtype)
        return xp.bincount(flat[keep], minlength=size)[:size].astype(dtype)
    return run


@register_kernel('HistogramFixedWidth', host_inputs=(1, 2), fresh_output=True)
def histogram_fixed_width(op, ctx):
    xp = ctx.xp
    out_dtype = op.get_attr('dtype').as_numpy_dtype

    def run(values, value_range, nbins):
        nbins = int(np.asarray(nbins))
        low, high = (float(v) for v in np.asarray(value_range).reshape(-1)[:2])
        if nbins <= 0:
            raise _invalid(op, 'nbins should be a positive number, but got \'%d\'' % nbins)
        if not low < high:
            raise _invalid(op, 'value_range should satisfy value_range[0] < value_range[1], but got \'[%s, %s]\''
                           % (low, high))
        scaled = (values.reshape(-1).astype(np.float64) - low) / (high - low)
        index = xp.clip(xp.floor(scaled * nbins), 0, nbins - 1).astype(np.int64)
        return xp.bincount(index, minlength=nbins).astype(out_dtype)
    return run


def _bound_kernel(op_type, side):
    @register_kernel(op_type, fresh_output=True)
    def kernel(op, ctx):
        xp = ctx.xp
        out_dtype = op.get_attr('out_type').as_numpy_dtype

        def run(rows, values):
            if rows.shape[0] != values.shape[0]:
                raise _invalid(op, 'Leading dim_size of both tensors must match.')
            out = xp.empty(values.shape, dtype=out_dtype)
            for r in range(rows.shape[0]):
                out[r] = xp.searchsorted(rows[r], values[r], side=side)
            return out
        return run
    return kernel


_bound_kernel('LowerBound', 'left')
_bound_kernel('UpperBound', 'right')


def _scatter_kernel(op_type, combine):
    @register_kernel(op_type, fresh_output=True)
    def kernel(op, ctx):
        xp = ctx.xp

        def run(tensor, indices, updates):
            if indices.ndim < 1 or indices.shape[-1] > tensor.ndim:
                raise _invalid(op, 'Output must be at least 1-D and indices.shape[-1] must be <= rank(tensor), got '
                               'indices %s for tensor %s' % (list(indices.shape), list(tensor.shape)))
            depth = indices.shape[-1]
            flat = indices.reshape(-1, depth).astype(np.int64)
            host = np.asarray(flat.get() if hasattr(flat, 'get') else flat)
            outside = ((host < 0) | (host >= np.asarray(tensor.shape[:depth]))).any(1)
            if outside.any():
                i = int(np.nonzero(outside)[0][0])
                raise _invalid(op, 'indices[%d] = %s does not index into shape %s'
                               % (i, host[i].tolist(), list(tensor.shape)))
            out = tensor.copy()
            rows = updates.reshape((flat.shape[0],) + tuple(tensor.shape[depth:]))
            combine(xp, out, tuple(flat.T), rows)
            return out
        return run
    return kernel


def _set(xp, out, index, rows):
    out[index] = rows


def _add(xp, out, index, rows):
    if hasattr(xp.add, 'at'):
        xp.add.at(out, index, rows)
    else:  # CuPy without ufunc.at
        import cupyx
        cupyx.scatter_add(out, index, rows)


def _sub(xp, out, index, rows):
    _add(xp, out, index, -rows)


_scatter_kernel('TensorScatterUpdate', _set)
_scatter_kernel('TensorScatterAdd', _add)
_scatter_kernel('TensorScatterSub', _sub)
