"""Box ops of tf.image: NonMaxSuppressionV2/V3 and CropAndResize (TF's names, inputs and attrs; kernels in
kernels/image_boxes_kernels.py). Boxes are [y1, x1, y2, x2] in any corner order. None has a gradient in
sluice yet (TF 1.15 registers CropAndResize's; differentiating it here raises LookupError)."""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import name_scope
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops.math_ops import _shape_error
from sluice.ops.shape_fns import constant_value_as_shape

__all__ = ['non_max_suppression', 'non_max_suppression_v2', 'crop_and_resize']

_HALF_FLOAT = (dtypes.float16, dtypes.float32)
_CROP_TYPES = tuple(getattr(dtypes, n) for n in ('uint8', 'uint16', 'int8', 'int16', 'int32', 'int64', 'float16',
                                                 'float32', 'float64'))


def _rank(op, index, rank):
    dims = op._inputs[index]._shape._dims
    if dims is not None and len(dims) != rank:
        raise _shape_error(op, 'Shape must be rank %d but is rank %d' % (rank, len(dims)))
    return dims


def _nms_shape(op):
    boxes = _rank(op, 0, 2)
    if boxes is not None and boxes[1] is not None and boxes[1] != 4:
        raise _shape_error(op, 'Dimension must be 4 but is %d' % boxes[1])
    _rank(op, 1, 1)
    for index in range(2, len(op._inputs)):
        _rank(op, index, 0)
    return [TensorShape([None])]


def _crop_shape(op):
    image = _rank(op, 0, 4)
    boxes = _rank(op, 1, 2)
    _rank(op, 2, 1)
    _rank(op, 3, 1)
    size = constant_value_as_shape(op._inputs[3])
    height, width = (None, None) if size._dims is None else (list(size._dims) + [None, None])[:2]
    return [TensorShape([None if boxes is None else boxes[0], height, width, None if image is None else image[3]])]


_NMS_ATTRS = {'T': ('type', dtypes.float32), 'T_threshold': ('type', dtypes.float32)}
_NMS_ALLOWED = {'T': _HALF_FLOAT, 'T_threshold': _HALF_FLOAT}
register_op('NonMaxSuppressionV2', ['boxes: T', 'scores: T', 'max_output_size: int32', 'iou_threshold: T_threshold'],
            ['selected_indices: int32'], _NMS_ATTRS, _nms_shape, allowed=_NMS_ALLOWED)
register_op('NonMaxSuppressionV3', ['boxes: T', 'scores: T', 'max_output_size: int32', 'iou_threshold: T_threshold',
                                    'score_threshold: T_threshold'], ['selected_indices: int32'], _NMS_ATTRS,
            _nms_shape, allowed=_NMS_ALLOWED)
register_op('CropAndResize', ['image: T', 'boxes: float', 'box_ind: int32', 'crop_size: int32'], ['crops: float'],
            {'T': 'type', 'method': ('string', 'bilinear'), 'extrapolation_value': ('float', 0.0)}, _crop_shape,
            allowed={'T': _CROP_TYPES})
for _type in ('NonMaxSuppressionV2', 'NonMaxSuppressionV3'):
    no_gradient(_type)


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5, score_threshold=float('-inf'), name=None):
    """Indices of at most max_output_size boxes, by decreasing score, none overlapping a kept one by IoU above
    iou_threshold, scores above score_threshold (NonMaxSuppressionV3)."""
    with name_scope(name, 'non_max_suppression'):
        boxes = _graph.convert_to_tensor(boxes, name='boxes')
        scores = _graph.convert_to_tensor(scores, name='scores')
        max_output_size = _graph.convert_to_tensor(max_output_size, dtype=dtypes.int32, name='max_output_size')
        iou_threshold = _graph.convert_to_tensor(iou_threshold, name='iou_threshold')
        score_threshold = _graph.convert_to_tensor(score_threshold, name='score_threshold')
        return op_builder.apply('NonMaxSuppressionV3', [boxes, scores, max_output_size, iou_threshold,
                                                        score_threshold], {})._outputs[0]


def non_max_suppression_v2(boxes, scores, max_output_size, iou_threshold, name=None):
    """The NonMaxSuppressionV2 op (no score threshold)."""
    iou_threshold = _graph.convert_to_tensor(iou_threshold, name='iou_threshold')
    max_output_size = _graph.convert_to_tensor(max_output_size, dtype=dtypes.int32, name='max_output_size')
    return op_builder.apply('NonMaxSuppressionV2', [boxes, scores, max_output_size, iou_threshold], {},
                            name)._outputs[0]


def crop_and_resize(image, boxes, box_ind, crop_size, method='bilinear', extrapolation_value=0, name=None):
    """[num_boxes, crop_height, crop_width, depth] float32 crops of image[box_ind[i]] at normalized boxes,
    resampled bilinearly (or nearest) with corners aligned; samples outside the image get extrapolation_value."""
    if method not in ('bilinear', 'nearest'):
        raise ValueError("CropAndResize: method must be 'bilinear' or 'nearest', got %r" % (method,))
    boxes = _graph.convert_to_tensor(boxes, dtype=dtypes.float32, name='boxes')
    box_ind = _graph.convert_to_tensor(box_ind, dtype=dtypes.int32, name='box_ind')
    crop_size = _graph.convert_to_tensor(crop_size, dtype=dtypes.int32, name='crop_size')
    attrs = {'method': method, 'extrapolation_value': float(extrapolation_value)}
    return op_builder.apply('CropAndResize', [image, boxes, box_ind, crop_size], attrs, name)._outputs[0]
