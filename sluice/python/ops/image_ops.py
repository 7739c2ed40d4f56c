"""`tensorflow.python.ops.image_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.image import (ResizeMethod, adjust_brightness, adjust_contrast, central_crop,  # noqa: F401
                          convert_image_dtype, crop_to_bounding_box, flip_left_right, flip_up_down,
                          pad_to_bounding_box, per_image_standardization, random_brightness,
                          random_contrast, random_flip_left_right, random_flip_up_down,
                          resize_bilinear, resize_image_with_crop_or_pad, resize_images,
                          resize_nearest_neighbor, rot90, transpose)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.image_ops')
