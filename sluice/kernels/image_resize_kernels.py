"""Kernels of ResizeBicubic(Grad) and ResizeArea (ops/image_resize_ops.py): the per-axis weight matrices
are built on the host in float32 as TF's kernels compute their weights, then applied with one einsum in
`ctx.xp` (CPU and GPU)."""
import math

import numpy as np

from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel

_TABLE_SIZE = 1024


def _coefficients(a):
    x = (np.arange(_TABLE_SIZE + 1) / _TABLE_SIZE).astype(np.float32)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x = x + np.float32(1.0)
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


_LEGACY, _KEYS = _coefficients(np.float32(-0.75)), _coefficients(np.float32(-0.5))


def _scale(in_size, out_size, align_corners):
    if align_corners and out_size > 1:
        return np.float32((in_size - 1) / np.float32(out_size - 1))
    return np.float32(in_size / np.float32(out_size))


def _bicubic_weights(in_size, out_size, align_corners, half_pixel):
    """W [out_size, in_size]: each output position's four taps."""
    scale = _scale(in_size, out_size, align_corners)
    near, far = _KEYS if half_pixel else _LEGACY
    weights = np.zeros((out_size, in_size), np.float64)
    for out in range(out_size):
        if half_pixel:
            position = (np.float32(out) + np.float32(0.5)) * scale - np.float32(0.5)
        else:
            position = np.float32(out) * scale
        base = math.floor(position)
        offset = int(np.rint(np.float32(position - base) * _TABLE_SIZE))
        taps = [far[offset], near[offset], near[_TABLE_SIZE - offset], far[_TABLE_SIZE - offset]]
        index = [min(max(base - 1 + k, 0), in_size - 1) for k in range(4)]
        if half_pixel:  # Keys' cubic: drop the taps outside the image and renormalize
            taps = [w if index[k] == base - 1 + k else np.float32(0) for k, w in enumerate(taps)]
            total = np.float32(sum(taps))
            if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
                taps = [np.float32(w * (np.float32(1) / total)) for w in taps]
        for k in range(4):
            weights[out, index[k]] += taps[k]
    return weights


def _area_weights(in_size, out_size, align_corners):
    scale = _scale(in_size, out_size, align_corners)
    weights = np.zeros((out_size, in_size), np.float64)
    for out in range(out_size):
        top, bottom = np.float32(out) * scale, np.float32(out + 1) * scale
        for i in range(int(math.floor(top)), int(math.ceil(bottom))):
            overlap = min(i + 1, bottom) - max(i, top)
            weights[out, min(i, in_size - 1)] += overlap
    return weights / scale


def _sizes(op, images, size):
    size = np.asarray(size).reshape(-1)
    if images.ndim != 4:
        raise _invalid(op, 'input must be 4-dimensional%s' % (list(images.shape),))
    if size.size != 2:
        raise _invalid(op, 'shape_t must have two elements%s' % (list(size.shape),))
    out_h, out_w = int(size[0]), int(size[1])
    if out_h <= 0 or out_w <= 0:
        raise _invalid(op, 'output dimensions must be positive')
    return out_h, out_w


def _apply(xp, wy, wx, x, dtype):
    return xp.einsum('yh,nhwc,xw->nyxc', xp.asarray(wy, dtype=np.float64), x.astype(np.float64),
                     xp.asarray(wx, dtype=np.float64)).astype(dtype)


@register_kernel('ResizeBicubic', host_inputs=(1,), fresh_output=True)
def resize_bicubic(op, ctx):
    xp, align, half = ctx.xp, op.get_attr('align_corners'), op.get_attr('half_pixel_centers')

    def run(images, size):
        out_h, out_w = _sizes(op, images, size)
        wy = _bicubic_weights(images.shape[1], out_h, align, half)
        wx = _bicubic_weights(images.shape[2], out_w, align, half)
        return _apply(xp, wy, wx, images, np.float32)
    return run


@register_kernel('ResizeBicubicGrad', fresh_output=True)
def resize_bicubic_grad(op, ctx):
    xp, align, half = ctx.xp, op.get_attr('align_corners'), op.get_attr('half_pixel_centers')

    def run(grads, original):
        wy = _bicubic_weights(original.shape[1], grads.shape[1], align, half)
        wx = _bicubic_weights(original.shape[2], grads.shape[2], align, half)
        return _apply(xp, wy.T, wx.T, grads, original.dtype)
    return run


@register_kernel('ResizeArea', host_inputs=(1,), fresh_output=True)
def resize_area(op, ctx):
    xp, align = ctx.xp, op.get_attr('align_corners')

    def run(images, size):
        out_h, out_w = _sizes(op, images, size)
        wy = _area_weights(images.shape[1], out_h, align)
        wx = _area_weights(images.shape[2], out_w, align)
        return _apply(xp, wy, wx, images, np.float32)
    return run
