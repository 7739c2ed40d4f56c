"""Kernels of the reductions (ops/reduction_ops.py), written once against `ctx.xp`: Sum, Prod, Mean,
Max, Min, All, Any, ArgMax/ArgMin and the scans Cumsum/Cumprod. Axes are host inputs; constant axes
are normalized once per rank. Outputs keep TF's dtypes: reductions pass `dtype=` so int32 sums stay
int32 (NumPy would widen them), and NumPy's 0-d results are turned back into 0-d arrays.

Float sums and means over outer axes: NumPy sums a contiguous innermost axis pairwise, but over outer
axes it adds row after row, so float32 error grows with the row count (4x TF's for batch norm's
`reduce_mean` over [0, 1, 2] of NHWC). When the reduced axes are one contiguous run that is not
innermost, the input is viewed as (outer, R, inner) and summed in blocks of `_BLOCK` rows in the input's
accumulator type, then the R / _BLOCK block sums in float64: as fast as the plain sum and more accurate
than TF. Axis sets with gaps accumulate in float64 throughout.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.kernels.registry import register_kernel
from sluice.kernels.math_kernels import _as_array, _fail, _shape_text


def _reduction_axes(op, values, ndim):
    """Sorted non-negative axes; TF's errors for axes out of range or repeated."""
    axes = []
    for v in values:
        if v < -ndim or v >= ndim:
            raise _fail(op, 'Invalid reduction dimension (%d for input with %d dimension(s)' % (v, ndim))
        v %= ndim
        if v in axes:
            raise _fail(op, 'Invalid reduction arguments: Axes contains duplicate dimension: %d' % v)
        axes.append(v)
    return tuple(sorted(axes))


def _reduced_shape(shape, axes, keep):
    if keep:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


_BLOCK = 128  # rows summed one after another in float32: error about sqrt(128) ulp
_NARROW_FLOATS = frozenset(d for d in (dtypes.float16, dtypes.float32, getattr(dtypes, 'bfloat16', None)) if d)


def _accurate_sum(xp, a, axes, keep, accumulate):
    """Sum of `a` over `axes` (sorted, non-empty) in `accumulate` (a dtype no wider than float32),
    accurate to a few ulp whatever the axes: see the module docstring."""
    ndim = a.ndim
    if axes[-1] == ndim - 1 and axes == tuple(range(axes[0], ndim)):
        return xp.sum(a, axis=axes, keepdims=keep, dtype=accumulate)  # innermost: NumPy is pairwise
    out_shape = _reduced_shape(a.shape, axes, keep)
    if axes != tuple(range(axes[0], axes[-1] + 1)):  # gaps: no cheap blocked view
        return xp.sum(a, axis=axes, dtype=np.float64).astype(accumulate).reshape(out_shape)
    outer = int(np.prod(a.shape[:axes[0]], dtype=np.int64))
    rows = int(np.prod(a.shape[axes[0]:axes[-1] + 1], dtype=np.int64))
    if rows <= _BLOCK:
        return xp.sum(a, axis=axes, keepdims=keep, dtype=accumulate)
    inner = int(np.prod(a.shape[axes[-1] + 1:], dtype=np.int64))
    m = a.reshape(outer, rows, inner)
    whole = rows - rows % _BLOCK
    blocks = m[:, :whole].reshape(outer, whole // _BLOCK, _BLOCK, inner).sum(axis=2, dtype=accumulate)
    total = blocks.sum(axis=1, dtype=np.float64)
    if whole < rows:
        total += m[:, whole:].sum(axis=1, dtype=np.float64)
    return total.astype(accumulate).reshape(out_shape)


def _reducer(op, xp, dt, keep):
    """f(a, axes) for the reduction op (axes non-empty, normalized)."""
    kind = op.type
    if kind in ('All', 'Any'):
        fn = xp.all if kind == 'All' else xp.any
        return lambda a, axes: fn(a, axis=axes, keepdims=keep)
    np_type = dt.as_numpy_dtype
    if kind == 'Sum' and dt in _NARROW_FLOATS:
        return lambda a, axes: _accurate_sum(xp, a, axes, keep, np_type)
    if kind in ('Sum', 'Prod'):
        fn = xp.sum if kind == 'Sum' else xp.prod
        return lambda a, axes: fn(a, axis=axes, keepdims=keep, dtype=np_type)
    if kind in ('Max', 'Min'):
        fn = xp.max if kind == 'Max' else xp.min
        if dt.is_integer:
            info = np.iinfo(np_type)
            empty = info.min if kind == 'Max' else info.max
        else:
            empty = -np.inf if kind == 'Max' else np.inf

        def extreme(a, axes):
            if a.size == 0:  # TF gives the reduction's identity where NumPy refuses
                return xp.full(_reduced_shape(a.shape, axes, keep), empty, np_type)
            return fn(a, axis=axes, keepdims=keep)
        return extreme
    # Mean: integers divide the sum by the count, truncating toward zero like TF.
    if dt.is_integer:
        unsigned = dt.is_unsigned

        def int_mean(a, axes):
            total = xp.sum(a, axis=axes, keepdims=keep, dtype=np_type)
            count = 1
            for i in axes:
                count *= a.shape[i]
            if count == 0:
                return total
            count = np_type(count)
            return total // count if unsigned else (total - xp.fmod(total, count)) // count
        return int_mean
    if dt not in _NARROW_FLOATS:
        def mean(a, axes):
            if a.size == 0:
                return xp.full(_reduced_shape(a.shape, axes, keep), np.nan, np_type)
            return xp.mean(a, axis=axes, keepdims=keep, dtype=np_type)
        return mean
    accumulate = np.float32 if dt != dtypes.float32 else np_type  # half types sum in float32, as TF

    def narrow_mean(a, axes):
        if a.size == 0:
            return xp.full(_reduced_shape(a.shape, axes, keep), np.nan, np_type)
        count = 1
        for i in axes:
            count *= a.shape[i]
        total = _accurate_sum(xp, a, axes, keep, accumulate)
        return (total / accumulate(count)).astype(np_type, copy=False)
    return narrow_mean


@register_kernel(('Sum', 'Prod', 'Mean', 'Max', 'Min', 'All', 'Any'), host_inputs=(1,), fresh_output=True)
def reduction(op, ctx):
    xp = ctx.xp
    dt = op.get_attr('T') if 'T' in op._attrs else dtypes.bool
    reduce = _reducer(op, xp, dt, op.get_attr('keep_dims'))
    to_array = _as_array(xp)
    constant = ctx.constant_input(1)
    const_values = None if constant is None else tuple(int(v) for v in np.reshape(constant, [-1]))
    by_rank = {}  # constant axes normalized once per input rank
    private = ctx.input_is_private(0)  # then reducing no axis may hand the input on (gradients' Sum)

    def run(a, axis):
        if const_values is not None:
            axes = by_rank.get(a.ndim)
            if axes is None:
                axes = by_rank[a.ndim] = _reduction_axes(op, const_values, a.ndim)
        else:
            if np.ndim(axis) > 1:
                raise _fail(op, 'Invalid reduction arguments: Axes must be a scalar or vector, got %s'
                            % _shape_text(np.shape(axis)))
            axes = _reduction_axes(op, [int(v) for v in np.reshape(axis, [-1])], a.ndim)
        if not axes:
            return a if private and isinstance(a, xp.ndarray) else to_array(xp.array(a, copy=True))
        return to_array(reduce(a, axes))
    return run


@register_kernel(('ArgMax', 'ArgMin'), host_inputs=(1,), fresh_output=True)
def arg_reduction(op, ctx):
    xp = ctx.xp
    fn = xp.argmax if op.type == 'ArgMax' else xp.argmin
    out_type = op.get_attr('output_type').as_numpy_dtype
    to_array = _as_array(xp)

    def run(a, dimension):
        if np.ndim(dimension) != 0:
            raise _fail(op, 'dimension must be a scalar, but received tensor of shape: %s'
                        % _shape_text(np.shape(dimension)))
        d = int(dimension)
        if d < -a.ndim or d >= a.ndim:
            raise _fail(op, 'Expected dimension in the range [%d, %d), but got %d' % (-a.ndim, a.ndim, d))
        if a.shape[d] == 0:
            raise _fail(op, 'Reduction axis %d is empty in shape %s' % (d, _shape_text(a.shape)))
        return to_array(fn(a, axis=d).astype(out_type, copy=False))
    return run


@register_kernel(('Cumsum', 'Cumprod'), host_inputs=(1,), fresh_output=True)
def scan(op, ctx):
    xp = ctx.xp
    fn = xp.cumsum if op.type == 'Cumsum' else xp.cumprod
    start = 0 if op.type == 'Cumsum' else 1
    exclusive, reverse = op.get_attr('exclusive'), op.get_attr('reverse')
    np_type = op.get_attr('T').as_numpy_dtype

    def run(x, axis):
        if np.ndim(axis) != 0:
            raise _fail(op, 'ScanOp: axis must be a scalar, not %s' % _shape_text(np.shape(axis)))
        ax = int(axis)
        if ax < -x.ndim or ax >= x.ndim:
            raise _fail(op, 'ScanOp: Expected scan axis in the range [%d, %d), but got %d' % (-x.ndim, x.ndim, ax))
        ax %= x.ndim
        if reverse:
            x = xp.flip(x, ax)
        out = fn(x, axis=ax, dtype=np_type)
        if exclusive:  # shift by one along the axis, starting from the identity
            lead = (slice(None),) * ax
            shifted = xp.empty_like(out)
            shifted[lead + (slice(0, 1),)] = start
            shifted[lead + (slice(1, None),)] = out[lead + (slice(None, -1),)]
            out = shifted
        return xp.flip(out, ax) if reverse else out
    return run
