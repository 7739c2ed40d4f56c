"""tf.nn.separable_conv2d, a composition as TF 1.15 builds it: DepthwiseConv2dNative ('depthwise') of the
input with depthwise_filter [kh, kw, in, multiplier], then a 1x1 Conv2D with pointwise_filter
[1, 1, in * multiplier, out], stride 1 and VALID padding, named after the scope. `rate` (dilations)
goes to the depthwise op's dilations attr (TF wraps an undilated op in SpaceToBatchND instead; the
values are the same).
"""
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import nn_conv_pool
from sluice.ops.deprecation import deprecated_argument_lookup

__all__ = ['separable_conv2d']


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """Depthwise convolution per input channel, then a pointwise (1x1) convolution mixing channels."""
    rate = deprecated_argument_lookup('dilations', dilations, 'rate', rate)
    with name_scope(name, 'separable_conv2d', [input, depthwise_filter, pointwise_filter]) as name:
        input = convert_to_tensor(input, name='tensor_in')  # noqa: A001
        depthwise_filter = convert_to_tensor(depthwise_filter, name='depthwise_filter')
        pointwise_filter = convert_to_tensor(pointwise_filter, name='pointwise_filter')
        pointwise_shape = pointwise_filter.shape.with_rank(4)
        if pointwise_shape.dims[0].value not in (1, None):
            raise ValueError('Dimension %s is not compatible with 1' % pointwise_shape.dims[0].value)
        if pointwise_shape.dims[1].value not in (1, None):
            raise ValueError('Dimension %s is not compatible with 1' % pointwise_shape.dims[1].value)
        depthwise_filter.shape.with_rank(4)
        data_format = data_format or 'NHWC'
        dil = None
        if rate is not None:
            rate = [int(r) for r in rate]
            dil = [1] + rate + [1] if data_format == 'NHWC' else [1, 1] + rate
        depthwise = nn_conv_pool.depthwise_conv2d_native(input, depthwise_filter, strides, padding,
                                                         data_format=data_format, dilations=dil, name='depthwise')
        return nn_conv_pool.conv2d(depthwise, pointwise_filter, [1, 1, 1, 1], padding='VALID',
                                   data_format=data_format, name=name)
