"""tf.keras.metrics as TF 1.15's Keras defines them.

Metric functions map (y_true, y_pred) to one value per sample: the accuracies (1.0 where the
prediction matches) and the loss functions of tf.keras.losses. The stateful metrics are Metric layers
(base_metric.py): MeanMetricWrapper subclasses average a function over every sample seen (Accuracy,
BinaryAccuracy, MeanSquaredError, ...), RootMeanSquaredError takes the square root of the mean squared
error, MeanRelativeError averages |y_true - y_pred| / normalizer; the confusion-matrix metrics (AUC,
Precision, Recall, TruePositives, ..., MeanIoU) are in metrics_confusion.py. `get` accepts a name, a
serialized dict or a callable; 'acc'/'accuracy' are resolved to a particular accuracy by the training
code, not here.
"""
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor
from sluice.keras import backend as K
from sluice.keras.base_metric import (Mean, MeanMetricWrapper, MeanTensor, Metric, Reduce, Reduction, Sum,  # noqa: F401
                                      SumOverBatchSize, SumOverBatchSizeMetricWrapper, config_value,
                                      metric_for_result)
from sluice.keras.losses import (binary_crossentropy, categorical_crossentropy, categorical_hinge,  # noqa: F401
                                 cosine_similarity, hinge, kullback_leibler_divergence, logcosh, mean_absolute_error,
                                 mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error,
                                 poisson, sparse_categorical_crossentropy, squared_hinge)
from sluice.keras.loss_weighting import remove_squeezable_dimensions, squeeze_or_expand_dimensions
from sluice.keras.metrics_confusion import (AUC, FalseNegatives, FalsePositives, MeanIoU, Precision,  # noqa: F401
                                            Recall, SensitivityAtSpecificity, SpecificityAtSensitivity,
                                            TrueNegatives, TruePositives)
from sluice.keras.serialization import deserialize_keras_object, serialize_keras_object
from sluice.ops import array_ops, math_ops, nn_top_k


# -- metric functions ---------------------------------------------------------------------------
def accuracy(y_true, y_pred):
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    y_pred.shape.assert_is_compatible_with(y_true.shape)
    if y_true.dtype != y_pred.dtype:
        y_pred = math_ops.cast(y_pred, y_true.dtype)
    return math_ops.cast(math_ops.equal(y_true, y_pred), K.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = convert_to_tensor(y_pred)
    threshold = math_ops.cast(threshold, y_pred.dtype)
    y_pred = math_ops.cast(y_pred > threshold, y_pred.dtype)
    return math_ops.reduce_mean(math_ops.cast(math_ops.equal(y_true, y_pred), K.floatx()), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return math_ops.cast(math_ops.equal(math_ops.argmax(y_true, axis=-1), math_ops.argmax(y_pred, axis=-1)),
                         K.floatx())


def _squeezed_sparse_labels(y_true, y_pred):
    """Sparse labels lose a trailing dimension when they have as many dimensions as the predictions."""
    y_true, y_pred = convert_to_tensor(y_true), convert_to_tensor(y_pred)
    if y_true.shape.ndims is not None and y_pred.shape.ndims is not None and y_true.shape.ndims == y_pred.shape.ndims:
        y_true = array_ops.squeeze(y_true, [-1])
    return y_true, y_pred


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _squeezed_sparse_labels(y_true, y_pred)
    y_pred = math_ops.argmax(y_pred, axis=-1)
    if y_pred.dtype.base_dtype != y_true.dtype.base_dtype:
        y_pred = math_ops.cast(y_pred, y_true.dtype.base_dtype)
    return math_ops.cast(math_ops.equal(y_true, y_pred), K.floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return math_ops.cast(nn_top_k.in_top_k(y_pred, math_ops.argmax(y_true, axis=-1), k), K.floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _squeezed_sparse_labels(y_true, y_pred)
    return math_ops.cast(nn_top_k.in_top_k(y_pred, math_ops.cast(y_true, dtypes.int32), k), K.floatx())


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
cosine_proximity = cosine_similarity


# -- mean-of-a-function metrics -----------------------------------------------------------------
def _mean_wrapper(class_name, fn, default_name, **fn_defaults):
    """A MeanMetricWrapper subclass taking (name, dtype, **fn_defaults) as TF 1.15's classes do."""
    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(fn_defaults)
        if unknown:
            raise TypeError('%s got unexpected keyword arguments: %s' % (class_name, sorted(unknown)))
        MeanMetricWrapper.__init__(self, fn, name, dtype=dtype, **dict(fn_defaults, **kwargs))
    namespace = {'__init__': __init__, '__module__': __name__,
                 '__doc__': 'The mean of `%s` over every sample seen.' % fn.__name__}
    return type(class_name, (MeanMetricWrapper,), namespace)


Accuracy = _mean_wrapper('Accuracy', accuracy, 'accuracy')
BinaryAccuracy = _mean_wrapper('BinaryAccuracy', binary_accuracy, 'binary_accuracy', threshold=0.5)
CategoricalAccuracy = _mean_wrapper('CategoricalAccuracy', categorical_accuracy, 'categorical_accuracy')
SparseCategoricalAccuracy = _mean_wrapper('SparseCategoricalAccuracy', sparse_categorical_accuracy,
                                          'sparse_categorical_accuracy')
CosineSimilarity = _mean_wrapper('CosineSimilarity', cosine_similarity, 'cosine_similarity', axis=-1)
MeanAbsoluteError = _mean_wrapper('MeanAbsoluteError', mean_absolute_error, 'mean_absolute_error')
MeanAbsolutePercentageError = _mean_wrapper('MeanAbsolutePercentageError', mean_absolute_percentage_error,
                                            'mean_absolute_percentage_error')
MeanSquaredError = _mean_wrapper('MeanSquaredError', mean_squared_error, 'mean_squared_error')
MeanSquaredLogarithmicError = _mean_wrapper('MeanSquaredLogarithmicError', mean_squared_logarithmic_error,
                                            'mean_squared_logarithmic_error')
Hinge = _mean_wrapper('Hinge', hinge, 'hinge')
SquaredHinge = _mean_wrapper('SquaredHinge', squared_hinge, 'squared_hinge')
CategoricalHinge = _mean_wrapper('CategoricalHinge', categorical_hinge, 'categorical_hinge')
LogCoshError = _mean_wrapper('LogCoshError', logcosh, 'logcosh')
Poisson = _mean_wrapper('Poisson', poisson, 'poisson')
KLDivergence = _mean_wrapper('KLDivergence', kullback_leibler_divergence, 'kullback_leibler_divergence')
BinaryCrossentropy = _mean_wrapper('BinaryCrossentropy', binary_crossentropy, 'binary_crossentropy',
                                   from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _mean_wrapper('CategoricalCrossentropy', categorical_crossentropy,
                                        'categorical_crossentropy', from_logits=False, label_smoothing=0)
SparseCategoricalCrossentropy = _mean_wrapper('SparseCategoricalCrossentropy', sparse_categorical_crossentropy,
                                              'sparse_categorical_crossentropy', from_logits=False, axis=-1)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the true class is among the k highest predictions."""

    def __init__(self, k=5, name='top_k_categorical_accuracy', dtype=None):
        super().__init__(top_k_categorical_accuracy, name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k highest predictions."""

    def __init__(self, k=5, name='sparse_top_k_categorical_accuracy', dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype=dtype, k=k)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean squared error over every sample seen."""

    def __init__(self, name='root_mean_squared_error', dtype=None):
        super().__init__(name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = math_ops.cast(y_true, self._dtype)
        y_pred = math_ops.cast(y_pred, self._dtype)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        return super().update_state(math_ops.squared_difference(y_pred, y_true), sample_weight=sample_weight)

    def result(self):
        return math_ops.sqrt(math_ops.div_no_nan(self.total.read_value(), self.count.read_value()))


class MeanRelativeError(Mean):
    """The (weighted) mean of |y_true - y_pred| / normalizer."""

    def __init__(self, normalizer, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.normalizer = math_ops.cast(normalizer, self._dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = math_ops.cast(y_true, self._dtype)
        y_pred = math_ops.cast(y_pred, self._dtype)
        y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
        y_pred, self.normalizer = remove_squeezable_dimensions(y_pred, self.normalizer)
        y_pred.shape.assert_is_compatible_with(y_true.shape)
        relative_errors = math_ops.div_no_nan(math_ops.abs(y_true - y_pred), self.normalizer)
        return super().update_state(relative_errors, sample_weight=sample_weight)

    def get_config(self):
        return dict(super().get_config(), normalizer=config_value(self.normalizer))


# -- identifiers --------------------------------------------------------------------------------
def clone_metric(metric):
    """A new, unbuilt copy of a Metric (from its config); other values are returned as they are."""
    if isinstance(metric, Metric):
        return metric.__class__.from_config(metric.get_config())
    return metric


def clone_metrics(metrics):
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        return {key: clone_metric(value) for key, value in metrics.items()}
    return [clone_metric(metric) for metric in metrics]


def serialize(metric):
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=globals(), custom_objects=custom_objects,
                                    printable_module_name='metric function')


def get(identifier):
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret metric function identifier: %s' % identifier)
