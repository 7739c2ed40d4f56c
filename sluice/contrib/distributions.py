"""tf.contrib.distributions: tf.distributions' families and MultivariateNormalDiag (bijectors, mixtures and
the other contrib families are not here: they raise AttributeError saying so)."""
from sluice.distributions import *  # noqa: F401,F403
from sluice.distributions import Distribution, RegisterKL, kl_divergence  # noqa: F401
from sluice.distributions.multivariate_normal import MultivariateNormalDiag  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.distributions')
