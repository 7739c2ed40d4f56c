"""`tensorflow.python.training.learning_rate_decay`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.train).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.train import (cosine_decay, cosine_decay_restarts, exponential_decay,  # noqa: F401
                          inverse_time_decay, linear_cosine_decay, natural_exp_decay,
                          piecewise_constant, polynomial_decay)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.training.learning_rate_decay')
