"""The argument forms tf.layers accept, normalized as Keras 1.15 does (conv_utils, activations.get,
initializers.get, regularizers.get), with its error messages, and the output-length arithmetic of
convolution and transposed convolution.

- tuples: an int or n ints ('The `strides` argument must be a tuple of 2 integers. Received: ...');
- padding 'valid' | 'same' | 'causal' (any case); data_format 'channels_last' (default) |
  'channels_first', which convert_data_format turns into 'NWC'/'NHWC'/'NDHWC' or 'NCW'/'NCHW'/'NCDHW';
- activations, initializers and regularizers: None, a callable, or one of Keras's string names
  (a string regularizer 'l1' / 'l2' / 'l1_l2' is Keras's, with factor 0.01).
"""
import numbers

from sluice.engine import dtypes
from sluice.ops import init_ops, math_ops, nn_activation


def normalize_tuple(value, n, name):
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    message = ('The `' + name + '` argument must be a tuple of ' + str(n) + ' integers. Received: ' + str(value))
    try:
        result = tuple(value)
    except TypeError:
        raise ValueError(message) from None
    if len(result) != n:
        raise ValueError(message)
    for v in result:
        if not isinstance(v, numbers.Integral):
            raise ValueError(message + ' including element ' + str(v) + ' of type ' + str(type(v)))
    return tuple(int(v) for v in result)


def normalize_padding(value):
    if isinstance(value, (list, tuple)):
        return value
    padding = value.lower()
    if padding not in ('valid', 'same', 'causal'):
        raise ValueError('The `padding` argument must be one of "valid", "same" (or "causal", only for `Conv1D). '
                         'Received: ' + str(padding))
    return padding


def normalize_data_format(value):
    if value is None:
        return 'channels_last'
    data_format = value.lower()
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('The `data_format` argument must be one of "channels_first", "channels_last". '
                         'Received: ' + str(value))
    return data_format


def convert_data_format(data_format, ndim):
    formats = {3: ('NWC', 'NCW'), 4: ('NHWC', 'NCHW'), 5: ('NDHWC', 'NCDHW')}
    if ndim not in formats:
        raise ValueError('Input rank not supported:', ndim)
    if data_format not in ('channels_last', 'channels_first'):
        raise ValueError('Invalid data_format:', data_format)
    return formats[ndim][data_format == 'channels_first']


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """The output length of a convolution (None when the input length is unknown)."""
    if input_length is None:
        return None
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    if padding in ('same', 'causal'):
        length = input_length
    elif padding == 'valid':
        length = input_length - dilated + 1
    else:  # 'full'
        length = input_length + dilated - 1
    return (length + stride - 1) // stride


def deconv_output_length(input_length, filter_size, padding, output_padding=None, stride=0, dilation=1):
    """The output length of a transposed convolution; input_length may be a scalar tensor."""
    if input_length is None:
        return None
    filter_size = filter_size + (filter_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == 'valid':
            return input_length * stride + max(filter_size - stride, 0)
        if padding == 'full':
            return input_length * stride - (stride + filter_size - 2)
        return input_length * stride
    pad = {'same': filter_size // 2, 'valid': 0, 'full': filter_size - 1}[padding]
    return (input_length - 1) * stride + filter_size - 2 * pad + output_padding


# -- activations, initializers, regularizers ------------------------------------------------------------
def _linear(x):
    return x


_ACTIVATIONS = {'relu': nn_activation.relu, 'relu6': nn_activation.relu6, 'elu': nn_activation.elu,
                'selu': nn_activation.selu, 'softplus': nn_activation.softplus, 'softsign': nn_activation.softsign,
                'softmax': nn_activation.softmax, 'sigmoid': math_ops.sigmoid, 'tanh': math_ops.tanh,
                'linear': _linear}


def activation(identifier):
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _ACTIVATIONS:
        return _ACTIVATIONS[identifier]
    raise ValueError('Could not interpret activation function identifier:', identifier)


_INITIALIZERS = {'zeros': init_ops.Zeros, 'zero': init_ops.Zeros, 'ones': init_ops.Ones, 'one': init_ops.Ones,
                 'glorot_uniform': init_ops.GlorotUniform, 'glorot_normal': init_ops.GlorotNormal,
                 'random_uniform': init_ops.RandomUniform, 'random_normal': init_ops.RandomNormal,
                 'truncated_normal': init_ops.TruncatedNormal, 'orthogonal': init_ops.Orthogonal,
                 'identity': init_ops.Identity, 'he_normal': init_ops.he_normal, 'he_uniform': init_ops.he_uniform,
                 'lecun_normal': init_ops.lecun_normal, 'lecun_uniform': init_ops.lecun_uniform}


def initializer(identifier):
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _INITIALIZERS:
        return _INITIALIZERS[identifier]()
    raise ValueError('Could not interpret initializer identifier: ' + str(identifier))


def default_initializer(dtype, name, layer_name):
    """Keras's default: glorot_uniform for floats, zeros for integers and bools."""
    dtype = dtypes.as_dtype(dtype)
    if dtype.is_floating:
        return init_ops.GlorotUniform()
    if dtype.is_integer or dtype.is_bool or dtype.is_unsigned:
        return init_ops.Zeros()
    raise ValueError('An initializer for variable %s of type %s is required for layer %s'
                     % (name, dtype.base_dtype, layer_name))


class L1L2:
    """Keras's regularizer: l1 * sum(|x|) + l2 * sum(x ** 2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, x):
        regularization = 0.
        if self.l1:
            regularization += self.l1 * math_ops.reduce_sum(math_ops.abs(x))
        if self.l2:
            regularization += self.l2 * math_ops.reduce_sum(math_ops.square(x))
        return regularization


_REGULARIZERS = {'l1': lambda: L1L2(l1=0.01), 'l2': lambda: L1L2(l2=0.01),
                 'l1_l2': lambda: L1L2(l1=0.01, l2=0.01)}


def regularizer(identifier):
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _REGULARIZERS:
        return _REGULARIZERS[identifier]()
    raise ValueError('Could not interpret regularizer identifier:', identifier)
