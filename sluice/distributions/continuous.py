"""tf.distributions' univariate continuous families, with TF 1.15's parameterizations and formulas:

Normal(loc, scale), Uniform(low, high), Laplace(loc, scale), Gamma(concentration, rate),
Exponential(rate) (a Gamma of concentration 1), Beta(concentration1, concentration0), StudentT(df, loc,
scale). Parameters broadcast to the batch shape; Normal, Uniform and Laplace samples are
reparameterized (loc + scale * noise), the others are not. Moments that do not exist (a Gamma's mode
for concentration < 1, a StudentT's mean for df <= 1) are NaN with allow_nan_stats.
"""
import math

import numpy as np

from sluice.distributions.distribution import (FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, Distribution,
                                               RegisterKL)
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, manip_ops, math_ops, random_ops, shape_fns, special_math_ops
from sluice.ops.indexing_ops import where
from sluice.ops.special_math_ops import digamma

__all__ = ['Normal', 'Uniform', 'Laplace', 'Gamma', 'Exponential', 'Beta', 'StudentT']


def _params(names, values, dtype=None):
    """The parameters as tensors of one float dtype (the first's)."""
    tensors = []
    for name, value in zip(names, values):
        t = convert_to_tensor(value, name=name, dtype=dtype)
        dtype = dtype or t.dtype
        tensors.append(t)
    return tensors


def _dims(shape):
    return None if shape.ndims is None else tuple(shape.as_list())


class _Family(Distribution):
    """Batch shape: the broadcast of the parameters' shapes."""

    def _batch_shape(self):
        dims = _dims(self._param_tensors[0].shape)
        for t in self._param_tensors[1:]:
            dims = None if dims is None or t.shape.ndims is None else shape_fns.broadcast_dims(dims, _dims(t.shape))
        return TensorShape(dims)

    def _batch_shape_tensor(self):
        shape = array_ops.shape(self._param_tensors[0])
        for t in self._param_tensors[1:]:
            shape = manip_ops.broadcast_dynamic_shape(shape, array_ops.shape(t))
        return shape

    def _ones(self):
        return array_ops.ones(self.batch_shape_tensor(), dtype=self.dtype)

    def _sample_shape(self, n):
        return array_ops.concat([array_ops.reshape(n, [1]), self.batch_shape_tensor()], 0)


def _ndtr(x):
    return 0.5 * math_ops.erfc(-x / math.sqrt(2.))


class Normal(_Family):
    """N(loc, scale^2)."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name='Normal'):
        parameters = dict(locals())
        with name_scope(name, values=[loc, scale]) as name:
            self._loc, self._scale = _params(['loc', 'scale'], [loc, scale])
            self._param_tensors = [self._loc, self._scale]
        super().__init__(self._loc.dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._loc, self._scale], name)

    loc = property(lambda self: self._loc)
    scale = property(lambda self: self._scale)

    def _sample_n(self, n, seed=None):
        noise = random_ops.random_normal(self._sample_shape(n), dtype=self.dtype, seed=seed)
        return noise * self._scale + self._loc

    def _z(self, x):
        with name_scope('standardize', values=[x]):
            return (x - self._loc) / self._scale

    def _log_prob(self, x):
        return -0.5 * math_ops.square(self._z(x)) - (0.5 * math.log(2. * math.pi) + math_ops.log(self._scale))

    def _cdf(self, x):
        return _ndtr(self._z(x))

    def _log_cdf(self, x):
        return math_ops.log(_ndtr(self._z(x)))

    def _survival_function(self, x):
        return _ndtr(-self._z(x))

    def _log_survival_function(self, x):
        return math_ops.log(_ndtr(-self._z(x)))

    def _entropy(self):
        return (0.5 * math.log(2. * math.pi * math.e) + math_ops.log(self._scale)) * self._ones()

    def _mean(self):
        return self._loc * array_ops.ones_like(self._scale)

    def _stddev(self):
        return self._scale * array_ops.ones_like(self._loc)

    _mode = _mean


class Uniform(_Family):
    """Uniform on [low, high)."""

    def __init__(self, low=0., high=1., validate_args=False, allow_nan_stats=True, name='Uniform'):
        parameters = dict(locals())
        with name_scope(name, values=[low, high]) as name:
            self._low, self._high = _params(['low', 'high'], [low, high])
            self._param_tensors = [self._low, self._high]
        super().__init__(self._low.dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._low, self._high], name)

    low = property(lambda self: self._low)
    high = property(lambda self: self._high)

    def range(self, name='range'):
        with self._name_scope(name):
            return self._high - self._low

    def _sample_n(self, n, seed=None):
        u = random_ops.random_uniform(self._sample_shape(n), dtype=self.dtype, seed=seed)
        return self._low + (self._high - self._low) * u

    def _prob(self, x):
        broadcast = x * self._ones()
        outside = math_ops.logical_or(x < self._low, x >= self._high)
        return where(outside, array_ops.zeros_like(broadcast), array_ops.ones_like(broadcast) /
                     ((self._high - self._low) * array_ops.ones_like(x)))

    def _cdf(self, x):
        broadcast = x * self._ones()
        inside = (broadcast - self._low) / (self._high - self._low)
        return where(broadcast < self._low, array_ops.zeros_like(broadcast),
                     where(broadcast >= self._high, array_ops.ones_like(broadcast), inside))

    def _entropy(self):
        return math_ops.log(self._high - self._low)

    def _mean(self):
        return (self._low + self._high) / 2.

    def _variance(self):
        return math_ops.square(self._high - self._low) / 12.

    def _stddev(self):
        return (self._high - self._low) / math.sqrt(12.)


class Laplace(_Family):
    """Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale)."""

    def __init__(self, loc, scale, validate_args=False, allow_nan_stats=True, name='Laplace'):
        parameters = dict(locals())
        with name_scope(name, values=[loc, scale]) as name:
            self._loc, self._scale = _params(['loc', 'scale'], [loc, scale])
            self._param_tensors = [self._loc, self._scale]
        super().__init__(self._loc.dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._loc, self._scale], name)

    loc = property(lambda self: self._loc)
    scale = property(lambda self: self._scale)

    def _sample_n(self, n, seed=None):
        # Uniform on (-1, 1): the open lower end keeps log1p(-|u|) finite.
        low = np.nextafter(self.dtype.as_numpy_dtype(-1.), self.dtype.as_numpy_dtype(0.))
        u = random_ops.random_uniform(self._sample_shape(n), minval=low, maxval=1., dtype=self.dtype, seed=seed)
        return self._loc - self._scale * math_ops.sign(u) * math_ops.log1p(-math_ops.abs(u))

    def _log_prob(self, x):
        return -math.log(2.) - math_ops.log(self._scale) - math_ops.abs(x - self._loc) / self._scale

    def _cdf(self, x):
        z = (x - self._loc) / self._scale
        return 0.5 - 0.5 * math_ops.sign(z) * math_ops.expm1(-math_ops.abs(z))

    def _entropy(self):
        return (math.log(2.) + 1. + math_ops.log(self._scale)) * self._ones()

    def _mean(self):
        return self._loc + array_ops.zeros_like(self._scale)

    def _stddev(self):
        return math.sqrt(2.) * self._scale * array_ops.ones_like(self._loc)

    _mode = _mean


class Gamma(_Family):
    """Gamma(concentration, rate): density rate^a x^(a-1) exp(-rate x) / Gamma(a)."""

    def __init__(self, concentration, rate, validate_args=False, allow_nan_stats=True, name='Gamma'):
        parameters = dict(locals())
        with name_scope(name, values=[concentration, rate]) as name:
            self._concentration, self._rate = _params(['concentration', 'rate'], [concentration, rate])
            self._param_tensors = [self._concentration, self._rate]
        super().__init__(self._concentration.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._concentration, self._rate], name)

    concentration = property(lambda self: self._concentration)
    rate = property(lambda self: self._rate)

    def _sample_n(self, n, seed=None):
        return random_ops.random_gamma([n], self._concentration, self._rate, dtype=self.dtype, seed=seed)

    def _log_prob(self, x):
        a, b = self._concentration, self._rate
        return math_ops.xlogy(a - 1., x) - b * x - math_ops.lgamma(a) + a * math_ops.log(b)

    def _cdf(self, x):
        return special_math_ops.igamma(self._concentration, self._rate * x)

    def _entropy(self):
        a = self._concentration
        return a - math_ops.log(self._rate) + math_ops.lgamma(a) + (1. - a) * digamma(a)

    def _mean(self):
        return self._concentration / self._rate

    def _variance(self):
        return self._concentration / math_ops.square(self._rate)

    def _stddev(self):
        return math_ops.sqrt(self._concentration) / self._rate

    def _mode(self):
        mode = (self._concentration - 1.) / self._rate
        return self._nan_where(self._concentration <= 1., mode * self._ones(),
                               'Mode not defined when any concentration <= 1.')


class Exponential(Gamma):
    """Exponential(rate): a Gamma of concentration 1."""

    def __init__(self, rate, validate_args=False, allow_nan_stats=True, name='Exponential'):
        parameters = dict(locals())
        with name_scope(name, values=[rate]) as name:
            rate_t = convert_to_tensor(rate, name='rate')
            super().__init__(array_ops.ones_like(rate_t), rate_t, validate_args, allow_nan_stats, name=name)
        self._parameters = parameters
        self._parameters.pop('self', None)
        self._parameters.pop('__class__', None)

    def _sample_n(self, n, seed=None):
        tiny = np.finfo(self.dtype.as_numpy_dtype).tiny
        u = random_ops.random_uniform(self._sample_shape(n), minval=tiny, maxval=1., dtype=self.dtype, seed=seed)
        return -math_ops.log(u) / self._rate


class Beta(_Family):
    """Beta(concentration1, concentration0) on (0, 1)."""

    def __init__(self, concentration1=None, concentration0=None, validate_args=False, allow_nan_stats=True,
                 name='Beta'):
        parameters = dict(locals())
        with name_scope(name, values=[concentration1, concentration0]) as name:
            self._c1, self._c0 = _params(['concentration1', 'concentration0'], [concentration1, concentration0])
            self._param_tensors = [self._c1, self._c0]
            self._total = self._c1 + self._c0
        super().__init__(self._total.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._c1, self._c0], name)

    concentration1 = property(lambda self: self._c1)
    concentration0 = property(lambda self: self._c0)
    total_concentration = property(lambda self: self._total)

    def _sample_n(self, n, seed=None):
        ones = self._ones()
        g1 = random_ops.random_gamma([n], self._c1 * ones, dtype=self.dtype, seed=seed)
        g0 = random_ops.random_gamma([n], self._c0 * ones, dtype=self.dtype,
                                     seed=None if seed is None else seed + 1)
        return g1 / (g1 + g0)

    def _log_prob(self, x):
        return (math_ops.xlogy(self._c1 - 1., x) + (self._c0 - 1.) * math_ops.log1p(-x)
                - special_math_ops.lbeta(array_ops.stack([self._c1 * self._ones(), self._c0 * self._ones()], -1)))

    def _cdf(self, x):
        return special_math_ops.betainc(self._c1, self._c0, x)

    def _entropy(self):
        a, b = self._c1, self._c0
        lbeta = special_math_ops.lbeta(array_ops.stack([a * self._ones(), b * self._ones()], -1))
        return lbeta - (a - 1.) * digamma(a) - (b - 1.) * digamma(b) + (self._total - 2.) * digamma(self._total)

    def _mean(self):
        return self._c1 / self._total

    def _variance(self):
        return self._mean() * (1. - self._mean()) / (1. + self._total)

    def _mode(self):
        mode = (self._c1 - 1.) / (self._total - 2.)
        return self._nan_where(math_ops.logical_or(self._c1 <= 1., self._c0 <= 1.), mode * self._ones(),
                               'Mode undefined for concentration1 <= 1 or concentration0 <= 1.')


class StudentT(_Family):
    """Student's t with df degrees of freedom, location loc and scale."""

    def __init__(self, df, loc, scale, validate_args=False, allow_nan_stats=True, name='StudentT'):
        parameters = dict(locals())
        with name_scope(name, values=[df, loc, scale]) as name:
            self._df, self._loc, self._scale = _params(['df', 'loc', 'scale'], [df, loc, scale])
            self._param_tensors = [self._df, self._loc, self._scale]
        super().__init__(self._df.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._df, self._loc, self._scale], name)

    df = property(lambda self: self._df)
    loc = property(lambda self: self._loc)
    scale = property(lambda self: self._scale)

    def _sample_n(self, n, seed=None):
        shape = self._sample_shape(n)
        normal = random_ops.random_normal(shape, dtype=self.dtype, seed=seed)
        df = self._df * self._ones()
        gamma = random_ops.random_gamma([n], 0.5 * df, beta=0.5, dtype=self.dtype,
                                        seed=None if seed is None else seed + 1)
        return self._loc + self._scale * normal * math_ops.rsqrt(gamma / df)

    def _log_prob(self, x):
        y = (x - self._loc) / self._scale
        half = 0.5 * (self._df + 1.)
        return (-half * math_ops.log1p(math_ops.square(y) / self._df) - math_ops.log(math_ops.abs(self._scale))
                - 0.5 * math_ops.log(self._df) - 0.5 * math.log(math.pi) - math_ops.lgamma(0.5 * self._df)
                + math_ops.lgamma(half))

    def _cdf(self, x):
        y = (x - self._loc) / math_ops.abs(self._scale)
        below = 0.5 * special_math_ops.betainc(0.5 * self._df, 0.5, self._df / (math_ops.square(y) + self._df))
        return where(y < 0., below, 1. - below)

    def _entropy(self):
        v = self._df * self._ones()
        half = 0.5 * (v + 1.)
        lbeta = special_math_ops.lbeta(array_ops.stack([0.5 * v, 0.5 * array_ops.ones_like(v)], -1))
        return half * (digamma(half) - digamma(0.5 * v)) + 0.5 * math_ops.log(v) + lbeta + \
            math_ops.log(math_ops.abs(self._scale))

    def _mean(self):
        mean = self._loc * self._ones()
        return self._nan_where(self._df * self._ones() <= 1., mean, 'mean not defined for components of df <= 1')

    def _variance(self):
        df = self._df * self._ones()
        var = math_ops.square(self._scale) * self._ones() * df / (df - 2.)
        var = where(df <= 2., np.inf * array_ops.ones_like(var), var)
        return self._nan_where(df <= 1., var, 'variance not defined for components of df <= 1')

    def _mode(self):
        return self._loc * self._ones()


@RegisterKL(Normal, Normal)
def _kl_normal_normal(a, b, name=None):
    with name_scope(name, 'kl_normal_normal', [a.loc, b.loc]):
        one, two, half = (np.array(v, dtype=a.dtype.as_numpy_dtype) for v in (1., 2., .5))
        s_a, s_b = math_ops.square(a.scale), math_ops.square(b.scale)
        ratio = s_a / s_b
        return (math_ops.square(a.loc - b.loc) / (two * s_b) + half * (ratio - one - math_ops.log(ratio)))


@RegisterKL(Gamma, Gamma)
def _kl_gamma_gamma(a, b, name=None):
    with name_scope(name, 'kl_gamma_gamma', [a.concentration, a.rate, b.concentration, b.rate]):
        return ((a.concentration - b.concentration) * digamma(a.concentration)
                + math_ops.lgamma(b.concentration) - math_ops.lgamma(a.concentration)
                + b.concentration * math_ops.log(a.rate) - b.concentration * math_ops.log(b.rate)
                + a.concentration * (b.rate / a.rate - 1.))


@RegisterKL(Beta, Beta)
def _kl_beta_beta(a, b, name=None):
    with name_scope(name, 'kl_beta_beta', []):
        def lbeta(d):
            return special_math_ops.lbeta(array_ops.stack([d.concentration1 * d._ones(),
                                                           d.concentration0 * d._ones()], -1))
        return (lbeta(b) - lbeta(a) + (a.concentration1 - b.concentration1) * digamma(a.concentration1)
                + (a.concentration0 - b.concentration0) * digamma(a.concentration0)
                + (b.total_concentration - a.total_concentration) * digamma(a.total_concentration))
