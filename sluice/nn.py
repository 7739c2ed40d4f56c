"""tf.nn: neural-network functions (activations, softmax and cross entropies, convolution and pooling,
normalization, dropout, embeddings, top-k)."""
from sluice.ops.math_ops import sigmoid, tanh  # noqa: F401
from sluice.ops.nn_activation import (crelu, elu, leaky_relu, log_softmax, relu, relu6, relu_layer,  # noqa: F401
                                      selu, softmax, softplus, softsign, swish, xw_plus_b, zero_fraction)
from sluice.ops.nn_conv_pool import (avg_pool, bias_add, conv1d, conv2d, conv2d_backprop_filter,  # noqa: F401
                                     conv2d_backprop_input, conv2d_transpose, depthwise_conv2d,
                                     depthwise_conv2d_native, max_pool)
from sluice.ops.nn_dropout import dropout  # noqa: F401
from sluice.ops.nn_embedding import embedding_lookup  # noqa: F401
from sluice.ops.nn_embedding_sparse import embedding_lookup_sparse, safe_embedding_lookup_sparse  # noqa: F401
from sluice.ops.nn_losses import (l2_loss, sigmoid_cross_entropy_with_logits,  # noqa: F401
                                  softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                                  sparse_softmax_cross_entropy_with_logits, weighted_cross_entropy_with_logits)
from sluice.ops.nn_normalization import (batch_normalization, fused_batch_norm, l2_normalize,  # noqa: F401
                                         local_response_normalization, lrn, moments, normalize_moments,
                                         sufficient_statistics, weighted_moments)
from sluice.ops.nn_top_k import in_top_k, top_k  # noqa: F401
from sluice.ops.nn_conv3d_pool3d import (avg_pool3d, conv3d, conv3d_backprop_filter_v2,  # noqa: F401
                                        conv3d_transpose, max_pool3d)
from sluice.ops.nn_separable_conv import separable_conv2d  # noqa: F401
from sluice.ops import nn_batch_norm_legacy as _nn_batch_norm_legacy  # noqa: F401  (FusedBatchNorm, V2 for imports)
from sluice.ops import rnn_cell_impl as rnn_cell  # noqa: F401  (tf.nn.rnn_cell.BasicLSTMCell, ...)
from sluice.ops.candidate_sampling_ops import (compute_accidental_hits,  # noqa: F401
                                               log_uniform_candidate_sampler, uniform_candidate_sampler)
from sluice.ops.nn_sampled_losses import nce_loss, sampled_softmax_loss  # noqa: F401
from sluice.ops.ctc_ops import ctc_beam_search_decoder, ctc_greedy_decoder, ctc_loss  # noqa: F401
from sluice.ops.space_batch_ops import atrous_conv2d, convolution, depth_to_space, space_to_depth  # noqa: F401
from sluice.ops.rnn import (bidirectional_dynamic_rnn, dynamic_rnn, static_bidirectional_rnn,  # noqa: F401
                            static_rnn)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.nn')
