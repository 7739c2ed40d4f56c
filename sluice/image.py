"""tf.image (TF1 names): flips, rot90, transpose, per_image_standardization, convert_image_dtype, brightness
and contrast, crops and pads, and resize_images with the TF1 ResizeMethod. Built as TF's image_ops_impl.py
builds them, from ReverseV2, Transpose, Slice, Pad, Mean, cond/case, ...; only the resizes are ops of their
own (ResizeBilinear, ResizeNearestNeighbor: ops/image_ops.py, kernels/image_kernels.py)."""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, control_flow_ops, graph_ops, linalg_ops, math_ops, random_ops
from sluice.ops import string_transform_ops
from sluice.ops.image_boxes_ops import crop_and_resize, non_max_suppression  # noqa: F401
from sluice.ops.image_codec_ops import decode_jpeg, decode_png, encode_jpeg, encode_png  # noqa: F401
from sluice.ops.image_color_ops import adjust_hue_op, adjust_saturation_op, hsv_to_rgb, rgb_to_hsv
from sluice.ops.image_patches_ops import extract_image_patches  # noqa: F401
from sluice.ops.image_ops import resize_bilinear, resize_nearest_neighbor
from sluice.ops.random_ops import random_crop  # noqa: F401  (tf.image.random_crop is tf.random_crop)
from sluice.image_quality import image_gradients, psnr, sobel_edges, ssim, total_variation  # noqa: F401
from sluice.ops.image_resize_ops import resize_area, resize_bicubic  # noqa: F401
from sluice.ops.image_bbox_sampling_ops import draw_bounding_boxes, sample_distorted_bounding_box  # noqa: F401
from sluice.ops.shape_fns import constant_value, constant_value_as_shape

__all__ = ['flip_left_right', 'flip_up_down', 'random_flip_left_right', 'random_flip_up_down', 'rot90',
           'transpose', 'transpose_image', 'per_image_standardization', 'convert_image_dtype', 'adjust_brightness',
           'random_brightness', 'adjust_contrast', 'random_contrast', 'central_crop', 'crop_to_bounding_box',
           'pad_to_bounding_box', 'resize_image_with_crop_or_pad', 'resize_with_crop_or_pad', 'resize_images',
           'resize', 'ResizeMethod', 'resize_bilinear', 'resize_nearest_neighbor', 'rgb_to_grayscale',
           'grayscale_to_rgb', 'rgb_to_hsv', 'hsv_to_rgb', 'adjust_hue', 'random_hue', 'adjust_saturation',
           'random_saturation', 'adjust_gamma', 'encode_png', 'decode_png', 'encode_jpeg', 'decode_jpeg',
           'crop_and_resize', 'non_max_suppression', 'extract_image_patches', 'decode_image', 'is_jpeg']


# -- helpers (TF's _assert, _is_tensor, _ImageDimensions, _CheckAtLeast3DImage) --
def _is_tensor(x):
    return isinstance(x, Tensor) or (hasattr(x, 'dtype') and hasattr(x, 'op') and not isinstance(x, np.ndarray))


def _with_dependencies(dependencies, tensor):
    if not dependencies:
        return tensor
    g = _graph.get_default_graph()
    with g.name_scope('control_dependency') as scope:
        with g.colocate_with(tensor.op), g.control_dependencies(dependencies):
            return graph_ops.identity(tensor, name=scope)


def _assert(cond, ex_type, msg):
    if _is_tensor(cond):
        return [control_flow_ops.Assert(cond, [msg])]
    if not cond:
        raise ex_type(msg)
    return []


def _shape_str(shape):
    return str(shape)


def _image_dimensions(image, rank):
    shape = image.get_shape()
    if shape.is_fully_defined():
        return shape.as_list()
    static = shape.with_rank(rank).as_list()
    dynamic = array_ops.unstack(array_ops.shape(image), rank)
    return [s if s is not None else d for s, d in zip(static, dynamic)]


def _check_at_least_3d(image):
    shape = image.get_shape()
    ndims = shape.ndims
    if ndims is not None and ndims < 3:
        raise ValueError("'image' (shape %s) must be at least three-dimensional." % _shape_str(shape))
    if ndims is None:
        return []
    inner = [None if d is None else int(d) for d in shape.as_list()[-3:]]
    if any(d == 0 for d in inner):
        raise ValueError("inner 3 dims of 'image.shape' must be > 0: %s" % _shape_str(shape))
    return []


def _assert_at_least_3d(image):
    return _with_dependencies(_check_at_least_3d(image), image)


def _rank_dispatch(image, f_rank3, f_rank4, message):
    ndims = image.get_shape().ndims
    if ndims is None:
        rank = array_ops.rank(image)
        return control_flow_ops.cond(math_ops.equal(rank, 3), f_rank3, f_rank4)
    if ndims == 3:
        return f_rank3()
    if ndims == 4:
        return f_rank4()
    raise ValueError(message % _shape_str(image.get_shape()))


def _fix_image_flip_shape(image, result):
    image_shape = image.get_shape()
    if image_shape == TensorShape(None) or image_shape.ndims is None:
        result.set_shape([None, None, None])
    else:
        result.set_shape(image_shape)
    return result


# -- flips, rot90, transpose --
def _flip(image, flip_index, scope_name):
    with name_scope(None, scope_name, [image]):
        image = _graph.convert_to_tensor(image, name='image')
        image = _assert_at_least_3d(image)
        return _rank_dispatch(
            image, lambda: _fix_image_flip_shape(image, array_ops.reverse(image, [flip_index])),
            lambda: array_ops.reverse(image, [flip_index + 1]),
            "'image' (shape %s)must have either 3 or 4 dimensions.")


def flip_left_right(image):
    """Reverses the width axis (1 of [h, w, c], 2 of [n, h, w, c])."""
    return _flip(image, 1, 'flip_left_right')


def flip_up_down(image):
    """Reverses the height axis (0 of [h, w, c], 1 of [n, h, w, c])."""
    return _flip(image, 0, 'flip_up_down')


def _random_flip(image, flip_index, seed, scope_name):
    with name_scope(None, scope_name, [image]) as scope:
        image = _graph.convert_to_tensor(image, name='image')
        image = _assert_at_least_3d(image)

        def f_rank3():
            uniform_random = random_ops.random_uniform([], 0, 1.0, seed=seed)
            mirror_cond = math_ops.less(uniform_random, .5)
            result = control_flow_ops.cond(mirror_cond, lambda: array_ops.reverse(image, [flip_index]),
                                           lambda: image, name=scope)
            return _fix_image_flip_shape(image, result)

        def f_rank4():
            batch_size = array_ops.shape(image)[0]
            uniform_random = random_ops.random_uniform([batch_size], 0, 1.0, seed=seed)
            flips = math_ops.round(array_ops.reshape(uniform_random, [batch_size, 1, 1, 1]))
            flips = math_ops.cast(flips, image.dtype)
            flipped_input = array_ops.reverse(image, [flip_index + 1])
            return flips * flipped_input + (1 - flips) * image

        return _rank_dispatch(image, f_rank3, f_rank4, "'image' (shape %s) must have either 3 or 4 dimensions.")


def random_flip_left_right(image, seed=None):
    """Flips [h, w, c] left to right with probability 1/2 (each image of a batch independently)."""
    return _random_flip(image, 1, seed, 'random_flip_left_right')


def random_flip_up_down(image, seed=None):
    """Flips [h, w, c] upside down with probability 1/2 (each image of a batch independently)."""
    return _random_flip(image, 0, seed, 'random_flip_up_down')


def _rot90_3d(image, k, scope):
    cases = [(math_ops.equal(k, 1), lambda: array_ops.transpose(array_ops.reverse(image, [1]), [1, 0, 2])),
             (math_ops.equal(k, 2), lambda: array_ops.reverse(image, [0, 1])),
             (math_ops.equal(k, 3), lambda: array_ops.reverse(array_ops.transpose(image, [1, 0, 2]), [1]))]
    result = control_flow_ops.case(cases, default=lambda: image, exclusive=True, name=scope)
    result.set_shape([None, None, image.get_shape()[2]])
    return result


def _rot90_4d(images, k, scope):
    cases = [(math_ops.equal(k, 1), lambda: array_ops.transpose(array_ops.reverse(images, [2]), [0, 2, 1, 3])),
             (math_ops.equal(k, 2), lambda: array_ops.reverse(images, [1, 2])),
             (math_ops.equal(k, 3), lambda: array_ops.reverse(array_ops.transpose(images, [0, 2, 1, 3]), [2]))]
    result = control_flow_ops.case(cases, default=lambda: images, exclusive=True, name=scope)
    shape = result.get_shape()
    if shape.ndims is None:
        result.set_shape([images.get_shape()[0], None, None, images.get_shape()[3]])
    else:
        result.set_shape([shape[0], None, None, shape[3]])
    return result


def rot90(image, k=1, name=None):
    """Rotates [h, w, c] or [n, h, w, c] counter-clockwise by k * 90 degrees (a case over k % 4)."""
    with name_scope(name, 'rot90', [image, k]) as scope:
        image = _graph.convert_to_tensor(image, name='image')
        image = _assert_at_least_3d(image)
        k = _graph.convert_to_tensor(k, dtype=dtypes.int32, name='k')
        k.get_shape().assert_has_rank(0)
        k = math_ops.mod(k, 4)
        return _rank_dispatch(image, lambda: _rot90_3d(image, k, scope), lambda: _rot90_4d(image, k, scope),
                              "'image' (shape %s) must have either 3 or 4 dimensions.")


def transpose(image, name=None):
    """Swaps height and width ([1, 0, 2] or [0, 2, 1, 3])."""
    with name_scope(name, 'transpose', [image]):
        image = _graph.convert_to_tensor(image, name='image')
        image = _assert_at_least_3d(image)
        return _rank_dispatch(image, lambda: array_ops.transpose(image, [1, 0, 2], name=name),
                              lambda: array_ops.transpose(image, [0, 2, 1, 3], name=name),
                              "'image' (shape %s) must have either 3 or 4 dimensions.")


transpose_image = transpose


# -- values --
def per_image_standardization(image):
    """(image - mean) / max(stddev, 1 / sqrt(num_elements)) over each image's last three axes (float32)."""
    with name_scope(None, 'per_image_standardization', [image]) as scope:
        image = _graph.convert_to_tensor(image, name='image')
        image = _assert_at_least_3d(image)
        image = math_ops.cast(image, dtype=dtypes.float32)
        num_pixels = math_ops.reduce_prod(array_ops.shape(image)[-3:])
        image_mean = math_ops.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        stddev = math_ops.reduce_std(image, axis=[-1, -2, -3], keepdims=True)
        min_stddev = math_ops.rsqrt(math_ops.cast(num_pixels, dtypes.float32))
        adjusted_stddev = math_ops.maximum(stddev, min_stddev)
        image -= image_mean
        return math_ops.divide(image, adjusted_stddev, name=scope)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts between image dtypes, scaling: integers span [0, MAX], floats [0, 1)."""
    image = _graph.convert_to_tensor(image, name='image')
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating and not dtype.is_integer:
        raise AttributeError('dtype must be either floating point or integer')
    if not image.dtype.is_floating and not image.dtype.is_integer:
        raise AttributeError('image dtype must be either floating point or integer')
    if dtype == image.dtype:
        return graph_ops.identity(image, name=name)
    with name_scope(name, 'convert_image', [image]) as name:
        if image.dtype.is_integer and dtype.is_integer:
            scale_in, scale_out = image.dtype.max, dtype.max
            if scale_in > scale_out:
                scale = (scale_in + 1) // (scale_out + 1)
                scaled = math_ops.floordiv(image, constant_op.constant(scale, dtype=image.dtype))
                if saturate:
                    return math_ops.saturate_cast(scaled, dtype, name=name)
                return math_ops.cast(scaled, dtype, name=name)
            cast = math_ops.saturate_cast(image, dtype) if saturate else math_ops.cast(image, dtype)
            scale = (scale_out + 1) // (scale_in + 1)
            return math_ops.multiply(cast, constant_op.constant(scale, dtype=dtype), name=name)
        if image.dtype.is_floating and dtype.is_floating:
            return math_ops.cast(image, dtype, name=name)
        if image.dtype.is_integer:
            cast = math_ops.cast(image, dtype)
            scale = 1. / image.dtype.max
            return math_ops.multiply(cast, constant_op.constant(scale, dtype=dtype), name=name)
        scale = dtype.max + 0.5
        scaled = math_ops.multiply(image, constant_op.constant(scale, dtype=image.dtype))
        if saturate:
            return math_ops.saturate_cast(scaled, dtype, name=name)
        return math_ops.cast(scaled, dtype, name=name)


def _in_float(image, adjust):
    """adjust(image) in float (float16/32 as they are, others via float32), then back, saturating, as TF."""
    orig_dtype = image.dtype.base_dtype
    flt = image if orig_dtype in (dtypes.float16, dtypes.float32) else convert_image_dtype(image, dtypes.float32)
    return convert_image_dtype(adjust(flt), orig_dtype, saturate=True)


def adjust_brightness(image, delta):
    """image + delta (in float; integer images are converted to float32 and back, saturating)."""
    with name_scope(None, 'adjust_brightness', [image, delta]) as name:
        return _in_float(_graph.convert_to_tensor(image, name='image'),
                         lambda flt: math_ops.add(flt, math_ops.cast(delta, flt.dtype), name=name))


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by a delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError('max_delta must be non-negative.')
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def _adjust_contrast_v2(images, contrast_factor, name):
    """AdjustContrastv2 composed: (x - mean) * factor + mean, the mean per channel over height and width."""
    with name_scope(name, 'AdjustContrastv2', [images, contrast_factor]) as scope:
        dims = images.get_shape().ndims
        if dims is not None and dims < 3:
            raise ValueError('Shape must be at least rank 3 but is rank %d' % dims)
        factor = _graph.convert_to_tensor(contrast_factor, dtype=dtypes.float32, name='contrast_factor')
        if factor.get_shape().ndims not in (None, 0):
            raise ValueError('Shape must be rank 0 but is rank %d' % factor.get_shape().ndims)
        x = images if images.dtype.base_dtype == dtypes.float32 else math_ops.cast(images, dtypes.float32)
        mean = math_ops.reduce_mean(x, axis=[-3, -2], keepdims=True)
        out = math_ops.add((x - mean) * factor, mean)
        if images.dtype.base_dtype != dtypes.float32:
            out = math_ops.cast(out, images.dtype.base_dtype)
        return graph_ops.identity(out, name=scope)


def adjust_contrast(images, contrast_factor):
    """(x - mean) * contrast_factor + mean per channel of each image (mean over height and width)."""
    with name_scope(None, 'adjust_contrast', [images, contrast_factor]) as name:
        return _in_float(_graph.convert_to_tensor(images, name='images'),
                         lambda flt: _adjust_contrast_v2(flt, contrast_factor, name))


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError('upper must be > lower.')
    if lower < 0:
        raise ValueError('lower must be non-negative.')
    contrast_factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_contrast(image, contrast_factor)


# -- crops and pads --
def _static_value(x):
    if isinstance(x, Tensor):
        v = constant_value(x)
        return None if v is None else v
    return x


def central_crop(image, central_fraction):
    """The central `central_fraction` of each image's height and width (Slice)."""
    with name_scope(None, 'central_crop', [image]):
        image = _graph.convert_to_tensor(image, name='image')
        fraction_static = _static_value(central_fraction)
        if fraction_static is not None:
            fraction_static = float(fraction_static)
            if fraction_static <= 0.0 or fraction_static > 1.0:
                raise ValueError('central_fraction must be within (0, 1]')
            if fraction_static == 1.0:
                return image
        else:
            image = _with_dependencies(_assert(math_ops.logical_or(central_fraction > 0.0, central_fraction <= 1.0),
                                               ValueError, 'central_fraction must be within (0, 1]'), image)
        _assert_at_least_3d(image)
        rank = image.get_shape().ndims
        if rank != 3 and rank != 4:
            raise ValueError('`image` should either be a Tensor with rank = 3 or rank = 4. Had rank = {}.'
                             .format(rank))

        def _get_dim(tensor, idx):
            static = tensor.get_shape().as_list()[idx]
            if static is not None:
                return static, False
            return array_ops.shape(tensor)[idx], True

        dims = image.get_shape().as_list()
        off = 0 if rank == 3 else 1
        img_h, dynamic_h = _get_dim(image, off)
        img_w, dynamic_w = _get_dim(image, off + 1)
        img_d = dims[off + 2]
        dynamic_h = dynamic_h or fraction_static is None
        dynamic_w = dynamic_w or fraction_static is None

        def start(size, dynamic):
            if dynamic:
                sd = math_ops.cast(size, dtypes.float64)
                return math_ops.cast((sd - sd * math_ops.cast(central_fraction, dtypes.float64)) / 2, dtypes.int32)
            sd = float(size)
            return int((sd - sd * fraction_static) / 2)

        h_start, w_start = start(img_h, dynamic_h), start(img_w, dynamic_w)
        h_size, w_size = img_h - h_start * 2, img_w - w_start * 2
        if rank == 3:
            begin = array_ops.stack([h_start, w_start, 0])
            size = array_ops.stack([h_size, w_size, -1])
        else:
            begin = array_ops.stack([0, h_start, w_start, 0])
            size = array_ops.stack([-1, h_size, w_size, -1])
        image = array_ops.slice(image, begin, size)
        hw = [None if dynamic_h else h_size, None if dynamic_w else w_size, img_d]
        image.set_shape(hw if rank == 3 else [dims[0]] + hw)
        return image


def _batched(image):
    """(4-D image, is_batch) as TF's crop/pad helpers take them."""
    ndims = image.get_shape().ndims
    if ndims == 3:
        return array_ops.expand_dims(image, 0), False
    if ndims is None:
        image = array_ops.expand_dims(image, 0)
        image.set_shape([None] * 4)
        return image, False
    if ndims != 4:
        raise ValueError("'image' (shape %s) must have either 3 or 4 dimensions." % _shape_str(image.get_shape()))
    return image, True


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Zero-pads to [target_height, target_width], the image at (offset_height, offset_width) (Pad)."""
    with name_scope(None, 'pad_to_bounding_box', [image]):
        image = _graph.convert_to_tensor(image, name='image')
        image, is_batch = _batched(image)
        batch, height, width, depth = _image_dimensions(image, rank=4)
        after_padding_width = target_width - offset_width - width
        after_padding_height = target_height - offset_height - height
        assert_ops = _check_at_least_3d(image)
        assert_ops += _assert(offset_height >= 0, ValueError, 'offset_height must be >= 0')
        assert_ops += _assert(offset_width >= 0, ValueError, 'offset_width must be >= 0')
        assert_ops += _assert(after_padding_width >= 0, ValueError, 'width must be <= target - offset')
        assert_ops += _assert(after_padding_height >= 0, ValueError, 'height must be <= target - offset')
        image = _with_dependencies(assert_ops, image)
        paddings = array_ops.reshape(array_ops.stack([0, 0, offset_height, after_padding_height, offset_width,
                                                      after_padding_width, 0, 0]), [4, 2])
        padded = array_ops.pad(image, paddings)
        padded.set_shape([None if _is_tensor(i) else i for i in [batch, target_height, target_width, depth]])
        if not is_batch:
            padded = array_ops.squeeze(padded, axis=[0])
        return padded


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The [target_height, target_width] window at (offset_height, offset_width) (Slice)."""
    with name_scope(None, 'crop_to_bounding_box', [image]):
        image = _graph.convert_to_tensor(image, name='image')
        image, is_batch = _batched(image)
        assert_ops = _check_at_least_3d(image)
        batch, height, width, depth = _image_dimensions(image, rank=4)
        assert_ops += _assert(offset_width >= 0, ValueError, 'offset_width must be >= 0.')
        assert_ops += _assert(offset_height >= 0, ValueError, 'offset_height must be >= 0.')
        assert_ops += _assert(target_width > 0, ValueError, 'target_width must be > 0.')
        assert_ops += _assert(target_height > 0, ValueError, 'target_height must be > 0.')
        assert_ops += _assert(width >= (target_width + offset_width), ValueError,
                              'width must be >= target + offset.')
        assert_ops += _assert(height >= (target_height + offset_height), ValueError,
                              'height must be >= target + offset.')
        image = _with_dependencies(assert_ops, image)
        cropped = array_ops.slice(image, array_ops.stack([0, offset_height, offset_width, 0]),
                                  array_ops.stack([array_ops.shape(image)[0], target_height, target_width,
                                                   array_ops.shape(image)[3]]))
        cropped.set_shape([None if _is_tensor(i) else i for i in [batch, target_height, target_width, depth]])
        if not is_batch:
            cropped = array_ops.squeeze(cropped, axis=[0])
        return cropped


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """Centrally crops or zero-pads each image to [target_height, target_width]."""
    with name_scope(None, 'resize_image_with_crop_or_pad', [image]):
        image = _graph.convert_to_tensor(image, name='image')
        image, is_batch = _batched(image)
        assert_ops = _check_at_least_3d(image)
        assert_ops += _assert(target_width > 0, ValueError, 'target_width must be > 0.')
        assert_ops += _assert(target_height > 0, ValueError, 'target_height must be > 0.')
        image = _with_dependencies(assert_ops, image)
        if _is_tensor(target_height):
            target_height = _with_dependencies(assert_ops, target_height)
        if _is_tensor(target_width):
            target_width = _with_dependencies(assert_ops, target_width)

        def max_(x, y):
            return math_ops.maximum(x, y) if _is_tensor(x) or _is_tensor(y) else max(x, y)

        def min_(x, y):
            return math_ops.minimum(x, y) if _is_tensor(x) or _is_tensor(y) else min(x, y)

        _, height, width, _ = _image_dimensions(image, rank=4)
        width_diff = target_width - width
        offset_crop_width = max_(-width_diff // 2, 0)
        offset_pad_width = max_(width_diff // 2, 0)
        height_diff = target_height - height
        offset_crop_height = max_(-height_diff // 2, 0)
        offset_pad_height = max_(height_diff // 2, 0)
        cropped = crop_to_bounding_box(image, offset_crop_height, offset_crop_width, min_(target_height, height),
                                       min_(target_width, width))
        resized = pad_to_bounding_box(cropped, offset_pad_height, offset_pad_width, target_height, target_width)
        if not is_batch:
            resized = array_ops.squeeze(resized, axis=[0])
        return resized


resize_with_crop_or_pad = resize_image_with_crop_or_pad


# -- resize --
class ResizeMethod:
    """TF1's tf.image.ResizeMethod (integers)."""
    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False, preserve_aspect_ratio=False,
                  name=None):
    """Resizes [h, w, c] or [n, h, w, c] to `size` = [new_height, new_width] (TF1: align_corners=False,
    half_pixel_centers=False). BILINEAR gives float32; NEAREST_NEIGHBOR keeps the dtype."""
    def resize_fn(images_t, new_size):
        if method in (ResizeMethod.BILINEAR, 'bilinear'):
            return resize_bilinear(images_t, new_size, align_corners=align_corners)
        if method in (ResizeMethod.NEAREST_NEIGHBOR, 'nearest'):
            return resize_nearest_neighbor(images_t, new_size, align_corners=align_corners)
        if method in (ResizeMethod.BICUBIC, 'bicubic'):
            return resize_bicubic(images_t, new_size, align_corners=align_corners)
        if method in (ResizeMethod.AREA, 'area'):
            return resize_area(images_t, new_size, align_corners=align_corners)
        raise ValueError('Resize method is not implemented: {}'.format(method))

    with name_scope(name, 'resize', [images, size]):
        images = _graph.convert_to_tensor(images, name='images')
        if images.get_shape().ndims is None:
            raise ValueError("'images' contains no shape.")
        is_batch = True
        if images.get_shape().ndims == 3:
            is_batch = False
            images = array_ops.expand_dims(images, 0)
        elif images.get_shape().ndims != 4:
            raise ValueError("'images' must have either 3 or 4 dimensions.")
        _, height, width, _ = images.get_shape().as_list()
        try:
            size = _graph.convert_to_tensor(size, dtypes.int32, name='size')
        except (TypeError, ValueError):
            raise ValueError("'size' must be a 1-D int32 Tensor") from None
        if not size.get_shape().is_compatible_with([2]):
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
        if preserve_aspect_ratio:
            _, current_height, current_width, _ = _image_dimensions(images, rank=4)
            scale_h = math_ops.cast(size[0], dtypes.float32) / math_ops.cast(current_height, dtypes.float32)
            scale_w = math_ops.cast(size[1], dtypes.float32) / math_ops.cast(current_width, dtypes.float32)
            scale_factor = math_ops.minimum(scale_h, scale_w)
            scaled_h = math_ops.cast(math_ops.round(scale_factor * math_ops.cast(current_height, dtypes.float32)),
                                     dtypes.int32)
            scaled_w = math_ops.cast(math_ops.round(scale_factor * math_ops.cast(current_width, dtypes.float32)),
                                     dtypes.int32)
            size = array_ops.stack([scaled_h, scaled_w], name='size')
        size_shape = constant_value_as_shape(size)
        dims = size_shape.as_list() if size_shape.ndims is not None else [None, None]
        new_height, new_width = (dims + [None, None])[:2]
        if (None not in (new_width, width, new_height, height)) and width == new_width and height == new_height:
            if not is_batch:
                images = array_ops.squeeze(images, axis=[0])
            return images
        images = resize_fn(images, size)
        images.set_shape([None, new_height, new_width, None])
        if not is_batch:
            images = array_ops.squeeze(images, axis=[0])
        return images


resize = resize_images


# -- colour --
def rgb_to_grayscale(images, name=None):
    """[..., 3] -> [..., 1]: 0.2989 R + 0.5870 G + 0.1140 B in float32 (tensordot), back to the input dtype."""
    with name_scope(name, 'rgb_to_grayscale', [images]) as name:
        images = _graph.convert_to_tensor(images, name='images')
        orig_dtype = images.dtype.base_dtype
        flt_image = convert_image_dtype(images, dtypes.float32)
        gray = linalg_ops.tensordot(flt_image, [0.2989, 0.5870, 0.1140], [-1, -1])
        return convert_image_dtype(array_ops.expand_dims(gray, -1), orig_dtype, name=name)


def _check_grayscale(image):
    shape = image.get_shape()
    if shape.ndims is not None and shape.ndims < 2:
        raise ValueError('A grayscale image must be at least two-dimensional.')
    if shape.ndims is not None and shape.is_fully_defined():
        if shape.as_list()[-1] != 1:
            raise ValueError('Last dimension of a grayscale image should be size 1.')
        return []
    last = array_ops.shape(image)[-1]
    return (_assert(math_ops.equal(last, 1), ValueError, 'Last dimension of a grayscale image should be size 1.')
            + _assert(math_ops.greater_equal(array_ops.rank(image), 3), ValueError,
                      'A grayscale image must be at least two-dimensional.'))


def grayscale_to_rgb(images, name=None):
    """[..., 1] -> [..., 3] by tiling the last axis three times."""
    with name_scope(name, 'grayscale_to_rgb', [images]) as name:
        images = _graph.convert_to_tensor(images, name='images')
        images = _with_dependencies(_check_grayscale(images), images)
        rank_1 = array_ops.expand_dims(array_ops.rank(images) - 1, 0)
        multiples = array_ops.concat([array_ops.ones(rank_1, dtype=dtypes.int32),
                                      array_ops.expand_dims(3, 0)], 0)
        rgb = array_ops.tile(images, multiples, name=name)
        rgb.set_shape(images.get_shape()[:-1].concatenate([3]))
        return rgb


def _hsv_adjust(image, adjust, name, scope_name):
    """adjust(float image) on float16/float32 as they are, other dtypes via float32 (not saturating, as TF)."""
    with name_scope(name, scope_name, [image]):
        image = _graph.convert_to_tensor(image, name='image')
        orig_dtype = image.dtype.base_dtype
        flt = image if orig_dtype in (dtypes.float16, dtypes.float32) else convert_image_dtype(image, dtypes.float32)
        return convert_image_dtype(adjust(flt), orig_dtype)


def adjust_hue(image, delta, name=None):
    """Rotates the hue of [..., 3] RGB images by delta (a fraction of the colour circle, in [-1, 1])."""
    return _hsv_adjust(image, lambda flt: adjust_hue_op(flt, delta), name, 'adjust_hue')


def random_hue(image, max_delta, seed=None):
    """adjust_hue by a delta drawn uniformly from [-max_delta, max_delta), max_delta in [0, 0.5]."""
    if max_delta > 0.5:
        raise ValueError('max_delta must be <= 0.5.')
    if max_delta < 0:
        raise ValueError('max_delta must be non-negative.')
    delta = random_ops.random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_hue(image, delta)


def adjust_saturation(image, saturation_factor, name=None):
    """Multiplies the HSV saturation of [..., 3] RGB images by saturation_factor (clipped to [0, 1])."""
    return _hsv_adjust(image, lambda flt: adjust_saturation_op(flt, saturation_factor), name, 'adjust_saturation')


def random_saturation(image, lower, upper, seed=None):
    """adjust_saturation by a factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError('upper must be > lower.')
    if lower < 0:
        raise ValueError('lower must be non-negative.')
    saturation_factor = random_ops.random_uniform([], lower, upper, seed=seed)
    return adjust_saturation(image, saturation_factor)


def adjust_gamma(image, gamma=1, gain=1):
    """gain * image ** gamma in float, back to the input dtype saturating; gamma must be >= 0."""
    with name_scope(None, 'adjust_gamma', [image, gamma, gain]):
        image = _graph.convert_to_tensor(image, name='image')
        orig_dtype = image.dtype.base_dtype
        flt = image if orig_dtype in (dtypes.float16, dtypes.float32) else convert_image_dtype(image, dtypes.float32)
        assert_op = _assert(gamma >= 0, ValueError, 'Gamma should be a non-negative real number.')
        if assert_op:
            gamma = _with_dependencies(assert_op, gamma)
        return convert_image_dtype(gain * flt ** gamma, orig_dtype, saturate=True)


# -- decode_image: TF 1.15's dispatch on the first bytes, as nested conds --
def is_jpeg(contents, name=None):
    """True when `contents` starts like a JPEG (\\xff\\xd8\\xff; false positives possible, as in TF)."""
    with name_scope(name, 'is_jpeg'):
        return math_ops.equal(string_transform_ops.substr(contents, 0, 3), b'\xff\xd8\xff', name=name)


def _is_png(contents, name=None):
    with name_scope(name, 'is_png'):
        return math_ops.equal(string_transform_ops.substr(contents, 0, 3), b'\211PN', name=name)


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """tf.image.decode_image: JPEG or PNG bytes to a `dtype` image, chosen at run time by the leading bytes
    (cond 'cond_jpeg', then 'cond_png'). GIF and BMP are not decoded by sluice yet: their branch fails when
    run, naming them; other bytes fail with TF's 'Unable to decode bytes as JPEG, PNG, GIF, or BMP'. The
    result's rank is unknown when expand_animations is True (a GIF would be 4-D), as in TF."""
    with name_scope(name, 'decode_image'):
        if channels not in (None, 0, 1, 3, 4):
            raise ValueError('channels must be in (None, 0, 1, 3, 4)')
        dtype = dtypes.as_dtype(dtype)
        leading = string_transform_ops.substr(contents, 0, 3)

        def _gif_or_bmp():
            is_gif = math_ops.equal(leading, b'\x47\x49\x46', name='is_gif')
            is_bmp = math_ops.equal(string_transform_ops.substr(contents, 0, 2), 'BM', name='is_bmp')
            known = math_ops.logical_or(is_gif, is_bmp)
            checks = [control_flow_ops.Assert(known, ['Unable to decode bytes as JPEG, PNG, GIF, or BMP']),
                      control_flow_ops.Assert(math_ops.logical_not(known), [
                          'sluice does not implement decoding GIF or BMP images yet (tf.image.decode_image)'])]
            rank = 4 if expand_animations else 3
            with _graph.get_default_graph().control_dependencies(checks):
                empty = graph_ops.placeholder_with_default(array_ops.zeros([0] * rank, dtypes.uint8), [None] * rank)
                return convert_image_dtype(empty, dtype)

        def _png():
            wide = dtypes.uint8 if dtype == dtypes.uint8 else dtypes.uint16
            return convert_image_dtype(decode_png(contents, channels or 0, dtype=wide), dtype)

        def check_png():
            return control_flow_ops.cond(_is_png(contents), _png, _gif_or_bmp, name='cond_png')

        def _jpeg():
            good_channels = math_ops.not_equal(channels or 0, 4, name='check_jpeg_channels')
            check = control_flow_ops.Assert(good_channels, ['Channels must be in (None, 0, 1, 3) when decoding '
                                                            'JPEG images'])
            with _graph.get_default_graph().control_dependencies([check]):
                return convert_image_dtype(decode_jpeg(contents, 0 if channels in (None, 4) else channels), dtype)

        return control_flow_ops.cond(is_jpeg(contents), _jpeg, check_png, name='cond_jpeg')


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.image')
