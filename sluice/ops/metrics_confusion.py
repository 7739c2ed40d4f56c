"""Streaming confusion-count metrics of tf.metrics: counts, precision/recall, AUC, sensitivity/specificity.

Boolean metrics count labels/predictions cast to bool into a scalar 'count' variable per count. The
*_at_thresholds family compares float predictions in [0, 1] with each threshold (predicted positive when
strictly greater) and keeps one [num_thresholds] variable per count ('true_positives', 'false_negatives',
'true_negatives', 'false_positives'), from which precision/recall curves, AUC (Riemann sums over the ROC or
PR curve, or the Davis & Goadrich interpolation for PR) and sensitivity/specificity are read.
"""
import logging

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.ops import array_ops, math_ops, state_ops
from sluice.ops.check_ops import assert_less_equal
from sluice.ops.graph_ops import identity
from sluice.ops.indexing_ops import where
from sluice.ops.metrics_impl import _tensors, add_to, metric_variable, remove_squeezable_dimensions
from sluice.ops.reduction_ops import argmax, argmin, cumsum
from sluice.ops.variable_scope import variable_scope

_ALL_COUNTS = ('tp', 'fn', 'tn', 'fp')
_COUNT_NAMES = {'tp': 'true_positives', 'fn': 'false_negatives', 'tn': 'true_negatives',
                'fp': 'false_positives'}


def _count_condition(values, weights, metrics_collections, updates_collections):
    """A scalar 'count' variable summing the (weighted) true entries of a bool tensor."""
    if values.dtype.base_dtype != dtypes.bool:
        raise ValueError('%s must be of type bool, got %s' % (values.name, values.dtype))
    count = metric_variable([], dtypes.float32, name='count')
    values = math_ops.cast(values, dtypes.float32)
    if weights is not None:
        values = math_ops.multiply(values, math_ops.cast(weights, dtypes.float32))
    value = identity(count)
    update_op = state_ops.assign_add(count, math_ops.reduce_sum(values))
    add_to(metrics_collections, value)
    add_to(updates_collections, update_op)
    return value, update_op


def _boolean_count(kind, label_value, prediction_value):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        with variable_scope(name, kind, _tensors(predictions, labels, weights)):
            predictions, labels, weights = remove_squeezable_dimensions(
                math_ops.cast(predictions, dtypes.bool), math_ops.cast(labels, dtypes.bool), weights)
            hit = math_ops.logical_and(math_ops.equal(labels, label_value),
                                       math_ops.equal(predictions, prediction_value))
            return _count_condition(hit, weights, metrics_collections, updates_collections)
    metric.__name__ = kind
    metric.__doc__ = '(%s, update_op): the weighted number of %s over all batches.' % (kind, kind.replace('_', ' '))
    return metric


true_positives = _boolean_count('true_positives', True, True)
false_positives = _boolean_count('false_positives', False, True)
true_negatives = _boolean_count('true_negatives', False, False)
false_negatives = _boolean_count('false_negatives', True, False)


def confusion_at_thresholds(labels, predictions, thresholds, weights=None, includes=None):
    """({count: variable}, {count: update}) for counts in `includes` at each threshold."""
    includes = _ALL_COUNTS if includes is None else includes
    for key in includes:
        if key not in _ALL_COUNTS:
            raise ValueError('Invalid key: %s.' % key)
    predictions = _graph.convert_to_tensor(predictions)
    in_range = [assert_less_equal(math_ops.cast(0.0, predictions.dtype), predictions,
                                  message='predictions must be in [0, 1]'),
                assert_less_equal(predictions, math_ops.cast(1.0, predictions.dtype),
                                  message='predictions must be in [0, 1]')]
    with _graph.get_default_graph().control_dependencies(in_range):
        predictions, labels, weights = remove_squeezable_dimensions(
            math_ops.cast(predictions, dtypes.float32), math_ops.cast(labels, dtypes.bool), weights)
    num_thresholds = len(thresholds)
    predictions_2d = array_ops.reshape(predictions, [-1, 1])
    labels_2d = array_ops.reshape(labels, [1, -1])
    num_predictions = predictions_2d.shape._dims[0]
    if num_predictions is None:
        num_predictions = array_ops.shape(predictions_2d)[0]
    thresh_tiled = array_ops.tile(array_ops.expand_dims(array_ops.constant(thresholds, dtypes.float32), 1),
                                  array_ops.stack([1, num_predictions]))
    preds_tiled = array_ops.tile(array_ops.transpose(predictions_2d), [num_thresholds, 1])
    pred_pos = math_ops.greater(preds_tiled, thresh_tiled)
    label_pos = array_ops.tile(labels_2d, [num_thresholds, 1])
    pred_neg = math_ops.logical_not(pred_pos) if ('fn' in includes or 'tn' in includes) else None
    label_neg = math_ops.logical_not(label_pos) if ('fp' in includes or 'tn' in includes) else None
    weights_tiled = None
    if weights is not None:
        weights = math_ops.multiply(math_ops.cast(weights, dtypes.float32), array_ops.ones_like(predictions))
        weights_tiled = array_ops.tile(array_ops.reshape(weights, [1, -1]), [num_thresholds, 1])
    conditions = {'tp': (label_pos, pred_pos), 'fn': (label_pos, pred_neg),
                  'tn': (label_neg, pred_neg), 'fp': (label_neg, pred_pos)}
    values, updates = {}, {}
    for key in _ALL_COUNTS:
        if key not in includes:
            continue
        var = metric_variable([num_thresholds], dtypes.float32, name=_COUNT_NAMES[key])
        hits = math_ops.cast(math_ops.logical_and(*conditions[key]), dtypes.float32)
        if weights_tiled is not None:
            hits = math_ops.multiply(hits, weights_tiled)
        updates[key] = state_ops.assign_add(var, math_ops.reduce_sum(hits, 1))
        values[key] = var
    return values, updates


def _count_at_thresholds(key):
    kind = _COUNT_NAMES[key]

    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, kind, _tensors(predictions, labels, weights)):
            values, updates = confusion_at_thresholds(labels, predictions, thresholds, weights, includes=(key,))
            value = identity(values[key])
            add_to(metrics_collections, value)
            add_to(updates_collections, updates[key])
            return value, updates[key]
    metric.__name__ = kind + '_at_thresholds'
    metric.__doc__ = '(%s per threshold, update_op): predictions > threshold count as positive.' % kind
    return metric


true_positives_at_thresholds = _count_at_thresholds('tp')
false_positives_at_thresholds = _count_at_thresholds('fp')
true_negatives_at_thresholds = _count_at_thresholds('tn')
false_negatives_at_thresholds = _count_at_thresholds('fn')


def _ratio_metric(scope, other_count):
    """precision (tp / (tp + fp)) or recall (tp / (tp + fn)), 0 while the denominator is 0."""
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        with variable_scope(name, scope, _tensors(predictions, labels, weights)):
            predictions, labels, weights = remove_squeezable_dimensions(
                math_ops.cast(predictions, dtypes.bool), math_ops.cast(labels, dtypes.bool), weights)
            tp, tp_update = true_positives(labels, predictions, weights)
            other, other_update = other_count(labels, predictions, weights)

            def ratio(t, o, op_name):
                return where(math_ops.greater(t + o, 0), math_ops.div(t, t + o), 0, op_name)
            value = ratio(tp, other, 'value')
            update_op = ratio(tp_update, other_update, 'update_op')
            add_to(metrics_collections, value)
            add_to(updates_collections, update_op)
            return value, update_op
    metric.__name__ = scope
    return metric


precision = _ratio_metric('precision', false_positives)
recall = _ratio_metric('recall', false_negatives)


def _ratio_at_thresholds(scope, other_key):
    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None, updates_collections=None,
               name=None):
        with variable_scope(name, scope + '_at_thresholds', _tensors(predictions, labels, weights)):
            values, updates = confusion_at_thresholds(labels, predictions, thresholds, weights,
                                                      includes=('tp', other_key))

            def ratio(tp, other, suffix):
                return math_ops.div(tp, 1e-7 + tp + other, name=scope + '_' + suffix)
            value = ratio(values['tp'], values[other_key], 'value')
            update_op = ratio(updates['tp'], updates[other_key], 'update_op')
            add_to(metrics_collections, value)
            add_to(updates_collections, update_op)
            return value, update_op
    metric.__name__ = scope + '_at_thresholds'
    return metric


precision_at_thresholds = _ratio_at_thresholds('precision', 'fp')
recall_at_thresholds = _ratio_at_thresholds('recall', 'fn')


def _even_thresholds(num_thresholds, top):
    """num_thresholds - 2 evenly spaced points in (0, 1), bracketed by -1e-7 and `top`."""
    kepsilon = 1e-7
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - kepsilon] + inner + [top]


def _interpolate_pr_auc(tp, fp, fn, n):
    """Davis & Goadrich: precision varies along each segment as TP moves linearly in P = TP + FP."""
    dtp = tp[:n - 1] - tp[1:]
    p = tp + fp
    prec_slope = math_ops.div_no_nan(dtp, math_ops.maximum(p[:n - 1] - p[1:], 0), name='prec_slope')
    intercept = tp[1:] - math_ops.multiply(prec_slope, p[1:])
    safe_p_ratio = where(math_ops.logical_and(p[:n - 1] > 0, p[1:] > 0),
                         math_ops.div_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0), name='recall_relative_ratio'),
                         array_ops.ones_like(p[1:]))
    return math_ops.reduce_sum(
        math_ops.div_no_nan(prec_slope * (dtp + intercept * math_ops.log(safe_p_ratio)),
                            math_ops.maximum(tp[1:] + fn[1:], 0), name='pr_auc_increment'),
        name='interpolate_pr_auc')


def _auc_from_counts(tp, fn, tn, fp, n, curve, summation_method, name):
    epsilon = 1.0e-6
    if curve == 'PR' and summation_method == 'careful_interpolation':
        return _interpolate_pr_auc(tp, fp, fn, n)
    rec = math_ops.div(tp + epsilon, tp + fn + epsilon)
    if curve == 'ROC':
        x, y = math_ops.div(fp, fp + tn + epsilon), rec
    else:
        x, y = rec, math_ops.div(tp + epsilon, tp + fp + epsilon)
    if summation_method in ('trapezoidal', 'careful_interpolation'):
        heights = (y[:n - 1] + y[1:]) / 2.
    elif summation_method == 'minoring':
        heights = math_ops.minimum(y[:n - 1], y[1:])
    elif summation_method == 'majoring':
        heights = math_ops.maximum(y[:n - 1], y[1:])
    else:
        raise ValueError('Invalid summation_method: %s' % summation_method)
    return math_ops.reduce_sum(math_ops.multiply(x[:n - 1] - x[1:], heights), name=name)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve='ROC', name=None, summation_method='trapezoidal', thresholds=None):
    """(auc, update_op): area under the ROC or PR curve sampled at num_thresholds thresholds."""
    with variable_scope(name, 'auc', _tensors(labels, predictions, weights)):
        if curve != 'ROC' and curve != 'PR':
            raise ValueError('curve must be either ROC or PR, %s unknown' % (curve,))
        if thresholds is not None:
            inner = sorted(thresholds)
            num_thresholds = len(inner) + 2
            thresholds = [0.0 - 1e-7] + inner + [1.0 + 1e-7]
        else:
            thresholds = _even_thresholds(num_thresholds, 1.0 + 1e-7)
        if curve == 'PR' and summation_method == 'trapezoidal':
            logging.getLogger('sluice').warning('Trapezoidal rule is known to produce incorrect PR-AUCs; '
                                                'please switch to "careful_interpolation" instead.')
        values, updates = confusion_at_thresholds(labels, predictions, thresholds, weights)
        value = _auc_from_counts(values['tp'], values['fn'], values['tn'], values['fp'], num_thresholds, curve,
                                 summation_method, 'value')
        update_op = _auc_from_counts(updates['tp'], updates['fn'], updates['tn'], updates['fp'], num_thresholds,
                                     curve, summation_method, 'update_op')
        add_to(metrics_collections, value)
        add_to(updates_collections, update_op)
        return value, update_op


def _sensitivity_at(c, specificity, name):
    """Recall at the threshold whose specificity is closest to the target (the first such)."""
    kepsilon = 1e-7
    specificities = math_ops.div(c['tn'], c['tn'] + c['fp'] + kepsilon)
    idx = math_ops.cast(argmin(math_ops.abs(specificities - specificity), 0), dtypes.int32)
    return math_ops.div(c['tp'][idx], c['tp'][idx] + c['fn'][idx] + kepsilon, name)


def _specificity_at(c, sensitivity, name):
    """Specificity at the last threshold whose sensitivity is closest to the target."""
    kepsilon = 1e-7
    distance = math_ops.abs(math_ops.div(c['tp'], c['tp'] + c['fn'] + kepsilon) - sensitivity)
    at_min = math_ops.cast(math_ops.equal(distance, math_ops.reduce_min(distance)), dtypes.int64)
    idx = math_ops.cast(argmax(cumsum(at_min), 0), dtypes.int32)
    return math_ops.div(c['tn'][idx], c['tn'][idx] + c['fp'][idx] + kepsilon, name)


def _at_target(scope, target, top, read, labels, predictions, weights, num_thresholds, metrics_collections,
               updates_collections, name):
    with variable_scope(name, scope, _tensors(predictions, labels, weights)):
        values, updates = confusion_at_thresholds(labels, predictions, _even_thresholds(num_thresholds, top),
                                                  weights)
        value = read(values, target, 'value')
        update_op = read(updates, target, 'update_op')
        add_to(metrics_collections, value)
        add_to(updates_collections, update_op)
        return value, update_op


def sensitivity_at_specificity(labels, predictions, specificity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """(sensitivity, update_op) at the threshold whose specificity is nearest `specificity`."""
    if specificity < 0 or specificity > 1:
        raise ValueError('`specificity` must be in the range [0, 1].')
    return _at_target('sensitivity_at_specificity', specificity, 1.0 + 1e-7, _sensitivity_at, labels, predictions,
                      weights, num_thresholds, metrics_collections, updates_collections, name)


def specificity_at_sensitivity(labels, predictions, sensitivity, weights=None, num_thresholds=200,
                               metrics_collections=None, updates_collections=None, name=None):
    """(specificity, update_op) at the threshold whose sensitivity is nearest `sensitivity`."""
    if sensitivity < 0 or sensitivity > 1:
        raise ValueError('`sensitivity` must be in the range [0, 1].')
    # TF 1.15 tops this threshold list with 1 - epsilon (not 1 + epsilon as elsewhere).
    return _at_target('specificity_at_sensitivity', sensitivity, 1.0 - 1e-7, _specificity_at, labels, predictions,
                      weights, num_thresholds, metrics_collections, updates_collections, name)
