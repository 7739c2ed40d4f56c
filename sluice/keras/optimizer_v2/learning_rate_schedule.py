"""tf.keras.optimizers.schedules: learning rates as functions of the optimizer's step.

A LearningRateSchedule is called with the step (the optimizer casts `iterations` to the
variable's dtype) and builds the decayed rate in a name scope named after it; the graphs are
tf.train's decay functions (sluice/training/learning_rate_decay.py), which TF 1.x builds through
these same classes. get_config gives the constructor's arguments; serialize/deserialize use
Keras's {'class_name', 'config'} form ('Unknown decay: <name>' for a class it does not know).
"""
from sluice.engine import graph as _graph
from sluice.ops import math_ops
from sluice.keras import serialization
from sluice.training import learning_rate_decay as _decay
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__all__ = ['LearningRateSchedule', 'ExponentialDecay', 'PiecewiseConstantDecay', 'PolynomialDecay',
           'InverseTimeDecay', 'CosineDecay', 'CosineDecayRestarts', 'LinearCosineDecay', 'serialize',
           'deserialize']

__getattr__ = _namespace_getattr(__name__, 'tf.keras.optimizers.schedules')


class LearningRateSchedule:
    """The base class: a callable step -> learning rate with a config."""

    def __call__(self, step):
        raise NotImplementedError('Learning rate schedule must override __call__')

    def get_config(self):
        raise NotImplementedError('Learning rate schedule must override get_config')

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _Configured(LearningRateSchedule):
    """A schedule whose config is its constructor's arguments, stored as attributes of those names."""

    _ARGS = ()

    def get_config(self):
        return {name: getattr(self, name) for name in self._ARGS}


class ExponentialDecay(_Configured):
    """initial_learning_rate * decay_rate ^ (step / decay_steps), the exponent floored if staircase."""

    _ARGS = ('initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase', 'name')

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        return _decay.exponential_decay(self.initial_learning_rate, step, self.decay_steps, self.decay_rate,
                                        staircase=self.staircase, name=self.name)


class PiecewiseConstantDecay(_Configured):
    """values[i] while boundaries[i-1] < step <= boundaries[i]."""

    _ARGS = ('boundaries', 'values', 'name')

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError('The length of boundaries should be 1 less than the length of values')
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        # the boundaries take the step's dtype (tf.train.piecewise_constant would refuse a mismatch)
        step = _graph.convert_to_tensor(step)
        boundaries = [math_ops.cast(b, step.dtype.base_dtype) for b in self.boundaries]
        return _decay.piecewise_constant(step, boundaries, self.values, name=self.name)


class PolynomialDecay(_Configured):
    """(initial - end) * (1 - step / decay_steps) ^ power + end, step capped (or decay_steps cycled)."""

    _ARGS = ('initial_learning_rate', 'decay_steps', 'end_learning_rate', 'power', 'cycle', 'name')

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        return _decay.polynomial_decay(self.initial_learning_rate, step, self.decay_steps, self.end_learning_rate,
                                       power=self.power, cycle=self.cycle, name=self.name)


class InverseTimeDecay(_Configured):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), the ratio floored if staircase."""

    _ARGS = ('initial_learning_rate', 'decay_steps', 'decay_rate', 'staircase', 'name')

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        return _decay.inverse_time_decay(self.initial_learning_rate, step, self.decay_steps, self.decay_rate,
                                         staircase=self.staircase, name=self.name)


class CosineDecay(_Configured):
    """tf.keras.experimental.CosineDecay: cosine from the initial rate down to alpha times it."""

    _ARGS = ('initial_learning_rate', 'decay_steps', 'alpha', 'name')

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        return _decay.cosine_decay(self.initial_learning_rate, step, self.decay_steps, alpha=self.alpha,
                                   name=self.name)


class CosineDecayRestarts(LearningRateSchedule):
    """tf.keras.experimental.CosineDecayRestarts: cosine decay with warm restarts (SGDR)."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        return _decay.cosine_decay_restarts(self.initial_learning_rate, step, self.first_decay_steps,
                                            t_mul=self._t_mul, m_mul=self._m_mul, alpha=self.alpha, name=self.name)

    def get_config(self):
        return {'initial_learning_rate': self.initial_learning_rate, 'first_decay_steps': self.first_decay_steps,
                't_mul': self._t_mul, 'm_mul': self._m_mul, 'alpha': self.alpha, 'name': self.name}


class LinearCosineDecay(_Configured):
    """tf.keras.experimental.LinearCosineDecay."""

    _ARGS = ('initial_learning_rate', 'decay_steps', 'num_periods', 'alpha', 'beta', 'name')

    def __init__(self, initial_learning_rate, decay_steps, num_periods=0.5, alpha=0.0, beta=0.001, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.num_periods = num_periods
        self.alpha = alpha
        self.beta = beta
        self.name = name

    def __call__(self, step):
        return _decay.linear_cosine_decay(self.initial_learning_rate, step, self.decay_steps,
                                          num_periods=self.num_periods, alpha=self.alpha, beta=self.beta,
                                          name=self.name)


_SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                            InverseTimeDecay, CosineDecay, CosineDecayRestarts, LinearCosineDecay)}


def serialize(learning_rate_schedule):
    return serialization.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    return serialization.deserialize_keras_object(config, module_objects=_SCHEDULES, custom_objects=custom_objects,
                                                  printable_module_name='decay')
