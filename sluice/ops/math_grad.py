"""Gradients of the math ops (declared with `register_gradient`), and the fused gradient ops
TanhGrad, SigmoidGrad, SqrtGrad, RsqrtGrad and ReciprocalGrad that some of them build.

Each function takes the forward op and the gradient of each of its outputs and returns one
gradient per input (None where none flows), building the same ops as TF 1.x's math_grad:
elementwise derivatives by the chain rule; for broadcasting binary ops the gradient of each
operand is summed over the axes it was broadcast along and reshaped back to its shape
(`array_ops.reduce_gradient_args`, static where the shapes are known, else BroadcastGradientArgs);
reductions broadcast the gradient back to the input's shape (reshape to the kept-dims shape,
then Tile); Max/Min share it among the tied extremes; Prod uses exclusive cumulative products
from both ends, so that zeros in the input are handled.
"""
import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine.graph import Tensor
from sluice.engine.op_registry import no_gradient, register_op, register_gradient
from sluice.ops import array_ops, constant_op, math_ops, shape_fns

register_op('TanhGrad', inputs=['y: T', 'dy: T'], outputs=['z: T'], attrs={'T': 'type'}, shape_fn=shape_fns.unchanged)
register_op('SigmoidGrad', inputs=['y: T', 'dy: T'], outputs=['z: T'], attrs={'T': 'type'},
            shape_fn=shape_fns.unchanged)
register_op('SqrtGrad', inputs=['y: T', 'dy: T'], outputs=['z: T'], attrs={'T': 'type'}, shape_fn=shape_fns.unchanged)
register_op('RsqrtGrad', inputs=['y: T', 'dy: T'], outputs=['z: T'], attrs={'T': 'type'}, shape_fn=shape_fns.unchanged)
register_op('ReciprocalGrad', inputs=['y: T', 'dy: T'], outputs=['z: T'], attrs={'T': 'type'},
            shape_fn=shape_fns.unchanged)

for _type in ('Less', 'LessEqual', 'Greater', 'GreaterEqual', 'Equal', 'NotEqual', 'LogicalAnd', 'LogicalOr',
              'LogicalNot', 'IsNan', 'IsInf', 'IsFinite', 'All', 'Any', 'Range', 'LinSpace'):
    no_gradient(_type)

_DIFFERENTIABLE = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64, dtypes.complex64,
                   dtypes.complex128)


def _fused(op_type, y, dy):
    return op_builder.output(op_type, [y, dy])


def _const(value, like):
    return constant_op.constant(value, dtype=like.dtype.base_dtype)


# -- elementwise binary (broadcasting) --
def _reduce(x, y, gx, gy):
    return array_ops.reduce_gradient_args(x, y, gx, gy)


def _same_static_shapes(x, y, grad):
    """x, y and grad have one fully defined shape: nothing was broadcast (TF skips the reduction)."""
    dims = x.shape._dims
    return (isinstance(grad, Tensor) and dims is not None and None not in dims and
            dims == y.shape._dims == grad.shape._dims)


@register_gradient('Add')
@register_gradient('AddV2')
def _add_grad(op, grad):
    x, y = op.inputs
    if _same_static_shapes(x, y, grad):
        return grad, grad
    return _reduce(x, y, grad, grad)


@register_gradient('Sub')
def _sub_grad(op, grad):
    x, y = op.inputs
    if _same_static_shapes(x, y, grad):
        return grad, -grad
    return _reduce(x, y, grad, math_ops.negative(grad))


@register_gradient('Mul')
def _mul_grad(op, grad):
    x, y = op.inputs
    if _same_static_shapes(x, y, grad) and grad.dtype.base_dtype in (dtypes.int32, dtypes.float32):
        return math_ops.multiply(grad, y), math_ops.multiply(grad, x)
    gx = math_ops.multiply(grad, math_ops.conj(y))
    gy = math_ops.multiply(math_ops.conj(x), grad)
    return _reduce(x, y, gx, gy)


@register_gradient('RealDiv')
@register_gradient('Div')
def _real_div_grad(op, grad):
    x, y = op.inputs
    cx, cy = math_ops.conj(x), math_ops.conj(y)
    gx = math_ops.realdiv(grad, cy)
    gy = grad * math_ops.realdiv(math_ops.realdiv(-cx, cy), cy)
    return _reduce(x, y, gx, gy)


@register_gradient('DivNoNan')
def _div_no_nan_grad(op, grad):
    x, y = op.inputs
    gx = math_ops.div_no_nan(grad, y)
    gy = grad * math_ops.div_no_nan(math_ops.div_no_nan(-x, y), y)
    return _reduce(x, y, gx, gy)


@register_gradient('FloorDiv')
@register_gradient('TruncateDiv')
def _integer_division_grad(op, grad):
    return None, None


@register_gradient('FloorMod')
def _floor_mod_grad(op, grad):
    x, y = op.inputs
    return _reduce(x, y, grad, grad * math_ops.negative(math_ops.floordiv(x, y)))


@register_gradient('Pow')
def _pow_grad(op, grad):
    x, y = op.inputs
    z = math_ops.conj(op.outputs[0])
    cx, cy = math_ops.conj(x), math_ops.conj(y)
    gx = math_ops.multiply(grad, cy * math_ops.pow(cx, cy - 1))
    # d/dy x^y = x^y log(x), taken as 0 where x <= 0 (log undefined), as TF does.
    mask = math_ops.not_equal(cx, 0) if cx.dtype.is_complex else cx > 0
    safe_x = array_ops.where(mask, cx, array_ops.ones_like(cx))
    log_x = array_ops.where(mask, math_ops.log(safe_x), array_ops.zeros_like(cx))
    return _reduce(x, y, gx, grad * z * log_x)


def _max_min_grad(op, grad, selector):
    x, y = op.inputs
    zeros = array_ops.zeros_like(grad)
    xmask = selector(x, y)  # ties send the gradient to x, as TF does
    return _reduce(x, y, array_ops.where_v2(xmask, grad, zeros), array_ops.where_v2(xmask, zeros, grad))


@register_gradient('Maximum')
def _maximum_grad(op, grad):
    return _max_min_grad(op, grad, math_ops.greater_equal)


@register_gradient('Minimum')
def _minimum_grad(op, grad):
    return _max_min_grad(op, grad, math_ops.less_equal)


@register_gradient('SquaredDifference')
def _squared_difference_grad(op, grad):
    x, y = op.inputs
    x_grad = math_ops.scalar_mul(_const(2.0, grad), grad) * (x - y)
    if _same_static_shapes(x, y, grad):
        return x_grad, -x_grad
    return _reduce(x, y, x_grad, -x_grad)


@register_gradient('Atan2')
def _atan2_grad(op, grad):
    y, x = op.inputs  # Atan2's inputs are (y, x)
    grad_inv = grad / (math_ops.square(x) + math_ops.square(y))
    gy, gx = _reduce(y, x, x * grad_inv, -y * grad_inv)
    return gy, gx


# -- elementwise unary --
def _unary(op_type, derivative):
    """Registers grad * derivative(x, y) for a unary op (x its input, y its output)."""
    @register_gradient(op_type)
    def grad_fn(op, grad):
        return [derivative(op.inputs[0], op.outputs[0], grad)]
    grad_fn.__name__ = '_%s_grad' % op_type.lower()
    return grad_fn


def _times(f):
    return lambda x, y, grad: math_ops.multiply(grad, f(math_ops.conj(x), math_ops.conj(y)), name='mul')


_unary('Neg', lambda x, y, grad: math_ops.negative(grad))
_unary('Abs', lambda x, y, grad: math_ops.multiply(grad, math_ops.sign(x), name='mul'))
_unary('Sign', lambda x, y, grad: array_ops.zeros_like(x))
_unary('Square', lambda x, y, grad: math_ops.multiply(grad, math_ops.multiply(x, _const(2.0, x))))
_unary('Sqrt', lambda x, y, grad: _fused('SqrtGrad', y, grad))
_unary('Rsqrt', lambda x, y, grad: _fused('RsqrtGrad', y, grad))
_unary('Tanh', lambda x, y, grad: _fused('TanhGrad', y, grad))
_unary('Sigmoid', lambda x, y, grad: _fused('SigmoidGrad', y, grad))
_unary('Reciprocal', lambda x, y, grad: _fused('ReciprocalGrad', y, grad))
_unary('Exp', _times(lambda x, y: y))
_unary('Expm1', _times(lambda x, y: math_ops.exp(x)))
_unary('Log', _times(lambda x, y: math_ops.reciprocal(x)))
_unary('Log1p', _times(lambda x, y: math_ops.reciprocal(1 + x)))
_unary('Sin', _times(lambda x, y: math_ops.cos(x)))
_unary('Cos', _times(lambda x, y: -math_ops.sin(x)))
_unary('Tan', _times(lambda x, y: math_ops.square(math_ops.reciprocal(math_ops.cos(x)))))
_unary('Asin', _times(lambda x, y: math_ops.rsqrt(1 - math_ops.square(x))))
_unary('Acos', _times(lambda x, y: -math_ops.rsqrt(1 - math_ops.square(x))))
_unary('Atan', _times(lambda x, y: math_ops.reciprocal(1 + math_ops.square(x))))
_unary('Sinh', _times(lambda x, y: math_ops.cosh(x)))
_unary('Cosh', _times(lambda x, y: math_ops.sinh(x)))
_unary('Asinh', _times(lambda x, y: math_ops.reciprocal(math_ops.cosh(y))))
_unary('Acosh', _times(lambda x, y: math_ops.reciprocal(math_ops.sinh(y))))
_unary('Atanh', _times(lambda x, y: math_ops.reciprocal(1 - math_ops.square(x))))
_unary('Erf', _times(lambda x, y: _const(2 / np.sqrt(np.pi), x) * math_ops.exp(-math_ops.square(x))))
_unary('Erfc', _times(lambda x, y: _const(-2 / np.sqrt(np.pi), x) * math_ops.exp(-math_ops.square(x))))
_unary('Conj', lambda x, y, grad: math_ops.conj(grad))


@register_gradient('TanhGrad')
def _tanh_grad_grad(op, grad):
    y, dy = op.inputs
    return grad * -2.0 * dy * y, _fused('TanhGrad', y, grad)


@register_gradient('SigmoidGrad')
def _sigmoid_grad_grad(op, grad):
    y, dy = op.inputs
    gb = grad * dy
    return gb - 2.0 * gb * y, _fused('SigmoidGrad', y, grad)


@register_gradient('SqrtGrad')
def _sqrt_grad_grad(op, grad):
    y, dy = op.inputs
    return -grad * op.outputs[0] / y, _fused('SqrtGrad', y, grad)


@register_gradient('RsqrtGrad')
def _rsqrt_grad_grad(op, grad):
    y, dy = op.inputs
    return grad * -1.5 * dy * math_ops.square(y), _fused('RsqrtGrad', y, grad)


@register_gradient('ReciprocalGrad')
def _reciprocal_grad_grad(op, grad):
    y, dy = op.inputs
    return grad * -2.0 * dy * y, _fused('ReciprocalGrad', y, grad)


@register_gradient('Floor')
@register_gradient('Ceil')
@register_gradient('Round')
@register_gradient('Rint')
def _step_grad(op, grad):
    return [None]


@register_gradient('AddN')
def _add_n_grad(op, grad):
    return [grad] * len(op.inputs)


@register_gradient('Cast')
def _cast_grad(op, grad):
    src, dst = op.inputs[0].dtype.base_dtype, grad.dtype.base_dtype
    if src in _DIFFERENTIABLE and dst in _DIFFERENTIABLE:
        return [math_ops.cast(grad, src)]
    return [None]


@register_gradient('ArgMax')
@register_gradient('ArgMin')
def _arg_reduce_grad(op, grad):
    return None, None


# -- matrix products --
@register_gradient('MatMul')
def _matmul_grad(op, grad):
    ta, tb = op.get_attr('transpose_a'), op.get_attr('transpose_b')
    a, b = math_ops.conj(op.inputs[0]), math_ops.conj(op.inputs[1])
    mm = math_ops.matmul
    if not ta and not tb:
        return mm(grad, b, transpose_b=True), mm(a, grad, transpose_a=True)
    if not ta and tb:
        return mm(grad, b), mm(grad, a, transpose_a=True)
    if ta and not tb:
        return mm(b, grad, transpose_b=True), mm(a, grad)
    return mm(b, grad, transpose_a=True, transpose_b=True), mm(grad, a, transpose_a=True, transpose_b=True)


@register_gradient('BatchMatMul')
@register_gradient('BatchMatMulV2')
def _batch_matmul_grad(op, grad):
    x, y = op.inputs
    ax, ay = op.get_attr('adj_x'), op.get_attr('adj_y')
    mm = math_ops.matmul
    if not ax and not ay:
        gx, gy = mm(grad, y, adjoint_b=True), mm(x, grad, adjoint_a=True)
    elif not ax and ay:
        gx, gy = mm(grad, y), mm(grad, x, adjoint_a=True)
    elif ax and not ay:
        gx, gy = mm(y, grad, adjoint_b=True), mm(x, grad)
    else:
        gx, gy = mm(y, grad, adjoint_a=True, adjoint_b=True), mm(grad, x, adjoint_a=True, adjoint_b=True)
    if op.type == 'BatchMatMul':
        return gx, gy
    # V2 broadcasts the batch dimensions: sum each gradient over the ones its operand was broadcast along.
    xs, ys = x.shape, y.shape
    if xs.ndims is not None and ys.ndims is not None and xs.ndims == ys.ndims and \
            xs[:-2].is_fully_defined() and xs[:-2] == ys[:-2]:
        return gx, gy
    sx, sy = array_ops.shape(x), array_ops.shape(y)
    rx, ry = array_ops.broadcast_gradient_args_op(sx[:-2], sy[:-2])
    gx = array_ops.reshape(math_ops.reduce_sum(gx, rx), sx)
    gy = array_ops.reshape(math_ops.reduce_sum(gy, ry), sy)
    return gx, gy


# -- reductions --
def _safe_shape_div(x, y):
    return math_ops.floordiv(x, math_ops.maximum(y, 1))


def _static_axes(op):
    """The reduced axes as a sorted list when the input rank and the axes are known, else None."""
    rank = op.inputs[0].shape.ndims
    value = shape_fns.constant_value(op.inputs[1])
    if rank is None or value is None:
        return None
    return sorted({int(a) % rank for a in np.reshape(value, [-1])}) if rank else []


def reduced_shape(input_shape, axes):
    """The shape a reduction keeps with keep_dims: input_shape with the reduced axes set to 1.

    Computed in the graph: the axes (wrapped to be non-negative) mark a one-hot mask over the rank.
    """
    input_shape = math_ops.cast(input_shape, dtypes.int32)
    rank = array_ops.size(input_shape)
    axes = math_ops.cast(array_ops.reshape(axes, [-1]), dtypes.int32)
    axes = math_ops.floormod(axes + rank, rank)
    hit = math_ops.minimum(math_ops.reduce_sum(array_ops.one_hot(axes, rank, dtype=dtypes.int32), 0), 1)
    return input_shape * (1 - hit) + hit


def _kept_dims_shape(op):
    """The reduction's kept-dims shape: a Const when the input shape and the axes are known."""
    axes, dims = _static_axes(op), op.inputs[0].shape
    if axes is not None and dims.is_fully_defined():
        return constant_op.constant([1 if i in axes else d for i, d in enumerate(dims.as_list())], dtypes.int32)
    return reduced_shape(array_ops.shape(op.inputs[0]), op.inputs[1])


@register_gradient('Sum')
def _sum_grad(op, grad):
    x = op.inputs[0]
    axes, dims = _static_axes(op), x.shape
    if axes is not None and axes == list(range(dims.ndims)):  # all axes: reshape to ones, tile to the input
        grad = array_ops.reshape(grad, [1] * dims.ndims)
        multiples = (constant_op.constant(dims.as_list(), dtypes.int32) if dims.is_fully_defined()
                     else array_ops.shape(x))
        return [array_ops.tile(grad, multiples), None]
    if axes is not None and dims.is_fully_defined():
        kept = [1 if i in axes else d for i, d in enumerate(dims.as_list())]
        multiples = [d if i in axes else 1 for i, d in enumerate(dims.as_list())]
        return [array_ops.tile(array_ops.reshape(grad, kept), multiples), None]
    input_shape = array_ops.shape(x)
    kept = reduced_shape(input_shape, op.inputs[1])
    grad = array_ops.reshape(grad, kept)
    return [array_ops.tile(grad, _safe_shape_div(input_shape, kept)), None]


@register_gradient('Mean')
def _mean_grad(op, grad):
    sum_grad = _sum_grad(op, grad)[0]
    in_dims, out_dims = op.inputs[0].shape, op.outputs[0].shape
    if in_dims.is_fully_defined() and out_dims.is_fully_defined():
        factor = int(np.prod(in_dims.as_list(), dtype=np.int64)) // max(int(np.prod(out_dims.as_list(),
                                                                                  dtype=np.int64)), 1)
        factor = constant_op.constant(factor, dtype=sum_grad.dtype.base_dtype)
    else:
        factor = _safe_shape_div(math_ops.reduce_prod(array_ops.shape(op.inputs[0])),
                                 math_ops.reduce_prod(array_ops.shape(op.outputs[0])))
    return math_ops.truediv(sum_grad, math_ops.cast(factor, sum_grad.dtype.base_dtype)), None


@register_gradient('Max')
@register_gradient('Min')
def _max_min_reduce_grad(op, grad):
    """The gradient goes to the elements equal to the result, shared equally among ties."""
    y = op.outputs[0]
    if not op.get_attr('keep_dims'):
        kept = _kept_dims_shape(op)
        y, grad = array_ops.reshape(y, kept), array_ops.reshape(grad, kept)
    else:
        kept = array_ops.shape(y)
    indicators = math_ops.cast(math_ops.equal(y, op.inputs[0]), grad.dtype.base_dtype)
    num_selected = array_ops.reshape(math_ops.reduce_sum(indicators, op.inputs[1]), kept)
    return [math_ops.divide(indicators, num_selected) * grad, None]


@register_gradient('Prod')
def _prod_grad(op, grad):
    """d prod / d x_i = product of the others: exclusive cumprods from the left times from the right,
    taken over the reduced axes moved to the front and flattened into one."""
    x = op.inputs[0]
    input_shape = array_ops.shape(x)
    if not op.get_attr('keep_dims'):
        grad = array_ops.reshape(grad, _kept_dims_shape(op))
    kept = array_ops.shape(grad)
    grad = array_ops.tile(grad, _safe_shape_div(input_shape, kept))
    axes, rank = _static_axes(op), x.shape.ndims
    if axes is not None:
        other = [i for i in range(rank) if i not in axes]
        perm = constant_op.constant(axes + other, dtypes.int32)
        inverse = constant_op.constant(np.argsort(axes + other).astype(np.int32))
        reduced, other = (constant_op.constant(v, dtypes.int32) for v in (axes, other))
    else:
        r = array_ops.rank(x)
        reduced = math_ops.cast(array_ops.reshape(op.inputs[1], [-1]), dtypes.int32)
        reduced = math_ops.floormod(reduced + r, r)
        hit = math_ops.reduce_sum(array_ops.one_hot(reduced, r, dtype=dtypes.int32), 0)
        other = math_ops.cast(array_ops.reshape(array_ops.where(math_ops.equal(hit, 0)), [-1]), dtypes.int32)
        perm = array_ops.concat([reduced, other], 0)
        inverse = array_ops.invert_permutation(perm)
    reduced_num = math_ops.reduce_prod(array_ops.gather(input_shape, reduced))
    other_num = math_ops.reduce_prod(array_ops.gather(input_shape, other))
    permuted = array_ops.transpose(x, perm)
    permuted_shape = array_ops.shape(permuted)
    reshaped = array_ops.reshape(permuted, array_ops.stack([reduced_num, other_num]))
    left = math_ops.cumprod(reshaped, axis=0, exclusive=True)
    right = math_ops.cumprod(reshaped, axis=0, exclusive=True, reverse=True)
    y = array_ops.reshape(math_ops.conj(left) * math_ops.conj(right), permuted_shape)
    out = grad * array_ops.transpose(y, inverse)
    return array_ops.reshape(out, input_shape), None


@register_gradient('Cumsum')
def _cumsum_grad(op, grad):
    return [math_ops.cumsum(grad, op.inputs[1], exclusive=op.get_attr('exclusive'),
                            reverse=not op.get_attr('reverse')), None]


@register_gradient('Cumprod')
def _cumprod_grad(op, grad):
    x, axis = op.inputs
    exclusive, reverse = op.get_attr('exclusive'), op.get_attr('reverse')
    prod = math_ops.cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    out = math_ops.cumsum(prod * grad, axis, exclusive=exclusive, reverse=not reverse)
    return [out / x, None]


@register_gradient('UnsortedSegmentSum')
def _unsorted_segment_sum_grad(op, grad):
    """Each row gets its segment's gradient (a gather); rows with a negative id get zeros."""
    ids = op.inputs[1]
    gathered = array_ops.gather(grad, math_ops.maximum(ids, 0))
    kept = math_ops.greater_equal(ids, 0)
    extra = array_ops.rank(gathered) - array_ops.rank(ids)
    mask_shape = array_ops.concat([array_ops.shape(ids), array_ops.ones(array_ops.reshape(extra, [1]),
                                                                         dtypes.int32)], 0)
    mask = array_ops.reshape(kept, mask_shape)
    return array_ops.where_v2(mask, gathered, array_ops.zeros_like(gathered)), None, None
