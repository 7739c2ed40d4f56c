"""The building blocks ResNet v1 and v2 share (TF 1.15's slim.nets.resnet_utils).

A network is a list of `Block(scope, unit_fn, args)`: block `scope` applies `unit_fn(net, rate=r, **unit)`
once per dict `unit` in `args`, each in variable scope 'unit_<i>' (from 1). `stack_blocks_dense` walks
the blocks and tracks the product of the strides so far (the current output stride); once it equals the
requested `output_stride`, every later unit runs with stride 1 and a dilation rate multiplied by the
stride it skipped (atrous convolution), so the feature map stops shrinking but the receptive field
grows as it would have. `conv2d_same` is a strided convolution that pads explicitly by
(k_eff - 1) // 2 before and the rest after (k_eff = k + (k - 1)(rate - 1)) and convolves 'VALID', so
the result does not depend on the input size's parity as 'SAME' padding would.
The two versions also share their classifier head (`classifier_head`), the bottleneck block layout
(`bottleneck_block`) and the resnet_<version>_<depth> constructors (`network_of_depth`).
"""
import collections

from sluice.contrib.framework.arg_scope import add_arg_scope, arg_scope
from sluice.contrib.layers import activation_layers, dense_conv, named_outputs, normalization, pooling
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, math_ops, nn_activation
from sluice.ops import variable_scope as vs
from sluice.ops.init_ops import contrib_variance_scaling_initializer
from sluice.ops.regularizers import l2_regularizer

__all__ = ['Block', 'subsample', 'conv2d_same', 'stack_blocks_dense', 'resnet_arg_scope']

DEPTH_UNITS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3), 200: (3, 24, 36, 3)}


class Block(collections.namedtuple('Block', ['scope', 'unit_fn', 'args'])):
    """A ResNet block: its variable scope name, the function making one unit, and one dict of keyword
    arguments per unit (e.g. depth, depth_bottleneck, stride)."""


def subsample(inputs, factor, scope=None):
    """Every `factor`-th pixel of `inputs` (a 1x1 max pool of stride `factor`); inputs when factor is 1."""
    if factor == 1:
        return inputs
    return pooling.max_pool2d(inputs, [1, 1], stride=factor, scope=scope)


def conv2d_same(inputs, num_outputs, kernel_size, stride, rate=1, scope=None):
    """A kernel_size x kernel_size convolution whose output has ceil(size / stride) pixels whatever the
    input's parity: 'SAME' when stride is 1, else explicit zero padding and 'VALID'."""
    if stride == 1:
        return dense_conv.conv2d(inputs, num_outputs, kernel_size, stride=1, rate=rate, padding='SAME',
                                 scope=scope)
    effective = kernel_size + (kernel_size - 1) * (rate - 1)
    before = (effective - 1) // 2
    after = effective - 1 - before
    inputs = array_ops.pad(inputs, [[0, 0], [before, after], [before, after], [0, 0]])
    return dense_conv.conv2d(inputs, num_outputs, kernel_size, stride=stride, rate=rate, padding='VALID',
                             scope=scope)


@add_arg_scope
def stack_blocks_dense(net, blocks, output_stride=None, outputs_collections=None):
    """Applies `blocks` in order; with `output_stride`, switches to atrous units once it is reached
    (ValueError when it cannot be reached exactly). Each block's output is collected under its scope."""
    current_stride = 1
    rate = 1
    for block in blocks:
        with vs.variable_scope(block.scope, 'block', [net]) as sc:
            for i, unit in enumerate(block.args):
                if output_stride is not None and current_stride > output_stride:
                    raise ValueError('The target output_stride cannot be reached.')
                with vs.variable_scope('unit_%d' % (i + 1), values=[net]):
                    stride = unit.get('stride', 1)
                    if output_stride is not None and current_stride == output_stride:
                        net = block.unit_fn(net, rate=rate, **dict(unit, stride=1))
                        rate *= stride
                    else:
                        net = block.unit_fn(net, rate=1, **unit)
                        current_stride *= stride
            net = named_outputs.collect_named_outputs(outputs_collections, sc.name, net)
    if output_stride is not None and current_stride != output_stride:
        raise ValueError('The target output_stride cannot be reached.')
    return net


def resnet_arg_scope(weight_decay=0.0001, batch_norm_decay=0.997, batch_norm_epsilon=1e-5, batch_norm_scale=True):
    """The arg_scope of TF's ResNet checkpoints: conv2d with L2 decay, He (variance scaling) weights, batch
    norm then ReLU; batch_norm's own defaults the same; max_pool2d 'SAME'."""
    batch_norm_params = {
        'decay': batch_norm_decay,
        'epsilon': batch_norm_epsilon,
        'scale': batch_norm_scale,
        'updates_collections': GraphKeys.UPDATE_OPS,
    }
    with arg_scope([dense_conv.conv2d], weights_regularizer=l2_regularizer(weight_decay),
                   weights_initializer=contrib_variance_scaling_initializer(), activation_fn=nn_activation.relu,
                   normalizer_fn=normalization.batch_norm, normalizer_params=batch_norm_params):
        with arg_scope([normalization.batch_norm], **batch_norm_params):
            with arg_scope([pooling.max_pool2d], padding='SAME') as scope:
                return scope


def root_output_stride(output_stride):
    """The output stride the blocks must reach after the root block's stride of 4."""
    if output_stride is None:
        return None
    if output_stride % 4 != 0:
        raise ValueError('The output_stride needs to be a multiple of 4.')
    return output_stride / 4


def classifier_head(net, num_classes, global_pool, end_points_collection):
    """(net, end_points) after the blocks: the global average 'pool5', the 1x1 'logits' convolution and
    'predictions' (softmax) where asked, end_points from the collection the layers filled."""
    if global_pool:
        net = math_ops.reduce_mean(net, [1, 2], name='pool5', keepdims=True)
    if num_classes is not None:
        net = dense_conv.conv2d(net, num_classes, [1, 1], activation_fn=None, normalizer_fn=None, scope='logits')
    end_points = named_outputs.convert_collection_to_dict(end_points_collection)
    if num_classes is not None:
        end_points['predictions'] = activation_layers.softmax(net, scope='predictions')
    return net, end_points


def bottleneck_block(unit_fn, scope, base_depth, num_units, stride):
    """A block of `num_units` bottlenecks of depth 4 * base_depth; only the last one strides."""
    unit = {'depth': base_depth * 4, 'depth_bottleneck': base_depth, 'stride': 1}
    return Block(scope, unit_fn, [unit] * (num_units - 1) + [dict(unit, stride=stride)])


def network_of_depth(resnet, block, depth):
    """resnet_<version>_<depth>: `block`s of base depth 64, 128, 256, 512 with TF's units per block."""
    name = '%s_%d' % (resnet.__name__, depth)
    units = DEPTH_UNITS[depth]

    def network(inputs, num_classes=None, is_training=True, global_pool=True, output_stride=None, reuse=None,
                scope=name):
        blocks = [block('block%d' % (i + 1), base_depth=64 * 2 ** i, num_units=n, stride=2 if i < 3 else 1)
                  for i, n in enumerate(units)]
        return resnet(inputs, blocks, num_classes, is_training, global_pool, output_stride,
                      include_root_block=True, reuse=reuse, scope=scope)
    network.__name__ = network.__qualname__ = name
    network.__doc__ = 'ResNet-%d (units per block %s); see %s.' % (depth, units, resnet.__name__)
    return network
