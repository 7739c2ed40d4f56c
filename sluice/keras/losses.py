"""tf.keras.losses as TF 1.15's Keras computes them.

Loss functions take (y_true, y_pred) and return one value per sample (the mean, or sum, over the last
axis). Probabilities are clipped to [epsilon, 1 - epsilon] before a log, as Keras's backend does;
categorical/binary crossentropy on the output of a Softmax/Sigmoid op use that op's input as logits
(the numerically stable fused op), as does from_logits=True. A `Loss` object calls its per-sample
function inside a name scope of its name and reduces the result through
loss_weighting.compute_weighted_loss (SUM_OVER_BATCH_SIZE unless told otherwise).
`get` accepts None, a name, a serialized dict or a callable.
"""
import itertools

from sluice.engine import dtypes
from sluice.engine.graph import Tensor, convert_to_tensor
from sluice.keras import backend as K
from sluice.keras.loss_weighting import ReductionV2, compute_weighted_loss
from sluice.keras.serialization import deserialize_keras_object, serialize_keras_object
from sluice.ops import (array_ops, clip_ops, constant_op, control_flow_ops, math_ops, nn_losses, nn_normalization,
                        shape_fns)
from sluice.ops.elementwise_ops import softplus
from sluice.ops.variables import Variable

Reduction = ReductionV2


# -- the backend's crossentropies ---------------------------------------------------------------
def _epsilon(dtype):
    return constant_op.constant(K.epsilon(), dtype=dtype)


def _fused_input(output, op_type):
    """The logits behind `output` when it is the output of a `op_type` op (Softmax or Sigmoid), else None."""
    if isinstance(output, Tensor) and output.op.type == op_type:
        return output.op.inputs[0]
    return None


def _categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if not from_logits:
        logits = _fused_input(output, 'Softmax')
        if logits is None:
            output = output / math_ops.reduce_sum(output, axis, True)
            eps = _epsilon(output.dtype.base_dtype)
            output = clip_ops.clip_by_value(output, eps, 1. - eps)
            return -math_ops.reduce_sum(target * math_ops.log(output), axis)
        output = logits
    return nn_losses.softmax_cross_entropy_with_logits_v2(labels=target, logits=output, axis=axis)


def _sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    if not from_logits:
        logits = _fused_input(output, 'Softmax')
        if logits is None:
            eps = _epsilon(output.dtype.base_dtype)
            output = math_ops.log(clip_ops.clip_by_value(output, eps, 1 - eps))
        else:
            output = logits
    output_rank = output.shape.ndims
    if output_rank is not None:
        axis %= output_rank
        if axis != output_rank - 1:
            perm = list(itertools.chain(range(axis), range(axis + 1, output_rank), [axis]))
            output = array_ops.transpose(output, perm=perm)
    elif axis != -1:
        raise ValueError('Cannot compute sparse categorical crossentropy with `axis={}` on an output tensor '
                         'with unknown rank'.format(axis))
    target = math_ops.cast(target, dtypes.int64)
    output_shape = array_ops.shape(output)
    target_rank = target.shape.ndims
    update_shape = target_rank is not None and output_rank is not None and target_rank != output_rank - 1
    if update_shape:
        target = array_ops.reshape(target, [-1])
        output = array_ops.reshape(output, [-1, output_shape[-1]])
    res = nn_losses.sparse_softmax_cross_entropy_with_logits(labels=target, logits=output)
    if update_shape and output_rank >= 3:
        return array_ops.reshape(res, output_shape[:-1])
    return res


def _binary_crossentropy(target, output, from_logits=False):
    if not from_logits:
        logits = _fused_input(output, 'Sigmoid')
        if logits is None:
            eps = _epsilon(output.dtype.base_dtype)
            output = clip_ops.clip_by_value(output, eps, 1. - eps)
            bce = target * math_ops.log(output + K.epsilon())
            bce += (1 - target) * math_ops.log(1 - output + K.epsilon())
            return -bce
        output = logits
    return nn_losses.sigmoid_cross_entropy_with_logits(labels=target, logits=output)


def _clip(x, min_value, max_value):
    """Keras's K.clip: bounds as constants of x's dtype, None meaning no bound above."""
    dtype = x.dtype.base_dtype
    max_value = float('inf') if max_value is None else max(max_value, min_value)
    return clip_ops.clip_by_value(x, constant_op.constant(min_value, dtype), constant_op.constant(max_value, dtype))


def _mean(x, axis):
    """K.mean: bool values are averaged as floatx."""
    if x.dtype.base_dtype == dtypes.bool:
        x = math_ops.cast(x, K.floatx())
    return math_ops.reduce_mean(x, axis=axis)


def _pred_and_true(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    return math_ops.cast(y_true, y_pred.dtype), y_pred


def _smooth(label_smoothing, smooth_fn, y_true):
    """smooth_fn() when label_smoothing is (statically) non-zero; a tf.cond when it is only known at run time."""
    label_smoothing = convert_to_tensor(label_smoothing, dtype=K.floatx())
    value = shape_fns.constant_value(label_smoothing)
    if value is not None:
        return smooth_fn(label_smoothing) if value else y_true
    return control_flow_ops.cond(math_ops.cast(label_smoothing, dtypes.bool),
                                 lambda: smooth_fn(label_smoothing), lambda: y_true)


# -- loss functions -----------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    return _mean(math_ops.squared_difference(y_pred, y_true), -1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    return _mean(math_ops.abs(y_pred - y_true), -1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    diff = math_ops.abs((y_true - y_pred) / _clip(math_ops.abs(y_true), K.epsilon(), None))
    return 100. * _mean(diff, -1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    first_log = math_ops.log(_clip(y_pred, K.epsilon(), None) + 1.)
    second_log = math_ops.log(_clip(y_true, K.epsilon(), None) + 1.)
    return _mean(math_ops.squared_difference(first_log, second_log), -1)


def _maybe_convert_labels(y_true):
    """Labels that are all 0 or 1 become -1 or 1 (decided at run time: a tf.cond unless constant)."""
    is_binary = math_ops.reduce_all(math_ops.logical_or(math_ops.equal(y_true, 0), math_ops.equal(y_true, 1)))
    value = shape_fns.constant_value(is_binary)
    if value is not None:
        return 2. * y_true - 1. if value else y_true
    return control_flow_ops.cond(is_binary, lambda: 2. * y_true - 1., lambda: y_true)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return _mean(math_ops.square(math_ops.maximum(1. - y_true * y_pred, 0.)), -1)


def hinge(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return _mean(math_ops.maximum(1. - y_true * y_pred, 0.), -1)


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    pos = math_ops.reduce_sum(y_true * y_pred, axis=-1)
    neg = math_ops.reduce_max((1. - y_true) * y_pred, axis=-1)
    return math_ops.maximum(0., neg - pos + 1.)


def huber_loss(y_true, y_pred, delta=1.0):
    y_pred = math_ops.cast(y_pred, dtype=K.floatx())
    y_true = math_ops.cast(y_true, dtype=K.floatx())
    abs_error = math_ops.abs(math_ops.subtract(y_pred, y_true))
    quadratic = math_ops.minimum(abs_error, delta)
    linear = math_ops.subtract(abs_error, quadratic)
    return math_ops.add(math_ops.multiply(convert_to_tensor(0.5, dtype=quadratic.dtype),
                                          math_ops.multiply(quadratic, quadratic)),
                        math_ops.multiply(delta, linear))


def logcosh(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), finite for large |x|
    return _mean(x + softplus(-2. * x) - math_ops.log(2.), -1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    y_true, y_pred = _pred_and_true(y_true, y_pred)

    def smooth_labels(smoothing):
        num_classes = math_ops.cast(array_ops.shape(y_true)[1], y_pred.dtype)
        return y_true * (1.0 - smoothing) + (smoothing / num_classes)
    y_true = _smooth(label_smoothing, smooth_labels, y_true)
    return _categorical_crossentropy(y_true, y_pred, from_logits=from_logits)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    return _sparse_categorical_crossentropy(convert_to_tensor(y_true), convert_to_tensor(y_pred),
                                            from_logits=from_logits, axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _smooth(label_smoothing, lambda smoothing: y_true * (1.0 - smoothing) + 0.5 * smoothing, y_true)
    return _mean(_binary_crossentropy(y_true, y_pred, from_logits=from_logits), -1)


def kullback_leibler_divergence(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    y_true = _clip(y_true, K.epsilon(), 1)
    y_pred = _clip(y_pred, K.epsilon(), 1)
    return math_ops.reduce_sum(y_true * math_ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _pred_and_true(y_true, y_pred)
    return _mean(y_pred - y_true * math_ops.log(y_pred + K.epsilon()), -1)


def cosine_proximity(y_true, y_pred, axis=-1):
    y_true = nn_normalization.l2_normalize(y_true, axis=axis)
    y_pred = nn_normalization.l2_normalize(y_pred, axis=axis)
    return math_ops.reduce_sum(y_true * y_pred, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine_similarity = cosine = cosine_proximity


# -- Loss objects --------------------------------------------------------------------------------
class Loss:
    """A loss as an object: `call(y_true, y_pred)` gives per-sample values, `__call__` weights and reduces."""

    def __init__(self, reduction=ReductionV2.AUTO, name=None):
        ReductionV2.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        scope_name = 'lambda' if self.name == '<lambda>' else self.name
        with K.name_scope(scope_name or self.__class__.__name__):
            losses = self.call(y_true, y_pred)
            return compute_weighted_loss(losses, sample_weight, reduction=self._get_reduction())

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        return {'reduction': self.reduction, 'name': self.name}

    def call(self, y_true, y_pred):
        raise NotImplementedError('Must be implemented in subclasses.')

    def _get_reduction(self):
        # sluice has no distribution strategies: AUTO always means SUM_OVER_BATCH_SIZE
        if self.reduction == ReductionV2.AUTO:
            return ReductionV2.SUM_OVER_BATCH_SIZE
        return self.reduction


def _config_value(value):
    """A config entry: tensors and variables are evaluated in the Keras session."""
    return K.eval(value) if isinstance(value, (Tensor, Variable)) else value


class LossFunctionWrapper(Loss):
    """A Loss around a per-sample function and its keyword arguments."""

    def __init__(self, fn, reduction=ReductionV2.AUTO, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = {k: _config_value(v) for k, v in self._fn_kwargs.items()}
        return dict(super().get_config(), **config)


def _wrapper_class(class_name, fn, default_name):
    """A LossFunctionWrapper subclass taking (reduction, name) as TF's per-function classes do."""
    def __init__(self, reduction=ReductionV2.AUTO, name=default_name):
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name)
    namespace = {'__init__': __init__, '__module__': __name__, '__doc__': 'The Loss form of `%s`.' % fn.__name__}
    return type(class_name, (LossFunctionWrapper,), namespace)


MeanSquaredError = _wrapper_class('MeanSquaredError', mean_squared_error, 'mean_squared_error')
MeanAbsoluteError = _wrapper_class('MeanAbsoluteError', mean_absolute_error, 'mean_absolute_error')
MeanAbsolutePercentageError = _wrapper_class('MeanAbsolutePercentageError', mean_absolute_percentage_error,
                                             'mean_absolute_percentage_error')
MeanSquaredLogarithmicError = _wrapper_class('MeanSquaredLogarithmicError', mean_squared_logarithmic_error,
                                             'mean_squared_logarithmic_error')
Hinge = _wrapper_class('Hinge', hinge, 'hinge')
SquaredHinge = _wrapper_class('SquaredHinge', squared_hinge, 'squared_hinge')
CategoricalHinge = _wrapper_class('CategoricalHinge', categorical_hinge, 'categorical_hinge')
Poisson = _wrapper_class('Poisson', poisson, 'poisson')
LogCosh = _wrapper_class('LogCosh', logcosh, 'logcosh')
KLDivergence = _wrapper_class('KLDivergence', kullback_leibler_divergence, 'kullback_leibler_divergence')


class BinaryCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0, reduction=ReductionV2.AUTO, name='binary_crossentropy'):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits


class CategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0, reduction=ReductionV2.AUTO,
                 name='categorical_crossentropy'):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, reduction=ReductionV2.AUTO, name='sparse_categorical_crossentropy'):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction, from_logits=from_logits)


class Huber(LossFunctionWrapper):
    def __init__(self, delta=1.0, reduction=ReductionV2.AUTO, name='huber_loss'):
        super().__init__(huber_loss, name=name, reduction=reduction, delta=delta)


class CosineSimilarity(LossFunctionWrapper):
    def __init__(self, axis=-1, reduction=ReductionV2.AUTO, name='cosine_similarity'):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


def is_categorical_crossentropy(loss):
    return (isinstance(loss, CategoricalCrossentropy)
            or (isinstance(loss, LossFunctionWrapper) and loss.fn == categorical_crossentropy)
            or getattr(loss, '__name__', None) == 'categorical_crossentropy'
            or (isinstance(loss, str) and loss == 'categorical_crossentropy'))


def serialize(loss):
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    return deserialize_keras_object(name, module_objects=globals(), custom_objects=custom_objects,
                                    printable_module_name='loss function')


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret loss function identifier:', identifier)


# the label dtype Keras's training loop feeds for these losses
LABEL_DTYPES_FOR_LOSSES = {nn_losses.sparse_softmax_cross_entropy_with_logits: 'int32',
                           sparse_categorical_crossentropy: 'int32'}
