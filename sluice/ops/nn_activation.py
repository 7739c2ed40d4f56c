"""Activations in tf.nn, each a block (declaration, shape function, gradient, public function): the
elementwise activations (relu, elu, selu, ...: rows of the elementwise table in elementwise_ops.py,
re-exported here), Softmax and LogSoftmax, crelu, swish, the dense layers xw_plus_b and relu_layer, and
zero_fraction (the sparsity of an activation). Kernels in kernels/nn_activation_kernels.py.

Softmax along another axis than the last transposes that axis to the end and back, building the same
Rank/Range/ConcatV2/Transpose nodes TF does. The compositions follow TF's graphs: the same ops in the
same order under the same name scopes ('CRelu', 'swish', 'xw_plus_b', 'zero_fraction').
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.ops import array_ops, graph_ops, math_ops, shape_fns
from sluice.ops.deprecation import deprecated_argument_lookup
from sluice.ops.elementwise_ops import elu, leaky_relu, relu, relu6, selu, softplus, softsign
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.nn_shape_fns import _dims, _with_rank_at_least

__all__ = ['elu', 'leaky_relu', 'relu', 'relu6', 'selu', 'softplus', 'softsign', 'softmax', 'log_softmax', 'crelu',
           'swish', 'xw_plus_b', 'relu_layer', 'zero_fraction']

_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_T = {'T': 'type'}


# -- Softmax, LogSoftmax ---------------------------------------------------------------------------------
def _softmax_shape(op):
    _with_rank_at_least(op, _dims(op._inputs[0]), 1)
    return [op._inputs[0]._shape]


register_op('Softmax', inputs=['logits: T'], outputs=['softmax: T'], attrs=_T, shape_fn=_softmax_shape,
            allowed={'T': _FLOAT})


@register_gradient('Softmax')
def _softmax_grad(op, grad):
    y = op._outputs[0]
    total = math_ops.reduce_sum(grad * y, -1, keepdims=True)
    return [(grad - total) * y]


register_op('LogSoftmax', inputs=['logits: T'], outputs=['logsoftmax: T'], attrs=_T, shape_fn=_softmax_shape,
            allowed={'T': _FLOAT})


@register_gradient('LogSoftmax')
def _log_softmax_grad(op, grad):
    y = math_ops.exp(op._outputs[0])
    return [grad - math_ops.reduce_sum(grad, -1, keepdims=True) * y]


def _swap_axis(x, axis, last, name=None):
    """x with `axis` and `last` (a scalar tensor: rank - 1) exchanged, as TF builds it."""
    perm = array_ops.concat([array_ops.range(axis), [last], array_ops.range(axis + 1, last), [axis]], 0)
    return array_ops.transpose(x, perm, name=name)


def _along_axis(op_type, logits, axis, name):
    """op_type (Softmax or LogSoftmax) over `axis`: the last axis natively, others transposed there."""
    logits = convert_to_tensor(logits)
    rank = logits.shape.ndims
    if _graph.is_tensor(axis):
        value = shape_fns.constant_value(axis)
        if value is None:
            raise NotImplementedError('%s needs a constant axis' % op_type)
        axis = int(value)
    if axis == -1 or (rank is not None and axis == rank - 1):
        return op_builder.output(op_type, [logits], None, name)
    if rank is None:
        raise TypeError("unsupported operand type(s) for -: 'NoneType' and 'int'")
    if not -rank <= axis < rank:
        from sluice.engine import errors
        raise errors.InvalidArgumentError(
            None, None, 'Dimension (%d) must be in the range [%d, %d) where %d is the number of dimensions in the '
                        'input.' % (axis, -rank, rank, rank))
    ranks = array_ops.rank(logits)
    if axis < 0:
        axis = axis + ranks  # a tensor, as TF builds it (node 'add')
    last = array_ops.rank(logits)
    axis = axis % rank
    x = _swap_axis(logits, axis, math_ops.subtract(last, 1))
    out = op_builder.output(op_type, [x])
    out = _swap_axis(out, axis, math_ops.subtract(last, 1), name=name)
    out.set_shape(logits.shape)
    return out


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / sum(exp(logits)) along axis (default last), stable (op Softmax)."""
    axis = deprecated_argument_lookup('axis', axis, 'dim', dim)
    return _along_axis('Softmax', logits, -1 if axis is None else axis, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """logits - log(sum(exp(logits))) along axis (default last), stable (op LogSoftmax)."""
    axis = deprecated_argument_lookup('axis', axis, 'dim', dim)
    return _along_axis('LogSoftmax', logits, -1 if axis is None else axis, name)


# -- crelu, swish ----------------------------------------------------------------------------------------
def crelu(features, name=None, axis=-1):
    """Concatenation of relu(features) and relu(-features) along axis."""
    with name_scope(name, 'CRelu', [features]) as scope:
        features = convert_to_tensor(features, name='features')
        c = array_ops.concat([features, math_ops.negative(features)], axis, name=scope)
        return relu(c)


def swish(features, beta=1.0, name=None):
    """features * sigmoid(beta * features)."""
    with name_scope(name, 'swish', [features]):
        features = _graph.convert_to_tensor(features, name='features')
        beta = _graph.convert_to_tensor(beta, dtype=features.dtype.base_dtype, name='beta')
        return features * math_ops.sigmoid(beta * features)


# -- dense layers: xw_plus_b, relu_layer -----------------------------------------------------------------
def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (MatMul then BiasAdd)."""
    with name_scope(name, 'xw_plus_b', [x, weights, biases]) as scope:
        x = convert_to_tensor(x, name='x')
        weights = convert_to_tensor(weights, name='weights')
        biases = convert_to_tensor(biases, name='biases')
        return bias_add(math_ops.matmul(x, weights), biases, name=scope)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, 'relu_layer', [x, weights, biases]) as name:
        x = _graph.convert_to_tensor(x, name='x')
        weights = _graph.convert_to_tensor(weights, name='weights')
        biases = _graph.convert_to_tensor(biases, name='biases')
        pre_activation = bias_add(math_ops.matmul(x, weights), biases)
        return relu(pre_activation, name=name)


# -- zero_fraction ---------------------------------------------------------------------------------------
def zero_fraction(value, name=None):
    """The fraction of zeros in value, as float32."""
    with name_scope(name, 'zero_fraction', [value]):
        value = convert_to_tensor(value, name='value')
        size = array_ops.size(value, out_type=dtypes.int64)
        nonzero = math_ops.count_nonzero(value, dtype=dtypes.int64)
        with name_scope(None, 'counts_to_fraction'):
            zeros = math_ops.cast(size - nonzero, dtypes.float32)
            fraction = zeros / math_ops.cast(size, dtypes.float32)
        return graph_ops.identity(fraction, name='fraction')
