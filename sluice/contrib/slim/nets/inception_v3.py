"""Inception v3 ('Rethinking the Inception Architecture for Computer Vision', Szegedy et al. 2015) as TF
1.15's slim.nets.inception_v3 builds it, with TF's variable and end-point names (including TF's
irregular ones: Mixed_5c's 'Conv_1_0c_5x5', Mixed_6a's 3x3 convolutions named 'Conv2d_1a_1x1').

The body (inception_v3_base): a 'VALID' stem of five convolutions and two 3x3/2 max pools (299x299 ->
35x35), then 'SAME' mixed blocks: 5b-5d (1x1; 1x1 then 5x5; 1x1 then two 3x3; average pool then 1x1),
the reduction 6a, 6b-6e (7x7 factorized into 1x7 and 7x1), the reduction 7a, and 7b-7c whose 3x3
towers end in parallel 1x3 and 3x1 convolutions (forks). Depths go through max(int(d *
depth_multiplier), min_depth). The classifier: the auxiliary head on Mixed_6e (5x5/3 average pool, 1x1
conv, a conv over the whole remaining map, 1x1 to the AuxLogits) and the main head (average pool over
the final map, up to 8x8; dropout; 'PreLogits'; 1x1 conv to the logits).
"""
from sluice.contrib.framework.arg_scope import arg_scope
from sluice.contrib.layers import activation_layers, dense_conv, dropout_layer, normalization, pooling
from sluice.contrib.slim.nets.inception_blocks import (avg_pool, build_stages, conv, depth_function, fork, max_pool,
                                                       reduced_kernel_size)
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, init_ops, nn_activation
from sluice.ops import variable_scope as vs
from sluice.ops.init_ops import contrib_variance_scaling_initializer
from sluice.ops.regularizers import l2_regularizer

__all__ = ['inception_v3_base', 'inception_v3', 'inception_v3_arg_scope']

_STEM = [  # arg_scope: stride 1, 'VALID'
    ('Conv2d_1a_3x3', conv(32, [3, 3], 'Conv2d_1a_3x3', stride=2)),
    ('Conv2d_2a_3x3', conv(32, [3, 3], 'Conv2d_2a_3x3')),
    ('Conv2d_2b_3x3', conv(64, [3, 3], 'Conv2d_2b_3x3', padding='SAME')),
    ('MaxPool_3a_3x3', max_pool([3, 3], 'MaxPool_3a_3x3', stride=2)),
    ('Conv2d_3b_1x1', conv(80, [1, 1], 'Conv2d_3b_1x1')),
    ('Conv2d_4a_3x3', conv(192, [3, 3], 'Conv2d_4a_3x3')),
    ('MaxPool_5a_3x3', max_pool([3, 3], 'MaxPool_5a_3x3', stride=2)),
]


def _mixed_35(pool_depth, tower_names=('Conv2d_0a_1x1', 'Conv2d_0b_5x5')):
    """Blocks 5b-5d on the 35x35 grid."""
    return [[conv(64, [1, 1], 'Conv2d_0a_1x1')],
            [conv(48, [1, 1], tower_names[0]), conv(64, [5, 5], tower_names[1])],
            [conv(64, [1, 1], 'Conv2d_0a_1x1'), conv(96, [3, 3], 'Conv2d_0b_3x3'), conv(96, [3, 3], 'Conv2d_0c_3x3')],
            [avg_pool([3, 3], 'AvgPool_0a_3x3'), conv(pool_depth, [1, 1], 'Conv2d_0b_1x1')]]


def _mixed_17(c):
    """Blocks 6b-6e on the 17x17 grid, `c` channels inside the factorized 7x7 towers."""
    return [[conv(192, [1, 1], 'Conv2d_0a_1x1')],
            [conv(c, [1, 1], 'Conv2d_0a_1x1'), conv(c, [1, 7], 'Conv2d_0b_1x7'), conv(192, [7, 1], 'Conv2d_0c_7x1')],
            [conv(c, [1, 1], 'Conv2d_0a_1x1'), conv(c, [7, 1], 'Conv2d_0b_7x1'), conv(c, [1, 7], 'Conv2d_0c_1x7'),
             conv(c, [7, 1], 'Conv2d_0d_7x1'), conv(192, [1, 7], 'Conv2d_0e_1x7')],
            [avg_pool([3, 3], 'AvgPool_0a_3x3'), conv(192, [1, 1], 'Conv2d_0b_1x1')]]


def _mixed_8(second_fork_name):
    """Blocks 7b-7c on the 8x8 grid (the 3x1 of branch 1 is '..._0b_3x1' in 7b, '..._0c_3x1' in 7c)."""
    return [[conv(320, [1, 1], 'Conv2d_0a_1x1')],
            [conv(384, [1, 1], 'Conv2d_0a_1x1'),
             fork(conv(384, [1, 3], 'Conv2d_0b_1x3'), conv(384, [3, 1], second_fork_name))],
            [conv(448, [1, 1], 'Conv2d_0a_1x1'), conv(384, [3, 3], 'Conv2d_0b_3x3'),
             fork(conv(384, [1, 3], 'Conv2d_0c_1x3'), conv(384, [3, 1], 'Conv2d_0d_3x1'))],
            [avg_pool([3, 3], 'AvgPool_0a_3x3'), conv(192, [1, 1], 'Conv2d_0b_1x1')]]


_VALID_2 = {'stride': 2, 'padding': 'VALID'}

_MIXED = [  # arg_scope: stride 1, 'SAME'
    ('Mixed_5b', _mixed_35(32)),
    ('Mixed_5c', _mixed_35(64, ('Conv2d_0b_1x1', 'Conv_1_0c_5x5'))),
    ('Mixed_5d', _mixed_35(64)),
    ('Mixed_6a', [[conv(384, [3, 3], 'Conv2d_1a_1x1', **_VALID_2)],
                  [conv(64, [1, 1], 'Conv2d_0a_1x1'), conv(96, [3, 3], 'Conv2d_0b_3x3'),
                   conv(96, [3, 3], 'Conv2d_1a_1x1', **_VALID_2)],
                  [max_pool([3, 3], 'MaxPool_1a_3x3', **_VALID_2)]]),
    ('Mixed_6b', _mixed_17(128)),
    ('Mixed_6c', _mixed_17(160)),
    ('Mixed_6d', _mixed_17(160)),
    ('Mixed_6e', _mixed_17(192)),
    ('Mixed_7a', [[conv(192, [1, 1], 'Conv2d_0a_1x1'), conv(320, [3, 3], 'Conv2d_1a_3x3', **_VALID_2)],
                  [conv(192, [1, 1], 'Conv2d_0a_1x1'), conv(192, [1, 7], 'Conv2d_0b_1x7'),
                   conv(192, [7, 1], 'Conv2d_0c_7x1'), conv(192, [3, 3], 'Conv2d_1a_3x3', **_VALID_2)],
                  [max_pool([3, 3], 'MaxPool_1a_3x3', **_VALID_2)]]),
    ('Mixed_7b', _mixed_8('Conv2d_0b_3x1')),
    ('Mixed_7c', _mixed_8('Conv2d_0c_3x1')),
]

_LAYERS = [dense_conv.conv2d, pooling.max_pool2d, pooling.avg_pool2d]


def inception_v3_base(inputs, final_endpoint='Mixed_7c', min_depth=16, depth_multiplier=1.0, scope=None):
    """The body up to `final_endpoint`; returns (net, end_points). ValueError for an unknown end point or
    a depth_multiplier <= 0."""
    end_points = {}
    depth = depth_function(depth_multiplier, min_depth)
    with vs.variable_scope(scope, 'InceptionV3', [inputs]):
        net = inputs
        for stages, padding in ((_STEM, 'VALID'), (_MIXED, 'SAME')):
            with arg_scope(_LAYERS, stride=1, padding=padding):
                net, reached = build_stages(net, stages, depth, final_endpoint, end_points)
            if reached:
                return net, end_points
    raise ValueError('Unknown final endpoint %s' % final_endpoint)


def _aux_logits(net, num_classes, depth, spatial_squeeze):
    """The auxiliary classifier on Mixed_6e (variable scope 'AuxLogits')."""
    with arg_scope(_LAYERS, stride=1, padding='SAME'):
        with vs.variable_scope('AuxLogits'):
            net = pooling.avg_pool2d(net, [5, 5], stride=3, padding='VALID', scope='AvgPool_1a_5x5')
            net = dense_conv.conv2d(net, depth(128), [1, 1], scope='Conv2d_1b_1x1')
            kernel_size = reduced_kernel_size(net, [5, 5])
            net = dense_conv.conv2d(net, depth(768), kernel_size,
                                    weights_initializer=init_ops.truncated_normal_initializer(0.0, 0.01),
                                    padding='VALID', scope='Conv2d_2a_{}x{}'.format(*kernel_size))
            net = dense_conv.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                                    weights_initializer=init_ops.truncated_normal_initializer(0.0, 0.001),
                                    scope='Conv2d_2b_1x1')
            if spatial_squeeze:
                net = array_ops.squeeze(net, [1, 2], name='SpatialSqueeze')
            return net


def inception_v3(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.8, min_depth=16,
                 depth_multiplier=1.0, prediction_fn=activation_layers.softmax, spatial_squeeze=True, reuse=None,
                 scope='InceptionV3'):
    """Inception v3 with its auxiliary and main classifiers; returns (logits, end_points)."""
    depth = depth_function(depth_multiplier, min_depth)
    with vs.variable_scope(scope, 'InceptionV3', [inputs, num_classes], reuse=reuse) as scope:
        with arg_scope([normalization.batch_norm, dropout_layer.dropout], is_training=is_training):
            net, end_points = inception_v3_base(inputs, scope=scope, min_depth=min_depth,
                                                depth_multiplier=depth_multiplier)
            end_points['AuxLogits'] = _aux_logits(end_points['Mixed_6e'], num_classes, depth, spatial_squeeze)
            with vs.variable_scope('Logits'):
                kernel_size = reduced_kernel_size(net, [8, 8])
                net = pooling.avg_pool2d(net, kernel_size, padding='VALID',
                                         scope='AvgPool_1a_{}x{}'.format(*kernel_size))
                net = dropout_layer.dropout(net, keep_prob=dropout_keep_prob, scope='Dropout_1b')
                end_points['PreLogits'] = net
                logits = dense_conv.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                                           scope='Conv2d_1c_1x1')
                if spatial_squeeze:
                    logits = array_ops.squeeze(logits, [1, 2], name='SpatialSqueeze')
            end_points['Logits'] = logits
            end_points['Predictions'] = prediction_fn(logits, scope='Predictions')
    return logits, end_points


inception_v3.default_image_size = 299


def inception_v3_arg_scope(weight_decay=0.00004, batch_norm_var_collection='moving_vars', batch_norm_decay=0.9997,
                           batch_norm_epsilon=0.001, updates_collections=GraphKeys.UPDATE_OPS,
                           use_fused_batchnorm=True):
    """L2 weight decay for conv2d and fully_connected; conv2d with variance-scaling weights, ReLU and batch
    norm with the given decay, epsilon, updates collections and fusing (moving statistics also in
    `batch_norm_var_collection`)."""
    batch_norm_params = {
        'decay': batch_norm_decay,
        'epsilon': batch_norm_epsilon,
        'updates_collections': updates_collections,
        'fused': use_fused_batchnorm,
        'variables_collections': {
            'beta': None,
            'gamma': None,
            'moving_mean': [batch_norm_var_collection],
            'moving_variance': [batch_norm_var_collection],
        },
    }
    with arg_scope([dense_conv.conv2d, dense_conv.fully_connected], weights_regularizer=l2_regularizer(weight_decay)):
        with arg_scope([dense_conv.conv2d], weights_initializer=contrib_variance_scaling_initializer(),
                       activation_fn=nn_activation.relu, normalizer_fn=normalization.batch_norm,
                       normalizer_params=batch_norm_params) as sc:
            return sc
