"""`tensorflow.python.ops.nn`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.nn).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.nn import (avg_pool, avg_pool3d, batch_normalization, bias_add, conv1d, conv2d,  # noqa: F401
                       conv2d_backprop_filter, conv2d_backprop_input, conv2d_transpose,
                       conv3d_backprop_filter_v2, conv3d_transpose, crelu, depthwise_conv2d,
                       depthwise_conv2d_native, dropout, elu, fused_batch_norm, in_top_k, l2_loss,
                       l2_normalize, leaky_relu, local_response_normalization, log_softmax, lrn,
                       max_pool, max_pool3d, moments, normalize_moments, relu, relu6, relu_layer,
                       selu, separable_conv2d, sigmoid_cross_entropy_with_logits, softmax,
                       softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                       softplus, softsign, sparse_softmax_cross_entropy_with_logits,
                       sufficient_statistics, swish, top_k, weighted_cross_entropy_with_logits,
                       weighted_moments, xw_plus_b, zero_fraction)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.nn')
