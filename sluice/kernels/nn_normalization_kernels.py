"""Kernels of LRN and LRNGrad (ops/nn_normalization.py): windowed sums along the depth axis through one
cumulative sum, one ctx.xp body for CPU and GPU.
"""
import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel


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
