"""Streaming metrics over running sums: mean, accuracy and the regression / per-class metrics of tf.metrics.

Every metric keeps its sums in local variables (LOCAL_VARIABLES and METRIC_VARIABLES, initialised to
zero) under a variable scope named like TF 1.15's, and returns (value, update_op): update_op adds one
batch to the sums and returns the metric after that batch, value reads the metric from the sums.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, math_ops, state_ops
from sluice.ops.confusion_matrix import confusion_matrix
from sluice.ops.indexing_ops import where
from sluice.ops.linalg_ops import diag_part
from sluice.ops.training_ops import scatter_add
from sluice.ops.variable_scope import variable_scope
from sluice.ops.variables import Variable


def metric_variable(shape, dtype, validate_shape=True, name=None):
    """A zero-initialised, non-trainable variable in LOCAL_VARIABLES and METRIC_VARIABLES."""
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
                    validate_shape=validate_shape, name=name)


def _squeezable(a, b):
    """True when a's rank is b's plus one and a's last dimension may be 1 (static shapes only)."""
    ra, rb = a.shape.ndims, b.shape.ndims
    return ra is not None and rb is not None and ra - rb == 1 and a.shape._dims[-1] in (1, None)


def remove_squeezable_dimensions(predictions, labels=None, weights=None):
    """Squeezes a trailing size-1 dimension where ranks differ by one; weights may also gain one."""
    predictions = _graph.convert_to_tensor(predictions)
    if labels is not None:
        labels = _graph.convert_to_tensor(labels)
        if _squeezable(predictions, labels):
            predictions = array_ops.squeeze(predictions, [-1])
        elif _squeezable(labels, predictions):
            labels = array_ops.squeeze(labels, [-1])
        predictions.shape.assert_is_compatible_with(labels.shape)
    if weights is not None:
        weights = _graph.convert_to_tensor(weights)
        p, w = predictions.shape.ndims, weights.shape.ndims
        if p is not None and w is not None and w != 0:
            if w - p == 1:
                weights = array_ops.squeeze(weights, [-1])
            elif p - w == 1:
                weights = array_ops.expand_dims(weights, [-1])
    return predictions, labels, weights


def add_to(collections, value):
    if collections:
        _graph.get_default_graph().add_to_collections(collections, value)


def _tensors(*values):
    return [v for v in values if isinstance(v, _graph.Tensor)]


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """(mean, update_op): total and count in local variables; update_op adds a batch and returns the mean."""
    with variable_scope(name, 'mean', _tensors(values, weights)):
        values = math_ops.cast(values, dtypes.float32)
        total = metric_variable([], dtypes.float32, name='total')
        count = metric_variable([], dtypes.float32, name='count')
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            values, _, weights = remove_squeezable_dimensions(values, None, weights)
            weights = math_ops.multiply(math_ops.cast(weights, dtypes.float32), array_ops.ones_like(values))
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total = state_ops.assign_add(total, math_ops.reduce_sum(values))
        with _graph.get_default_graph().control_dependencies([values]):
            update_count = state_ops.assign_add(count, num_values)
        mean_t = math_ops.div_no_nan(total, math_ops.maximum(count, 0), name='value')
        update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0), name='update_op')
        add_to(metrics_collections, mean_t)
        add_to(updates_collections, update_op)
        return mean_t, update_op


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """(mean, update_op) elementwise: total_tensor and count_tensor have values' (static) shape."""
    with variable_scope(name, 'mean', _tensors(values, weights)):
        values = math_ops.cast(values, dtypes.float32)
        total = metric_variable(values.shape.as_list(), dtypes.float32, name='total_tensor')
        count = metric_variable(values.shape.as_list(), dtypes.float32, name='count_tensor')
        num_values = array_ops.ones_like(values)
        if weights is not None:
            values, _, weights = remove_squeezable_dimensions(values, None, weights)
            weights = math_ops.multiply(math_ops.cast(weights, dtypes.float32), array_ops.ones_like(values))
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total = state_ops.assign_add(total, values)
        with _graph.get_default_graph().control_dependencies([values]):
            update_count = state_ops.assign_add(count, num_values)
        mean_t = math_ops.div_no_nan(total, math_ops.maximum(count, 0), name='value')
        update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0), name='update_op')
        add_to(metrics_collections, mean_t)
        add_to(updates_collections, update_op)
        return mean_t, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """(accuracy, update_op): the running fraction of predictions equal to labels (weighted)."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    if labels.dtype.base_dtype != predictions.dtype.base_dtype:
        predictions = math_ops.cast(predictions, labels.dtype.base_dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or 'accuracy')


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                        name=None):
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    return mean(math_ops.abs(predictions - labels), weights, metrics_collections, updates_collections,
                name or 'mean_absolute_error')


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                       name=None):
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    return mean(math_ops.squared_difference(labels, predictions), weights, metrics_collections,
                updates_collections, name or 'mean_squared_error')


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                            name=None):
    """sqrt of mean_squared_error's value and update, under the scope 'root_mean_squared_error'."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None,
                                         name or 'root_mean_squared_error')
    rmse = math_ops.sqrt(mse)
    update_op = math_ops.sqrt(update_mse)
    add_to(metrics_collections, rmse)
    add_to(updates_collections, update_op)
    return rmse, update_op


def mean_relative_error(labels, predictions, normalizer, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """Mean of |labels - predictions| / normalizer, counting 0 where the normalizer is 0."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    normalizer = _graph.convert_to_tensor(normalizer)
    if _squeezable(normalizer, predictions):
        normalizer = array_ops.squeeze(normalizer, [-1])
    elif _squeezable(predictions, normalizer):
        predictions = array_ops.squeeze(predictions, [-1])
    predictions.shape.assert_is_compatible_with(normalizer.shape)
    relative_errors = where(math_ops.equal(normalizer, 0.0), array_ops.zeros_like(labels),
                            math_ops.div(math_ops.abs(labels - predictions), normalizer))
    return mean(relative_errors, weights, metrics_collections, updates_collections,
                name or 'mean_relative_error')


def mean_cosine_distance(labels, predictions, dim, weights=None, metrics_collections=None,
                         updates_collections=None, name=None):
    """1 - mean over examples of sum(labels * predictions) along `dim` (inputs assumed unit-normalised)."""
    predictions, labels, weights = remove_squeezable_dimensions(predictions, labels, weights)
    radial_diffs = math_ops.reduce_sum(math_ops.multiply(predictions, labels), [dim], keepdims=True)
    mean_distance, update_op = mean(radial_diffs, weights, None, None, name or 'mean_cosine_distance')
    mean_distance = math_ops.subtract(1.0, mean_distance)
    update_op = math_ops.subtract(1.0, update_op)
    add_to(metrics_collections, mean_distance)
    add_to(updates_collections, update_op)
    return mean_distance, update_op


def percentage_below(values, threshold, weights=None, metrics_collections=None, updates_collections=None,
                     name=None):
    is_below = math_ops.cast(math_ops.less(values, threshold), dtypes.float32)
    return mean(is_below, weights, metrics_collections, updates_collections, name or 'percentage_below_threshold')


def _flatten(t):
    t = _graph.convert_to_tensor(t)
    if t.shape.ndims is None or t.shape.ndims > 1:
        t = array_ops.reshape(t, [-1])
    return t


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """Per class: correct / seen (scatter-added by label into total and count); value is their mean."""
    with variable_scope(name, 'mean_accuracy', _tensors(predictions, labels, weights)):
        labels = math_ops.cast(_flatten(labels), dtypes.int64)
        predictions = _flatten(predictions)
        predictions.shape.assert_is_compatible_with(labels.shape)
        total = metric_variable([num_classes], dtypes.float32, name='total')
        count = metric_variable([num_classes], dtypes.float32, name='count')
        ones = array_ops.ones([array_ops.size(labels)], dtypes.float32)
        if labels.dtype != predictions.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        if weights is not None:
            weights = math_ops.cast(_flatten(weights), dtypes.float32)
            is_correct = is_correct * weights
            ones = ones * weights
        update_total = scatter_add(total, labels, ones)
        update_count = scatter_add(count, labels, is_correct)
        per_class = math_ops.div_no_nan(count, math_ops.maximum(total, 0))
        value = math_ops.reduce_mean(per_class, name='mean_accuracy')
        update_op = math_ops.div_no_nan(update_count, math_ops.maximum(update_total, 0), name='update_op')
        add_to(metrics_collections, value)
        add_to(updates_collections, update_op)
        return value, update_op


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None, updates_collections=None,
             name=None):
    """Mean over classes present of diag / (row sum + column sum - diag) of a float64 confusion matrix."""
    with variable_scope(name, 'mean_iou', _tensors(predictions, labels, weights)):
        predictions = _graph.convert_to_tensor(predictions)
        labels = _graph.convert_to_tensor(labels)
        predictions.shape.assert_is_compatible_with(labels.shape)
        total_cm = metric_variable([num_classes, num_classes], dtypes.float64, name='total_confusion_matrix')
        predictions = _flatten(math_ops.cast(predictions, dtypes.int64))
        labels = _flatten(math_ops.cast(labels, dtypes.int64))
        if weights is not None:
            weights = _flatten(weights)
        current_cm = confusion_matrix(labels, predictions, num_classes, weights=weights, dtype=dtypes.float64)
        update_op = state_ops.assign_add(total_cm, current_cm)
        sum_over_row = math_ops.cast(math_ops.reduce_sum(total_cm, 0), dtypes.float32)
        sum_over_col = math_ops.cast(math_ops.reduce_sum(total_cm, 1), dtypes.float32)
        cm_diag = math_ops.cast(diag_part(total_cm), dtypes.float32)
        denominator = sum_over_row + sum_over_col - cm_diag
        num_valid = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(denominator, 0), dtypes.float32))
        denominator = where(math_ops.greater(denominator, 0), denominator, array_ops.ones_like(denominator))
        iou = math_ops.div(cm_diag, denominator)
        value = where(math_ops.greater(num_valid, 0), math_ops.reduce_sum(iou, name='mean_iou') / num_valid, 0)
        add_to(metrics_collections, value)
        add_to(updates_collections, update_op)
        return value, update_op
