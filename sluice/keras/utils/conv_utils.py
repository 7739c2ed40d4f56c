"""Keras's conv_utils (TF 1.15): the argument forms convolution and pooling layers accept, normalized with
Keras's error messages, and the output-length arithmetic of convolution and transposed convolution.

- tuples: an int or n ints ('The `strides` argument must be a tuple of 2 integers. Received: ...');
- padding 'valid' | 'same' | 'causal' (any case); data_format 'channels_last' (default) |
  'channels_first', which convert_data_format turns into 'NWC'/'NHWC'/'NDHWC' or 'NCW'/'NCHW'/'NCDHW'.
"""
import numbers

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
