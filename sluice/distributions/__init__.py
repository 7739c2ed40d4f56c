"""tf.distributions (TF 1.15): probability distributions with sampling, densities, moments and KL."""
from sluice.distributions.continuous import Beta, Exponential, Gamma, Laplace, Normal, StudentT, Uniform  # noqa: F401
from sluice.distributions.discrete import Bernoulli, Categorical, Dirichlet, Multinomial  # noqa: F401
from sluice.distributions.distribution import (FULLY_REPARAMETERIZED, NOT_REPARAMETERIZED, Distribution,  # noqa: F401
                                               RegisterKL, ReparameterizationType, kl_divergence)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.distributions')
