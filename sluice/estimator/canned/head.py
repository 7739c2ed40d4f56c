"""The canned estimators' heads (TF 1.15's canned/head.py): logits -> loss, predictions, metrics, train op.

Each head turns logits [batch, logits_dimension] into an EstimatorSpec for one mode:
  binary      loss sigmoid_cross_entropy(labels in {0, 1}, logits); predictions logits, logistic,
              probabilities [1-p, p], class_ids, classes; eval metrics average_loss, accuracy, precision,
              recall, prediction/mean, label/mean, accuracy_baseline, auc, auc_precision_recall.
  multi-class loss sparse_softmax_cross_entropy; predictions logits, probabilities, class_ids, classes;
              eval metrics average_loss, accuracy.
  regression  loss (labels - logits)^2; predictions predictions (= logits); eval metrics average_loss,
              prediction/mean, label/mean.
The per-example loss [batch, 1] is weighted by weight_column (a feature key or numeric_column) and reduced by
loss_reduction (tf.losses.Reduction; the v1 estimators default to SUM). label_vocabulary maps string labels
to class ids through a lookup table. The Estimator adds the 'loss' and 'global_step' metrics itself.
"""
from sluice.engine import dtypes
from sluice.engine.graph import GraphKeys, convert_to_tensor, get_default_graph, name_scope
from sluice.estimator import export_output
from sluice.estimator.canned.metric_keys import MetricKeys
from sluice.estimator.canned.prediction_keys import PredictionKeys as Pred
from sluice.estimator.mode_keys import ModeKeys
from sluice.estimator.model_fn import EstimatorSpec
from sluice.feature_column import columns as fc
from sluice.feature_column.feature_layers import _LazyBuilder
from sluice.ops import (array_ops, check_ops, constant_op, filling_ops, graph_ops, lookup_ops, math_ops,
                        reduction_ops, string_ops, summary_ops)
from sluice.training import training_util

__all__ = ['binary_classification_head', 'multi_class_head', 'regression_head', 'classification_head']

_SERVING = 'serving_default'


def _losses():
    from sluice import losses, metrics, nn
    return losses, metrics, nn


def _labels_as_column(labels, logits, dimension):
    """labels reshaped to [batch, dimension], checked against logits' batch size."""
    if labels is None:
        raise ValueError('You must provide a labels Tensor. Given: None. Suggested troubleshooting steps: Check '
                         'that your data contain your label feature. Check that your input_fn properly parses '
                         'and returns labels.')
    if isinstance(labels, dict):
        raise ValueError('labels must be a Tensor, not a dict: {}'.format(labels))
    with name_scope(None, 'labels', (labels, logits)):
        labels = convert_to_tensor(labels)
        if labels.shape.ndims == 1:
            labels = array_ops.expand_dims(labels, -1)
        if labels.shape.ndims is not None and labels.shape.ndims > 0 and labels.shape[-1].value is not None \
                and labels.shape[-1].value != dimension:
            raise ValueError('Mismatched label shape. Expected labels dimension={}.  Received {}. Suggested Fix: If '
                             'your classifier expects one-hot encoding label, check your n_classes argument to the '
                             'estimator and/or the shape of your label.'.format(dimension, labels.shape[-1].value))
        return labels


def _weights(features, weight_column, logits):
    if weight_column is None:
        return 1.
    if isinstance(weight_column, str):
        weight_column = fc.numeric_column(weight_column)
    if not isinstance(weight_column, fc._NumericColumn):
        raise TypeError('Weight column must be either a string or _NumericColumn. Given type: {}.'
                        .format(type(weight_column)))
    weights = weight_column._get_dense_tensor(_LazyBuilder(features))
    if not (weights.dtype.is_floating or weights.dtype.is_integer):
        raise ValueError('Weight column should be castable to float. Given dtype: {}'.format(weights.dtype))
    return array_ops.reshape(math_ops.cast(weights, dtypes.float32), [-1, 1], name='weights')


def _class_ids(labels, label_vocabulary, n_classes):
    if label_vocabulary is not None:
        if labels.dtype != dtypes.string:
            raise ValueError('Labels dtype should be string if there is a vocabulary. Given: {}'.format(labels.dtype))
        return lookup_ops.index_table_from_tensor(vocabulary_list=tuple(label_vocabulary),
                                                  name='class_id_lookup').lookup(labels)
    if labels.dtype == dtypes.string or (n_classes > 2 and not labels.dtype.is_integer):
        raise ValueError('Labels dtype should be integer. Instead got {}.'.format(labels.dtype))
    # The binary head keeps float labels (soft labels in [0, 1]), as TF.
    labels = math_ops.cast(labels, dtypes.int64 if labels.dtype.is_integer else dtypes.float32)
    # As TF: a label outside [0, n_classes) fails at run time.
    checks = [check_ops.assert_less(labels, math_ops.cast(n_classes, labels.dtype),
                                    message='Labels must <= n_classes - 1'),
              check_ops.assert_less_equal(math_ops.cast(0, labels.dtype), labels, message='Labels must >= 0')]
    with get_default_graph().control_dependencies(checks):
        return graph_ops.identity(labels)


def _class_strings(class_ids, label_vocabulary):
    if label_vocabulary is None:
        return string_ops.as_string(class_ids, name='str_classes')
    return lookup_ops.index_to_string_table_from_tensor(vocabulary_list=tuple(label_vocabulary),
                                                        name='class_string_lookup').lookup(class_ids)


def _all_class(batch_like, n_classes, label_vocabulary):
    batch_size = array_ops.shape(batch_like)[0]
    ids = array_ops.tile(array_ops.expand_dims(filling_ops.range(n_classes), 0), [batch_size, 1])
    names = label_vocabulary if label_vocabulary is not None else [str(i) for i in range(n_classes)]
    classes = array_ops.tile(array_ops.expand_dims(constant_op.constant(list(names)), 0), [batch_size, 1])
    return ids, classes


class _Head:
    """What the three heads share: weighting, reduction, the train op and the spec per mode."""

    def __init__(self, weight_column, loss_reduction, name=None):
        from sluice.losses import Reduction
        if loss_reduction not in Reduction.all() or loss_reduction == Reduction.NONE:
            raise ValueError('Invalid loss_reduction: {}'.format(loss_reduction))
        self._weight_column = weight_column
        self._loss_reduction = loss_reduction
        self._name = name

    name = property(lambda self: self._name)

    def create_loss(self, features, mode, logits, labels):
        """(training_loss, unreduced_loss [batch, 1], weights, processed_labels)."""
        losses, _, _ = _losses()
        logits = convert_to_tensor(logits)
        labels, unreduced = self._unreduced_loss(logits, labels)
        weights = _weights(features, self._weight_column, logits)
        training_loss = losses.compute_weighted_loss(unreduced, weights=weights, reduction=self._loss_reduction)
        return training_loss, unreduced, weights, labels

    def create_estimator_spec(self, features, mode, logits, labels=None, optimizer=None, train_op_fn=None,
                              regularization_losses=None):
        with name_scope(self._name, 'head'):
            logits = convert_to_tensor(logits)
            predictions = self._predictions(logits)
            if mode == ModeKeys.PREDICT:
                return EstimatorSpec(mode=mode, predictions=predictions,
                                     export_outputs=self._export_outputs(predictions))
            training_loss, unreduced, weights, labels = self.create_loss(features, mode, logits, labels)
            regularization = math_ops.add_n(regularization_losses) if regularization_losses else None
            loss = training_loss if regularization is None else math_ops.add_n([training_loss, regularization])
            if mode == ModeKeys.EVAL:
                _, metrics, _ = _losses()
                metric_ops = self._eval_metric_ops(labels, logits, predictions, unreduced, weights)
                if regularization is not None:
                    metric_ops[MetricKeys.LOSS_REGULARIZATION] = metrics.mean(regularization,
                                                                              name=MetricKeys.LOSS_REGULARIZATION)
                return EstimatorSpec(mode=mode, predictions=predictions, loss=loss, eval_metric_ops=metric_ops)
            train_op = self._train_op(loss, optimizer, train_op_fn)
            self._summaries(training_loss, unreduced, weights, regularization)
            return EstimatorSpec(mode=mode, predictions=predictions, loss=loss, train_op=train_op)

    def _train_op(self, loss, optimizer, train_op_fn):
        if optimizer is not None:
            if train_op_fn is not None:
                raise ValueError('train_op_fn and optimizer cannot both be set.')
            train_op = optimizer.minimize(loss, global_step=training_util.get_global_step())
        elif train_op_fn is not None:
            train_op = train_op_fn(loss)
        else:
            raise ValueError('train_op_fn and optimizer cannot both be None.')
        update_ops = get_default_graph().get_collection(GraphKeys.UPDATE_OPS)
        return graph_ops.group(train_op, *update_ops) if update_ops else train_op

    def _summaries(self, training_loss, unreduced, weights, regularization):
        from sluice.losses import Reduction
        with name_scope(''):
            if self._loss_reduction == Reduction.SUM:
                # Only for SUM, as TF: the mean loss per unit of example weight.
                weight_sum = reduction_ops.reduce_sum(weights * array_ops.ones_like(unreduced))
                summary_ops.scalar(MetricKeys.LOSS_MEAN, training_loss / weight_sum)
            if regularization is not None:
                summary_ops.scalar(MetricKeys.LOSS_REGULARIZATION, regularization)


class _BinaryHead(_Head):
    logits_dimension = 1

    def __init__(self, weight_column=None, thresholds=None, label_vocabulary=None, loss_reduction=None, name=None):
        from sluice.losses import Reduction
        super().__init__(weight_column, loss_reduction or Reduction.SUM, name)
        for threshold in thresholds or ():
            if threshold <= 0.0 or threshold >= 1.0:
                raise ValueError('thresholds not in (0, 1): {}.'.format(thresholds))
        self._thresholds = tuple(thresholds or ())
        self._label_vocabulary = label_vocabulary

    def _unreduced_loss(self, logits, labels):
        _, _, nn = _losses()
        labels = _labels_as_column(labels, logits, 1)
        labels = math_ops.cast(_class_ids(labels, self._label_vocabulary, 2), dtypes.float32)
        return labels, nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)

    def _predictions(self, logits):
        _, _, nn = _losses()
        logistic = math_ops.sigmoid(logits, name=Pred.LOGISTIC)
        two_class_logits = array_ops.concat((array_ops.zeros_like(logits), logits), axis=-1,
                                            name='two_class_logits')
        class_ids = array_ops.expand_dims(math_ops.argmax(two_class_logits, axis=-1, name=Pred.CLASS_IDS), -1)
        all_ids, all_classes = _all_class(logits, 2, self._label_vocabulary)
        return {Pred.LOGITS: logits, Pred.LOGISTIC: logistic,
                Pred.PROBABILITIES: nn.softmax(two_class_logits, name=Pred.PROBABILITIES),
                Pred.CLASS_IDS: class_ids, Pred.CLASSES: _class_strings(class_ids, self._label_vocabulary),
                Pred.ALL_CLASS_IDS: all_ids, Pred.ALL_CLASSES: all_classes}

    def _export_outputs(self, predictions):
        classification = _classification_output(predictions, 2, self._label_vocabulary)
        return {_SERVING: classification, 'classification': classification,
                'regression': export_output.RegressionOutput(value=predictions[Pred.LOGISTIC]),
                'predict': export_output.PredictOutput(predictions)}

    def _eval_metric_ops(self, labels, logits, predictions, unreduced, weights):
        _, metrics, _ = _losses()
        class_ids, logistic = predictions[Pred.CLASS_IDS], predictions[Pred.LOGISTIC]
        weights = _metric_weights(weights)
        label_mean = metrics.mean(labels, weights=weights, name=MetricKeys.LABEL_MEAN)
        ops = {
            MetricKeys.LOSS_MEAN: metrics.mean(unreduced, weights=weights, name=MetricKeys.LOSS_MEAN),
            MetricKeys.ACCURACY: metrics.accuracy(labels, class_ids, weights=weights, name=MetricKeys.ACCURACY),
            MetricKeys.PRECISION: metrics.precision(labels, class_ids, weights=weights, name=MetricKeys.PRECISION),
            MetricKeys.RECALL: metrics.recall(labels, class_ids, weights=weights, name=MetricKeys.RECALL),
            MetricKeys.PREDICTION_MEAN: metrics.mean(logistic, weights=weights, name=MetricKeys.PREDICTION_MEAN),
            MetricKeys.LABEL_MEAN: label_mean,
            MetricKeys.ACCURACY_BASELINE: (math_ops.maximum(label_mean[0], 1. - label_mean[0]),
                                           math_ops.maximum(label_mean[1], 1. - label_mean[1])),
            MetricKeys.AUC: metrics.auc(labels, logistic, weights=weights, name=MetricKeys.AUC),
            MetricKeys.AUC_PR: metrics.auc(labels, logistic, weights=weights, curve='PR', name=MetricKeys.AUC_PR),
        }
        for threshold in self._thresholds:
            above = math_ops.cast(math_ops.greater_equal(logistic, threshold), dtypes.float32)
            key = '%s/positive_threshold_%g'
            ops[key % ('accuracy', threshold)] = metrics.accuracy(labels, above, weights=weights)
            ops[key % ('precision', threshold)] = metrics.precision(labels, above, weights=weights)
            ops[key % ('recall', threshold)] = metrics.recall(labels, above, weights=weights)
        return ops


def _metric_weights(weights):
    """None for the unweighted case (the head's weight 1.), else the [batch, 1] weights."""
    if isinstance(weights, float):
        return None
    return weights


def _classification_output(predictions, n_classes, label_vocabulary):
    """Scores = probabilities, classes = every class name on every row (TF's _classification_output)."""
    _, classes = _all_class(predictions[Pred.PROBABILITIES], n_classes, label_vocabulary)
    return export_output.ClassificationOutput(scores=predictions[Pred.PROBABILITIES], classes=classes)


class _MultiClassHead(_Head):

    def __init__(self, n_classes, weight_column=None, label_vocabulary=None, loss_reduction=None, name=None):
        from sluice.losses import Reduction
        if n_classes is None or n_classes <= 2:
            raise ValueError('n_classes must be > 2: {}.'.format(n_classes))
        if label_vocabulary is not None and len(label_vocabulary) != n_classes:
            raise ValueError('Length of label_vocabulary must be n_classes ({}). Given: {}'
                             .format(n_classes, len(label_vocabulary)))
        super().__init__(weight_column, loss_reduction or Reduction.SUM, name)
        self._n_classes = n_classes
        self._label_vocabulary = label_vocabulary

    logits_dimension = property(lambda self: self._n_classes)

    def _unreduced_loss(self, logits, labels):
        _, _, nn = _losses()
        labels = _class_ids(_labels_as_column(labels, logits, 1), self._label_vocabulary, self._n_classes)
        loss = nn.sparse_softmax_cross_entropy_with_logits(labels=array_ops.squeeze(labels, axis=[-1]),
                                                           logits=logits)
        return labels, array_ops.expand_dims(loss, -1)

    def _predictions(self, logits):
        _, _, nn = _losses()
        class_ids = array_ops.expand_dims(math_ops.argmax(logits, axis=-1, name=Pred.CLASS_IDS), -1)
        all_ids, all_classes = _all_class(logits, self._n_classes, self._label_vocabulary)
        return {Pred.LOGITS: logits, Pred.PROBABILITIES: nn.softmax(logits, name=Pred.PROBABILITIES),
                Pred.CLASS_IDS: class_ids, Pred.CLASSES: _class_strings(class_ids, self._label_vocabulary),
                Pred.ALL_CLASS_IDS: all_ids, Pred.ALL_CLASSES: all_classes}

    def _export_outputs(self, predictions):
        classification = _classification_output(predictions, self._n_classes, self._label_vocabulary)
        return {_SERVING: classification, 'classification': classification,
                'predict': export_output.PredictOutput(predictions)}

    def _eval_metric_ops(self, labels, logits, predictions, unreduced, weights):
        _, metrics, _ = _losses()
        weights = _metric_weights(weights)
        return {MetricKeys.LOSS_MEAN: metrics.mean(unreduced, weights=weights, name=MetricKeys.LOSS_MEAN),
                MetricKeys.ACCURACY: metrics.accuracy(labels, predictions[Pred.CLASS_IDS], weights=weights,
                                                      name=MetricKeys.ACCURACY)}


class _RegressionHead(_Head):

    def __init__(self, weight_column=None, label_dimension=1, loss_reduction=None, name=None):
        from sluice.losses import Reduction
        if label_dimension < 1:
            raise ValueError('Invalid label_dimension {}.'.format(label_dimension))
        super().__init__(weight_column, loss_reduction or Reduction.SUM, name)
        self._label_dimension = label_dimension

    logits_dimension = property(lambda self: self._label_dimension)

    def _unreduced_loss(self, logits, labels):
        labels = math_ops.cast(_labels_as_column(labels, logits, self._label_dimension), dtypes.float32)
        return labels, math_ops.square(labels - logits)

    def _predictions(self, logits):
        return {Pred.PREDICTIONS: graph_ops.identity(logits, name=Pred.PREDICTIONS), Pred.LOGITS: logits}

    def _export_outputs(self, predictions):
        out = {_SERVING: export_output.PredictOutput(predictions),
               'predict': export_output.PredictOutput(predictions)}
        if self._label_dimension == 1:
            regression = export_output.RegressionOutput(value=predictions[Pred.PREDICTIONS])
            out[_SERVING] = out['regression'] = regression
        return out

    def _eval_metric_ops(self, labels, logits, predictions, unreduced, weights):
        _, metrics, _ = _losses()
        weights = _metric_weights(weights)
        if weights is not None:
            weights = weights * array_ops.ones_like(labels)
        return {MetricKeys.LOSS_MEAN: metrics.mean(unreduced, weights=weights, name=MetricKeys.LOSS_MEAN),
                MetricKeys.PREDICTION_MEAN: metrics.mean(predictions[Pred.PREDICTIONS], weights=weights,
                                                         name=MetricKeys.PREDICTION_MEAN),
                MetricKeys.LABEL_MEAN: metrics.mean(labels, weights=weights, name=MetricKeys.LABEL_MEAN)}


def binary_classification_head(weight_column=None, thresholds=None, label_vocabulary=None, loss_reduction=None,
                               name=None):
    return _BinaryHead(weight_column, thresholds, label_vocabulary, loss_reduction, name)


def multi_class_head(n_classes, weight_column=None, label_vocabulary=None, loss_reduction=None, name=None):
    return _MultiClassHead(n_classes, weight_column, label_vocabulary, loss_reduction, name)


def regression_head(weight_column=None, label_dimension=1, loss_reduction=None, name=None):
    return _RegressionHead(weight_column, label_dimension, loss_reduction, name)


def classification_head(n_classes, weight_column=None, label_vocabulary=None, loss_reduction=None):
    """The binary head for n_classes == 2, else the multi-class one (TF's _binary_logistic_or_multi_class_head)."""
    if n_classes == 2:
        return binary_classification_head(weight_column, label_vocabulary=label_vocabulary,
                                          loss_reduction=loss_reduction)
    return multi_class_head(n_classes, weight_column, label_vocabulary, loss_reduction)
