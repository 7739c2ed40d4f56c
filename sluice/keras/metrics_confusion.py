"""tf.keras metrics counted from a confusion matrix at thresholds (TF 1.15's Keras metrics and
metrics_utils.update_confusion_matrix_variables).

update_confusion_matrix_variables: predictions (checked to lie in [0, 1]) and labels (as bools) are
flattened and compared with every threshold at once (a [thresholds, predictions] grid, prediction >
threshold meaning positive); for each requested count (tp, fp, tn, fn) the (weighted) matches are
summed per threshold into its variable. top_k keeps each row's k largest predictions (the others
become -1e10); class_id keeps one column. Precision/Recall/TruePositives... hold one counter per
threshold (default 0.5). AUC keeps the four counts at num_thresholds thresholds spread over [0, 1]
(the ends pushed out by epsilon) and sums a Riemann sum of the ROC or PR curve (PR with interpolation
uses Davis & Goadrich's interpolation). Sensitivity/specificity metrics read one rate where the other
is closest to the target. MeanIoU accumulates a float64 confusion matrix over class ids.
"""
import enum

import numpy as np

from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, get_default_graph
from sluice.keras import backend as K
from sluice.keras.base_metric import Metric, read
from sluice.keras.loss_weighting import broadcast_weights, squeeze_or_expand_dimensions
from sluice.ops import (array_ops, check_ops, constant_op, filling_ops, graph_ops, indexing_ops, init_ops, linalg_ops,
                        math_ops, nn_top_k)
from sluice.ops.confusion_matrix import confusion_matrix

NEG_INF = -1e10


class ConfusionMatrix(enum.Enum):
    TRUE_POSITIVES = 'tp'
    FALSE_POSITIVES = 'fp'
    TRUE_NEGATIVES = 'tn'
    FALSE_NEGATIVES = 'fn'


class AUCCurve(enum.Enum):
    ROC = 'ROC'
    PR = 'PR'

    @staticmethod
    def from_str(key):
        if key in ('pr', 'PR'):
            return AUCCurve.PR
        if key in ('roc', 'ROC'):
            return AUCCurve.ROC
        raise ValueError('Invalid AUC curve value "%s".' % key)


class AUCSummationMethod(enum.Enum):
    INTERPOLATION = 'interpolation'
    MAJORING = 'majoring'
    MINORING = 'minoring'

    @staticmethod
    def from_str(key):
        for method in AUCSummationMethod:
            if key in (method.value, method.value.capitalize()):
                return method
        raise ValueError('Invalid AUC summation method value "%s".' % key)


def _to_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    if thresholds is not None:
        invalid = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError('Threshold values must be in [0, 1]. Invalid values: {}'.format(invalid))
    return _to_list(default_threshold if thresholds is None else thresholds)


def _filter_top_k(x, k):
    """x where it is among its row's k largest, NEG_INF elsewhere."""
    _, top_k_idx = nn_top_k.top_k(x, k, sorted=False)
    top_k_mask = math_ops.reduce_sum(filling_ops.one_hot(top_k_idx, x.shape.as_list()[-1], axis=-1), axis=-2)
    return x * top_k_mask + NEG_INF * (1 - top_k_mask)


def _check_keys(variables_to_update):
    valid = list(ConfusionMatrix)
    if not any(key in valid for key in variables_to_update):
        raise ValueError('Please provide at least one valid confusion matrix variable to update. Valid variable '
                         'key options are: "{}". Received: "{}"'.format(valid, variables_to_update.keys()))
    invalid = [key for key in variables_to_update if key not in valid]
    if invalid:
        raise ValueError('Invalid keys: {}. Valid variable key options are: "{}"'.format(invalid, valid))


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds, top_k=None, class_id=None,
                                      sample_weight=None):
    """One op adding this batch's counts at each threshold to the variables of {ConfusionMatrix: variable}."""
    if variables_to_update is None:
        return None
    y_true = math_ops.cast(y_true, dtype=dtypes.float32)
    y_pred = math_ops.cast(y_pred, dtype=dtypes.float32)
    y_pred.shape.assert_is_compatible_with(y_true.shape)
    _check_keys(variables_to_update)
    checks = [check_ops.assert_non_negative(y_pred, message='predictions must be >= 0'),
              check_ops.assert_less_equal(y_pred, math_ops.cast(1.0, dtype=y_pred.dtype),
                                          message='predictions must be <= 1')]
    with get_default_graph().control_dependencies(checks):
        if sample_weight is None:
            y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        else:
            y_pred, y_true, sample_weight = squeeze_or_expand_dimensions(y_pred, y_true, sample_weight=sample_weight)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
    thresholds = _to_list(thresholds)
    num_thresholds = len(thresholds)
    num_predictions = array_ops.size(y_pred)
    predictions_2d = array_ops.reshape(y_pred, [1, -1])
    labels_2d = array_ops.reshape(math_ops.cast(y_true, dtype=dtypes.bool), [1, -1])
    thresh_tiled = array_ops.tile(array_ops.expand_dims(constant_op.constant(thresholds), 1),
                                  array_ops.stack([1, num_predictions]))
    pred_is_pos = math_ops.greater(array_ops.tile(predictions_2d, [num_thresholds, 1]), thresh_tiled)
    label_is_pos = array_ops.tile(labels_2d, [num_thresholds, 1])
    weights_tiled = None
    if sample_weight is not None:
        weights = broadcast_weights(math_ops.cast(sample_weight, dtype=dtypes.float32), y_pred)
        weights_tiled = array_ops.tile(array_ops.reshape(weights, [1, -1]), [num_thresholds, 1])

    pred_is_neg = math_ops.logical_not(pred_is_pos)
    label_is_neg = math_ops.logical_not(label_is_pos)
    conditions = {ConfusionMatrix.TRUE_POSITIVES: (label_is_pos, pred_is_pos),
                  ConfusionMatrix.FALSE_NEGATIVES: (label_is_pos, pred_is_neg),
                  ConfusionMatrix.FALSE_POSITIVES: (label_is_neg, pred_is_pos),
                  ConfusionMatrix.TRUE_NEGATIVES: (label_is_neg, pred_is_neg)}
    update_ops = []
    for condition, (label, pred) in conditions.items():
        if condition in variables_to_update:
            label_and_pred = math_ops.cast(math_ops.logical_and(label, pred), dtype=dtypes.float32)
            if weights_tiled is not None:
                label_and_pred *= weights_tiled
            update_ops.append(variables_to_update[condition].assign_add(math_ops.reduce_sum(label_and_pred, 1)))
    return graph_ops.group(update_ops)


def _zeros_reset(metric, num_thresholds):
    K.batch_set_value([(v, np.zeros((num_thresholds,))) for v in metric.variables])


class _ConfusionMatrixConditionCount(Metric):
    """One count (tp, fp, tn or fn) per threshold."""

    def __init__(self, confusion_matrix_cond, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self.accumulator = self.add_weight('accumulator', shape=(len(self.thresholds),),
                                           initializer=init_ops.zeros_initializer)

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion_matrix_variables({self._confusion_matrix_cond: self.accumulator}, y_true, y_pred,
                                                 thresholds=self.thresholds, sample_weight=sample_weight)

    def result(self):
        value = read(self.accumulator)
        return value[0] if len(self.thresholds) == 1 else value

    def reset_states(self):
        _zeros_reset(self, len(self.thresholds))

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds)


def _count_class(class_name, condition):
    def __init__(self, thresholds=None, name=None, dtype=None):
        _ConfusionMatrixConditionCount.__init__(self, confusion_matrix_cond=condition, thresholds=thresholds,
                                                name=name, dtype=dtype)
    namespace = {'__init__': __init__, '__module__': __name__,
                 '__doc__': 'The (weighted) number of %s at each threshold.' % condition.name.lower()}
    return type(class_name, (_ConfusionMatrixConditionCount,), namespace)


FalsePositives = _count_class('FalsePositives', ConfusionMatrix.FALSE_POSITIVES)
FalseNegatives = _count_class('FalseNegatives', ConfusionMatrix.FALSE_NEGATIVES)
TrueNegatives = _count_class('TrueNegatives', ConfusionMatrix.TRUE_NEGATIVES)
TruePositives = _count_class('TruePositives', ConfusionMatrix.TRUE_POSITIVES)


class _RateAtThresholds(Metric):
    """tp / (tp + other) per threshold, where `other` is fp (Precision) or fn (Recall)."""
    _OTHER = None  # (attribute name, ConfusionMatrix key)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=default_threshold)
        self.true_positives = self.add_weight('true_positives', shape=(len(self.thresholds),),
                                              initializer=init_ops.zeros_initializer)
        other_name, _ = self._OTHER
        setattr(self, other_name, self.add_weight(other_name, shape=(len(self.thresholds),),
                                                  initializer=init_ops.zeros_initializer))

    def update_state(self, y_true, y_pred, sample_weight=None):
        other_name, other_key = self._OTHER
        return update_confusion_matrix_variables(
            {ConfusionMatrix.TRUE_POSITIVES: self.true_positives, other_key: getattr(self, other_name)},
            y_true, y_pred, thresholds=self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight)

    def result(self):
        tp, other = read(self.true_positives), read(getattr(self, self._OTHER[0]))
        value = math_ops.div_no_nan(tp, tp + other)
        return value[0] if len(self.thresholds) == 1 else value

    def reset_states(self):
        _zeros_reset(self, len(self.thresholds))

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k, class_id=self.class_id)


class Precision(_RateAtThresholds):
    """tp / (tp + fp) at each threshold (of the top_k predictions, of one class_id, when given)."""
    _OTHER = ('false_positives', ConfusionMatrix.FALSE_POSITIVES)


class Recall(_RateAtThresholds):
    """tp / (tp + fn) at each threshold (of the top_k predictions, of one class_id, when given)."""
    _OTHER = ('false_negatives', ConfusionMatrix.FALSE_NEGATIVES)


_COUNT_NAMES = (('true_positives', ConfusionMatrix.TRUE_POSITIVES), ('true_negatives', ConfusionMatrix.TRUE_NEGATIVES),
                ('false_positives', ConfusionMatrix.FALSE_POSITIVES),
                ('false_negatives', ConfusionMatrix.FALSE_NEGATIVES))


def _add_all_counts(metric, num_thresholds):
    for attr, _ in _COUNT_NAMES:
        setattr(metric, attr, metric.add_weight(attr, shape=(num_thresholds,), initializer=init_ops.zeros_initializer))


def _all_counts(metric):
    return {key: getattr(metric, attr) for attr, key in _COUNT_NAMES}


class SensitivitySpecificityBase(Metric):
    """The four counts at num_thresholds thresholds evenly spaced over [0, 1]."""

    def __init__(self, value, num_thresholds=200, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if num_thresholds <= 0:
            raise ValueError('`num_thresholds` must be > 0.')
        self.value = value
        _add_all_counts(self, num_thresholds)
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion_matrix_variables(_all_counts(self), y_true, y_pred, thresholds=self.thresholds,
                                                 sample_weight=sample_weight)

    def reset_states(self):
        _zeros_reset(self, len(self.thresholds))

    def _rate_where_closest(self, closest_num, closest_other, rate_num, rate_other):
        """rate_num / (rate_num + rate_other) at the threshold where closest_num's rate is nearest `value`."""
        closest_num, closest_other = read(closest_num), read(closest_other)
        rate_num, rate_other = read(rate_num), read(rate_other)
        rates = math_ops.div_no_nan(closest_num, closest_num + closest_other)
        min_index = math_ops.cast(math_ops.argmin(math_ops.abs(rates - self.value), axis=0), dtypes.int32)
        return math_ops.div_no_nan(rate_num[min_index], rate_num[min_index] + rate_other[min_index])


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    def __init__(self, specificity, num_thresholds=200, name=None, dtype=None):
        if specificity < 0 or specificity > 1:
            raise ValueError('`specificity` must be in the range [0, 1].')
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, name=name, dtype=dtype)

    def result(self):
        return self._rate_where_closest(self.true_negatives, self.false_positives, self.true_positives,
                                        self.false_negatives)

    def get_config(self):
        return dict(super().get_config(), num_thresholds=self.num_thresholds, specificity=self.specificity)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    def __init__(self, sensitivity, num_thresholds=200, name=None, dtype=None):
        if sensitivity < 0 or sensitivity > 1:
            raise ValueError('`sensitivity` must be in the range [0, 1].')
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, name=name, dtype=dtype)

    def result(self):
        return self._rate_where_closest(self.true_positives, self.false_negatives, self.true_negatives,
                                        self.false_positives)

    def get_config(self):
        return dict(super().get_config(), num_thresholds=self.num_thresholds, sensitivity=self.sensitivity)


class AUC(Metric):
    """Area under the ROC or PR curve, from counts at num_thresholds thresholds (or the given ones)."""

    def __init__(self, num_thresholds=200, curve='ROC', summation_method='interpolation', name=None, dtype=None,
                 thresholds=None):
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError('`num_thresholds` must be > 1.')
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        # the end thresholds lie just outside [0, 1] so predictions of exactly 0 or 1 count on both sides
        self.thresholds = [0.0 - K.epsilon()] + thresholds + [1.0 + K.epsilon()]
        self.curve = curve if isinstance(curve, AUCCurve) else AUCCurve.from_str(curve)
        self.summation_method = (summation_method if isinstance(summation_method, AUCSummationMethod)
                                 else AUCSummationMethod.from_str(summation_method))
        super().__init__(name=name, dtype=dtype)
        _add_all_counts(self, self.num_thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None):
        return update_confusion_matrix_variables(_all_counts(self), y_true, y_pred, self.thresholds,
                                                 sample_weight=sample_weight)

    def interpolate_pr_auc(self):
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich 2006), as TF 1.15 sums it."""
        n = self.num_thresholds
        tp, fp, fn = read(self.true_positives), read(self.false_positives), read(self.false_negatives)
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        prec_slope = math_ops.div_no_nan(dtp, math_ops.maximum(dp, 0), name='prec_slope')
        intercept = tp[1:] - math_ops.multiply(prec_slope, p[1:])
        safe_p_ratio = indexing_ops.where(
            math_ops.logical_and(p[:n - 1] > 0, p[1:] > 0),
            math_ops.div_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0), name='recall_relative_ratio'),
            filling_ops.ones_like(p[1:]))
        return math_ops.reduce_sum(
            math_ops.div_no_nan(prec_slope * (dtp + intercept * math_ops.log(safe_p_ratio)),
                                math_ops.maximum(tp[1:] + fn[1:], 0), name='pr_auc_increment'),
            name='interpolate_pr_auc')

    def result(self):
        if self.curve == AUCCurve.PR and self.summation_method == AUCSummationMethod.INTERPOLATION:
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        tp, fp = read(self.true_positives), read(self.false_positives)
        tn, fn = read(self.true_negatives), read(self.false_negatives)
        recall = math_ops.div_no_nan(tp, tp + fn)
        if self.curve == AUCCurve.ROC:
            x, y = math_ops.div_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, math_ops.div_no_nan(tp, tp + fp)
        if self.summation_method == AUCSummationMethod.INTERPOLATION:
            heights = (y[:n - 1] + y[1:]) / 2.
        elif self.summation_method == AUCSummationMethod.MINORING:
            heights = math_ops.minimum(y[:n - 1], y[1:])
        else:
            heights = math_ops.maximum(y[:n - 1], y[1:])
        return math_ops.reduce_sum(math_ops.multiply(x[:n - 1] - x[1:], heights), name=self.name)

    def reset_states(self):
        _zeros_reset(self, self.num_thresholds)

    def get_config(self):
        return dict(super().get_config(), num_thresholds=self.num_thresholds, curve=self.curve.value,
                    summation_method=self.summation_method.value, thresholds=self.thresholds[1:-1])


class MeanIoU(Metric):
    """Mean over classes of tp / (tp + fp + fn), from a float64 confusion matrix of class ids."""

    def __init__(self, num_classes, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.num_classes = num_classes
        self.total_cm = self.add_weight('total_confusion_matrix', shape=(num_classes, num_classes),
                                        initializer=init_ops.zeros_initializer, dtype=dtypes.float64)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = math_ops.cast(y_true, self._dtype)
        y_pred = math_ops.cast(y_pred, self._dtype)
        if y_pred.shape.ndims > 1:
            y_pred = array_ops.reshape(y_pred, [-1])
        if y_true.shape.ndims > 1:
            y_true = array_ops.reshape(y_true, [-1])
        if sample_weight is not None:
            sample_weight = convert_to_tensor(sample_weight)
            if sample_weight.shape.ndims > 1:
                sample_weight = array_ops.reshape(sample_weight, [-1])
        current_cm = confusion_matrix(y_true, y_pred, self.num_classes, weights=sample_weight, dtype=dtypes.float64)
        return self.total_cm.assign_add(current_cm)

    def result(self):
        total_cm = read(self.total_cm)
        sum_over_row = math_ops.cast(math_ops.reduce_sum(total_cm, axis=0), dtype=self._dtype)
        sum_over_col = math_ops.cast(math_ops.reduce_sum(total_cm, axis=1), dtype=self._dtype)
        true_positives = math_ops.cast(linalg_ops.diag_part(total_cm), dtype=self._dtype)
        denominator = sum_over_row + sum_over_col - true_positives
        num_valid_entries = math_ops.reduce_sum(math_ops.cast(math_ops.not_equal(denominator, 0), dtype=self._dtype))
        iou = math_ops.div_no_nan(true_positives, denominator)
        return math_ops.div_no_nan(math_ops.reduce_sum(iou, name='mean_iou'), num_valid_entries)

    def reset_states(self):
        K.set_value(self.total_cm, np.zeros((self.num_classes, self.num_classes)))

    def get_config(self):
        return dict(super().get_config(), num_classes=self.num_classes)
