"""Convolutions and pooling in tf.nn built from other ops: conv1d (ExpandDims + Conv2D + Squeeze, as TF).
"""
import numbers


from sluice.engine.graph import name_scope
from sluice.ops import array_ops, nn_ops

__all__ = ['conv1d']


def _conv1d_sequence(value, channel_index, arg):
    if value is None:
        return [1, 1, 1]
    if isinstance(value, numbers.Integral):
        value = [value]
    value = [int(v) for v in value]
    if len(value) == 3:
        return value
    if len(value) != 1:
        raise ValueError('%s should be of length 1, 1 or 3. Received: %s=%s of length %d'
                         % (arg, arg, value, len(value)))
    return [1, value[0], 1] if channel_index == 2 else [1, 1, value[0]]


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None, data_format=None,
           name=None, input=None, dilations=None):  # noqa: A002 - TF's names
    """1-D convolution of value [batch, width, in] with filters [width, in, out]: the input and filter
    get a unit height (ExpandDims), Conv2D convolves, Squeeze drops the height again (TF's construction)."""
    value = nn_ops._alias(input, 'input', value, 'value')
    with name_scope(name, 'conv1d', [value, filters]) as name:
        if data_format is None or data_format in ('NHWC', 'NWC'):
            data_format, spatial_start_dim, channel_index = 'NHWC', -3, 2
        elif data_format in ('NCHW', 'NCW'):
            data_format, spatial_start_dim, channel_index = 'NCHW', -2, 1
        else:
            raise ValueError('`data_format` must be \'NWC\' or \'NCW\'. Received: data_format=%s' % data_format)
        strides = [1] + _conv1d_sequence(stride, channel_index, 'stride')
        dilations = [1] + _conv1d_sequence(dilations, channel_index, 'dilations')
        value = array_ops.expand_dims(value, spatial_start_dim)
        filters = array_ops.expand_dims(filters, 0)
        result = nn_ops.conv2d(value, filters, strides, padding,
                               use_cudnn_on_gpu=True if use_cudnn_on_gpu is None else use_cudnn_on_gpu,
                               data_format=data_format, dilations=dilations, name=name)
        return array_ops.squeeze(result, [spatial_start_dim])
