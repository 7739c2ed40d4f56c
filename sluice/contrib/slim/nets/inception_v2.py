"""Inception v2 ('Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate
Shift', Ioffe and Szegedy 2015) as TF 1.15's slim.nets.inception_v2 builds it, with TF's variable and
end-point names.

The body (inception_v2_base): a 7x7/2 separable convolution (depthwise multiplier min(depth(64) // 3, 8)),
a 3x3/2 max pool, 1x1 and 3x3 convolutions, a 3x3/2 max pool, then mixed blocks 3b, 3c, the reduction
4a, 4b-4e, the reduction 5a, 5b and 5c. A mixed block concatenates a 1x1 convolution, 1x1 then 3x3, 1x1
then two 3x3 (the factorized 5x5), and a 3x3 average pool (max in 5c) then 1x1; a reduction block
concatenates two stride-2 convolution towers and a 3x3/2 max pool. Every depth d becomes
max(int(d * depth_multiplier), min_depth); all layers pad 'SAME'. The head: an average pool over the
final map (7x7, or the whole map when smaller), dropout, and a 1x1 convolution to the logits.
"""
from sluice.contrib.framework.arg_scope import arg_scope
from sluice.contrib.layers import activation_layers, dense_conv, dropout_layer, normalization, pooling
from sluice.contrib.slim.nets.inception_blocks import (avg_pool, build_stages, conv, depth_function, max_pool,
                                                       reduced_kernel_size)
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, init_ops, nn_activation
from sluice.ops import variable_scope as vs
from sluice.ops.init_ops import contrib_variance_scaling_initializer
from sluice.ops.regularizers import l2_regularizer

__all__ = ['inception_v2_base', 'inception_v2', 'inception_v2_arg_scope']


def _trunc_normal(stddev):
    return init_ops.truncated_normal_initializer(0.0, stddev)


def _mixed(b0, b1, b2, b3, pool=avg_pool, pool_name='AvgPool_0a_3x3'):
    """The v2 mixed block of depths b0 (1x1), b1 (1x1, 3x3), b2 (1x1, 3x3, 3x3), b3 (pool, 1x1)."""
    narrow = {'weights_initializer': _trunc_normal(0.09)}
    return [[conv(b0, [1, 1], 'Conv2d_0a_1x1')],
            [conv(b1[0], [1, 1], 'Conv2d_0a_1x1', **narrow), conv(b1[1], [3, 3], 'Conv2d_0b_3x3')],
            [conv(b2[0], [1, 1], 'Conv2d_0a_1x1', **narrow), conv(b2[1], [3, 3], 'Conv2d_0b_3x3'),
             conv(b2[2], [3, 3], 'Conv2d_0c_3x3')],
            [pool([3, 3], pool_name), conv(b3, [1, 1], 'Conv2d_0b_1x1', weights_initializer=_trunc_normal(0.1))]]


def _reduction(b0, b1):
    """The v2 grid reduction: 1x1 then 3x3/2; 1x1, 3x3 then 3x3/2; a 3x3/2 max pool."""
    narrow = {'weights_initializer': _trunc_normal(0.09)}
    return [[conv(b0[0], [1, 1], 'Conv2d_0a_1x1', **narrow), conv(b0[1], [3, 3], 'Conv2d_1a_3x3', stride=2)],
            [conv(b1[0], [1, 1], 'Conv2d_0a_1x1', **narrow), conv(b1[1], [3, 3], 'Conv2d_0b_3x3'),
             conv(b1[2], [3, 3], 'Conv2d_1a_3x3', stride=2)],
            [max_pool([3, 3], 'MaxPool_1a_3x3', stride=2)]]


# After the separable stem convolution, which inception_v2_base builds itself.
_STAGES = [
    ('MaxPool_2a_3x3', max_pool([3, 3], 'MaxPool_2a_3x3', stride=2)),
    ('Conv2d_2b_1x1', conv(64, [1, 1], 'Conv2d_2b_1x1', weights_initializer=_trunc_normal(0.1))),
    ('Conv2d_2c_3x3', conv(192, [3, 3], 'Conv2d_2c_3x3')),
    ('MaxPool_3a_3x3', max_pool([3, 3], 'MaxPool_3a_3x3', stride=2)),
    ('Mixed_3b', _mixed(64, (64, 64), (64, 96, 96), 32)),
    ('Mixed_3c', _mixed(64, (64, 96), (64, 96, 96), 64)),
    ('Mixed_4a', _reduction((128, 160), (64, 96, 96))),
    ('Mixed_4b', _mixed(224, (64, 96), (96, 128, 128), 128)),
    ('Mixed_4c', _mixed(192, (96, 128), (96, 128, 128), 128)),
    ('Mixed_4d', _mixed(160, (128, 160), (128, 160, 160), 96)),
    ('Mixed_4e', _mixed(96, (128, 192), (160, 192, 192), 96)),
    ('Mixed_5a', _reduction((128, 192), (192, 256, 256))),
    ('Mixed_5b', _mixed(352, (192, 320), (160, 224, 224), 128)),
    ('Mixed_5c', _mixed(352, (192, 320), (192, 224, 224), 128, pool=max_pool, pool_name='MaxPool_0a_3x3')),
]


def inception_v2_base(inputs, final_endpoint='Mixed_5c', min_depth=16, depth_multiplier=1.0, scope=None):
    """The body up to `final_endpoint`; returns (net, end_points). ValueError for an unknown end point or
    a depth_multiplier <= 0."""
    end_points = {}
    depth = depth_function(depth_multiplier, min_depth)
    with vs.variable_scope(scope, 'InceptionV2', [inputs]):
        with arg_scope([dense_conv.conv2d, pooling.max_pool2d, pooling.avg_pool2d, dense_conv.separable_conv2d],
                       stride=1, padding='SAME'):
            # A separable stem: depthwise 7x7 (multiplier up to 8) then a pointwise 1x1, cheaper than a full 7x7.
            end_point = 'Conv2d_1a_7x7'
            net = dense_conv.separable_conv2d(inputs, depth(64), [7, 7], depth_multiplier=min(int(depth(64) / 3), 8),
                                              stride=2, weights_initializer=_trunc_normal(1.0), scope=end_point)
            end_points[end_point] = net
            if end_point == final_endpoint:
                return net, end_points
            net, reached = build_stages(net, _STAGES, depth, final_endpoint, end_points)
            if reached:
                return net, end_points
    raise ValueError('Unknown final endpoint %s' % final_endpoint)


def inception_v2(inputs, num_classes=1000, is_training=True, dropout_keep_prob=0.8, min_depth=16,
                 depth_multiplier=1.0, prediction_fn=activation_layers.softmax, spatial_squeeze=True, reuse=None,
                 scope='InceptionV2'):
    """Inception v2 with its classifier; returns (logits, end_points)."""
    if depth_multiplier <= 0:
        raise ValueError('depth_multiplier is not greater than zero.')
    with vs.variable_scope(scope, 'InceptionV2', [inputs, num_classes], reuse=reuse) as scope:
        with arg_scope([normalization.batch_norm, dropout_layer.dropout], is_training=is_training):
            net, end_points = inception_v2_base(inputs, scope=scope, min_depth=min_depth,
                                                depth_multiplier=depth_multiplier)
            with vs.variable_scope('Logits'):
                kernel_size = reduced_kernel_size(net, [7, 7])
                net = pooling.avg_pool2d(net, kernel_size, padding='VALID',
                                         scope='AvgPool_1a_{}x{}'.format(*kernel_size))
                net = dropout_layer.dropout(net, keep_prob=dropout_keep_prob, scope='Dropout_1b')
                logits = dense_conv.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None,
                                           scope='Conv2d_1c_1x1')
                if spatial_squeeze:
                    logits = array_ops.squeeze(logits, [1, 2], name='SpatialSqueeze')
            end_points['Logits'] = logits
            end_points['Predictions'] = prediction_fn(logits, scope='Predictions')
    return logits, end_points


inception_v2.default_image_size = 224


def inception_v2_arg_scope(weight_decay=0.00004, batch_norm_var_collection='moving_vars'):
    """L2 weight decay for conv2d and fully_connected; conv2d with variance-scaling weights, ReLU and batch
    norm (decay 0.9997, epsilon 0.001, moving statistics also in `batch_norm_var_collection`)."""
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
    with arg_scope([dense_conv.conv2d, dense_conv.fully_connected], weights_regularizer=l2_regularizer(weight_decay)):
        with arg_scope([dense_conv.conv2d], weights_initializer=contrib_variance_scaling_initializer(),
                       activation_fn=nn_activation.relu, normalizer_fn=normalization.batch_norm,
                       normalizer_params=batch_norm_params) as sc:
            return sc
