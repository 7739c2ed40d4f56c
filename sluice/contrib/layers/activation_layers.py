"""contrib.layers' parameter-free activations: softmax over the last axis of a tensor of any rank >= 2,
unit_norm (x / sqrt(eps + sum(x**2, dim))), and maxout (the maximum over groups of
channels / num_units consecutive features along `axis`), each in its variable scope as in TF 1.15.
"""
from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.engine import graph as _graph
from sluice.ops import array_ops, math_ops, nn_activation
from sluice.ops import variable_scope as vs

__all__ = ['softmax', 'unit_norm', 'maxout']


@add_arg_scope
def softmax(logits, scope=None):
    """Softmax over the last axis (logits reshaped to 2-D and back)."""
    with vs.variable_scope(scope, 'softmax', [logits]):
        logits = _graph.convert_to_tensor(logits)
        shape = logits.get_shape()
        if shape.ndims is None or shape.ndims < 2:
            raise ValueError('Invalid input tensor shape. Expected rank >= 2 but got %s' % shape)
        num_logits = shape.dims[-1].value
        if num_logits is None:
            raise ValueError('Inputs has undefined last dimension. Received input shape: %s' % shape)
        predictions = nn_activation.softmax(array_ops.reshape(logits, [-1, num_logits]))
        predictions = array_ops.reshape(predictions, array_ops.shape(logits))
        predictions.set_shape(shape)
        return predictions


@add_arg_scope
def unit_norm(inputs, dim, epsilon=1e-7, scope=None):
    """`inputs` divided by its L2 norm along `dim`."""
    with vs.variable_scope(scope, 'UnitNorm', [inputs]):
        inputs = _graph.convert_to_tensor(inputs)
        rank = inputs.get_shape().ndims
        if rank is None:
            raise ValueError('The input rank must be known.')
        if dim < 0 or dim >= rank:
            raise ValueError('dim must be positive but smaller than the input rank.')
        lengths = math_ops.sqrt(epsilon + math_ops.reduce_sum(math_ops.square(inputs), dim, keepdims=True))
        return math_ops.divide(inputs, lengths)


@add_arg_scope
def maxout(inputs, num_units, axis=-1, scope=None):
    """The maximum of each group of channels // num_units features along `axis`."""
    with vs.variable_scope(scope, 'MaxOut', [inputs]):
        inputs = _graph.convert_to_tensor(inputs)
        shape = inputs.get_shape().as_list()
        channels = shape[axis]
        if channels is None or channels % num_units:
            raise ValueError('number of features({}) is not a multiple of num_units({})'.format(channels, num_units))
        shape[axis] = num_units
        shape += [channels // num_units]
        if any(d is None for d in shape):
            dynamic = array_ops.shape(inputs)
            shape = array_ops.stack([dynamic[i] if d is None else d for i, d in enumerate(shape)])
        return math_ops.reduce_max(array_ops.reshape(inputs, shape), -1, keepdims=False)
