"""`tensorflow.python.ops.nn_impl`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.nn).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.nn import (batch_normalization, depthwise_conv2d, fused_batch_norm, l2_normalize,  # noqa: F401
                       moments, normalize_moments, relu_layer, separable_conv2d,
                       sigmoid_cross_entropy_with_logits, sufficient_statistics, swish,
                       weighted_cross_entropy_with_logits, weighted_moments, zero_fraction)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.nn_impl')
