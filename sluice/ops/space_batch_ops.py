"""Rearranging spatial blocks (TF's array_ops): SpaceToDepth/DepthToSpace and SpaceToBatchND/BatchToSpaceND,
each the other's gradient, and the atrous convolution and tf.nn.convolution built on dilations.

- SpaceToDepth moves each block_size x block_size spatial block into depth (depth index = (row offset *
  block_size + column offset) * channels + channel); DepthToSpace undoes it. NHWC or NCHW.
- SpaceToBatchND zero-pads the M spatial dimensions after the batch, cuts them into `block_shape` blocks and
  moves the block offsets into the batch (offset-major); BatchToSpaceND undoes it and crops.
tf.space_to_batch / tf.batch_to_space are the 2-D forms with a square block, as in TF 1.15.
"""
import numpy as np

from sluice.engine import dtypes, op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import nn_conv_pool, shape_fns

__all__ = ['space_to_depth', 'depth_to_space', 'space_to_batch_nd', 'batch_to_space_nd', 'space_to_batch',
           'batch_to_space']


def _error(op, message):
    return ValueError('%s for \'%s\' (op: \'%s\')' % (message, op.name, op.type))


def _depth_shape(op):
    shape = op._inputs[0]._shape
    if shape.ndims is None:
        return [TensorShape([None] * 4)]
    if shape.ndims != 4:
        raise _error(op, 'Shape must be rank 4 but is rank %d' % shape.ndims)
    bs = op.get_attr('block_size')
    nchw = op.get_attr('data_format') == 'NCHW'
    n, a, b, c = shape.as_list() if not nchw else [shape.as_list()[i] for i in (0, 2, 3, 1)]
    if op.type == 'SpaceToDepth':
        for d in (a, b):
            if d is not None and d % bs:
                raise _error(op, 'Dimension size must be evenly divisible by %d but is %d' % (bs, d))
        out = [n, None if a is None else a // bs, None if b is None else b // bs, None if c is None else c * bs * bs]
    else:
        if c is not None and c % (bs * bs):
            raise _error(op, 'Dimension size must be evenly divisible by %d but is %d' % (bs * bs, c))
        out = [n, None if a is None else a * bs, None if b is None else b * bs, None if c is None else c // (bs * bs)]
    return [TensorShape(out if not nchw else [out[0], out[3], out[1], out[2]])]


_DEPTH_ATTRS = {'T': 'type', 'block_size': 'int', 'data_format': ('string', 'NHWC')}
register_op('SpaceToDepth', ['input: T'], ['output: T'], dict(_DEPTH_ATTRS), _depth_shape)
register_op('DepthToSpace', ['input: T'], ['output: T'], dict(_DEPTH_ATTRS), _depth_shape)


@register_gradient('SpaceToDepth')
def _space_to_depth_grad(op, grad):
    return [depth_to_space(grad, op.get_attr('block_size'), data_format=op.get_attr('data_format'))]


@register_gradient('DepthToSpace')
def _depth_to_space_grad(op, grad):
    return [space_to_depth(grad, op.get_attr('block_size'), data_format=op.get_attr('data_format'))]


def _check_block_size(block_size):
    if int(block_size) < 2:
        raise ValueError("Attr 'block_size' of 1 must be at least minimum 2")
    return int(block_size)


def space_to_depth(input, block_size, name=None, data_format='NHWC'):  # noqa: A002
    return op_builder.output('SpaceToDepth', [input], {'block_size': _check_block_size(block_size),
                                                       'data_format': data_format}, name)


def depth_to_space(input, block_size, name=None, data_format='NHWC'):  # noqa: A002
    return op_builder.output('DepthToSpace', [input], {'block_size': _check_block_size(block_size),
                                                       'data_format': data_format}, name)


def _batch_space_shape(op):
    shape = op._inputs[0]._shape
    block, pads = (shape_fns.constant_value(op._inputs[i]) for i in (1, 2))
    if shape.ndims is None or block is None or pads is None:
        return [TensorShape(None) if shape.ndims is None else TensorShape([None] * shape.ndims)]
    dims = shape.as_list()
    block, pads = [int(b) for b in np.reshape(block, -1)], np.reshape(pads, (-1, 2)).astype(int)
    m = len(block)
    if len(dims) < m + 1:
        raise _error(op, 'Shape must be at least rank %d but is rank %d' % (m + 1, len(dims)))
    prod = int(np.prod(block))
    spatial = []
    for i in range(m):
        d = dims[1 + i]
        if op.type == 'SpaceToBatchND':
            if d is not None and (d + pads[i].sum()) % block[i]:
                raise _error(op, 'padded_shape[%d]=%d is not divisible by block_shape[%d]=%d'
                             % (i, d + pads[i].sum(), i, block[i]))
            spatial.append(None if d is None else (d + int(pads[i].sum())) // block[i])
        else:
            spatial.append(None if d is None else d * block[i] - int(pads[i].sum()))
    batch = dims[0]
    if batch is not None:
        if op.type == 'SpaceToBatchND':
            batch *= prod
        else:
            if batch % prod:
                raise _error(op, 'Input batch dimension (%d) is not divisible by product of block sizes (%d)'
                             % (batch, prod))
            batch //= prod
    return [TensorShape([batch] + spatial + dims[1 + m:])]


register_op('SpaceToBatchND', ['input: T', 'block_shape: Tblock_shape', 'paddings: Tpaddings'], ['output: T'],
            {'T': 'type', 'Tblock_shape': ('type', dtypes.int32), 'Tpaddings': ('type', dtypes.int32)},
            _batch_space_shape)
register_op('BatchToSpaceND', ['input: T', 'block_shape: Tblock_shape', 'crops: Tcrops'], ['output: T'],
            {'T': 'type', 'Tblock_shape': ('type', dtypes.int32), 'Tcrops': ('type', dtypes.int32)},
            _batch_space_shape)


@register_gradient('SpaceToBatchND')
def _space_to_batch_grad(op, grad):
    return [batch_to_space_nd(grad, op._inputs[1], op._inputs[2]), None, None]


@register_gradient('BatchToSpaceND')
def _batch_to_space_grad(op, grad):
    return [space_to_batch_nd(grad, op._inputs[1], op._inputs[2]), None, None]


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    return op_builder.output('SpaceToBatchND', [input, block_shape, paddings], {}, name)


def batch_to_space_nd(input, block_shape, crops, name=None):  # noqa: A002
    return op_builder.output('BatchToSpaceND', [input, block_shape, crops], {}, name)


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None):  # noqa: A002
    """The 2-D SpaceToBatchND with a square block (TF 1.15's tf.space_to_batch)."""
    block_size = block_size if block_size is not None else block_shape
    result = space_to_batch_nd(input, np.array([block_size, block_size], dtype=np.int64), paddings, name=name)
    result.set_shape(result.shape.with_rank(4))
    return result


def batch_to_space(input, crops, block_size, name=None, block_shape=None):  # noqa: A002
    block_size = block_size if block_size is not None else block_shape
    result = batch_to_space_nd(input, np.array([block_size, block_size], dtype=np.int64), crops, name=name)
    result.set_shape(result.shape.with_rank(4))
    return result


def atrous_conv2d(value, filters, rate, padding, name=None):
    """A 2-D convolution whose filter taps are `rate` pixels apart (a dilated Conv2D, same values as TF's
    space-to-batch form)."""
    if int(rate) < 1:
        raise ValueError('rate %d should be greater than or equal to 1' % rate)
    with name_scope(name, 'convolution', [value, filters]) as scope:
        return nn_conv_pool.conv2d(value, filters, [1, 1, 1, 1], padding, dilations=[1, int(rate), int(rate), 1],
                                   name=scope)


def convolution(input, filter, padding, strides=None, dilation_rate=None, name=None, data_format=None,  # noqa: A002
                filters=None, dilations=None):
    """tf.nn.convolution: an N-D (1, 2 or 3 spatial dims) convolution with strides and dilations."""
    from sluice.ops import nn_conv3d_pool3d
    filter = filter if filter is not None else filters  # noqa: A001
    dilation_rate = dilation_rate if dilation_rate is not None else dilations
    input = convert_to_tensor(input)  # noqa: A001
    spatial = (input.shape.ndims or convert_to_tensor(filter).shape.ndims) - 2
    strides = [1] * spatial if strides is None else list(np.broadcast_to(strides, (spatial,)))
    rates = [1] * spatial if dilation_rate is None else list(np.broadcast_to(dilation_rate, (spatial,)))
    channels_first = data_format is not None and data_format.startswith('NC')
    full = (lambda v: [1, 1] + [int(x) for x in v]) if channels_first else (lambda v: [1] + [int(x) for x in v] + [1])
    with name_scope(name, 'convolution', [input, filter]) as scope:
        if spatial == 1:
            return nn_conv_pool.conv1d(input, filter, int(strides[0]), padding,
                                       data_format='NCW' if channels_first else 'NWC', dilations=int(rates[0]),
                                       name=scope)
        if spatial == 2:
            return nn_conv_pool.conv2d(input, filter, full(strides), padding,
                                       data_format='NCHW' if channels_first else 'NHWC', dilations=full(rates),
                                       name=scope)
        if spatial == 3:
            return nn_conv3d_pool3d.conv3d(input, filter, full(strides), padding,
                                           data_format='NCDHW' if channels_first else 'NDHWC',
                                           dilations=full(rates), name=scope)
        raise ValueError('input must have rank 3, 4 or 5 (1 to 3 spatial dimensions), got rank %d' % (spatial + 2))
