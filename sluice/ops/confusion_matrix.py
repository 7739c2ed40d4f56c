"""tf.confusion_matrix (tf.math.confusion_matrix), built as TF's confusion_matrix.py builds it:
checks, squeezing of matching label/prediction ranks, then one ScatterNd of the weights.
"""
import builtins

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, name_scope
from sluice.ops import manip_ops, array_ops, check_ops, control_flow_ops, math_ops, shape_fns

__all__ = ['confusion_matrix']


def _remove_squeezable_dimensions(labels, predictions):
    """Squeezes the last dimension of labels or predictions when their ranks differ by one (static ranks)."""
    p_rank, l_rank = predictions.shape.ndims, labels.shape.ndims
    if p_rank is not None and l_rank is not None:
        if l_rank - p_rank == 1 and labels.shape._dims[-1] in (1, None):
            labels = array_ops.squeeze(labels, [-1])
        elif p_rank - l_rank == 1 and predictions.shape._dims[-1] in (1, None):
            predictions = array_ops.squeeze(predictions, [-1])
    return labels, predictions


def confusion_matrix(labels, predictions, num_classes=None, dtype=dtypes.int32, name=None, weights=None):
    """cm[i, j]: the number (or total weight) of examples with label i predicted as j (a ScatterNd)."""
    with name_scope(name, 'confusion_matrix', (predictions, labels, num_classes, weights)):
        labels, predictions = _remove_squeezable_dimensions(_graph.convert_to_tensor(labels, name='labels'),
                                                            _graph.convert_to_tensor(predictions, name='predictions'))
        predictions = math_ops.cast(predictions, dtypes.int64)
        labels = math_ops.cast(labels, dtypes.int64)
        labels = control_flow_ops.with_dependencies(
            [check_ops.assert_non_negative(labels, message='`labels` contains negative values')], labels)
        predictions = control_flow_ops.with_dependencies(
            [check_ops.assert_non_negative(predictions, message='`predictions` contains negative values')],
            predictions)
        if num_classes is None:
            num_classes = math_ops.maximum(math_ops.reduce_max(predictions), math_ops.reduce_max(labels)) + 1
        else:
            num_classes_int64 = math_ops.cast(num_classes, dtypes.int64)
            labels = control_flow_ops.with_dependencies(
                [check_ops.assert_less(labels, num_classes_int64, message='`labels` out of bound')], labels)
            predictions = control_flow_ops.with_dependencies(
                [check_ops.assert_less(predictions, num_classes_int64, message='`predictions` out of bound')],
                predictions)
        if weights is not None:
            weights = _graph.convert_to_tensor(weights, name='weights')
            predictions.shape.assert_is_compatible_with(weights.shape)
            weights = math_ops.cast(weights, dtype)
        shape = array_ops.stack([num_classes, num_classes])
        indices = array_ops.stack([labels, predictions], axis=1)
        values = array_ops.ones_like(predictions, dtype) if weights is None else weights
        result = manip_ops.scatter_nd(indices=indices, updates=values, shape=math_ops.cast(shape, dtypes.int64))
        if not isinstance(num_classes, Tensor):
            return result
        known = [shape_fns.constant_value(t) for t in (labels, predictions)]
        if all(k is not None and np.size(k) for k in known):  # TF's shape inference folds max(...) + 1
            n = int(builtins.max(np.max(known[0]), np.max(known[1]))) + 1
            result.set_shape([n, n])
        return result
