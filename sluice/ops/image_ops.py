"""The resize ops of tf.image: ResizeBilinear, ResizeNearestNeighbor and their gradient ops
ResizeBilinearGrad, ResizeNearestNeighborGrad (TF's names, inputs and attrs; kernels in
kernels/image_kernels.py). Everything else in tf.image is composed of existing ops (sluice/image.py)."""
from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op
from sluice.ops.math_ops import _shape_error
from sluice.ops.shape_fns import constant_value_as_shape

__all__ = ['resize_bilinear', 'resize_nearest_neighbor']

_RESIZE_ATTRS = {'align_corners': ('bool', False), 'half_pixel_centers': ('bool', False)}
_RESIZE_TYPES = tuple(getattr(dtypes, n) for n in ('int8', 'uint8', 'int16', 'uint16', 'int32', 'int64', 'bfloat16',
                                                   'float16', 'float32', 'float64') if hasattr(dtypes, n))
_GRAD_TYPES = tuple(getattr(dtypes, n) for n in ('float32', 'bfloat16', 'float16', 'float64') if hasattr(dtypes, n))


def _rank4(op, index):
    dims = op._inputs[index]._shape._dims
    if dims is not None and len(dims) != 4:
        raise _shape_error(op, 'Shape must be rank 4 but is rank %d' % len(dims))
    return dims


def _size_dims(op, index):
    size = op._inputs[index]
    dims = size._shape._dims
    if dims is not None:
        if len(dims) != 1:
            raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(dims))
        if dims[0] is not None and dims[0] != 2:
            raise _shape_error(op, 'Dimension must be 2 but is %d' % dims[0])
    new = constant_value_as_shape(size)
    if new._dims is None:
        return [None, None]
    for d in new._dims:
        if d is not None and d <= 0:
            raise _shape_error(op, 'size must be positive')
    return list(new._dims)


def _resize_shape(op):
    images = _rank4(op, 0)
    h, w = _size_dims(op, 1)
    n, c = (None, None) if images is None else (images[0], images[3])
    return [TensorShape([n, h, w, c])]


def _bilinear_grad_shape(op):
    _rank4(op, 0)
    _rank4(op, 1)
    return [op._inputs[1]._shape]


def _nn_grad_shape(op):
    grads = _rank4(op, 0)
    h, w = _size_dims(op, 1)
    n, c = (None, None) if grads is None else (grads[0], grads[3])
    return [TensorShape([n, h, w, c])]


register_op('ResizeBilinear', ['images: T', 'size: int32'], ['resized_images: float'],
            dict(_RESIZE_ATTRS, T='type'), _resize_shape)
register_op('ResizeNearestNeighbor', ['images: T', 'size: int32'], ['resized_images: T'],
            dict(_RESIZE_ATTRS, T='type'), _resize_shape)
register_op('ResizeBilinearGrad', ['grads: float', 'original_image: T'], ['output: T'],
            dict(_RESIZE_ATTRS, T='type'), _bilinear_grad_shape)
register_op('ResizeNearestNeighborGrad', ['grads: T', 'size: int32'], ['output: T'],
            dict(_RESIZE_ATTRS, T='type'), _nn_grad_shape)


def _attrs(op):
    return {'align_corners': op.get_attr('align_corners'), 'half_pixel_centers': op.get_attr('half_pixel_centers')}


@register_gradient('ResizeBilinear')
def _resize_bilinear_grad(op, grad):
    return [op_builder.apply('ResizeBilinearGrad', [grad, op._inputs[0]], _attrs(op))._outputs[0], None]


@register_gradient('ResizeNearestNeighbor')
def _resize_nearest_neighbor_grad(op, grad):
    image = op._inputs[0]
    dims = image._shape._dims
    if dims is not None and dims[1] is not None and dims[2] is not None:
        image_shape = constant_op.constant([dims[1], dims[2]], dtype=dtypes.int32)
    else:
        image_shape = array_ops.shape(image)[1:3]
    return [op_builder.apply('ResizeNearestNeighborGrad', [grad, image_shape], _attrs(op))._outputs[0], None]


@register_gradient('ResizeBilinearGrad')
def _resize_bilinear_grad_grad(op, grad):
    return [op_builder.apply('ResizeBilinear', [grad, array_ops.shape(op._inputs[0])[1:3]], _attrs(op))._outputs[0], None]


def _check_type(op_type, images, allowed):
    if _graph.is_tensor(images) and images.dtype.base_dtype not in allowed:
        raise TypeError("Value passed to parameter 'images' has DataType %s not in list of allowed values: %s"
                        % (images.dtype.base_dtype.name, ', '.join(d.name for d in allowed)))


def _resize(op_type, images, size, align_corners, half_pixel_centers, name):
    images = _graph.convert_to_tensor(images, name='images')
    _check_type(op_type, images, _RESIZE_TYPES)
    attrs = {'align_corners': bool(align_corners), 'half_pixel_centers': bool(half_pixel_centers)}
    return op_builder.apply(op_type, [images, size], attrs, name)._outputs[0]


def resize_bilinear(images, size, align_corners=False, half_pixel_centers=False, name=None):
    """tf.image.resize_bilinear (TF1 raw op wrapper): output float32."""
    return _resize('ResizeBilinear', images, size, align_corners, half_pixel_centers, name)


def resize_nearest_neighbor(images, size, align_corners=False, half_pixel_centers=False, name=None):
    """tf.image.resize_nearest_neighbor (TF1 raw op wrapper): output keeps the input dtype."""
    return _resize('ResizeNearestNeighbor', images, size, align_corners, half_pixel_centers, name)
