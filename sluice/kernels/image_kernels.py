"""Kernels of the resize ops in ops/image_ops.py (ResizeBilinear, ResizeNearestNeighbor and their gradients),
written against ctx.xp for CPU and GPU. Index arithmetic follows TF's image_resizer_state.h: the scale is
in / out (or (in - 1) / (out - 1) with align_corners), computed in float32; the legacy scaler maps output
index y to y * scale, the half-pixel one to (y + 0.5) * scale - 0.5 (bilinear) or (y + 0.5) * scale (nearest)."""
import numpy as np

from sluice.engine import errors
from sluice.kernels.registry import register_kernel


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _scale(in_size, out_size, align_corners):
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def _check_attrs(op):
    align, half = op.get_attr('align_corners'), op.get_attr('half_pixel_centers')
    if align and half:
        raise _invalid(op, 'If half_pixel_centers is True, align_corners must be False.')
    return align, half


def _out_size(op, images, size):
    size = np.asarray(size)
    if images.ndim != 4:
        raise _invalid(op, 'input must be 4-dimensional%s' % ('[%s]' % ','.join(str(d) for d in images.shape)))
    if size.shape != (2,):
        raise _invalid(op, 'shape_t must be 1-dimensional and have 2 elements')
    h, w = int(size[0]), int(size[1])
    if h <= 0 or w <= 0:
        raise _invalid(op, 'output dimensions must be positive')
    if images.shape[1] <= 0 or images.shape[2] <= 0:
        raise _invalid(op, 'input image must be of non-zero size')
    return h, w


def _linear_coords(in_size, out_size, align, half):
    """(lower index, upper index, lerp) per output index, as TF's ComputeInterpolationWeights."""
    scale = _scale(in_size, out_size, align)
    y = np.arange(out_size, dtype=np.float32)
    pos = ((y + np.float32(0.5)) * scale - np.float32(0.5)) if half else y * scale
    floor = np.floor(pos)
    if half:
        lower = np.maximum(floor, 0).astype(np.int64)
        upper = np.minimum(np.ceil(pos), in_size - 1).astype(np.int64)
    else:
        lower = floor.astype(np.int64)
        upper = np.minimum(lower + 1, in_size - 1)
    lerp = (pos - floor).astype(np.float32)
    return lower, upper, lerp


def _nearest_index(in_size, out_size, align, half):
    scale = _scale(in_size, out_size, align)
    y = np.arange(out_size, dtype=np.float32)
    pos = (y + np.float32(0.5)) * scale if half else y * scale
    idx = np.floor(pos + np.float32(0.5)) if align else np.floor(pos)
    idx = np.minimum(idx.astype(np.int64), in_size - 1)
    return np.maximum(idx, 0)


def _linear_matrix(in_size, out_size, align, half):
    lower, upper, lerp = _linear_coords(in_size, out_size, align, half)
    m = np.zeros((out_size, in_size), dtype=np.float32)
    rows = np.arange(out_size)
    np.add.at(m, (rows, lower), np.float32(1) - lerp)
    np.add.at(m, (rows, upper), lerp)
    return m


def _nearest_matrix(in_size, out_size, align, half):
    m = np.zeros((out_size, in_size), dtype=np.float32)
    m[np.arange(out_size), _nearest_index(in_size, out_size, align, half)] = 1
    return m


@register_kernel('ResizeBilinear', host_inputs=(1,), fresh_output=True)
def resize_bilinear(op, ctx):
    xp = ctx.xp
    align, half = _check_attrs(op)

    def run(images, size):
        h, w = _out_size(op, images, size)
        x = images.astype(np.float32, copy=False)
        ylo, yhi, yl = (xp.asarray(a) for a in _linear_coords(images.shape[1], h, align, half))
        xlo, xhi, xl = (xp.asarray(a) for a in _linear_coords(images.shape[2], w, align, half))
        yl, xl = yl.reshape(1, -1, 1, 1), xl.reshape(1, 1, -1, 1)
        top, bottom = x[:, ylo], x[:, yhi]
        tl, tr, bl, br = top[:, :, xlo], top[:, :, xhi], bottom[:, :, xlo], bottom[:, :, xhi]
        t = tl + (tr - tl) * xl
        b = bl + (br - bl) * xl
        return (t + (b - t) * yl).astype(np.float32, copy=False)
    return run


@register_kernel('ResizeNearestNeighbor', host_inputs=(1,), fresh_output=True)
def resize_nearest_neighbor(op, ctx):
    xp = ctx.xp
    align, half = _check_attrs(op)

    def run(images, size):
        h, w = _out_size(op, images, size)
        yi = xp.asarray(_nearest_index(images.shape[1], h, align, half))
        xi = xp.asarray(_nearest_index(images.shape[2], w, align, half))
        return xp.ascontiguousarray(images[:, yi][:, :, xi])
    return run


def _backprop(xp, grads, my, mx, dtype):
    g = grads.astype(np.float64 if grads.dtype == np.float64 else np.float32, copy=False)
    my, mx = xp.asarray(my.astype(g.dtype)), xp.asarray(mx.astype(g.dtype))
    out = xp.einsum('oh,nopc->nhpc', my, g)
    out = xp.einsum('pw,nhpc->nhwc', mx, out)
    return xp.ascontiguousarray(out.astype(dtype, copy=False))


@register_kernel('ResizeBilinearGrad', fresh_output=True)
def resize_bilinear_grad(op, ctx):
    xp = ctx.xp
    align, half = _check_attrs(op)

    def run(grads, image):
        if grads.ndim != 4 or image.ndim != 4:
            raise _invalid(op, 'input_grad and original_image must be 4-dimensional')
        if grads.shape[0] != image.shape[0] or grads.shape[3] != image.shape[3]:
            raise _invalid(op, 'input_grad and original_image must have the same batch size and channels')
        my = _linear_matrix(image.shape[1], grads.shape[1], align, half)
        mx = _linear_matrix(image.shape[2], grads.shape[2], align, half)
        return _backprop(xp, grads, my, mx, image.dtype)
    return run


@register_kernel('ResizeNearestNeighborGrad', host_inputs=(1,), fresh_output=True)
def resize_nearest_neighbor_grad(op, ctx):
    xp = ctx.xp
    align, half = _check_attrs(op)

    def run(grads, size):
        size = np.asarray(size)
        if grads.ndim != 4:
            raise _invalid(op, 'input must be 4-dimensional')
        if size.shape != (2,):
            raise _invalid(op, 'shape_t must be 1-dimensional and have 2 elements')
        h, w = int(size[0]), int(size[1])
        my = _nearest_matrix(h, grads.shape[1], align, half)
        mx = _nearest_matrix(w, grads.shape[2], align, half)
        return _backprop(xp, grads, my, mx, grads.dtype)
    return run

from sluice.kernels import image_color_kernels  # noqa: E402,F401  (RGBToHSV, HSVToRGB, AdjustHue, AdjustSaturation)
from sluice.kernels import image_codec_kernels  # noqa: E402,F401  (EncodePng, DecodePng, EncodeJpeg, DecodeJpeg)
from sluice.kernels import image_boxes_kernels  # noqa: E402,F401  (NonMaxSuppressionV2/V3, CropAndResize)
from sluice.kernels import image_patches_kernels  # noqa: E402,F401  (ExtractImagePatches)
