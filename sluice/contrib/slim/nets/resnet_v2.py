"""ResNet v2, the pre-activation ResNet (He et al., 2016), as TF 1.15's slim.nets.resnet_v2 builds it,
with its variable names, so TF's checkpoints restore by name.

The network: conv1 (7x7/2, conv2d_same, no batch norm and no activation) and pool1 (3x3/2 max) unless
include_root_block is False; the blocks of `bottleneck` units; `postnorm` (batch norm then ReLU);
optionally the global average `pool5` and a 1x1 `logits` convolution. A v2 unit normalizes first:
preact = relu(batch_norm(x)) ('preact'), then shortcut + conv3(conv2(conv1(preact))) with no activation
after the sum, conv3 and a projection shortcut (from preact) having neither batch norm nor activation;
an identity shortcut subsamples x itself. Units sit in 'unit_<i>/bottleneck_v2'. `output_stride` and
end_points are as in resnet_v1.
"""
from sluice.contrib.framework.arg_scope import add_arg_scope, arg_scope
from sluice.contrib.layers import dense_conv, named_outputs, normalization, pooling
from sluice.contrib.slim.nets import resnet_utils
from sluice.ops import nn_activation
from sluice.ops import variable_scope as vs

__all__ = ['resnet_arg_scope', 'bottleneck', 'resnet_v2', 'resnet_v2_block', 'resnet_v2_50', 'resnet_v2_101',
           'resnet_v2_152', 'resnet_v2_200']

resnet_arg_scope = resnet_utils.resnet_arg_scope


@add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1, outputs_collections=None, scope=None):
    """One ResNet v2 (pre-activation) bottleneck unit."""
    with vs.variable_scope(scope, 'bottleneck_v2', [inputs]) as sc:
        depth_in = named_outputs.last_dimension(inputs.get_shape(), min_rank=4)
        preact = normalization.batch_norm(inputs, activation_fn=nn_activation.relu, scope='preact')
        if depth == depth_in:
            shortcut = resnet_utils.subsample(inputs, stride, 'shortcut')
        else:
            shortcut = dense_conv.conv2d(preact, depth, [1, 1], stride=stride, normalizer_fn=None,
                                         activation_fn=None, scope='shortcut')
        residual = dense_conv.conv2d(preact, depth_bottleneck, [1, 1], stride=1, scope='conv1')
        residual = resnet_utils.conv2d_same(residual, depth_bottleneck, 3, stride, rate=rate, scope='conv2')
        residual = dense_conv.conv2d(residual, depth, [1, 1], stride=1, normalizer_fn=None, activation_fn=None,
                                     scope='conv3')
        output = shortcut + residual
        return named_outputs.collect_named_outputs(outputs_collections, sc.name, output)


def resnet_v2(inputs, blocks, num_classes=None, is_training=True, global_pool=True, output_stride=None,
              include_root_block=True, reuse=None, scope=None):
    """The ResNet v2 network over `blocks`; returns (net, end_points) as resnet_v1 does."""
    with vs.variable_scope(scope, 'resnet_v2', [inputs], reuse=reuse) as sc:
        end_points_collection = sc.original_name_scope + '_end_points'
        with arg_scope([dense_conv.conv2d, bottleneck, resnet_utils.stack_blocks_dense],
                       outputs_collections=end_points_collection):
            with arg_scope([normalization.batch_norm], is_training=is_training):
                net = inputs
                if include_root_block:
                    output_stride = resnet_utils.root_output_stride(output_stride)
                    # The first unit's preact normalizes conv1's output, so conv1 itself has neither.
                    with arg_scope([dense_conv.conv2d], activation_fn=None, normalizer_fn=None):
                        net = resnet_utils.conv2d_same(net, 64, 7, stride=2, scope='conv1')
                    net = pooling.max_pool2d(net, [3, 3], stride=2, scope='pool1')
                net = resnet_utils.stack_blocks_dense(net, blocks, output_stride)
                net = normalization.batch_norm(net, activation_fn=nn_activation.relu, scope='postnorm')
                return resnet_utils.classifier_head(net, num_classes, global_pool, end_points_collection)


resnet_v2.default_image_size = 224


def resnet_v2_block(scope, base_depth, num_units, stride):
    """A block of `num_units` v2 bottlenecks of depth 4 * base_depth; only the last one strides."""
    return resnet_utils.bottleneck_block(bottleneck, scope, base_depth, num_units, stride)


resnet_v2_50 = resnet_utils.network_of_depth(resnet_v2, resnet_v2_block, 50)
resnet_v2_101 = resnet_utils.network_of_depth(resnet_v2, resnet_v2_block, 101)
resnet_v2_152 = resnet_utils.network_of_depth(resnet_v2, resnet_v2_block, 152)
resnet_v2_200 = resnet_utils.network_of_depth(resnet_v2, resnet_v2_block, 200)
