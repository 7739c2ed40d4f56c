"""Kernels of the block rearrangements (ops/space_batch_ops.py): reshapes and transposes in `ctx.xp`, so
one body serves CPU and GPU; block sizes, paddings and crops are read on the host."""
import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel


def _nhwc(op, xp, x, fn):
    if op.get_attr('data_format') == 'NCHW':
        return xp.ascontiguousarray(xp.transpose(fn(xp.transpose(x, (0, 2, 3, 1))), (0, 3, 1, 2)))
    return fn(x)


@register_kernel('SpaceToDepth', fresh_output=True)
def space_to_depth(op, ctx):
    xp, bs = ctx.xp, op.get_attr('block_size')

    def move(x):
        n, h, w, c = x.shape
        if h % bs or w % bs:
            raise _invalid(op, 'Image width %d and height %d should be divisible by block_size: %d' % (w, h, bs))
        blocks = x.reshape(n, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
        return xp.ascontiguousarray(blocks).reshape(n, h // bs, w // bs, bs * bs * c)
    return lambda x: _nhwc(op, xp, x, move)


@register_kernel('DepthToSpace', fresh_output=True)
def depth_to_space(op, ctx):
    xp, bs = ctx.xp, op.get_attr('block_size')

    def move(x):
        n, h, w, c = x.shape
        if c % (bs * bs):
            raise _invalid(op, 'Input depth dimension %d should be divisible by: %d' % (c, bs * bs))
        blocks = x.reshape(n, h, w, bs, bs, c // (bs * bs)).transpose(0, 1, 3, 2, 4, 5)
        return xp.ascontiguousarray(blocks).reshape(n, h * bs, w * bs, c // (bs * bs))
    return lambda x: _nhwc(op, xp, x, move)


def _block_args(op, x, block, pads, what):
    block = np.asarray(block).reshape(-1).astype(np.int64)
    pads = np.asarray(pads).reshape(-1, 2).astype(np.int64)
    m = block.size
    if pads.shape[0] != m:
        raise _invalid(op, '%s should have shape [%d, 2] instead of %s' % (what, m, list(np.shape(pads))))
    if x.ndim < m + 1:
        raise _invalid(op, 'input rank should be >= %d instead of %d' % (m + 1, x.ndim))
    if (block < 1).any():
        raise _invalid(op, 'All values in block_shape must be positive, got value, %s' % block.tolist())
    if (pads < 0).any():
        raise _invalid(op, 'All values in %s must be non-negative, got value, %s' % (what, pads.tolist()))
    return block, pads, m


@register_kernel('SpaceToBatchND', host_inputs=(1, 2), fresh_output=True)
def space_to_batch_nd(op, ctx):
    xp = ctx.xp

    def run(x, block, pads):
        block, pads, m = _block_args(op, x, block, pads, 'paddings')
        padded = xp.pad(x, [(0, 0)] + [tuple(p) for p in pads] + [(0, 0)] * (x.ndim - 1 - m))
        batch, spatial, rest = padded.shape[0], padded.shape[1:1 + m], padded.shape[1 + m:]
        for i in range(m):
            if spatial[i] % block[i]:
                raise _invalid(op, 'padded_shape[%d]=%d is not divisible by block_shape[%d]=%d'
                               % (i, spatial[i], i, block[i]))
        split = [batch] + [d for i in range(m) for d in (spatial[i] // block[i], block[i])] + list(rest)
        order = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
            list(range(1 + 2 * m, 1 + 2 * m + len(rest)))
        moved = xp.transpose(padded.reshape(split), order)
        return xp.ascontiguousarray(moved).reshape([batch * int(np.prod(block))] +
                                                   [spatial[i] // block[i] for i in range(m)] + list(rest))
    return run


@register_kernel('BatchToSpaceND', host_inputs=(1, 2), fresh_output=True)
def batch_to_space_nd(op, ctx):
    xp = ctx.xp

    def run(x, block, crops):
        block, crops, m = _block_args(op, x, block, crops, 'crops')
        prod = int(np.prod(block))
        if x.shape[0] % prod:
            raise _invalid(op, 'Input batch dimension (%d) is not divisible by product of block sizes (%d)'
                           % (x.shape[0], prod))
        batch, spatial, rest = x.shape[0] // prod, x.shape[1:1 + m], x.shape[1 + m:]
        split = list(block) + [batch] + list(spatial) + list(rest)
        order = [m] + [d for i in range(m) for d in (m + 1 + i, i)] + list(range(2 * m + 1, 2 * m + 1 + len(rest)))
        moved = xp.ascontiguousarray(xp.transpose(x.reshape(split), order))
        full = moved.reshape([batch] + [spatial[i] * block[i] for i in range(m)] + list(rest))
        for i in range(m):
            if crops[i].sum() > full.shape[1 + i]:
                raise _invalid(op, 'Crops must not exceed the input dimension %d: %s' % (i, crops[i].tolist()))
        index = [slice(None)] + [slice(int(crops[i, 0]), full.shape[1 + i] - int(crops[i, 1])) for i in range(m)]
        return xp.ascontiguousarray(full[tuple(index)])
    return run
