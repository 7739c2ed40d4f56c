"""Kernels of the tensors made from shapes and counts (ops/filling_ops.py), for CPU and GPU through
`ctx.xp`: Fill, ZerosLike, OnesLike, Range, LinSpace, OneHot. Shapes and counts are host inputs,
parsed once when they are Consts.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.kernels import tensor_array_kernels
from sluice.kernels.checks import dims_text as _dims_str, invalid as _invalid
from sluice.kernels.registry import register_kernel
from sluice.ops import shape_fns as spec
from sluice.kernels.array_kernels import _ints, _parsed


@register_kernel('Fill', host_inputs=(0,), fresh_output=True)
def fill(op, ctx):
    xp = ctx.xp
    dims_of = _parsed(ctx, 0, _ints)

    def run(dims, value):
        dims = dims_of(dims)
        for d in dims:
            if d < 0:
                raise _invalid(op, 'Dimension %d must be >= 0' % d)
        if value.ndim != 0:
            raise _invalid(op, 'value must be a scalar, got shape %s' % _dims_str(value.shape))
        out = xp.empty(dims, dtype=value.dtype)
        out[...] = value
        return out
    return run


@register_kernel('ZerosLike', fresh_output=True)
def zeros_like(op, ctx):
    xp = ctx.xp
    if op.get_attr('T') == dtypes.variant:  # a TensorList: as long, its elements zeros (a gradient list)
        return lambda ta: tensor_array_kernels.zeros_list(ta, xp)
    return lambda x: xp.zeros_like(x)


@register_kernel('OnesLike', fresh_output=True)
def ones_like(op, ctx):
    xp = ctx.xp
    return lambda x: xp.ones_like(x)


@register_kernel('Range', host_inputs=(0, 1, 2), fresh_output=True)
def range_(op, ctx):
    xp, dtype = ctx.xp, np.dtype(op.get_attr('Tidx').as_numpy_dtype)
    t = dtype.type

    def run(start, limit, delta):
        for name, v in (('start', start), ('limit', limit), ('delta', delta)):
            if np.ndim(v) != 0:
                raise _invalid(op, '%s must be a scalar, not shape %s' % (name, _dims_str(np.shape(v))))
        s, l, d = start.item(), limit.item(), delta.item()
        n = spec.range_size(s, l, d, dtype)
        if isinstance(n, str):
            raise _invalid(op, n)
        return (xp.arange(n, dtype=dtype) * t(d) + t(s)).astype(dtype, copy=False)  # start + i * delta, in T
    return run


@register_kernel('LinSpace', host_inputs=(0, 1, 2), fresh_output=True)
def lin_space(op, ctx):
    xp, dtype = ctx.xp, np.dtype(op.get_attr('T').as_numpy_dtype)
    t = dtype.type

    def run(start, stop, num):
        n = int(num)
        if n <= 0:
            raise _invalid(op, 'Requires num > 0: %d' % n)
        s, e = t(start.item()), t(stop.item())
        if n == 1:
            return xp.asarray(np.array([s], dtype=dtype))
        out = (xp.arange(n, dtype=dtype) * ((e - s) / t(n - 1)) + s).astype(dtype, copy=False)
        out[-1] = e  # TF sets the last value to stop exactly
        return out
    return run


@register_kernel('OneHot', host_inputs=(1, 2, 3), fresh_output=True)
def one_hot(op, ctx):
    xp, axis = ctx.xp, op.get_attr('axis')
    dtype = op.get_attr('T').as_numpy_dtype

    def run(indices, depth, on_value, off_value):
        d = int(depth)
        if d < 0:
            raise _invalid(op, 'depth must be non-negative, got: %d' % d)
        hot = indices[..., None] == xp.arange(d, dtype=indices.dtype)
        out = xp.where(hot, np.asarray(on_value).item(), np.asarray(off_value).item()).astype(dtype)
        if axis != -1 and axis != indices.ndim:
            out = xp.ascontiguousarray(xp.moveaxis(out, -1, axis))
        return out
    return run
