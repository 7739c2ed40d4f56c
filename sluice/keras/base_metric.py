"""tf.keras.metrics.Metric and the reducing metrics built on it (TF 1.15's Keras, graph mode).

A Metric is a stateful Layer whose state lives in non-trainable variables made by `add_weight` (in no
collection: Keras's session initializes them, as TF 1.15's Metric.add_weight does with collections=[]).
`update_state(...)` returns the op that folds a batch into the state and records it in `updates`;
`result()` returns the metric from the state (wrapped in an Identity); `__call__` builds the update and,
under a control dependency on it, the result; `reset_states()` assigns zeros through the Keras session.
Every subclass's update_state/result is wrapped so at construction (TF does it in Metric.__new__); unlike
TF 1.15, a subclass's update_state is not traced by autograph: it runs as Python building graph ops.

Reduce keeps 'total' (and 'count'): SUM adds the values; SUM_OVER_BATCH_SIZE divides by how many there
were; WEIGHTED_MEAN (Mean) by the sum of the sample weights. Weights are squeezed/expanded to the values'
rank and broadcast to them; when they cannot be broadcast, the values are first summed (SUM) or averaged
over their trailing dimensions. MeanMetricWrapper applies a per-sample function and takes the weighted mean.
"""
import enum
import types
import weakref

import numpy as np

from sluice.engine import dtypes
from sluice.engine.graph import Tensor, get_default_graph
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import Layer
from sluice.keras.loss_weighting import broadcast_weights, squeeze_or_expand_dimensions
from sluice.ops import array_ops, graph_ops, init_ops, math_ops
from sluice.ops.variable_scope import VariableAggregation, VariableSynchronization
from sluice.ops.variables import Variable


class Reduction(enum.Enum):
    """How a Reduce metric turns its values into one number."""
    SUM = 'sum'
    SUM_OVER_BATCH_SIZE = 'sum_over_batch_size'
    WEIGHTED_MEAN = 'weighted_mean'


def _wrap_update_state(metric, update_state_fn):
    def update_state(self, *args, **kwargs):
        update_op = update_state_fn(*args, **kwargs)
        if update_op is not None:
            self.add_update(update_op)
        return update_op
    update_state.__doc__ = update_state_fn.__doc__
    return types.MethodType(update_state, metric)


def _wrap_result(metric, result_fn):
    def result(self, *args):
        result_t = graph_ops.identity(result_fn(*args))
        self._call_result = result_t
        return result_t
    result.__doc__ = result_fn.__doc__
    return types.MethodType(result, metric)


# result tensor -> the Metric whose __call__ made it (TF sets `tensor._metric_obj`; sluice's Tensor has slots)
_RESULT_METRICS = weakref.WeakKeyDictionary()


def metric_for_result(tensor):
    """The Metric whose `__call__` returned `tensor`, else None (Keras's `tensor._metric_obj`)."""
    return _RESULT_METRICS.get(tensor)


def read(variable):
    """A fresh read of `variable`, ordered by the control dependencies in force (TF reads a resource variable
    anew at each use; converting a sluice ResourceVariable gives its one snapshot)."""
    return variable.read_value()


def config_value(value):
    """A config entry: tensors and variables are evaluated in the Keras session."""
    return K.eval(value) if isinstance(value, (Tensor, Variable)) else value


class Metric(Layer):
    """Base class of stateful metrics: subclasses define update_state and result (and reset_states when
    their variables are not scalars)."""

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj.update_state = _wrap_update_state(obj, obj.update_state)
        obj.result = _wrap_result(obj, obj.result)
        return obj

    def __init__(self, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.stateful = True
        self.built = True
        self._dtype = K.floatx() if dtype is None else dtypes.as_dtype(dtype).name

    def __call__(self, *args, **kwargs):
        update_op = self.update_state(*args, **kwargs)
        with get_default_graph().control_dependencies([update_op]):
            result_t = self.result()
        _RESULT_METRICS[result_t] = self
        return result_t

    def get_config(self):
        return {'name': self.name, 'dtype': self.dtype}

    def reset_states(self):
        K.batch_set_value([(v, 0) for v in self.variables])

    def update_state(self, *args, **kwargs):
        raise NotImplementedError('Must be implemented in subclasses.')

    def result(self):
        raise NotImplementedError('Must be implemented in subclasses.')

    def add_weight(self, name, shape=(), aggregation=VariableAggregation.SUM,
                   synchronization=VariableSynchronization.ON_READ, initializer=None, dtype=None):
        return super().add_weight(name=name, shape=shape, dtype=self._dtype if dtype is None else dtype,
                                  trainable=False, initializer=initializer, collections=[],
                                  synchronization=synchronization, aggregation=aggregation)


def _fold_unbroadcastable(values, sample_weight, reduction):
    """Weights broadcast to the values; if they cannot be, the values reduced over their extra trailing axes."""
    try:
        return values, broadcast_weights(sample_weight, values)
    except ValueError:
        axes = list(range(sample_weight.shape.ndims, values.shape.ndims))
        reduce = math_ops.reduce_sum if reduction == Reduction.SUM else math_ops.reduce_mean
        return reduce(values, axis=axes), sample_weight


class Reduce(Metric):
    """Adds up values ('total') and, unless the reduction is SUM, how many or how much weight ('count')."""

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.total = self.add_weight('total', initializer=init_ops.zeros_initializer)
        if reduction in (Reduction.SUM_OVER_BATCH_SIZE, Reduction.WEIGHTED_MEAN):
            self.count = self.add_weight('count', initializer=init_ops.zeros_initializer)

    def update_state(self, values, sample_weight=None):
        values = math_ops.cast(values, self._dtype)
        if sample_weight is not None:
            sample_weight = math_ops.cast(sample_weight, self._dtype)
            values, _, sample_weight = squeeze_or_expand_dimensions(values, sample_weight=sample_weight)
            values, sample_weight = _fold_unbroadcastable(values, sample_weight, self.reduction)
            values = math_ops.multiply(values, sample_weight)
        value_sum = math_ops.reduce_sum(values)
        with get_default_graph().control_dependencies([value_sum]):
            update_total_op = self.total.assign_add(value_sum)
        if self.reduction == Reduction.SUM:
            return update_total_op
        if self.reduction == Reduction.WEIGHTED_MEAN and sample_weight is not None:
            num_values = math_ops.reduce_sum(sample_weight)
        else:
            num_values = math_ops.cast(array_ops.size(values), self._dtype)
        with get_default_graph().control_dependencies([update_total_op]):
            return self.count.assign_add(num_values)

    def result(self):
        if self.reduction == Reduction.SUM:
            return graph_ops.identity(read(self.total))
        return math_ops.div_no_nan(read(self.total), read(self.count))


class Sum(Reduce):
    """The (weighted) sum of all values seen."""

    def __init__(self, name='sum', dtype=None):
        super().__init__(reduction=Reduction.SUM, name=name, dtype=dtype)


class Mean(Reduce):
    """The (weighted) mean of all values seen."""

    def __init__(self, name='mean', dtype=None):
        super().__init__(reduction=Reduction.WEIGHTED_MEAN, name=name, dtype=dtype)


class SumOverBatchSize(Reduce):
    def __init__(self, name='sum_over_batch_size', dtype=None):
        super().__init__(reduction=Reduction.SUM_OVER_BATCH_SIZE, name=name, dtype=dtype)


def _prepare_pair(metric, y_true, y_pred):
    y_true = math_ops.cast(y_true, metric._dtype)
    y_pred = math_ops.cast(y_pred, metric._dtype)
    y_pred, y_true = squeeze_or_expand_dimensions(y_pred, y_true)
    return y_true, y_pred


class MeanMetricWrapper(Mean):
    """The weighted mean of fn(y_true, y_pred, **kwargs) over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _prepare_pair(self, y_true, y_pred)
        matches = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(matches, sample_weight=sample_weight)

    def get_config(self):
        config = {k: config_value(v) for k, v in self._fn_kwargs.items()}
        return dict(super().get_config(), **config)


class SumOverBatchSizeMetricWrapper(SumOverBatchSize):
    """sum(fn(y_true, y_pred)) / number of values, over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _prepare_pair(self, y_true, y_pred)
        matches = self._fn(y_true, y_pred, **self._fn_kwargs)
        return super().update_state(matches, sample_weight=sample_weight)

    def get_config(self):
        config = {k: config_value(v) for k, v in self._fn_kwargs.items()}
        return dict(super().get_config(), **config)


class MeanTensor(Metric):
    """The elementwise (weighted) mean of tensors of one fixed shape; its variables are made on first update."""

    def __init__(self, name='mean_tensor', dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self._total = None
        self._count = None
        self._built = False

    def _build(self, shape):
        self._shape = TensorShape(shape)
        self._total = self.add_weight('total', shape=shape, initializer=init_ops.zeros_initializer)
        self._count = self.add_weight('count', shape=shape, initializer=init_ops.zeros_initializer)
        K.get_session()  # initializes the new variables, as TF 1.15 does here
        self._built = True

    @property
    def total(self):
        return self._total if self._built else None

    @property
    def count(self):
        return self._count if self._built else None

    def update_state(self, values, sample_weight=None):
        values = math_ops.cast(values, self._dtype)
        if not self._built:
            self._build(values.shape)
        elif values.shape != self._shape:
            raise ValueError('MeanTensor input values must always have the same shape. Expected shape (set during '
                             'the first call): {}. Got: {}'.format(self._shape, values.shape))
        num_values = array_ops.ones_like(values)
        if sample_weight is not None:
            sample_weight = math_ops.cast(sample_weight, self._dtype)
            values, _, sample_weight = squeeze_or_expand_dimensions(values, sample_weight=sample_weight)
            values, sample_weight = _fold_unbroadcastable(values, sample_weight, Reduction.WEIGHTED_MEAN)
            num_values = math_ops.multiply(num_values, sample_weight)
            values = math_ops.multiply(values, sample_weight)
        update_total_op = self._total.assign_add(values)
        with get_default_graph().control_dependencies([update_total_op]):
            return self._count.assign_add(num_values)

    def result(self):
        if not self._built:
            raise ValueError('MeanTensor does not have any result yet. Please call the MeanTensor instance or use '
                             '`.update_state(value)` before retrieving the result.')
        return math_ops.div_no_nan(read(self.total), read(self.count))

    def reset_states(self):
        if self._built:
            K.batch_set_value([(v, np.zeros(self._shape.as_list())) for v in self.variables])
