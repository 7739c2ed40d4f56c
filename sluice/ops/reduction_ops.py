"""Reductions (Sum, Mean, Max, Min, Prod, All, Any), ArgMax/ArgMin and the scans Cumsum/Cumprod:
declarations, gradients and public functions, one block per op family.

Reductions take the axes as a second input (all axes when the caller gives none: a Const when the
rank is known, else Range(Rank(x))). Their gradients broadcast the incoming gradient back to the
input's shape: reshape to the kept-dims shape, then Tile; Mean divides by the number of reduced
elements; Max/Min share the gradient among the tied extremes; Prod uses exclusive cumulative
products from both ends, so that zeros in the input are handled. Shape functions raise TF's
shape-inference ValueErrors (see math_ops._shape_error).
"""
import numpy as np

from sluice.engine import dtypes, op_builder
from sluice.engine import graph as _graph
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
# Used inside functions only: math_ops imports this module while it is being initialized.
from sluice.ops import array_ops, constant_op, math_ops, shape_fns
from sluice.ops.deprecation import deprecated_argument_lookup
from sluice.ops.elementwise import NUMBER, REAL
from sluice.ops.elementwise_ops import add, exp, log, maximum, minimum, not_equal, sqrt, square, subtract

_INDEX = (dtypes.int32, dtypes.int64)
_REDUCTIONS = {'Sum': NUMBER, 'Prod': NUMBER, 'Mean': NUMBER, 'Max': REAL, 'Min': REAL, 'All': None, 'Any': None}


def _shape_error(op, message, computed=None):
    return math_ops._shape_error(op, message, computed)


def _values_text(value):
    return ' '.join(str(v) for v in np.reshape(value, [-1]))


# -- reductions --
def _reduction_shape(op):
    x, axes = op._inputs[0]._shape._dims, op._inputs[1]
    axes_dims = axes._shape._dims
    if axes_dims is not None and len(axes_dims) > 1:
        raise _shape_error(op, 'Shape must be at most rank 1 but is rank %d' % len(axes_dims))
    keep = op._attrs['keep_dims']
    value = shape_fns.constant_value(axes)
    if value is None:
        if axes_dims == (0,):
            return [op._inputs[0]._shape]
        if keep and x is not None:
            return [TensorShape([None] * len(x))]
        return [unknown_shape()]
    if x is None:
        return [unknown_shape()]
    rank = len(x)
    reduced = set()
    for a in np.reshape(value, [-1]).tolist():
        if a < -rank or a >= rank:
            raise _shape_error(op, 'Invalid reduction dimension %d for input with %d dimensions.' % (a, rank),
                               'input[1] = <%s>' % _values_text(value))
        reduced.add(a % rank)
    if keep:
        return [TensorShape([1 if i in reduced else d for i, d in enumerate(x)])]
    return [TensorShape([d for i, d in enumerate(x) if i not in reduced])]


for _type in _REDUCTIONS:
    _input = 'input: bool' if _type in ('All', 'Any') else 'input: T'
    _attrs = {'keep_dims': ('bool', False), 'Tidx': ('type', dtypes.int32)}
    if _type not in ('All', 'Any'):
        _attrs['T'] = 'type'
    register_op(_type, inputs=[_input, 'reduction_indices: Tidx'],
                outputs=['output: bool' if _type in ('All', 'Any') else 'output: T'], attrs=_attrs,
                shape_fn=_reduction_shape, allowed={'T': _REDUCTIONS[_type] or (), 'Tidx': _INDEX})


def _all_axes(x):
    """The axes of every dimension: a Const when the rank is known, else range(rank(x)) at run time."""
    try:
        rank = x.shape.ndims if _graph.is_tensor(x) else np.ndim(x)
    except NotImplementedError:  # a list or tuple of tensors (TF packs it): its rank is known at run time
        rank = None
    if rank is not None:
        return constant_op.constant(np.arange(rank, dtype=np.int32))
    from sluice.ops import array_ops  # needs Rank and Range, declared among the array ops
    return array_ops.range(0, array_ops.rank(x))


def _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    axis = deprecated_argument_lookup('axis', axis, 'reduction_indices', reduction_indices)
    keepdims = bool(deprecated_argument_lookup('keepdims', keepdims, 'keep_dims', keep_dims))
    all_axes = axis is None
    if isinstance(axis, (list, tuple)) and not axis:
        axis = np.zeros([0], np.int32)  # an empty Python list would convert to float32
    if all_axes:
        axis = _all_axes(input_tensor)
    out = op_builder.output(op_type, [input_tensor, axis], {'keep_dims': keepdims}, name)
    if all_axes and not keepdims:
        out.set_shape([])  # a full reduction is a scalar even when the input rank is unknown
    return out


def _make_reduction(op_type, public):
    def fn(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        return _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)
    fn.__name__ = public
    fn.__doc__ = ('tf.%s: reduces input_tensor along axis (all axes when None; negative axes count from the '
                  'end) with op %s; keepdims keeps reduced dimensions with size 1.' % (public, op_type))
    return fn


reduce_sum = _make_reduction('Sum', 'reduce_sum')
reduce_mean = _make_reduction('Mean', 'reduce_mean')
reduce_max = _make_reduction('Max', 'reduce_max')
reduce_min = _make_reduction('Min', 'reduce_min')
reduce_prod = _make_reduction('Prod', 'reduce_prod')
reduce_all = _make_reduction('All', 'reduce_all')
reduce_any = _make_reduction('Any', 'reduce_any')


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))) computed as max + log(sum(exp(x - max))), so that large values do not overflow.

    A non-finite maximum (all -inf, or an inf) is clamped to the dtype's finite range, which leaves the
    result unchanged (TF replaces it by 0 with a select, to the same effect).
    """
    axis = deprecated_argument_lookup('axis', axis, 'reduction_indices', reduction_indices)
    keepdims = bool(deprecated_argument_lookup('keepdims', keepdims, 'keep_dims', keep_dims))
    with name_scope(name, 'ReduceLogSumExp', [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor, name='input_tensor')
        raw_max = reduce_max(x, axis, keepdims=True)
        dt = x.dtype.base_dtype
        shift = minimum(maximum(raw_max, dt.min), dt.max)
        result = log(reduce_sum(exp(subtract(x, shift)), axis, keepdims=keepdims))
        if not keepdims:
            shift = reduce_sum(shift, axis)  # drops the kept size-1 dimensions
        return add(result, shift, name=scope)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The mean squared deviation from the mean along axis (floats only; tf.math only, not top level)."""
    with name_scope(name or 'reduce_variance', values=[input_tensor]):
        x = convert_to_tensor(input_tensor, name='input_tensor')
        if not x.dtype.base_dtype.is_floating:
            raise TypeError('Input must be either real or complex')
        means = reduce_mean(x, axis, keepdims=True)
        return reduce_mean(square(x - means), axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The standard deviation along axis: sqrt(reduce_variance)."""
    with name_scope(name or 'reduce_std', values=[input_tensor]):
        return sqrt(reduce_variance(input_tensor, axis, keepdims))


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None):  # noqa: A002 - TF's name
    """The number of non-zero elements along axis, as `dtype`."""
    input_tensor = deprecated_argument_lookup('input_tensor', input_tensor, 'input', input)
    axis = deprecated_argument_lookup('axis', axis, 'reduction_indices', reduction_indices)
    keepdims = bool(deprecated_argument_lookup('keepdims', keepdims, 'keep_dims', keep_dims))
    with name_scope(name, 'count_nonzero', [input_tensor]):
        x = convert_to_tensor(input_tensor, name='input_tensor')
        zero = constant_op.constant(np.zeros([], dtype=x.dtype.base_dtype.as_numpy_dtype)
                                    if x.dtype.base_dtype != dtypes.string else b'', name='zeros')
        nonzero = math_ops.cast(not_equal(x, zero), dtypes.int64)
        return math_ops.cast(reduce_sum(nonzero, axis=axis, keepdims=keepdims), dtype=dtype)


# -- reduction gradients --
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
    hit = math_ops.minimum(reduce_sum(array_ops.one_hot(axes, rank, dtype=dtypes.int32), 0), 1)
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
        factor = _safe_shape_div(reduce_prod(array_ops.shape(op.inputs[0])),
                                 reduce_prod(array_ops.shape(op.outputs[0])))
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
    num_selected = array_ops.reshape(reduce_sum(indicators, op.inputs[1]), kept)
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
        hit = reduce_sum(array_ops.one_hot(reduced, r, dtype=dtypes.int32), 0)
        other = math_ops.cast(array_ops.reshape(array_ops.where(math_ops.equal(hit, 0)), [-1]), dtypes.int32)
        perm = array_ops.concat([reduced, other], 0)
        inverse = array_ops.invert_permutation(perm)
    reduced_num = reduce_prod(array_ops.gather(input_shape, reduced))
    other_num = reduce_prod(array_ops.gather(input_shape, other))
    permuted = array_ops.transpose(x, perm)
    permuted_shape = array_ops.shape(permuted)
    reshaped = array_ops.reshape(permuted, array_ops.stack([reduced_num, other_num]))
    left = cumprod(reshaped, axis=0, exclusive=True)
    right = cumprod(reshaped, axis=0, exclusive=True, reverse=True)
    y = array_ops.reshape(math_ops.conj(left) * math_ops.conj(right), permuted_shape)
    out = grad * array_ops.transpose(y, inverse)
    return array_ops.reshape(out, input_shape), None


# -- ArgMax, ArgMin --
def _arg_reduce_shape(op):
    x, dim = op._inputs[0]._shape._dims, op._inputs[1]
    if dim._shape._dims is not None and len(dim._shape._dims) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(dim._shape._dims))
    if x is None:
        return [unknown_shape()]
    rank = len(x)
    value = shape_fns.constant_value(dim)
    if value is None:
        return [TensorShape([None] * max(rank - 1, 0))]
    a = int(value)
    if a < -rank or a >= rank:
        raise _shape_error(op, 'Dimension (%d) must be in the range [%d, %d), where %d is the number of dimensions '
                               'in the input.' % (a, -rank, rank, rank), 'input[1] = <%d>' % a)
    a %= rank
    return [TensorShape(x[:a] + x[a + 1:])]


for _type in ('ArgMax', 'ArgMin'):
    register_op(_type, inputs=['input: T', 'dimension: Tidx'], outputs=['output: output_type'],
                attrs={'T': 'type', 'Tidx': ('type', dtypes.int32), 'output_type': ('type', dtypes.int64)},
                shape_fn=_arg_reduce_shape, allowed={'T': NUMBER, 'Tidx': _INDEX})


def _arg_reduce(op_type, input, axis, name, dimension, output_type):  # noqa: A002
    axis = deprecated_argument_lookup('axis', axis, 'dimension', dimension)
    output_type = dtypes.as_dtype(output_type).base_dtype
    if output_type not in (dtypes.int32, dtypes.int64):
        raise TypeError("Value passed to parameter 'output_type' has DataType %s not in list of allowed values: "
                        'int32, int64' % output_type.name)
    return op_builder.output(op_type, [input, 0 if axis is None else axis], {'output_type': output_type}, name)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the largest value along axis (default 0), as output_type (op ArgMax)."""
    return _arg_reduce('ArgMax', input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the smallest value along axis (default 0), as output_type (op ArgMin)."""
    return _arg_reduce('ArgMin', input, axis, name, dimension, output_type)


@register_gradient('ArgMax')
@register_gradient('ArgMin')
def _arg_reduce_grad(op, grad):
    return None, None


# -- scans --
for _type in ('Cumsum', 'Cumprod'):
    register_op(_type, inputs=['x: T', 'axis: Tidx'], outputs=['out: T'],
                attrs={'T': 'type', 'Tidx': ('type', dtypes.int32), 'exclusive': ('bool', False),
                       'reverse': ('bool', False)}, shape_fn=shape_fns.unchanged,
                allowed={'T': NUMBER, 'Tidx': _INDEX})


def _scan(op_type, x, axis, exclusive, reverse, name):
    return op_builder.output(op_type, [x, axis], {'exclusive': bool(exclusive), 'reverse': bool(reverse)}, name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sums along axis; exclusive starts from 0, reverse runs from the end (op Cumsum)."""
    return _scan('Cumsum', x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running products along axis; exclusive starts from 1, reverse runs from the end (op Cumprod)."""
    return _scan('Cumprod', x, axis, exclusive, reverse, name)


@register_gradient('Cumsum')
def _cumsum_grad(op, grad):
    return [cumsum(grad, op.inputs[1], exclusive=op.get_attr('exclusive'),
                            reverse=not op.get_attr('reverse')), None]


@register_gradient('Cumprod')
def _cumprod_grad(op, grad):
    x, axis = op.inputs
    exclusive, reverse = op.get_attr('exclusive'), op.get_attr('reverse')
    prod = cumprod(x, axis, exclusive=exclusive, reverse=reverse)
    out = cumsum(prod * grad, axis, exclusive=exclusive, reverse=not reverse)
    return [out / x, None]

