"""The classifier AlexNet v2, OverFeat and VGG share: their fully connected layers written as convolutions,
so a larger input yields a map of class scores instead of failing.

fc6 is a VALID convolution whose kernel covers the whole feature map of the default image size (so its
output is 1x1 there), fc7 and fc8 are 1x1 convolutions; dropout6 and dropout7 follow fc6 and fc7 (keep
probability dropout_keep_prob while is_training); fc8 has no activation and no normalizer. The end points
are those the layers recorded in the network's collection; with spatial_squeeze the [N, 1, 1, C] logits
are squeezed to [N, C] ('fc8/squeezed'), which then replaces '<scope>/fc8' among the end points.
"""
from sluice.contrib.layers import dense_conv, dropout_layer, named_outputs
from sluice.ops import array_ops

__all__ = ['conv_classifier', 'end_points_and_logits']


def conv_classifier(net, num_classes, is_training, dropout_keep_prob, fc6_depth, fc6_kernel, **fc8_kwargs):
    """fc6 -> dropout6 -> fc7 (4096) -> dropout7 -> fc8 (num_classes, linear); `fc8_kwargs` are fc8's
    extra layer arguments (e.g. a biases_initializer)."""
    net = dense_conv.conv2d(net, fc6_depth, fc6_kernel, padding='VALID', scope='fc6')
    net = dropout_layer.dropout(net, dropout_keep_prob, is_training=is_training, scope='dropout6')
    net = dense_conv.conv2d(net, 4096, [1, 1], scope='fc7')
    net = dropout_layer.dropout(net, dropout_keep_prob, is_training=is_training, scope='dropout7')
    return dense_conv.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None, scope='fc8',
                             **fc8_kwargs)


def end_points_and_logits(net, end_points_collection, scope_name, spatial_squeeze):
    """(logits, end_points): the collection as a dict, the logits squeezed to [N, C] if asked."""
    end_points = named_outputs.convert_collection_to_dict(end_points_collection)
    if spatial_squeeze:
        net = array_ops.squeeze(net, [1, 2], name='fc8/squeezed')
        end_points[scope_name + '/fc8'] = net
    return net, end_points
