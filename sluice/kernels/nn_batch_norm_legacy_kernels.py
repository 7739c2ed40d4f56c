"""Kernels of FusedBatchNorm / FusedBatchNormV2 and their gradients (ops/nn_batch_norm_legacy.py), one ctx.xp
body for CPU and GPU, with TF's CPU conventions: statistics in float32 over N, H, W; the batch_variance
output unbiased (n / (n - 1)); reserve_space_1 and reserve_space_2 the batch mean and the biased batch
variance, from which the gradient recomputes 1 / sqrt(variance + epsilon).
"""
import numpy as np

from sluice.kernels.registry import register_kernel
from sluice.ops import nn_shape_fns


def _layout(op, x):
    """(reduction axes, broadcast shape of a per-channel vector) for x in the op's data_format."""
    c_ax = 1 if nn_shape_fns._text(op.get_attr('data_format')).startswith('NC') else 3
    shape = [1] * x.ndim
    shape[c_ax] = x.shape[c_ax]
    return tuple(a for a in range(x.ndim) if a != c_ax), shape


@register_kernel(('FusedBatchNorm', 'FusedBatchNormV2'), multi_output=True, fresh_output=True)
def fused_batch_norm(op, ctx):
    xp = ctx.xp
    eps = np.float32(op.get_attr('epsilon'))
    training = op.get_attr('is_training')

    def run(x, scale, offset, mean, variance):
        axes, shape = _layout(op, x)
        xf = x.astype(np.float32)
        if training:
            use_mean, use_var = xf.mean(axis=axes), xf.var(axis=axes)
            n = x.size // max(int(np.prod(shape)), 1)
            out_var = use_var * (n / max(n - 1, 1))
            out_mean = use_mean
        else:
            use_mean, use_var = mean.astype(np.float32), variance.astype(np.float32)
            out_mean, out_var = use_mean.copy(), use_var.copy()
        inv = 1 / xp.sqrt(use_var + eps)
        y = (xf - use_mean.reshape(shape)) * (inv * scale).reshape(shape) + offset.reshape(shape)
        stat = scale.dtype
        return (y.astype(x.dtype), out_mean.astype(stat), out_var.astype(stat), use_mean.astype(stat),
                use_var.astype(stat))
    return run


@register_kernel(('FusedBatchNormGrad', 'FusedBatchNormGradV2'), multi_output=True, fresh_output=True)
def fused_batch_norm_grad(op, ctx):
    xp = ctx.xp
    eps = np.float32(op.get_attr('epsilon'))
    training = op.get_attr('is_training')

    def run(dy, x, scale, mean, variance):
        axes, shape = _layout(op, x)
        xf, dyf = x.astype(np.float32), dy.astype(np.float32)
        inv = 1 / xp.sqrt(variance.astype(np.float32) + eps)
        xhat = (xf - mean.reshape(shape)) * inv.reshape(shape)
        dscale = (dyf * xhat).sum(axis=axes)
        doffset = dyf.sum(axis=axes)
        if training:
            n = x.size // max(int(np.prod(shape)), 1)
            dx = (scale * inv).reshape(shape) / n * (n * dyf - doffset.reshape(shape) - xhat * dscale.reshape(shape))
        else:
            dx = dyf * (scale * inv).reshape(shape)
        stat = mean.dtype
        empty = xp.zeros([0], stat)
        return dx.astype(x.dtype), dscale.astype(stat), doffset.astype(stat), empty, empty.copy()
    return run
