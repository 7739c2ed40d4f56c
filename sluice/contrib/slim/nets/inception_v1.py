"""Inception v1 / GoogLeNet ('Going deeper with convolutions', Szegedy et al. 2014) as TF 1.15's
slim.nets.inception_v1 builds it (with batch norm from its arg_scope), with TF's variable and end-point
names ('InceptionV1/Mixed_4b/Branch_1/Conv2d_0b_3x3/weights').

The body (inception_v1_base): a 7x7/2 convolution, 3x3/2 max pool, 1x1 and 3x3 convolutions, a 3x3/2
max pool, then nine mixed blocks (3b-3c, 4b-4f, 5b-5c) with max pools between the groups. Each mixed
block concatenates a 1x1 convolution, 1x1 then 3x3, 1x1 then another 3x3, and a 3x3 max pool then 1x1;
the table gives their depths. Every stride-1 layer pads 'SAME', so a 224x224 input ends 7x7 at Mixed_5c.
The head: a 7x7 average pool (named 'MaxPool_0a_7x7' as in TF), dropout, and a 1x1 convolution to the
logits, squeezed to [N, num_classes]; 'Predictions' is prediction_fn(logits).
"""
from sluice.contrib.framework.arg_scope import arg_scope
from sluice.contrib.layers import activation_layers, dense_conv, dropout_layer, normalization, pooling
from sluice.contrib.slim.nets.inception_blocks import build_stages, conv, max_pool
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, init_ops, nn_activation
from sluice.ops import variable_scope as vs
from sluice.ops.init_ops import contrib_variance_scaling_initializer
from sluice.ops.regularizers import l2_regularizer

__all__ = ['inception_v1_base', 'inception_v1', 'inception_v1_arg_scope']


def _mixed(b0, b1, b2, b3, b2_second='Conv2d_0b_3x3'):
    """The v1 mixed block of depths b0 (1x1), b1 (1x1, 3x3), b2 (1x1, 3x3), b3 (pool, 1x1)."""
    return [[conv(b0, [1, 1], 'Conv2d_0a_1x1')],
            [conv(b1[0], [1, 1], 'Conv2d_0a_1x1'), conv(b1[1], [3, 3], 'Conv2d_0b_3x3')],
            [conv(b2[0], [1, 1], 'Conv2d_0a_1x1'), conv(b2[1], [3, 3], b2_second)],
            [max_pool([3, 3], 'MaxPool_0a_3x3'), conv(b3, [1, 1], 'Conv2d_0b_1x1')]]


_STAGES = [
    ('Conv2d_1a_7x7', conv(64, [7, 7], 'Conv2d_1a_7x7', stride=2)),
    ('MaxPool_2a_3x3', max_pool([3, 3], 'MaxPool_2a_3x3', stride=2)),
    ('Conv2d_2b_1x1', conv(64, [1, 1], 'Conv2d_2b_1x1')),
    ('Conv2d_2c_3x3', conv(192, [3, 3], 'Conv2d_2c_3x3')),
    ('MaxPool_3a_3x3', max_pool([3, 3], 'MaxPool_3a_3x3', stride=2)),
    ('Mixed_3b', _mixed(64, (96, 128), (16, 32), 32)),
    ('Mixed_3c', _mixed(128, (128, 192), (32, 96), 64)),
    ('MaxPool_4a_3x3', max_pool([3, 3], 'MaxPool_4a_3x3', stride=2)),
    ('Mixed_4b', _mixed(192, (96, 208), (16, 48), 64)),
    ('Mixed_4c', _mixed(160, (112, 224), (24, 64), 64)),
    ('Mixed_4d', _mixed(128, (128, 256), (24, 64), 64)),
    ('Mixed_4e', _mixed(112, (144, 288), (32, 64), 64)),
    ('Mixed_4f', _mixed(256, (160, 320), (32, 128), 128)),
    ('MaxPool_5a_2x2', max_pool([2, 2], 'MaxPool_5a_2x2', stride=2)),
    ('Mixed_5b', _mixed(256, (160, 320), (32, 128), 128, b2_second='Conv2d_0a_3x3')),  # TF's name
    ('Mixed_5c', _mixed(384, (192, 384), (48, 128), 128)),
]


def inception_v1_base(inputs, final_endpoint='Mixed_5c', scope='InceptionV1'):
    """The body up to `final_endpoint`; returns (net, end_points). ValueError for an unknown end point."""
    end_points = {}
    with vs.variable_scope(scope, 'InceptionV1', [inputs]):
        with arg_scope([dense_conv.conv2d, dense_conv.fully_connected],
                       weights_initializer=init_ops.truncated_normal_initializer(0.0, 0.01)):
            with arg_scope([dense_conv.conv2d, pooling.max_pool2d], stride=1, padding='SAME'):
                net, reached = build_stages(inputs, _STAGES, lambda d: d, final_endpoint, end_points)
                if reached:
                    return net, end_points
    raise ValueError('Unknown final endpoint %s' % final_endpoint)


def inception_v1(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.8,
                 prediction_fn=activation_layers.softmax, spatial_squeeze=True, reuse=None, scope='InceptionV1'):
    """Inception v1 with its classifier; returns (logits, end_points)."""
    with vs.variable_scope(scope, 'InceptionV1', [inputs, num_classes], reuse=reuse) as scope:
        with arg_scope([normalization.batch_norm, dropout_layer.dropout], is_training=is_training):
            net, end_points = inception_v1_base(inputs, scope=scope)
            with vs.variable_scope('Logits'):
                net = pooling.avg_pool2d(net, [7, 7], stride=1, scope='MaxPool_0a_7x7')
                net = dropout_layer.dropout(net, dropout_keep_prob, scope='Dropout_0b')
                logits = dense_conv.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                                           scope='Conv2d_0c_1x1')
                if spatial_squeeze:
                    logits = array_ops.squeeze(logits, [1, 2], name='SpatialSqueeze')
                end_points['Logits'] = logits
                end_points['Predictions'] = prediction_fn(logits, scope='Predictions')
    return logits, end_points


inception_v1.default_image_size = 224


def inception_v1_arg_scope(weight_decay=0.00004, use_batch_norm=True, batch_norm_var_collection='moving_vars'):
    """L2 weight decay for conv2d and fully_connected; conv2d with variance-scaling weights, ReLU and (if
    use_batch_norm) batch norm (decay 0.9997, epsilon 0.001, moving statistics also in
    `batch_norm_var_collection`)."""
    batch_norm_params = {
        'decay': 0.9997,
        'epsilon': 0.001,
        'updates_collections': GraphKeys.UPDATE_OPS,
        'variables_collections': {
            'beta': None,
            'gamma': None,
            'moving_mean': [batch_norm_var_collection],
            'moving_variance': [batch_norm_var_collection],
        },
    }
    normalizer_fn = normalization.batch_norm if use_batch_norm else None
    normalizer_params = batch_norm_params if use_batch_norm else {}
    with arg_scope([dense_conv.conv2d, dense_conv.fully_connected], weights_regularizer=l2_regularizer(weight_decay)):
        with arg_scope([dense_conv.conv2d], weights_initializer=contrib_variance_scaling_initializer(),
                       activation_fn=nn_activation.relu, normalizer_fn=normalizer_fn,
                       normalizer_params=normalizer_params) as sc:
            return sc
