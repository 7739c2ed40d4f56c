"""tf.metrics precision/recall at k over label sets (TF 1.15's sparse top-k metrics), for dense labels.

Per example, the labels' last dimension is a set of class ids (a rank-lower labels tensor is one id per
example) and the predicted set is the top-k class indices. With P and L those sets (restricted to
{class_id} when given): true positives |P & L|, false positives |P - L|, false negatives |L - P|, each
weighted per example and summed in float64 variables named as TF's ('<metric>_at_<k>/true_positive_at_<k>').
Sets are computed densely: an entry counts once (its first occurrence) and membership is an equality
test against the other set's entries, so the set sizes (last dimensions) must be known statically.
average_precision_at_k: per example, the sum over ranks i <= k with a relevant i-th prediction of the
precision at i, over min(k, number of labels >= 0) (labels >= num_classes count as -1, never relevant);
the mean over examples is total / max in float64 variables 'total' and 'max' (max: the weight seen).
SparseTensor labels need tf.sets, which sluice does not implement yet.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.ops import array_ops, math_ops, state_ops
from sluice.ops.control_flow_ops import cond
from sluice.ops.graph_ops import name_scope
from sluice.ops.indexing_ops import where
from sluice.ops.metrics_impl import _tensors, add_to, metric_variable
from sluice.ops.nn_top_k import top_k
from sluice.ops.reduction_ops import cumsum
from sluice.ops.sparse_tensor import SparseTensor


def _at_k_name(name, k=None, class_id=None):
    name = '%s_at_%d' % (name, k) if k is not None else '%s_at_k' % name
    return name if class_id is None else '%s_class%d' % (name, class_id)


def _members(ids, class_id):
    """Mask of the entries of `ids` that are set members: first occurrences (only class_id's when given)."""
    n = ids.shape._dims[-1] if ids.shape.ndims else None
    if n is None:
        raise ValueError('%s: the last dimension (the set size) must be known statically; got shape %s'
                         % (ids.name, ids.shape))
    same = math_ops.equal(array_ops.expand_dims(ids, -1), array_ops.expand_dims(ids, -2))
    earlier = array_ops.constant(np.tril(np.ones((n, n), bool), -1))
    first = math_ops.logical_not(math_ops.reduce_any(math_ops.logical_and(same, earlier), -1))
    if class_id is not None:
        first = math_ops.logical_and(first, math_ops.equal(ids, math_ops.cast(class_id, ids.dtype)))
    return first


def _contained(x, y):
    """[..., n] bool: x's entry is among y's entries (same example)."""
    return math_ops.reduce_any(math_ops.equal(array_ops.expand_dims(x, -1), array_ops.expand_dims(y, -2)), -1)


def _set_count(a, b, class_id, in_b):
    """Per example |a & b| (in_b) or |a - b| (not in_b), as float64."""
    hits = _contained(a, b) if in_b else math_ops.logical_not(_contained(a, b))
    counted = math_ops.logical_and(_members(a, class_id), hits)
    return math_ops.reduce_sum(math_ops.cast(counted, dtypes.float64), -1)


def _streaming_count(kind, a, b, in_b, k, class_id, weights):
    with name_scope(None, _at_k_name(kind, k, class_id), _tensors(a, b, weights)) as scope:
        count = _set_count(a, b, class_id, in_b)
        if weights is not None:
            count = math_ops.multiply(count, math_ops.cast(weights, dtypes.float64))
        batch_total = math_ops.cast(math_ops.reduce_sum(count), dtypes.float64)
        var = metric_variable([], dtypes.float64, name=scope)
        return var, state_ops.assign_add(var, batch_total, name='update')


def _dense_labels(labels, predictions_idx, metric):
    if isinstance(labels, SparseTensor):
        raise NotImplementedError('tf.metrics.%s with SparseTensor labels: sluice does not implement tf.sets yet'
                                  % metric)
    labels = _graph.convert_to_tensor(labels)
    lr, pr = labels.shape.ndims, predictions_idx.shape.ndims
    if lr is not None and pr is not None and lr != pr:
        if pr != lr + 1:
            raise ValueError('Unexpected labels shape %s for predictions shape %s.'
                             % (labels.shape, predictions_idx.shape))
        labels = array_ops.expand_dims(labels, -1)
    return math_ops.cast(labels, dtypes.int64)


def _ratio_at_top_k(metric, other_kind, other_is_fp):
    def at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None, metrics_collections=None,
                 updates_collections=None, name=None):
        predictions_idx = _graph.convert_to_tensor(predictions_idx)
        with name_scope(name, _at_k_name(metric, k, class_id), _tensors(predictions_idx, labels, weights)) as scope:
            labels = _dense_labels(labels, predictions_idx, metric + '_at_top_k')
            top_k_idx = math_ops.cast(predictions_idx, dtypes.int64)
            tp, tp_update = _streaming_count('true_positive', top_k_idx, labels, True, k, class_id, weights)
            if other_is_fp:
                other, other_update = _streaming_count(other_kind, top_k_idx, labels, False, k, class_id, weights)
            else:
                other, other_update = _streaming_count(other_kind, labels, top_k_idx, False, k, class_id, weights)
            value = math_ops.div(tp, math_ops.add(tp, other), name=scope)
            update = math_ops.div(tp_update, math_ops.add(tp_update, other_update), name='update')
            add_to(metrics_collections, value)
            add_to(updates_collections, update)
            return value, update
    at_top_k.__name__ = metric + '_at_top_k'
    at_top_k.__doc__ = ('(%s, update_op) of the given top-k class indices against the label sets; NaN until '
                        'a set is seen.' % metric)

    def at_k(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
        with name_scope(name, _at_k_name(metric, k, class_id), _tensors(predictions, labels, weights)) as scope:
            _, top_k_idx = top_k(predictions, k)
            return at_top_k(labels, top_k_idx, k, class_id, weights, metrics_collections, updates_collections,
                            name=scope)
    at_k.__name__ = metric + '_at_k'
    at_k.__doc__ = '(%s, update_op) of the k highest-scoring classes against the label sets.' % metric
    return at_k, at_top_k


precision_at_k, precision_at_top_k = _ratio_at_top_k('precision', 'false_positive', True)
recall_at_k, recall_at_top_k = _ratio_at_top_k('recall', 'false_negative', False)


def sparse_precision_at_k(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
                          updates_collections=None, name=None):
    """TF 1.x's deprecated name for precision_at_k."""
    return precision_at_k(labels, predictions, k, class_id, weights, metrics_collections, updates_collections,
                          name)


def _clean_out_of_range(labels, num_classes):
    """Labels >= num_classes become -1 (never relevant, not counted)."""
    return cond(math_ops.greater_equal(math_ops.reduce_max(labels), num_classes),
                lambda: where(math_ops.greater_equal(labels, num_classes), -1 * array_ops.ones_like(labels), labels),
                lambda: labels)


def _average_precision_per_example(labels, predictions_idx, k):
    with name_scope(None, 'average_precision', [predictions_idx, labels]) as scope:
        predictions_idx = math_ops.cast(predictions_idx, dtypes.int64, name='predictions_idx')
        relevant = math_ops.cast(_contained(predictions_idx, labels), dtypes.float64)  # [..., k]
        tp_per_k = cumsum(relevant, axis=-1, name='tp_per_k')
        retrieved_per_k = cumsum(array_ops.ones_like(relevant), axis=-1, name='retrieved_per_k')
        precision_per_k = math_ops.div(tp_per_k, retrieved_per_k, name='precision_per_k')
        precision_sum = math_ops.reduce_sum(math_ops.multiply(precision_per_k, relevant), -1, name='precision_sum')
        with name_scope(None, 'num_relevant', [labels]):
            num_labels = math_ops.reduce_sum(math_ops.cast(math_ops.greater_equal(labels, 0), dtypes.int64), -1)
            num_relevant = math_ops.minimum(num_labels, k)
        return math_ops.div(precision_sum, math_ops.cast(num_relevant, dtypes.float64), name=scope)


def average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None, updates_collections=None,
                           name=None):
    """(mean average precision at k, update_op) of the top-k classes of `predictions` against the label sets."""
    if k < 1:
        raise ValueError('Invalid k=%s.' % k)
    predictions = _graph.convert_to_tensor(predictions)
    with name_scope(name, _at_k_name('average_precision', k), _tensors(predictions, labels, weights)) as scope:
        _, predictions_idx = top_k(predictions, k)
        labels = _dense_labels(labels, predictions_idx, 'average_precision_at_k')
        num_classes = math_ops.cast(array_ops.shape(predictions)[-1], dtypes.int64)
        labels = _clean_out_of_range(labels, num_classes)
        with name_scope(scope) as ap_scope:  # re-entered, as TF's inner metric does
            ap = _average_precision_per_example(labels, predictions_idx, k)
            if weights is not None:
                weights = math_ops.multiply(math_ops.cast(weights, dtypes.float64), array_ops.ones_like(ap))
                ap = math_ops.multiply(ap, weights)
            with name_scope(None, 'max', [ap]) as max_scope:
                max_var = metric_variable([], dtypes.float64, name=max_scope)
                batch_max = (math_ops.cast(array_ops.size(ap, name='batch_max'), dtypes.float64) if weights is None
                             else math_ops.reduce_sum(weights, name='batch_max'))
                max_update = state_ops.assign_add(max_var, batch_max, name='update')
            with name_scope(None, 'total', [ap]) as total_scope:
                total_var = metric_variable([], dtypes.float64, name=total_scope)
                total_update = state_ops.assign_add(total_var, math_ops.reduce_sum(ap, name='batch_total'),
                                                    name='update')
            value = math_ops.div_no_nan(total_var, max_var, name='mean')
            update = math_ops.div_no_nan(total_update, max_update, name=ap_scope)
        add_to(metrics_collections, value)
        add_to(updates_collections, update)
        return value, update


def sparse_average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None,
                                  updates_collections=None, name=None):
    """TF 1.x's deprecated name for average_precision_at_k."""
    return average_precision_at_k(labels, predictions, k, weights, metrics_collections, updates_collections, name)
