"""`tensorflow.python.ops.nn_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.nn).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.nn import (avg_pool, avg_pool3d, bias_add, conv1d, conv2d, conv2d_backprop_filter,  # noqa: F401
                       conv2d_backprop_input, conv2d_transpose, conv3d_backprop_filter_v2,
                       conv3d_transpose, crelu, depthwise_conv2d_native, dropout, elu, in_top_k,
                       l2_loss, leaky_relu, local_response_normalization, log_softmax, lrn,
                       max_pool, max_pool3d, relu, relu6, selu, softmax,
                       softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                       softplus, softsign, sparse_softmax_cross_entropy_with_logits, top_k,
                       xw_plus_b)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.nn_ops')
