"""tf.nn: neural-network functions (activations, softmax and cross entropies, convolution and pooling,
normalization, dropout, embeddings, top-k)."""
from sluice.ops.math_ops import sigmoid, tanh  # noqa: F401
from sluice.ops.nn_impl import (batch_normalization, conv2d_transpose, crelu, depthwise_conv2d,  # noqa: F401
                                dropout, embedding_lookup, l2_normalize, moments, sigmoid_cross_entropy_with_logits,
                                softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                                sparse_softmax_cross_entropy_with_logits, weighted_cross_entropy_with_logits,
                                xw_plus_b, zero_fraction)
from sluice.ops.nn_ops import (avg_pool, bias_add, conv2d, conv2d_backprop_filter,  # noqa: F401
                               conv2d_backprop_input, depthwise_conv2d_native, elu, fused_batch_norm, in_top_k,
                               l2_loss, leaky_relu, log_softmax, max_pool, relu, relu6, selu, softmax, softplus,
                               softsign, top_k)
from sluice.ops.nn_activation import relu_layer, swish  # noqa: F401
from sluice.ops.nn_conv_pool import conv1d  # noqa: F401
from sluice.ops.nn_normalization import (local_response_normalization, lrn, normalize_moments,  # noqa: F401
                                         sufficient_statistics, weighted_moments)
