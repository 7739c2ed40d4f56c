"""tf.image's image-quality and edge functions (TF 1.15's compositions): total_variation, psnr, ssim,
image_gradients and sobel_edges. psnr and ssim compare images converted to float32 in [0, 1] (max_val
converted the same way); ssim averages, per channel, the product of luminance and contrast-structure
terms under an 11x11 Gaussian window (sigma 1.5) applied as a VALID depthwise convolution."""
import numpy as np

from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import array_ops, constant_op, graph_ops, math_ops, reduction_ops
from sluice.ops.filling_ops import range as _range
from sluice.ops.nn_activation import softmax
from sluice.ops.nn_conv_pool import depthwise_conv2d

__all__ = ['total_variation', 'psnr', 'ssim', 'image_gradients', 'sobel_edges']


def _convert(image, dtype):
    from sluice.image import convert_image_dtype
    return convert_image_dtype(image, dtype)


def total_variation(images, name=None):
    """The sum of absolute differences of neighbouring pixels (per image for a batch)."""
    with name_scope(name, 'total_variation'):
        images = convert_to_tensor(images)
        ndims = images.shape.ndims
        if ndims == 3:
            dif1, dif2, axis = images[1:, :, :] - images[:-1, :, :], images[:, 1:, :] - images[:, :-1, :], None
        elif ndims == 4:
            dif1, dif2 = images[:, 1:, :, :] - images[:, :-1, :, :], images[:, :, 1:, :] - images[:, :, :-1, :]
            axis = [1, 2, 3]
        else:
            raise ValueError("'images' must be either 3 or 4-dimensional.")
        return reduction_ops.reduce_sum(math_ops.abs(dif1), axis=axis) + \
            reduction_ops.reduce_sum(math_ops.abs(dif2), axis=axis)


def _check_shapes(a, b):
    shape1, shape2 = a.shape.with_rank_at_least(3), b.shape.with_rank_at_least(3)
    shape1[-3:].assert_is_compatible_with(shape2[-3:])


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio in dB over the last three axes."""
    with name_scope(name, 'PSNR', [a, b]):
        a, b = convert_to_tensor(a), convert_to_tensor(b)
        _check_shapes(a, b)
        max_val = _convert(math_ops.cast(max_val, a.dtype), dtypes.float32)
        a, b = _convert(a, dtypes.float32), _convert(b, dtypes.float32)
        mse = reduction_ops.reduce_mean(math_ops.squared_difference(a, b), [-3, -2, -1])
        value = math_ops.subtract(20 * math_ops.log(max_val) / math_ops.log(10.0),
                                  np.float32(10 / np.log(10)) * math_ops.log(mse), name='psnr')
        return graph_ops.identity(value)


def _gaussian(size, sigma):
    coords = math_ops.cast(_range(size), sigma.dtype) - math_ops.cast(size - 1, sigma.dtype) / 2.0
    g = math_ops.square(coords) * (-0.5 / math_ops.square(sigma))
    g = array_ops.reshape(g, [1, -1]) + array_ops.reshape(g, [-1, 1])
    return array_ops.reshape(softmax(array_ops.reshape(g, [1, -1])), [size, size, 1, 1])


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03):
    """Structural similarity per image (the mean over channels of each channel's SSIM)."""
    img1, img2 = convert_to_tensor(img1), convert_to_tensor(img2)
    _check_shapes(img1, img2)
    max_val = _convert(math_ops.cast(max_val, img1.dtype), dtypes.float32)
    img1, img2 = _convert(img1, dtypes.float32), _convert(img2, dtypes.float32)
    size = constant_op.constant(filter_size, dtype=dtypes.int32)
    kernel = _gaussian(size, constant_op.constant(filter_sigma, dtype=img1.dtype))
    kernel = array_ops.tile(kernel, [1, 1, array_ops.shape(img1)[-1], 1])

    def reducer(x):
        shape = array_ops.shape(x)
        x = array_ops.reshape(x, array_ops.concat([[-1], shape[-3:]], 0))
        y = depthwise_conv2d(x, kernel, strides=[1, 1, 1, 1], padding='VALID')
        return array_ops.reshape(y, array_ops.concat([shape[:-3], array_ops.shape(y)[1:]], 0))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = mean0 * mean1 * 2.0
    den0 = math_ops.square(mean0) + math_ops.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(img1 * img2) * 2.0
    den1 = reducer(math_ops.square(img1) + math_ops.square(img2))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    per_channel = reduction_ops.reduce_mean(luminance * cs, [-3, -2])
    return reduction_ops.reduce_mean(per_channel, [-1])


def image_gradients(image):
    """(dy, dx): forward differences down and across [batch, h, w, d], zero in the last row/column."""
    image = convert_to_tensor(image)
    if image.shape.ndims != 4:
        raise ValueError('image_gradients expects a 4D tensor [batch_size, h, w, d], not %s.' % image.shape)
    shape = array_ops.shape(image)
    batch, height, width, depth = (shape[i] for i in range(4))
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    dy = array_ops.concat([dy, array_ops.zeros(array_ops.stack([batch, 1, width, depth]), image.dtype)], 1)
    dx = array_ops.concat([dx, array_ops.zeros(array_ops.stack([batch, height, 1, depth]), image.dtype)], 2)
    return array_ops.reshape(dy, shape), array_ops.reshape(dx, shape)


def sobel_edges(image):
    """[batch, h, w, d, 2]: the vertical and horizontal Sobel responses (reflect-padded)."""
    image = convert_to_tensor(image)
    static = image.shape
    shape = array_ops.shape(image)
    kernels = np.expand_dims(np.transpose(np.asarray([[[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
                                                      [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]), (1, 2, 0)), -2)
    filters = array_ops.tile(constant_op.constant(kernels, dtype=image.dtype), [1, 1, shape[-1], 1],
                             name='sobel_filters')
    padded = array_ops.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode='REFLECT')
    output = depthwise_conv2d(padded, filters, [1, 1, 1, 1], 'VALID')
    output = array_ops.reshape(output, array_ops.concat([shape, [2]], 0))
    output.set_shape(static.concatenate([2]))
    return output
