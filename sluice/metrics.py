"""tf.metrics: streaming metrics kept in LOCAL_VARIABLES (and METRIC_VARIABLES), as TF1's.

Each returns (value, update_op); the implementations live in sluice/ops/metrics_impl.py (means,
regression and per-class metrics) and sluice/ops/metrics_confusion.py (confusion counts, precision,
recall, AUC, sensitivity/specificity) and sluice/ops/metrics_top_k.py (precision/recall at k)."""
from sluice.ops.metrics_confusion import (  # noqa: F401
    auc, false_negatives, false_negatives_at_thresholds, false_positives, false_positives_at_thresholds,
    precision, precision_at_thresholds, recall, recall_at_thresholds, sensitivity_at_specificity,
    specificity_at_sensitivity, true_negatives, true_negatives_at_thresholds, true_positives,
    true_positives_at_thresholds)
from sluice.ops.metrics_impl import (  # noqa: F401
    accuracy, mean, mean_absolute_error, mean_cosine_distance, mean_iou, mean_per_class_accuracy,
    mean_relative_error, mean_squared_error, mean_tensor, percentage_below, root_mean_squared_error)
from sluice.ops.metrics_top_k import (  # noqa: F401
    average_precision_at_k, sparse_average_precision_at_k, precision_at_k, precision_at_top_k, recall_at_k, recall_at_top_k, sparse_precision_at_k)

__all__ = ['accuracy', 'auc', 'average_precision_at_k', 'sparse_average_precision_at_k', 'false_negatives', 'false_negatives_at_thresholds', 'false_positives',
           'false_positives_at_thresholds', 'mean', 'mean_absolute_error', 'mean_cosine_distance', 'mean_iou',
           'mean_per_class_accuracy', 'mean_relative_error', 'mean_squared_error', 'mean_tensor',
           'percentage_below', 'precision', 'precision_at_k', 'precision_at_thresholds', 'precision_at_top_k',
           'recall', 'recall_at_k', 'recall_at_thresholds', 'recall_at_top_k', 'sparse_precision_at_k',
           'root_mean_squared_error', 'sensitivity_at_specificity', 'specificity_at_sensitivity',
           'true_negatives', 'true_negatives_at_thresholds', 'true_positives', 'true_positives_at_thresholds']

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.metrics')
