"""Random crops for data augmentation (tf.image.sample_distorted_bounding_box, SampleDistortedBoundingBoxV2)
and box drawing (tf.image.draw_bounding_boxes, DrawBoundingBoxesV2), as TF 1.15 defines them.

The sampler tries up to `max_attempts` crops: an aspect ratio and an area fraction drawn uniformly from
their ranges, a height between those the area allows (rounded as TF rounds), a random position; a crop
is kept when it covers at least `min_object_covered` of some bounding box (the whole image stands for the
boxes when none are given and `use_image_if_no_bounding_boxes`). Failing every attempt it returns the
whole image. Outputs: begin [y, x, 0], size [h, w, -1] and the crop as a normalized box [1, 1, 4]. The
draws come from the node's seeded stream (sluice's, not TF's Philox: same rules, different samples).
"""
from sluice.engine import dtypes, op_builder
from sluice.engine.graph import convert_to_tensor
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import random_ops, shape_fns

__all__ = ['sample_distorted_bounding_box', 'draw_bounding_boxes']

register_op('SampleDistortedBoundingBoxV2', ['image_size: T', 'bounding_boxes: float', 'min_object_covered: float'],
            ['begin: T', 'size: T', 'bboxes: float'],
            {'T': 'type', 'seed': ('int', 0), 'seed2': ('int', 0), 'aspect_ratio_range': ('list(float)', [0.75, 1.33]),
             'area_range': ('list(float)', [0.05, 1.0]), 'max_attempts': ('int', 100),
             'use_image_if_no_bounding_boxes': ('bool', False)},
            lambda op: [TensorShape([3]), TensorShape([3]), TensorShape([1, 1, 4])], is_stateful=True)
register_op('DrawBoundingBoxesV2', ['images: T', 'boxes: float', 'colors: float'], ['output: T'], {'T': 'type'},
            shape_fns.unchanged)
no_gradient('SampleDistortedBoundingBoxV2')
no_gradient('DrawBoundingBoxesV2')


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=None, seed2=None, min_object_covered=0.1,
                                  aspect_ratio_range=None, area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """(begin, size, bboxes) of a random crop of an image of `image_size` [h, w, c]."""
    op_seed = seed2 if seed2 is not None else seed
    graph_seed, node_seed = random_ops.get_seed(op_seed)
    attrs = {'seed': graph_seed or 0, 'seed2': node_seed or 0,
             'aspect_ratio_range': [float(v) for v in (aspect_ratio_range or [0.75, 1.33])],
             'area_range': [float(v) for v in (area_range or [0.05, 1.0])],
             'max_attempts': 100 if max_attempts is None else int(max_attempts),
             'use_image_if_no_bounding_boxes': bool(use_image_if_no_bounding_boxes)}
    min_object_covered = convert_to_tensor(min_object_covered, dtype=dtypes.float32, name='min_object_covered')
    return tuple(op_builder.apply('SampleDistortedBoundingBoxV2', [image_size, bounding_boxes, min_object_covered],
                                  attrs, name)._outputs)


def draw_bounding_boxes(images, boxes, name=None, colors=None):
    """Images [batch, h, w, depth] with each box's outline drawn in a color from `colors` (cycled)."""
    import numpy as np
    if colors is None:
        colors = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
                           [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1], [1, 0, 1, 1]], np.float32)
    return op_builder.output('DrawBoundingBoxesV2', [images, boxes, colors], {}, name)
