"""tf.distributions' base: Distribution, ReparameterizationType, and the KL-divergence registry.

A distribution's constructor opens `name_scope(name)` once and keeps the scope ('Normal/'); each method
re-enters it and opens its own ('Normal/log_prob/'), so its ops are grouped as TF 1.15 groups them.
Subclasses give `_batch_shape`/`_event_shape` (static) and the `_log_prob`, `_sample_n`, `_entropy`, ...
they have; the public methods convert the value, fill in the derived quantities (prob = exp(log_prob),
stddev = sqrt(variance), ...) and raise NotImplementedError naming the method a family lacks.
`sample(sample_shape)` draws prod(sample_shape) samples with `_sample_n` and reshapes them to
sample_shape + batch_shape + event_shape.
"""
import contextlib

import numpy as np

from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, get_default_graph, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, check_ops, graph_ops, math_ops, reduction_ops

__all__ = ['Distribution', 'ReparameterizationType', 'FULLY_REPARAMETERIZED', 'NOT_REPARAMETERIZED', 'RegisterKL',
           'kl_divergence']


class ReparameterizationType:
    def __init__(self, rep_type):
        self._rep_type = rep_type

    def __repr__(self):
        return '<Reparameterization Type: %s>' % self._rep_type

    def __eq__(self, other):
        return self is other


FULLY_REPARAMETERIZED = ReparameterizationType('FULLY_REPARAMETERIZED')
NOT_REPARAMETERIZED = ReparameterizationType('NOT_REPARAMETERIZED')


class Distribution:
    """The interface: sample, log_prob/prob, cdf/log_cdf, survival functions, entropy, moments, mode, KL."""

    def __init__(self, dtype, reparameterization_type, validate_args, allow_nan_stats, parameters=None,
                 graph_parents=None, name=None):
        self._dtype = dtype
        self._reparameterization_type = reparameterization_type
        self._allow_nan_stats = allow_nan_stats
        self._validate_args = validate_args
        self._parameters = dict(parameters or {})
        self._parameters.pop('self', None)
        self._parameters.pop('__class__', None)
        self._graph_parents = list(graph_parents or [])
        self._name = name or type(self).__name__

    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    parameters = property(lambda self: dict(self._parameters))
    reparameterization_type = property(lambda self: self._reparameterization_type)
    allow_nan_stats = property(lambda self: self._allow_nan_stats)
    validate_args = property(lambda self: self._validate_args)

    def copy(self, **override_parameters_kwargs):
        parameters = dict(self.parameters, **override_parameters_kwargs)
        return type(self)(**parameters)

    @contextlib.contextmanager
    def _name_scope(self, name=None, values=None):
        with name_scope(self.name):
            with name_scope(name, values=values) as scope:
                yield scope

    # -- shapes ------------------------------------------------------------------------------------------------
    @property
    def batch_shape(self):
        return TensorShape(self._batch_shape())

    @property
    def event_shape(self):
        return TensorShape(self._event_shape())

    def _event_shape(self):
        return TensorShape([])

    def batch_shape_tensor(self, name='batch_shape_tensor'):
        with self._name_scope(name):
            if self.batch_shape.is_fully_defined():
                return convert_to_tensor(self.batch_shape.as_list(), dtype=dtypes.int32, name='batch_shape')
            return self._batch_shape_tensor()

    def event_shape_tensor(self, name='event_shape_tensor'):
        with self._name_scope(name):
            if self.event_shape.is_fully_defined():
                return convert_to_tensor(self.event_shape.as_list(), dtype=dtypes.int32, name='event_shape')
            return self._event_shape_tensor()

    def _event_shape_tensor(self):
        return convert_to_tensor([], dtype=dtypes.int32)

    def is_scalar_batch(self, name='is_scalar_batch'):
        with self._name_scope(name):
            return convert_to_tensor(self.batch_shape.ndims == 0)

    def is_scalar_event(self, name='is_scalar_event'):
        with self._name_scope(name):
            return convert_to_tensor(self.event_shape.ndims == 0)

    # -- sampling -------------------------------------------------------------------------------------------------
    def sample(self, sample_shape=(), seed=None, name='sample'):
        """Samples of shape sample_shape + batch_shape + event_shape."""
        with self._name_scope(name, values=[sample_shape]):
            static = sample_shape if isinstance(sample_shape, (list, tuple)) else \
                ([sample_shape] if isinstance(sample_shape, (int, np.integer)) else None)
            shape = convert_to_tensor(sample_shape, dtype=dtypes.int32, name='sample_shape')
            if shape.shape.ndims == 0:
                shape = array_ops.reshape(shape, [1])
            n = reduction_ops.reduce_prod(shape)
            samples = self._sample_n(n, seed)
            tail = array_ops.shape(samples)[1:]
            result = array_ops.reshape(samples, array_ops.concat([shape, tail], 0))
            if static is not None:
                result.set_shape(TensorShape(list(static)).concatenate(samples.shape[1:]))
            return result

    def _sample_n(self, n, seed):
        raise NotImplementedError('sample is not implemented: %s' % type(self).__name__)

    # -- densities and moments -----------------------------------------------------------------------------------
    def _value(self, value):
        return convert_to_tensor(value, name='value', dtype=self.dtype)

    def log_prob(self, value, name='log_prob'):
        with self._name_scope(name, values=[value]):
            value = self._value(value)
            if type(self)._log_prob is not Distribution._log_prob:
                return self._log_prob(value)
            return math_ops.log(self._prob(value))

    def prob(self, value, name='prob'):
        with self._name_scope(name, values=[value]):
            value = self._value(value)
            if type(self)._prob is not Distribution._prob:
                return self._prob(value)
            return math_ops.exp(self._log_prob(value))

    def cdf(self, value, name='cdf'):
        with self._name_scope(name, values=[value]):
            value = self._value(value)
            if type(self)._cdf is not Distribution._cdf:
                return self._cdf(value)
            return math_ops.exp(self._log_cdf(value))

    def log_cdf(self, value, name='log_cdf'):
        with self._name_scope(name, values=[value]):
            value = self._value(value)
            if type(self)._log_cdf is not Distribution._log_cdf:
                return self._log_cdf(value)
            return math_ops.log(self._cdf(value))

    def survival_function(self, value, name='survival_function'):
        with self._name_scope(name, values=[value]):
            value = self._value(value)
            if type(self)._survival_function is not Distribution._survival_function:
                return self._survival_function(value)
            return 1. - self._cdf(value)

    def log_survival_function(self, value, name='log_survival_function'):
        with self._name_scope(name, values=[value]):
            value = self._value(value)
            if type(self)._log_survival_function is not Distribution._log_survival_function:
                return self._log_survival_function(value)
            return math_ops.log1p(-self._cdf(value))

    def _missing(self, what):
        raise NotImplementedError('%s is not implemented: %s' % (what, type(self).__name__))

    def _log_prob(self, value):
        self._missing('log_prob')

    def _prob(self, value):
        self._missing('prob')

    def _cdf(self, value):
        self._missing('cdf')

    def _log_cdf(self, value):
        self._missing('log_cdf')

    def _survival_function(self, value):
        self._missing('survival_function')

    def _log_survival_function(self, value):
        self._missing('log_survival_function')

    def _entropy(self):
        self._missing('entropy')

    def _mean(self):
        self._missing('mean')

    def _mode(self):
        self._missing('mode')

    def _variance(self):
        self._missing('variance')

    def _stddev(self):
        self._missing('stddev')

    def _quantile(self, value):
        self._missing('quantile')

    def entropy(self, name='entropy'):
        with self._name_scope(name):
            return self._entropy()

    def mean(self, name='mean'):
        with self._name_scope(name):
            return self._mean()

    def mode(self, name='mode'):
        with self._name_scope(name):
            return self._mode()

    def quantile(self, value, name='quantile'):
        with self._name_scope(name, values=[value]):
            return self._quantile(self._value(value))

    def variance(self, name='variance'):
        with self._name_scope(name):
            if type(self)._variance is not Distribution._variance:
                return self._variance()
            return math_ops.square(self._stddev())

    def stddev(self, name='stddev'):
        with self._name_scope(name):
            if type(self)._stddev is not Distribution._stddev:
                return self._stddev()
            return math_ops.sqrt(self._variance())

    def covariance(self, name='covariance'):
        with self._name_scope(name):
            return self._covariance()

    def _covariance(self):
        self._missing('covariance')

    def cross_entropy(self, other, name='cross_entropy'):
        with self._name_scope(name):
            return self._cross_entropy(other)

    def _cross_entropy(self, other):
        return kl_divergence(self, other, allow_nan_stats=self.allow_nan_stats) + self.entropy()

    def kl_divergence(self, other, name='kl_divergence'):
        with self._name_scope(name):
            return kl_divergence(self, other, allow_nan_stats=self.allow_nan_stats)

    def __str__(self):
        return ('tf.distributions.%s("%s", batch_shape=%s, event_shape=%s, dtype=%s)' %
                (type(self).__name__, self.name, self.batch_shape, self.event_shape, self.dtype.name))

    def __repr__(self):
        return ('<tf.distributions.%s \'%s\' batch_shape=%s event_shape=%s dtype=%s>' %
                (type(self).__name__, self.name, tuple(self.batch_shape.as_list()) if self.batch_shape.ndims is not None
                 else None, tuple(self.event_shape.as_list()) if self.event_shape.ndims is not None else None,
                 self.dtype.name))

    def _nan_where(self, condition, value, message):
        """NaN where `condition` (allow_nan_stats); otherwise an error at run time where it holds."""
        if self.allow_nan_stats:
            nan = np.array(np.nan, dtype=self.dtype.as_numpy_dtype)
            return array_ops.where(condition, array_ops.fill(array_ops.shape(value), nan), value)
        check = check_ops.assert_equal(reduction_ops.reduce_any(condition), False, message=message)
        with get_default_graph().control_dependencies([check]):
            return graph_ops.identity(value)


_KL = {}


class RegisterKL:
    """Decorator: @RegisterKL(Normal, Normal) def _kl(a, b, name=None): ..."""

    def __init__(self, dist_cls_a, dist_cls_b):
        self._key = (dist_cls_a, dist_cls_b)

    def __call__(self, kl_fn):
        if not callable(kl_fn):
            raise TypeError('kl_fn must be callable, received: %s' % kl_fn)
        if self._key in _KL:
            raise ValueError('KL(%s || %s) has already been registered to: %s' %
                             (self._key[0].__name__, self._key[1].__name__, _KL[self._key]))
        _KL[self._key] = kl_fn
        return kl_fn


def _registered_kl(type_a, type_b):
    """The KL function of the closest registered pair of classes (by MRO distance)."""
    best, best_distance = None, None
    for i, a in enumerate(type_a.__mro__):
        for j, b in enumerate(type_b.__mro__):
            fn = _KL.get((a, b))
            if fn is not None and (best_distance is None or i + j < best_distance):
                best, best_distance = fn, i + j
    return best


def kl_divergence(distribution_a, distribution_b, allow_nan_stats=True, name=None):
    """KL(a || b) from the registered function for the pair's classes."""
    fn = _registered_kl(type(distribution_a), type(distribution_b))
    if fn is None:
        raise NotImplementedError('No KL(distribution_a || distribution_b) registered for distribution_a type %s and '
                                  'distribution_b type %s' % (type(distribution_a).__name__,
                                                              type(distribution_b).__name__))
    with name_scope('KullbackLeibler'):
        return fn(distribution_a, distribution_b, name=name)
