"""Kernels of ops/image_color_ops.py, vectorized over all pixels with ctx.xp (CPU and GPU).

RGB -> HSV as TF's colorspace_op.h: V = max, range = V - min, S = range / V (0 where V = 0), H from the
channel that is the maximum (red, then green, then blue on ties), 0 where range = 0, wrapped into [0, 1).
HSV -> RGB as TF: each channel is clamp(piecewise-linear ramp of 6H) mixed as (1 - S + S * ramp) * V.
AdjustHue and AdjustSaturation run that round trip in float32 (TF computes in float for half images)
with H += delta wrapped by fmod, or S *= scale clipped to [0, 1]."""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel


def _check_rgb(op, images):
    if images.ndim < 1 or images.shape[-1] != 3:
        raise errors.error_for_op(errors.InvalidArgumentError, op,
                                  'input must have 3 channels but input only has %d channels.'
                                  % (images.shape[-1] if images.ndim else 0))


def _to_hsv(xp, rgb):
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = xp.maximum(xp.maximum(r, g), b)
    rng = v - xp.minimum(xp.minimum(r, g), b)
    s = xp.where(v > 0, rng / xp.where(v > 0, v, 1), 0).astype(rgb.dtype)
    norm = 1 / (6 * xp.where(rng > 0, rng, 1))
    h = xp.where(r == v, norm * (g - b), xp.where(g == v, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6))
    h = xp.where(rng > 0, h, 0)
    h = xp.where(h < 0, h + 1, h).astype(rgb.dtype)
    return h, s, v


def _to_rgb(xp, h, s, v):
    dh = h * 6
    ramps = (xp.clip(xp.abs(dh - 3) - 1, 0, 1), xp.clip(2 - xp.abs(dh - 2), 0, 1),
             xp.clip(2 - xp.abs(dh - 4), 0, 1))
    one_s = 1 - s
    return xp.stack([(one_s + s * c) * v for c in ramps], axis=-1)


@register_kernel('RGBToHSV', fresh_output=True)
def rgb_to_hsv(op, ctx):
    xp = ctx.xp

    def run(images):
        _check_rgb(op, images)
        return xp.stack(_to_hsv(xp, images), axis=-1).astype(images.dtype, copy=False)
    return run


@register_kernel('HSVToRGB', fresh_output=True)
def hsv_to_rgb(op, ctx):
    xp = ctx.xp

    def run(images):
        _check_rgb(op, images)
        return _to_rgb(xp, images[..., 0], images[..., 1], images[..., 2]).astype(images.dtype, copy=False)
    return run


def _check_adjust(op, images, factor):
    if images.ndim < 3:
        raise errors.error_for_op(errors.InvalidArgumentError, op,
                                  'input must be at least 3-D, got shape[%s]' % ','.join(map(str, images.shape)))
    if np.ndim(factor) != 0:
        raise errors.error_for_op(errors.InvalidArgumentError, op, 'delta must be scalar: [%s]'
                                  % ','.join(map(str, np.shape(factor))))
    _check_rgb(op, images)


@register_kernel('AdjustHue', host_inputs=(1,), fresh_output=True)
def adjust_hue(op, ctx):
    xp = ctx.xp

    def run(images, delta):
        _check_adjust(op, images, delta)
        h, s, v = _to_hsv(xp, images.astype(np.float32))
        h = xp.fmod(h + np.float32(delta), np.float32(1))
        h = xp.where(h < 0, h + np.float32(1), h)
        return _to_rgb(xp, h, s, v).astype(images.dtype, copy=False)
    return run


@register_kernel('AdjustSaturation', host_inputs=(1,), fresh_output=True)
def adjust_saturation(op, ctx):
    xp = ctx.xp

    def run(images, scale):
        _check_adjust(op, images, scale)
        h, s, v = _to_hsv(xp, images.astype(np.float32))
        s = xp.clip(s * np.float32(scale), 0, 1)
        return _to_rgb(xp, h, s, v).astype(images.dtype, copy=False)
    return run
