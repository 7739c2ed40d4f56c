"""tf.contrib.distributions.MultivariateNormalDiag: independent normals over the last axis as one event.

N(loc, diag(scale_diag^2)) (scale_diag defaults to ones, times scale_identity_multiplier when given):
log_prob, entropy and KL are the sums of the coordinates' normal ones; samples are loc + scale_diag * eps
(reparameterized); covariance is the diagonal matrix of the variances.
"""
from sluice.distributions.continuous import Normal
from sluice.distributions.distribution import FULLY_REPARAMETERIZED, Distribution, RegisterKL
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import array_ops, graph_ops, linalg_ops, random_ops, reduction_ops

__all__ = ['MultivariateNormalDiag']


class MultivariateNormalDiag(Distribution):
    def __init__(self, loc=None, scale_diag=None, scale_identity_multiplier=None, validate_args=False,
                 allow_nan_stats=True, name='MultivariateNormalDiag'):
        parameters = dict(locals())
        if loc is None and scale_diag is None:
            raise ValueError('Must specify one or both of `loc`, `scale_diag`.')
        with name_scope(name, values=[loc, scale_diag, scale_identity_multiplier]) as name:
            if loc is not None:
                loc = convert_to_tensor(loc, name='loc')
            if scale_diag is None:
                scale_diag = array_ops.ones_like(loc)
            scale_diag = convert_to_tensor(scale_diag, name='scale_diag', dtype=None if loc is None else loc.dtype)
            if scale_identity_multiplier is not None:
                scale_diag = scale_diag * convert_to_tensor(scale_identity_multiplier, dtype=scale_diag.dtype)
            if loc is None:
                loc = array_ops.zeros_like(scale_diag)
            self._loc, self._scale_diag = loc, scale_diag
            self._coordinates = Normal(loc, scale_diag, validate_args, allow_nan_stats, name='coordinates')
        super().__init__(loc.dtype, FULLY_REPARAMETERIZED, validate_args, allow_nan_stats, parameters,
                         [loc, scale_diag], name)

    loc = property(lambda self: self._loc)
    scale_diag = property(lambda self: self._scale_diag)

    def _batch_shape(self):
        return self._coordinates.batch_shape[:-1]

    def _batch_shape_tensor(self):
        return self._coordinates.batch_shape_tensor()[:-1]

    def _event_shape(self):
        return self._coordinates.batch_shape[-1:]

    def _event_shape_tensor(self):
        return self._coordinates.batch_shape_tensor()[-1:]

    def _sample_n(self, n, seed=None):
        shape = array_ops.concat([array_ops.reshape(n, [1]), self._coordinates.batch_shape_tensor()], 0)
        return self._loc + self._scale_diag * random_ops.random_normal(shape, dtype=self.dtype, seed=seed)

    def _log_prob(self, x):
        return reduction_ops.reduce_sum(self._coordinates._log_prob(x), -1)

    def _entropy(self):
        return reduction_ops.reduce_sum(self._coordinates._entropy(), -1)

    def _mean(self):
        return self._coordinates._mean()

    def _stddev(self):
        return self._coordinates._stddev()

    def _variance(self):
        return self._coordinates._stddev() ** 2

    def _covariance(self):
        return linalg_ops.matrix_diag(self._variance())

    def _mode(self):
        return graph_ops.identity(self._coordinates._mean())


@RegisterKL(MultivariateNormalDiag, MultivariateNormalDiag)
def _kl_mvn_diag(a, b, name=None):
    from sluice.distributions.distribution import kl_divergence
    with name_scope(name, 'kl_mvn_diag', [a.loc, b.loc]):
        return reduction_ops.reduce_sum(kl_divergence(a._coordinates, b._coordinates), -1)
