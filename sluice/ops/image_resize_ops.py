"""ResizeBicubic (and its gradient) and ResizeArea, as TF computes them (tf.image.resize_bicubic,
resize_area, resize_images(method=BICUBIC/AREA)).

Both are separable: the output is Wy . image . Wx^T per image and channel, where each row of W holds the
weights of the input pixels an output pixel reads. Bicubic: Keys' cubic (a = -0.75, or -0.5 with
half_pixel_centers, where weights of taps outside the image are dropped and the rest renormalized)
looked up, as in TF, in a 1024-entry table at the rounded fractional position, taps clamped to the edge.
Area: the overlap of each output pixel's span with each input pixel, over the span's area. Outputs are
float32; the gradient of bicubic is Wy^T . grad . Wx in the image's dtype; area has no gradient (TF).
"""
from sluice.engine import dtypes, op_builder
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.ops import image_ops

__all__ = ['resize_bicubic', 'resize_area']

register_op('ResizeBicubic', ['images: T', 'size: int32'], ['resized_images: float'],
            dict(image_ops._RESIZE_ATTRS, T='type'), image_ops._resize_shape)
register_op('ResizeBicubicGrad', ['grads: float', 'original_image: T'], ['output: T'],
            dict(image_ops._RESIZE_ATTRS, T='type'), image_ops._bilinear_grad_shape)
register_op('ResizeArea', ['images: T', 'size: int32'], ['resized_images: float'],
            {'T': 'type', 'align_corners': ('bool', False)}, image_ops._resize_shape)
no_gradient('ResizeArea')
no_gradient('ResizeBicubicGrad')


@register_gradient('ResizeBicubic')
def _resize_bicubic_grad(op, grad):
    allowed = (dtypes.float32, dtypes.float64)
    if op._inputs[0].dtype.base_dtype not in allowed:
        return [None, None]
    return [op_builder.apply('ResizeBicubicGrad', [grad, op._inputs[0]], image_ops._attrs(op))._outputs[0], None]


def resize_bicubic(images, size, align_corners=False, name=None, half_pixel_centers=False):
    return image_ops._resize('ResizeBicubic', images, size, align_corners, half_pixel_centers, name)


def resize_area(images, size, align_corners=False, name=None):
    from sluice.engine import graph as _graph
    images = _graph.convert_to_tensor(images, name='images')
    image_ops._check_type('ResizeArea', images, image_ops._RESIZE_TYPES)
    return op_builder.apply('ResizeArea', [images, size], {'align_corners': bool(align_corners)}, name)._outputs[0]
