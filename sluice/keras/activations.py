"""tf.keras.activations, the functions TF 1.15's Keras applies (names are the serialized form).

softmax: Softmax for rank-2 inputs (the axis is not used there, as in TF 1.15), else
exp(x - max) / sum(exp(x - max)) along `axis`; rank 1 is an error. relu: Relu, Relu6 when
max_value == 6, LeakyRelu when only alpha is set; with a threshold, x * (x > threshold); max_value
clips; alpha subtracts alpha * relu(threshold - x). elu with alpha != 1 scales the negative side by a
Select; selu is scale * elu(x, alpha) with the paper's constants; hard_sigmoid is
clip(0.2 * x + 0.5, 0, 1). `get` maps None to linear, strings and dicts through `deserialize`, and
passes callables through.
"""
from sluice.engine.graph import convert_to_tensor
from sluice.keras import backend as K
from sluice.keras.serialization import deserialize_keras_object, serialize_keras_object
from sluice.ops import clip_ops, constant_op, elementwise_ops, indexing_ops, math_ops, nn_activation

# the constants of Klambauer et al. (2017), as TF 1.15 writes them
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def softmax(x, axis=-1):
    x = convert_to_tensor(x)
    ndim = x.shape.ndims
    if ndim == 2:
        return nn_activation.softmax(x)
    if ndim is not None and ndim > 2:
        e = math_ops.exp(x - math_ops.reduce_max(x, axis=axis, keepdims=True))
        return e / math_ops.reduce_sum(e, axis=axis, keepdims=True)
    raise ValueError('Cannot apply softmax to a tensor that is 1D. Received input: %s' % (x,))


def elu(x, alpha=1.0):
    x = convert_to_tensor(x)
    res = elementwise_ops.elu(x)
    if alpha == 1:
        return res
    return indexing_ops.where(x > 0, res, alpha * res)


def selu(x):
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def softplus(x):
    return elementwise_ops.softplus(x)


def softsign(x):
    return elementwise_ops.softsign(x)


def relu(x, alpha=0., max_value=None, threshold=0):
    x = convert_to_tensor(x)
    dtype = x.dtype.base_dtype
    if alpha != 0.:
        if max_value is None and threshold == 0:
            return elementwise_ops.leaky_relu(x, alpha=alpha)
        negative_part = elementwise_ops.relu(-x + threshold) if threshold != 0 else elementwise_ops.relu(-x)
    clip_max = max_value is not None
    if threshold != 0:
        x = x * math_ops.cast(math_ops.greater(x, threshold), K.floatx())
    elif max_value == 6:
        x = elementwise_ops.relu6(x)
        clip_max = False
    else:
        x = elementwise_ops.relu(x)
    if clip_max:
        x = clip_ops.clip_by_value(x, constant_op.constant(0., dtype=dtype), constant_op.constant(max_value, dtype))
    if alpha != 0.:
        x -= constant_op.constant(alpha, dtype=dtype) * negative_part
    return x


def tanh(x):
    return math_ops.tanh(x)


def sigmoid(x):
    return math_ops.sigmoid(x)


def exponential(x):
    return math_ops.exp(x)


def hard_sigmoid(x):
    x = convert_to_tensor(x)
    dtype = x.dtype.base_dtype
    x = math_ops.multiply(x, constant_op.constant(0.2, dtype=dtype))
    x = math_ops.add(x, constant_op.constant(0.5, dtype=dtype))
    return clip_ops.clip_by_value(x, 0., 1.)


def linear(x):
    return x


_ACTIVATIONS = {f.__name__: f for f in (softmax, elu, selu, softplus, softsign, relu, tanh, sigmoid, exponential,
                                        hard_sigmoid, linear)}


def serialize(activation):
    return serialize_keras_object(activation)


def deserialize(name, custom_objects=None):
    return deserialize_keras_object(name, module_objects=_ACTIVATIONS, custom_objects=custom_objects,
                                    printable_module_name='activation function')


def get(identifier):
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize_keras_object(identifier, printable_module_name='activation')
    raise TypeError('Could not interpret activation function identifier: {}'.format(repr(identifier)))
