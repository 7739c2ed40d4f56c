"""tf.distributions' discrete and simplex families, with TF 1.15's parameterizations and formulas:

- Bernoulli(logits | probs) on {0, 1} (int32 samples by default): log_prob = -sigmoid cross entropy;
- Categorical(logits | probs) over the last axis (int32 samples, drawn by multinomial of the logits);
- Dirichlet(concentration) on the simplex (samples: normalized Gamma draws);
- Multinomial(total_count, logits | probs): counts over the last axis.
Giving both logits and probs, or neither, is a ValueError, as in TF; the other one is derived
(probs = sigmoid/softmax(logits), logits = log(probs) or log(p / (1 - p))).
"""
from sluice.distributions.distribution import NOT_REPARAMETERIZED, Distribution, RegisterKL
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, graph_ops, math_ops, nn_activation, nn_losses, random_ops, reduction_ops
from sluice.ops import special_math_ops
from sluice.ops.filling_ops import one_hot
from sluice.ops.indexing_ops import where
from sluice.ops.manip_ops import sequence_mask
from sluice.ops.special_math_ops import digamma

__all__ = ['Bernoulli', 'Categorical', 'Dirichlet', 'Multinomial']


def _logits_and_probs(logits, probs, multidimensional, dtype=None):
    if (logits is None) == (probs is None):
        raise ValueError('Must pass probs or logits, but not both.')
    if probs is None:
        logits = convert_to_tensor(logits, name='logits', dtype=dtype)
        with name_scope('probs'):
            probs = nn_activation.softmax(logits) if multidimensional else math_ops.sigmoid(logits)
        return logits, probs
    probs = convert_to_tensor(probs, name='probs', dtype=dtype)
    with name_scope('logits'):
        logits = math_ops.log(probs) if multidimensional else math_ops.log(probs) - math_ops.log1p(-probs)
    return logits, probs


class Bernoulli(Distribution):
    """1 with probability probs = sigmoid(logits)."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False, allow_nan_stats=True,
                 name='Bernoulli'):
        parameters = dict(locals())
        with name_scope(name) as name:
            self._logits, self._probs = _logits_and_probs(logits, probs, multidimensional=False)
        super().__init__(dtypes.as_dtype(dtype), NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._logits, self._probs], name)

    logits = property(lambda self: self._logits)
    probs = property(lambda self: self._probs)

    def _batch_shape(self):
        return self._logits.shape

    def _batch_shape_tensor(self):
        return array_ops.shape(self._logits)

    def _sample_n(self, n, seed=None):
        shape = array_ops.concat([array_ops.reshape(n, [1]), self.batch_shape_tensor()], 0)
        u = random_ops.random_uniform(shape, dtype=self._probs.dtype, seed=seed)
        return math_ops.cast(math_ops.less(u, self._probs), self.dtype)

    def _value(self, value):
        return convert_to_tensor(value, name='value')

    def _log_prob(self, x):
        x = math_ops.cast(x, self._logits.dtype)
        logits = self._logits * array_ops.ones_like(x)
        x = x * array_ops.ones_like(self._logits)
        return -nn_losses.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)

    def _entropy(self):
        return (-self._logits * (math_ops.sigmoid(self._logits) - 1.) +
                nn_activation.softplus(-self._logits))

    def _mean(self):
        return graph_ops.identity(self._probs)

    def _variance(self):
        return self._probs * (1. - self._probs)

    def _mode(self):
        return math_ops.cast(self._probs > 0.5, self.dtype)


class Categorical(Distribution):
    """One of the last axis' K classes, with probabilities softmax(logits)."""

    def __init__(self, logits=None, probs=None, dtype=dtypes.int32, validate_args=False, allow_nan_stats=True,
                 name='Categorical'):
        parameters = dict(locals())
        with name_scope(name, values=[logits, probs]) as name:
            self._logits, self._probs = _logits_and_probs(logits, probs, multidimensional=True)
            k = self._logits.shape[-1].value if self._logits.shape.ndims else None
            self._event_size = convert_to_tensor(k, dtype=dtypes.int32, name='event_size') if k is not None else \
                array_ops.shape(self._logits, name='event_size')[-1]
        super().__init__(dtypes.as_dtype(dtype), NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._logits, self._probs], name)

    logits = property(lambda self: self._logits)
    probs = property(lambda self: self._probs)
    event_size = property(lambda self: self._event_size)

    def _batch_shape(self):
        return self._logits.shape[:-1] if self._logits.shape.ndims is not None else TensorShape(None)

    def _batch_shape_tensor(self):
        return array_ops.shape(self._logits)[:-1]

    def _sample_n(self, n, seed=None):
        logits_2d = array_ops.reshape(self._logits, [-1, self._event_size])
        draws = random_ops.multinomial(logits_2d, n, seed=seed)  # [batch, n]
        draws = math_ops.cast(array_ops.transpose(draws), self.dtype)
        return array_ops.reshape(draws, array_ops.concat([array_ops.reshape(n, [1]), self.batch_shape_tensor()], 0))

    def _value(self, value):
        return convert_to_tensor(value, name='value')

    def _log_prob(self, k):
        k, logits = self._broadcast(k, self._logits)
        return -nn_losses.sparse_softmax_cross_entropy_with_logits(labels=k, logits=logits)

    def _broadcast(self, k, params):
        k = math_ops.cast(k, dtypes.int32)
        same = k.shape.is_fully_defined() and params.shape.is_fully_defined() and \
            k.shape.as_list() == params.shape.as_list()[:-1]
        if not same:  # broadcast the classes and the parameters' batch shape against each other
            params = params * array_ops.ones_like(array_ops.expand_dims(math_ops.cast(k, params.dtype), -1))
            k = k * array_ops.ones(array_ops.shape(params)[:-1], dtype=dtypes.int32)
            k.set_shape(params.shape[:-1])
        return k, params

    def _cdf(self, k):
        """P(X < k): the probabilities of the classes below k summed (0 below class 0, 1 past the last)."""
        k, probs = self._broadcast(k, self._probs)
        flat_probs = array_ops.reshape(probs, [-1, self._event_size])
        flat_k = array_ops.reshape(k, [-1])
        below = sequence_mask(flat_k, self._event_size)
        summed = reduction_ops.reduce_sum(where(below, flat_probs, array_ops.zeros_like(flat_probs)), axis=-1)
        return array_ops.reshape(summed, array_ops.shape(k))

    def _entropy(self):
        return -reduction_ops.reduce_sum(nn_activation.log_softmax(self._logits) * self._probs, axis=-1)

    def _mode(self):
        return math_ops.cast(reduction_ops.argmax(self._logits, axis=-1), self.dtype)


class Dirichlet(Distribution):
    """Dirichlet(concentration) on the simplex of the last axis."""

    def __init__(self, concentration, validate_args=False, allow_nan_stats=True, name='Dirichlet'):
        parameters = dict(locals())
        with name_scope(name, values=[concentration]) as name:
            self._concentration = convert_to_tensor(concentration, name='concentration')
            self._total = reduction_ops.reduce_sum(self._concentration, -1)
        super().__init__(self._concentration.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats,
                         parameters, [self._concentration], name)

    concentration = property(lambda self: self._concentration)
    total_concentration = property(lambda self: self._total)

    def _batch_shape(self):
        return self._concentration.shape[:-1]

    def _batch_shape_tensor(self):
        return array_ops.shape(self._total)

    def _event_shape(self):
        return self._concentration.shape[-1:]

    def _event_shape_tensor(self):
        return array_ops.shape(self._concentration)[-1:]

    def _sample_n(self, n, seed=None):
        gamma = random_ops.random_gamma([n], self._concentration, dtype=self.dtype, seed=seed)
        return gamma / reduction_ops.reduce_sum(gamma, -1, keepdims=True)

    def _log_prob(self, x):
        return (reduction_ops.reduce_sum(math_ops.xlogy(self._concentration - 1., x), -1)
                - special_math_ops.lbeta(self._concentration))

    def _entropy(self):
        k = math_ops.cast(array_ops.shape(self._concentration)[-1], self.dtype)
        return (special_math_ops.lbeta(self._concentration) + (self._total - k) * digamma(self._total)
                - reduction_ops.reduce_sum((self._concentration - 1.) * digamma(self._concentration), -1))

    def _mean(self):
        return self._concentration / array_ops.expand_dims(self._total, -1)

    def _variance(self):
        mean = self._mean()
        return mean * (1. - mean) / (1. + array_ops.expand_dims(self._total, -1))

    def _mode(self):
        k = math_ops.cast(array_ops.shape(self._concentration)[-1], self.dtype)
        mode = (self._concentration - 1.) / (array_ops.expand_dims(self._total, -1) - k)
        defined = reduction_ops.reduce_all(self._concentration > 1., axis=-1, keepdims=True)
        return self._nan_where(math_ops.logical_not(defined) & array_ops.ones_like(mode, dtype=dtypes.bool), mode,
                               'Mode undefined when any concentration <= 1')


class Multinomial(Distribution):
    """Counts of `total_count` draws over the last axis' classes."""

    def __init__(self, total_count, logits=None, probs=None, validate_args=False, allow_nan_stats=True,
                 name='Multinomial'):
        parameters = dict(locals())
        with name_scope(name, values=[total_count, logits, probs]) as name:
            self._total_count = convert_to_tensor(total_count, name='total_count')
            self._logits, self._probs = _logits_and_probs(logits, probs, multidimensional=True,
                                                          dtype=self._total_count.dtype)
            self._mean_val = array_ops.expand_dims(self._total_count, -1) * self._probs
        super().__init__(self._probs.dtype, NOT_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [self._total_count, self._logits, self._probs], name)

    total_count = property(lambda self: self._total_count)
    logits = property(lambda self: self._logits)
    probs = property(lambda self: self._probs)

    def _batch_shape(self):
        return self._mean_val.shape[:-1]

    def _batch_shape_tensor(self):
        return array_ops.shape(self._mean_val)[:-1]

    def _event_shape(self):
        return self._mean_val.shape[-1:]

    def _event_shape_tensor(self):
        return array_ops.shape(self._mean_val)[-1:]

    def _sample_n(self, n, seed=None):
        k = array_ops.shape(self._logits)[-1]
        flat_logits = array_ops.reshape(self._logits * array_ops.ones_like(self._mean_val), [-1, k])
        flat_counts = array_ops.reshape(math_ops.cast(self._total_count, dtypes.int32) *
                                        array_ops.ones_like(self._mean_val[..., 0], dtype=dtypes.int32), [-1])
        most = reduction_ops.reduce_max(flat_counts)
        # Draw the largest count for everyone, then keep each member's first total_count draws.
        draws = array_ops.reshape(random_ops.multinomial(flat_logits, n * most, seed=seed), [-1, n, most])
        kept = math_ops.cast(sequence_mask(flat_counts, most), self.dtype)[:, None, :, None]
        counts = reduction_ops.reduce_sum(one_hot(draws, k, dtype=self.dtype) * kept, axis=2)  # [batch, n, k]
        counts = array_ops.transpose(counts, [1, 0, 2])
        return array_ops.reshape(counts, array_ops.concat([array_ops.reshape(n, [1]), array_ops.shape(self._mean_val)],
                                                          0))

    def _log_prob(self, counts):
        log_unnormalized = reduction_ops.reduce_sum(counts * nn_activation.log_softmax(self._logits), -1)
        log_normalizer = -(math_ops.lgamma(1. + self._total_count)
                           - reduction_ops.reduce_sum(math_ops.lgamma(1. + counts), -1))
        return log_unnormalized - log_normalizer

    def _mean(self):
        return graph_ops.identity(self._mean_val)

    def _variance(self):
        return self._mean_val * (1. - self._probs)


@RegisterKL(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(a, b, name=None):
    with name_scope(name, 'kl_bernoulli_bernoulli', values=[a.logits, b.logits]):
        delta = nn_activation.softplus(-b.logits) - nn_activation.softplus(-a.logits)
        delta_neg = nn_activation.softplus(b.logits) - nn_activation.softplus(a.logits)
        return math_ops.sigmoid(a.logits) * delta + math_ops.sigmoid(-a.logits) * delta_neg


@RegisterKL(Categorical, Categorical)
def _kl_categorical_categorical(a, b, name=None):
    with name_scope(name, 'kl_categorical_categorical', values=[a.logits, b.logits]):
        return reduction_ops.reduce_sum(
            nn_activation.softmax(a.logits) * (nn_activation.log_softmax(a.logits)
                                               - nn_activation.log_softmax(b.logits)), axis=-1)


@RegisterKL(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(d1, d2, name=None):
    with name_scope(name, 'kl_dirichlet_dirichlet', values=[d1.concentration, d2.concentration]):
        digamma_sum = digamma(d1.total_concentration)
        digamma_diff = digamma(d1.concentration) - array_ops.expand_dims(digamma_sum, -1)
        concentration_diff = d1.concentration - d2.concentration
        return (reduction_ops.reduce_sum(concentration_diff * digamma_diff, -1)
                - special_math_ops.lbeta(d1.concentration) + special_math_ops.lbeta(d2.concentration))
