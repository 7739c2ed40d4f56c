"""`tensorflow.python.ops.losses.losses`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.losses).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.losses import (Reduction, absolute_difference, compute_weighted_loss, cosine_distance,  # noqa: F401
                           hinge_loss, huber_loss, log_loss, mean_pairwise_squared_error,
                           mean_squared_error, sigmoid_cross_entropy, softmax_cross_entropy,
                           sparse_softmax_cross_entropy)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.losses.losses')
