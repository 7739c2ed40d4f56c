"""Kernels of the normalization ops (ops/nn_normalization.py), one ctx.xp body for CPU and GPU.
FusedBatchNormV3 normalizes over N, H, W in float32 and returns the unbiased batch variance, as TF; its
gradient reads the mean and inverse standard deviation the forward op saved (reserve spaces 1 and 2).
LRN and LRNGrad take windowed sums along the depth axis through one cumulative sum.
"""
import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel
from sluice.ops import nn_shape_fns


# -- FusedBatchNormV3, FusedBatchNormGradV3 --------------------------------------------------------------
def _bn_axes(op):
    return (0, 2, 3) if nn_shape_fns._text(op.get_attr('data_format')).startswith('NC') else (0, 1, 2)


def _bn_shape(op, ndim):
    shape = [1] * ndim
    return shape, (1 if nn_shape_fns._text(op.get_attr('data_format')).startswith('NC') else 3)


@register_kernel('FusedBatchNormV3', multi_output=True, fresh_output=True)
def fused_batch_norm(op, ctx):
    xp = ctx.xp
    eps = op.get_attr('epsilon')
    training = op.get_attr('is_training')
    factor = op.get_attr('exponential_avg_factor')
    axes = _bn_axes(op)

    def run(x, scale, offset, mean, variance):
        shape, c_ax = _bn_shape(op, x.ndim)
        shape[c_ax] = x.shape[c_ax]
        xf = x.astype(np.float32)
        if training:
            batch_mean = xf.mean(axis=axes)
            batch_var = xf.var(axis=axes)
            n = x.size // x.shape[c_ax]
            unbiased = batch_var * (n / max(n - 1, 1))
            if factor != 1 and mean.size:
                out_mean = (1 - factor) * mean + factor * batch_mean
                out_var = (1 - factor) * variance + factor * unbiased
            else:
                out_mean, out_var = batch_mean, unbiased
            use_mean, use_var = batch_mean, batch_var
        else:
            use_mean, use_var = mean, variance
            out_mean, out_var = mean.copy(), variance.copy()
        inv = 1 / xp.sqrt(use_var + np.float32(eps))
        y = (xf - use_mean.reshape(shape)) * (inv * scale).reshape(shape) + offset.reshape(shape)
        return (y.astype(x.dtype), out_mean.astype(np.float32), out_var.astype(np.float32),
                xp.array(use_mean, np.float32), xp.array(inv, np.float32), xp.zeros([0], np.float32))
    return run


@register_kernel('FusedBatchNormGradV3', multi_output=True, fresh_output=True)
def fused_batch_norm_grad(op, ctx):
    """reserve_space_1 is the mean used, reserve_space_2 the inverse std (training) or the variance."""
    xp = ctx.xp
    eps = op.get_attr('epsilon')
    training = op.get_attr('is_training')
    axes = _bn_axes(op)

    def run(dy, x, scale, mean, second, _):
        shape, c_ax = _bn_shape(op, x.ndim)
        shape[c_ax] = x.shape[c_ax]
        xf, dyf = x.astype(np.float32), dy.astype(np.float32)
        inv = second if training else 1 / xp.sqrt(second + np.float32(eps))
        xhat = (xf - mean.reshape(shape)) * inv.reshape(shape)
        dscale = (dyf * xhat).sum(axis=axes)
        doffset = dyf.sum(axis=axes)
        if training:
            n = x.size // x.shape[c_ax]
            dx = (scale * inv).reshape(shape) / n * (n * dyf - doffset.reshape(shape) - xhat * dscale.reshape(shape))
        else:
            dx = dyf * (scale * inv).reshape(shape)
        empty = xp.zeros([0], np.float32)
        return dx.astype(x.dtype), dscale.astype(np.float32), doffset.astype(np.float32), empty, empty.copy()
    return run


# -- LRN, LRNGrad ----------------------------------------------------------------------------------------
def _window_sum(xp, v, r):
    """sum(v[..., d - r: d + r + 1]) along the last axis, clipped at the edges."""
    depth = v.shape[-1]
    c = xp.cumsum(v, axis=-1, dtype=v.dtype)
    zero = xp.zeros(v.shape[:-1] + (1,), dtype=v.dtype)
    c = xp.concatenate([zero, c], axis=-1)
    d = xp.arange(depth)
    hi = xp.minimum(d + r + 1, depth)
    lo = xp.maximum(d - r, 0)
    return c[..., hi] - c[..., lo]


def _lrn_params(op):
    return op.get_attr('depth_radius'), op.get_attr('bias'), op.get_attr('alpha'), op.get_attr('beta')


@register_kernel('LRN', fresh_output=True)
def lrn(op, ctx):
    xp = ctx.xp
    r, bias, alpha, beta = _lrn_params(op)

    def run(x):
        if x.ndim != 4:
            raise _invalid(op, 'input must be 4-dimensional')
        work = x.astype(np.float32) if x.dtype != np.float64 and x.dtype != np.float32 else x
        norm = bias + alpha * _window_sum(xp, work * work, r)
        return (work * norm ** (-beta)).astype(x.dtype, copy=False)
    return run


@register_kernel('LRNGrad', fresh_output=True)
def lrn_grad(op, ctx):
    xp = ctx.xp
    r, bias, alpha, beta = _lrn_params(op)

    def run(grads, image, _output):
        if grads.ndim != 4 or image.ndim != 4:
            raise _invalid(op, 'input_grads, input_image, and out_image should have the same shape')
        g = grads.astype(np.float32) if grads.dtype not in (np.float32, np.float64) else grads
        x = image.astype(g.dtype, copy=False)
        norm = bias + alpha * _window_sum(xp, x * x, r)
        pre = g * x * norm ** (-beta - 1.0)
        dx = g * norm ** (-beta) - (2.0 * alpha * beta) * x * _window_sum(xp, pre, r)
        return dx.astype(grads.dtype, copy=False)
    return run
