"""ResNet v1 (He et al., 2015) as TF 1.15's slim.nets.resnet_v1 builds it, with its variable names, so
TF's checkpoints (resnet_v1_50.ckpt, ...) restore by name.

The network: conv1 (7x7/2, conv2d_same) and pool1 (3x3/2 max) unless include_root_block is False; then
the blocks, each of `bottleneck` units; optionally the global average `pool5` and a 1x1 `logits`
convolution. A bottleneck unit computes relu(shortcut + conv3(conv2(conv1(x)))) with conv1 1x1 to
depth_bottleneck, conv2 3x3 (carrying the unit's stride, atrous rate `rate`), conv3 1x1 to `depth` with
no activation; the shortcut is x subsampled when its depth already matches, else a 1x1 projection.
Every unit sits in its block's 'unit_<i>/bottleneck_v1' scope. `output_stride` (a multiple of 4 with
the root block) makes the last units atrous (resnet_utils.stack_blocks_dense). end_points maps the
outputs of every convolution, unit and block by scope name, plus 'predictions' when num_classes is set.
"""
from sluice.contrib.framework.arg_scope import add_arg_scope, arg_scope
from sluice.contrib.layers import dense_conv, named_outputs, normalization, pooling
from sluice.contrib.slim.nets import resnet_utils
from sluice.ops import nn_activation
from sluice.ops import variable_scope as vs

__all__ = ['resnet_arg_scope', 'bottleneck', 'resnet_v1', 'resnet_v1_block', 'resnet_v1_50', 'resnet_v1_101',
           'resnet_v1_152', 'resnet_v1_200']

resnet_arg_scope = resnet_utils.resnet_arg_scope


@add_arg_scope
def bottleneck(inputs, depth, depth_bottleneck, stride, rate=1, outputs_collections=None, scope=None):
    """One ResNet v1 bottleneck unit (batch norm after each convolution comes from the arg_scope)."""
    with vs.variable_scope(scope, 'bottleneck_v1', [inputs]) as sc:
        depth_in = named_outputs.last_dimension(inputs.get_shape(), min_rank=4)
        if depth == depth_in:
            shortcut = resnet_utils.subsample(inputs, stride, 'shortcut')
        else:
            shortcut = dense_conv.conv2d(inputs, depth, [1, 1], stride=stride, activation_fn=None,
                                         scope='shortcut')
        residual = dense_conv.conv2d(inputs, depth_bottleneck, [1, 1], stride=1, scope='conv1')
        residual = resnet_utils.conv2d_same(residual, depth_bottleneck, 3, stride, rate=rate, scope='conv2')
        residual = dense_conv.conv2d(residual, depth, [1, 1], stride=1, activation_fn=None, scope='conv3')
        output = nn_activation.relu(shortcut + residual)
        return named_outputs.collect_named_outputs(outputs_collections, sc.name, output)


def resnet_v1(inputs, blocks, num_classes=None, is_training=True, global_pool=True, output_stride=None,
              include_root_block=True, reuse=None, scope=None):
    """The ResNet v1 network over `blocks`; returns (net, end_points). net is [N, 1, 1, C] with
    global_pool, the logits [N, 1, 1, num_classes] when num_classes is set."""
    with vs.variable_scope(scope, 'resnet_v1', [inputs], reuse=reuse) as sc:
        end_points_collection = sc.original_name_scope + '_end_points'
        with arg_scope([dense_conv.conv2d, bottleneck, resnet_utils.stack_blocks_dense],
                       outputs_collections=end_points_collection):
            with arg_scope([normalization.batch_norm], is_training=is_training):
                net = inputs
                if include_root_block:
                    output_stride = resnet_utils.root_output_stride(output_stride)
                    net = resnet_utils.conv2d_same(net, 64, 7, stride=2, scope='conv1')
                    net = pooling.max_pool2d(net, [3, 3], stride=2, scope='pool1')
                net = resnet_utils.stack_blocks_dense(net, blocks, output_stride)
                return resnet_utils.classifier_head(net, num_classes, global_pool, end_points_collection)


resnet_v1.default_image_size = 224


def resnet_v1_block(scope, base_depth, num_units, stride):
    """A block of `num_units` v1 bottlenecks of depth 4 * base_depth; only the last one strides."""
    return resnet_utils.bottleneck_block(bottleneck, scope, base_depth, num_units, stride)


resnet_v1_50 = resnet_utils.network_of_depth(resnet_v1, resnet_v1_block, 50)
resnet_v1_101 = resnet_utils.network_of_depth(resnet_v1, resnet_v1_block, 101)
resnet_v1_152 = resnet_utils.network_of_depth(resnet_v1, resnet_v1_block, 152)
resnet_v1_200 = resnet_utils.network_of_depth(resnet_v1, resnet_v1_block, 200)
