"""tf.keras.preprocessing.image (TF 1.15, i.e. keras_preprocessing 1.1): conversions between arrays and
PIL images, and the random affine, channel and brightness transforms on one image.

Images are 3-D arrays (rows, cols, channels) for 'channels_last' (the default data format) or
(channels, rows, cols). apply_affine_transform composes, in this order, rotation by theta degrees,
a shift (tx rows, ty columns), shear by `shear` degrees and zoom (zx, zy) into one matrix M, moves
its origin to the image centre, and resamples each channel with scipy.ndimage.affine_transform (an
output pixel o reads the input at M o + offset; `order` 1 is bilinear; fill_mode nearest, constant
(cval), reflect or wrap for points outside), as TF 1.15 does: the transforms need SciPy (ImportError
otherwise). PIL-backed functions (array_to_img, img_to_array from PIL images, load_img, save_img and
the brightness shift, which goes through a PIL image scaled to 0-255 as in TF 1.15) need Pillow,
sluice's optional extra 'image'. The augmenting iterators are ImageDataGenerator's (over NumPy arrays in
image_data_generator.py, over class directories in directory_iterator.py); flow_from_dataframe is not
implemented.
"""
import warnings

import numpy as np

from sluice.keras import backend


def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('Could not import PIL.Image. The use of `array_to_img` requires PIL '
                          '(pip install "sluice[image]").') from None
    return Image


def _ndimage():
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError('Image transformations require SciPy. Install SciPy.') from None
    return ndimage


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image (RGBA, RGB or L by channel count) of a 3-D array; with `scale`, the values are
    shifted to start at 0 or above and stretched to 0-255."""
    Image = _pil_image()
    data_format = data_format or backend.image_data_format()
    x = np.asarray(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError('Expected image array to have rank 3 (single image). Got array with shape: %s' % (x.shape,))
    if data_format not in {'channels_first', 'channels_last'}:
        raise ValueError('Invalid data_format: %s' % data_format)
    if data_format == 'channels_first':
        x = x.transpose(1, 2, 0)
    if scale:
        x = x + max(-np.min(x), 0)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    modes = {4: 'RGBA', 3: 'RGB'}
    if x.shape[2] in modes:
        return Image.fromarray(x.astype('uint8'), modes[x.shape[2]])
    if x.shape[2] == 1:
        return Image.fromarray(x[:, :, 0].astype('uint8'), 'L')
    raise ValueError('Unsupported channel number: %s' % (x.shape[2],))


def img_to_array(img, data_format=None, dtype=None):
    """A 3-D array of a PIL image (a grayscale image gets a channel axis of 1)."""
    data_format = data_format or backend.image_data_format()
    if data_format not in {'channels_first', 'channels_last'}:
        raise ValueError('Unknown data_format: %s' % data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == 'channels_first' else x
    if x.ndim == 2:
        return x.reshape((1,) + x.shape) if data_format == 'channels_first' else x.reshape(x.shape + (1,))
    raise ValueError('Unsupported image shape: %s' % (x.shape,))


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == 'RGBA' and file_format in ('jpg', 'jpeg'):
        warnings.warn('The JPG format does not support RGBA images, converting to RGB.')
        img = img.convert('RGB')
    img.save(path, format=file_format, **kwargs)


def _interpolation_methods(Image):
    names = ['nearest', 'bilinear', 'bicubic', 'hamming', 'box', 'lanczos']
    resampling = getattr(Image, 'Resampling', Image)
    return {name: getattr(resampling, name.upper()) for name in names if hasattr(resampling, name.upper())}


def load_img(path, grayscale=False, color_mode='rgb', target_size=None, interpolation='nearest'):
    """A PIL image read from `path`, converted to color_mode and resized to target_size (rows, cols)."""
    if grayscale is True:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = 'grayscale'
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('Could not import PIL.Image. The use of `load_img` requires PIL.') from None
    img = Image.open(path)
    modes = {'grayscale': 'L', 'rgba': 'RGBA', 'rgb': 'RGB'}
    if color_mode not in modes:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if img.mode != modes[color_mode]:
        img = img.convert(modes[color_mode])
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            methods = _interpolation_methods(Image)
            if interpolation not in methods:
                raise ValueError('Invalid interpolation method {} specified. Supported methods are {}'.format(
                    interpolation, ', '.join(methods.keys())))
            img = img.resize(width_height, methods[interpolation])
    return img


def flip_axis(x, axis):
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix, x, y):
    """`matrix` (3x3, homogeneous) acting about the centre of an x-by-y image instead of its corner."""
    o_x, o_y = float(x) / 2 + 0.5, float(y) / 2 + 0.5
    to_center = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    from_center = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(to_center, matrix), from_center)


def _compose(*matrices):
    result = None
    for m in matrices:
        if m is not None:
            result = m if result is None else np.dot(result, m)
    return result


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1, channel_axis=2,
                           fill_mode='nearest', cval=0., order=1):
    """x rotated, shifted, sheared and zoomed (see the module docstring); x itself when all are neutral."""
    ndimage = _ndimage()
    rotation = shift = shearing = zoom = None
    if theta != 0:
        t = np.deg2rad(theta)
        rotation = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    if shear != 0:
        s = np.deg2rad(shear)
        shearing = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    if zx != 1 or zy != 1:
        zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    matrix = _compose(rotation, shift, shearing, zoom)
    if matrix is None:
        return x
    matrix = transform_matrix_offset_center(matrix, x.shape[row_axis], x.shape[col_axis])
    channels = np.rollaxis(x, channel_axis, 0)
    transformed = [ndimage.affine_transform(c, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode,
                                            cval=cval) for c in channels]
    return np.rollaxis(np.stack(transformed, axis=0), 0, channel_axis + 1)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                    interpolation_order=1):
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                 interpolation_order=1):
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                 interpolation_order=1):
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode='nearest', cval=0.,
                interpolation_order=1):
    if len(zoom_range) != 2:
        raise ValueError('`zoom_range` should be a tuple or list of two floats. Received: %s' % (zoom_range,))
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's own value range."""
    channels = np.rollaxis(x, channel_axis, 0)
    low, high = np.min(channels), np.max(channels)
    shifted = np.stack([np.clip(c + intensity, low, high) for c in channels], axis=0)
    return np.rollaxis(shifted, 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness):
    """PIL's brightness enhancement of x (which comes back scaled to 0-255, as in TF 1.15)."""
    try:
        from PIL import ImageEnhance
    except ImportError:
        raise ImportError('Using brightness shifts requires PIL. Install PIL or Pillow.') from None
    img = ImageEnhance.Brightness(array_to_img(x)).enhance(brightness)
    return img_to_array(img)


def random_brightness(x, brightness_range):
    if len(brightness_range) != 2:
        raise ValueError('`brightness_range should be tuple or list of two floats. Received: %s'
                         % (brightness_range,))
    return apply_brightness_shift(x, np.random.uniform(brightness_range[0], brightness_range[1]))


from sluice.keras.preprocessing.image_data_generator import (ImageDataGenerator, Iterator,  # noqa: E402,F401
                                                             NumpyArrayIterator)
from sluice.keras.preprocessing.directory_iterator import DirectoryIterator  # noqa: E402,F401
