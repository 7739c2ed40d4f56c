"""VGG ('Very Deep Convolutional Networks for Large-Scale Image Recognition', Simonyan and Zisserman
2014) as TF 1.15's slim.nets.vgg builds it: configurations A (vgg_a, 11 layers), D (vgg_16) and E
(vgg_19).

Five groups of 3x3 'SAME' convolutions (64, 128, 256, 512, 512 channels; the number per group is the
configuration's), each group a `repeat` named conv<g> (layers conv<g>/conv<g>_<i>) followed by a 2x2/2
max pool pool<g>; then the convolutional classifier with fc6 7x7 VALID to 4096. On a 224x224 input the
feature map before fc6 is 7x7 and the logits 1x1. Variables and end points carry TF's names
('vgg_16/conv1/conv1_1/weights', ...).
"""
from sluice.contrib.framework.arg_scope import arg_scope
from sluice.contrib.layers import composition, dense_conv, pooling
from sluice.contrib.slim.nets.conv_classifier import conv_classifier, end_points_and_logits
from sluice.ops import init_ops, nn_activation
from sluice.ops import variable_scope as vs
from sluice.ops.regularizers import l2_regularizer

__all__ = ['vgg_arg_scope', 'vgg_a', 'vgg_16', 'vgg_19', 'vgg_d', 'vgg_e']

_GROUP_DEPTHS = (64, 128, 256, 512, 512)


def vgg_arg_scope(weight_decay=0.0005):
    """ReLU, zero biases and L2 weight decay for conv2d and fully_connected; conv2d 'SAME'."""
    with arg_scope([dense_conv.conv2d, dense_conv.fully_connected], activation_fn=nn_activation.relu,
                   weights_regularizer=l2_regularizer(weight_decay),
                   biases_initializer=init_ops.zeros_initializer()):
        with arg_scope([dense_conv.conv2d], padding='SAME') as scope:
            return scope


def _vgg(inputs, repeats, num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope, default_name,
         collection_by_variable_scope=False):
    with vs.variable_scope(scope, default_name, [inputs]) as sc:
        # TF's vgg_19 names its end-point collection by the variable scope, vgg_a and vgg_16 by the name scope.
        prefix = sc.name if collection_by_variable_scope else sc.original_name_scope
        end_points_collection = prefix + '_end_points'
        with arg_scope([dense_conv.conv2d, dense_conv.fully_connected, pooling.max_pool2d],
                       outputs_collections=end_points_collection):
            net = inputs
            for group, (count, depth) in enumerate(zip(repeats, _GROUP_DEPTHS), 1):
                net = composition.repeat(net, count, dense_conv.conv2d, depth, [3, 3], scope='conv%d' % group)
                net = pooling.max_pool2d(net, [2, 2], scope='pool%d' % group)
            net = conv_classifier(net, num_classes, is_training, dropout_keep_prob, 4096, [7, 7])
            return end_points_and_logits(net, end_points_collection, sc.name, spatial_squeeze)


def vgg_a(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True, scope='vgg_a'):
    """VGG configuration A (1, 1, 2, 2, 2 convolutions per group); returns (logits, end_points)."""
    return _vgg(inputs, (1, 1, 2, 2, 2), num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope,
                'vgg_a')


def vgg_16(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True,
           scope='vgg_16'):
    """VGG configuration D (2, 2, 3, 3, 3 convolutions per group); returns (logits, end_points)."""
    return _vgg(inputs, (2, 2, 3, 3, 3), num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope,
                'vgg_16')


def vgg_19(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True,
           scope='vgg_19'):
    """VGG configuration E (2, 2, 4, 4, 4 convolutions per group); returns (logits, end_points)."""
    return _vgg(inputs, (2, 2, 4, 4, 4), num_classes, is_training, dropout_keep_prob, spatial_squeeze, scope,
                'vgg_19', collection_by_variable_scope=True)


vgg_a.default_image_size = 224
vgg_16.default_image_size = 224
vgg_19.default_image_size = 224
vgg_d = vgg_16
vgg_e = vgg_19
