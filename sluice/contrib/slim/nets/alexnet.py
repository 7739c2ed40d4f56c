"""AlexNet v2 ('One weird trick for parallelizing convolutional neural networks', Krizhevsky 2014) as TF
1.15's slim.nets.alexnet builds it: five convolutions (conv1 11x11/4 VALID, conv2 5x5, conv3-5 3x3) with
3x3/2 max pools after conv1, conv2 and conv5, then the convolutional classifier (fc6 5x5 VALID to 4096,
initialized from a truncated normal of stddev 0.005 with biases 0.1). On a 224x224 input the logits
are 1x1. Variables and end points carry TF's names ('alexnet_v2/conv1/weights', ...).
"""
from sluice.contrib.framework.arg_scope import arg_scope
from sluice.contrib.layers import dense_conv, pooling
from sluice.contrib.slim.nets.conv_classifier import conv_classifier, end_points_and_logits
from sluice.ops import init_ops, nn_activation
from sluice.ops import variable_scope as vs
from sluice.ops.regularizers import l2_regularizer

__all__ = ['alexnet_v2_arg_scope', 'alexnet_v2']


def alexnet_v2_arg_scope(weight_decay=0.0005):
    """ReLU, biases 0.1 and L2 weight decay for conv2d and fully_connected; conv2d 'SAME', pools 'VALID'."""
    with arg_scope([dense_conv.conv2d, dense_conv.fully_connected], activation_fn=nn_activation.relu,
                   biases_initializer=init_ops.constant_initializer(0.1),
                   weights_regularizer=l2_regularizer(weight_decay)):
        with arg_scope([dense_conv.conv2d], padding='SAME'):
            with arg_scope([pooling.max_pool2d], padding='VALID') as scope:
                return scope


def alexnet_v2(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.5, spatial_squeeze=True,
               scope='alexnet_v2'):
    """AlexNet v2 on `inputs` [N, H, W, 3]; returns (logits, end_points)."""
    with vs.variable_scope(scope, 'alexnet_v2', [inputs]) as sc:
        end_points_collection = sc.original_name_scope + '_end_points'
        with arg_scope([dense_conv.conv2d, dense_conv.fully_connected, pooling.max_pool2d],
                       outputs_collections=[end_points_collection]):
            net = dense_conv.conv2d(inputs, 64, [11, 11], 4, padding='VALID', scope='conv1')
            net = pooling.max_pool2d(net, [3, 3], 2, scope='pool1')
            net = dense_conv.conv2d(net, 192, [5, 5], scope='conv2')
            net = pooling.max_pool2d(net, [3, 3], 2, scope='pool2')
            net = dense_conv.conv2d(net, 384, [3, 3], scope='conv3')
            net = dense_conv.conv2d(net, 384, [3, 3], scope='conv4')
            net = dense_conv.conv2d(net, 256, [3, 3], scope='conv5')
            net = pooling.max_pool2d(net, [3, 3], 2, scope='pool5')
            with arg_scope([dense_conv.conv2d], weights_initializer=init_ops.truncated_normal_initializer(0.0, 0.005),
                           biases_initializer=init_ops.constant_initializer(0.1)):
                net = conv_classifier(net, num_classes, is_training, dropout_keep_prob, 4096, [5, 5],
                                      biases_initializer=init_ops.zeros_initializer())
            return end_points_and_logits(net, end_points_collection, sc.name, spatial_squeeze)


alexnet_v2.default_image_size = 224
