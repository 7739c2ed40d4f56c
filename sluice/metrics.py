"""tf.metrics: streaming metrics kept in LOCAL_VARIABLES (and METRIC_VARIABLES), as TF1's."""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, math_ops, state_ops
from sluice.ops.variable_scope import variable_scope
from sluice.ops.variables import Variable

__all__ = ['accuracy', 'mean']


def _metric_variable(shape, dtype, validate_shape=True, name=None):
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES],
                    validate_shape=validate_shape, name=name)


def _remove_squeezable_dimensions(predictions, labels=None, weights=None):
    """Squeezes a trailing dimension of size 1 where ranks differ by one (static shapes only)."""
    predictions = _graph.convert_to_tensor(predictions)
    if labels is not None:
        labels = _graph.convert_to_tensor(labels)
        p, l = predictions.shape.ndims, labels.shape.ndims
        if p is not None and l is not None:
            if p - l == 1 and predictions.shape._dims[-1] in (1, None):
                predictions = array_ops.squeeze(predictions, [-1])
            elif l - p == 1 and labels.shape._dims[-1] in (1, None):
                labels = array_ops.squeeze(labels, [-1])
    if weights is not None:
        weights = _graph.convert_to_tensor(weights)
        p, w = predictions.shape.ndims, weights.shape.ndims
        if p is not None and w is not None and w != 0 and w - p == 1 and weights.shape._dims[-1] in (1, None):
            weights = array_ops.squeeze(weights, [-1])
    return predictions, labels, weights


def _add_to(collections, value):
    if collections:
        _graph.get_default_graph().add_to_collections(collections, value)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """(mean, update_op): total and count in local variables; update_op adds a batch and returns the mean."""
    with variable_scope(name, 'mean', [v for v in (values, weights) if isinstance(v, _graph.Tensor)]):
        values = math_ops.cast(values, dtypes.float32)
        total = _metric_variable([], dtypes.float32, name='total')
        count = _metric_variable([], dtypes.float32, name='count')
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = math_ops.multiply(math_ops.cast(weights, dtypes.float32), array_ops.ones_like(values))
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total = state_ops.assign_add(total, math_ops.reduce_sum(values))
        with _graph.get_default_graph().control_dependencies([values]):
            update_count = state_ops.assign_add(count, num_values)
        mean_t = math_ops.div_no_nan(total, math_ops.maximum(count, 0), name='value')
        update_op = math_ops.div_no_nan(update_total, math_ops.maximum(update_count, 0), name='update_op')
        _add_to(metrics_collections, mean_t)
        _add_to(updates_collections, update_op)
        return mean_t, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """(accuracy, update_op): the running fraction of predictions equal to labels (weighted)."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    predictions.shape.assert_is_compatible_with(labels.shape)
    if labels.dtype.base_dtype != predictions.dtype.base_dtype:
        predictions = math_ops.cast(predictions, labels.dtype.base_dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections, name or 'accuracy')


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.metrics')
