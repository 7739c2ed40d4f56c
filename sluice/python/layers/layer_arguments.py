"""`tensorflow.python.layers.utils` (imported by that name too): the argument checks and length
arithmetic of tf.layers' own helpers module (TF 1.15's forms, which differ from Keras's conv_utils: padding is 'valid' or 'same' only,
deconv_output_length takes no output_padding), plus smart_cond / constant_value for `training` flags.

Lengths: a convolution of a filter of size f dilated by d, stride s, over n inputs gives
ceil(n / s) ('same'), ceil((n - f') / s + 1) ('valid') or ceil((n + f' - 1) / s) ('full'), f' = f + (f-1)(d-1).
"""
from sluice.python.framework import smart_cond as _smart
from sluice.python.util import nest as _nest

_FORMATS = {'channels_last': {3: 'NWC', 4: 'NHWC', 5: 'NDHWC'},
            'channels_first': {3: 'NCW', 4: 'NCHW', 5: 'NCDHW'}}


def convert_data_format(data_format, ndim):
    """'channels_last' / 'channels_first' for a rank-`ndim` input as the ops' 'NHWC'-style string."""
    if data_format not in _FORMATS:
        raise ValueError('Invalid data_format:', data_format)
    if ndim not in _FORMATS[data_format]:
        raise ValueError('Input rank not supported:', ndim)
    return _FORMATS[data_format][ndim]


def normalize_tuple(value, n, name):
    """An int repeated n times, or an iterable of n int-convertible values as a tuple (kept as given)."""
    if isinstance(value, int):
        return (value,) * n
    message = 'The `%s` argument must be a tuple of %d integers. Received: %s' % (name, n, value)
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(message) from None
    if len(values) != n:
        raise ValueError(message)
    for v in values:
        try:
            int(v)
        except (ValueError, TypeError):
            raise ValueError(message + ' including element %s of type %s' % (v, type(v))) from None
    return values


def normalize_data_format(value):
    data_format = value.lower()
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('The `data_format` argument must be one of "channels_first", "channels_last". '
                         'Received: ' + str(value))
    return data_format


def normalize_padding(value):
    padding = value.lower()
    if padding not in ('valid', 'same'):
        raise ValueError('The `padding` argument must be one of "valid", "same". Received: ' + str(padding))
    return padding


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """Output length of a convolution over `input_length` inputs (None stays None)."""
    if input_length is None:
        return None
    assert padding in ('same', 'valid', 'full')
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    length = {'same': input_length, 'valid': input_length - dilated + 1,
              'full': input_length + dilated - 1}[padding]
    return (length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    """The input length a convolution needs to give `output_length` outputs."""
    if output_length is None:
        return None
    assert padding in ('same', 'valid', 'full')
    pad = {'same': filter_size // 2, 'valid': 0, 'full': filter_size - 1}[padding]
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_output_length(input_length, filter_size, padding, stride):
    """Output length of a transposed convolution over `input_length` inputs."""
    if input_length is None:
        return None
    length = input_length * stride
    if padding == 'valid':
        length += max(filter_size - stride, 0)
    elif padding == 'full':
        length -= stride + filter_size - 2
    return length


def smart_cond(pred, true_fn=None, false_fn=None, name=None):
    """A branch chosen now when `pred` is static, else tf.cond; a Variable `pred` always builds a cond."""
    from sluice.ops.variables import Variable
    if isinstance(pred, Variable):
        return _smart.control_flow_ops.cond(pred, true_fn=true_fn, false_fn=false_fn, name=name)
    return _smart.smart_cond(pred, true_fn=true_fn, false_fn=false_fn, name=name)


def constant_value(pred):
    """The bool `pred` (a bool, 1 / 0 or a tensor) stands for, or None when it is known only at run time."""
    from sluice.ops.variables import Variable
    if isinstance(pred, Variable):
        return None
    return _smart.smart_constant_value(pred)


def object_list_uid(object_list):
    """One string naming the objects of a (nested) list by id."""
    return ', '.join(str(abs(id(x))) for x in _nest.flatten(object_list))


def static_shape(x):
    """The static shape of `x` as a tuple, or None when x is None or its rank is unknown."""
    if x is None:
        return None
    try:
        return tuple(x.get_shape().as_list())
    except ValueError:
        return None

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.layers.utils')
