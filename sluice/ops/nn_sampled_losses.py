"""tf.nn.nce_loss and tf.nn.sampled_softmax_loss: losses over the true classes and a sample of the others.

Both build TF 1.15's `_compute_sampled_logits`: the true and sampled classes' rows of `weights` and
`biases` (one embedding lookup of labels followed by the samples, so sharded weights work with either
partition_strategy), true logits as row-wise dot products and sampled logits as one matmul, minus
log(expected count) of each class ("subtract log Q"); optionally -FLT_MAX on every sampled logit that is one
of the row's true classes (accidental hits, scattered with ScatterNd where TF uses SparseToDense).
Labels are 1 / num_true on the true columns and 0 on the sampled ones. NCE sums sigmoid cross entropies
over each row; sampled softmax takes the softmax cross entropy of the row. Samples come from the
log-uniform sampler (unique, range num_classes) unless `sampled_values` is given; no gradient flows into them."""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import name_scope
from sluice.ops import array_ops, candidate_sampling_ops, manip_ops, math_ops
from sluice.ops.nn_embedding import embedding_lookup
from sluice.ops.nn_losses import sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2

__all__ = ['nce_loss', 'sampled_softmax_loss']


def _sum_rows(x):
    # a matmul with ones, as TF does it (its gradient is cheaper than reduce_sum's on GPUs)
    ones = array_ops.ones(array_ops.stack([array_ops.shape(x)[1], 1]), x.dtype)
    return array_ops.reshape(math_ops.matmul(x, ones), [-1])


def _as_list(weights):
    if hasattr(weights, '_get_variable_list'):  # PartitionedVariable
        return list(weights)
    return list(weights) if isinstance(weights, (list, tuple)) else [weights]


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
                            subtract_log_q, remove_accidental_hits, partition_strategy, name, seed=None):
    weights = _as_list(weights)
    with name_scope(name, 'compute_sampled_logits', weights + [biases, inputs, labels]):
        labels = _graph.convert_to_tensor(labels, name='labels')
        inputs = _graph.convert_to_tensor(inputs, name='inputs')
        if labels.dtype.base_dtype != dtypes.int64:
            labels = math_ops.cast(labels, dtypes.int64)
        labels_flat = array_ops.reshape(labels, [-1])
        if sampled_values is None:
            sampled_values = candidate_sampling_ops.log_uniform_candidate_sampler(
                true_classes=labels, num_true=num_true, num_sampled=num_sampled, unique=True, range_max=num_classes,
                seed=seed)
        sampled, true_expected_count, sampled_expected_count = (array_ops.stop_gradient(s) for s in sampled_values)
        sampled = math_ops.cast(sampled, dtypes.int64)
        all_ids = array_ops.concat([labels_flat, sampled], 0)
        all_w = embedding_lookup(weights, all_ids, partition_strategy=partition_strategy)
        if all_w.dtype.base_dtype != inputs.dtype.base_dtype:
            all_w = math_ops.cast(all_w, inputs.dtype)
        num_labels = array_ops.shape(labels_flat)[0]
        true_w = array_ops.slice(all_w, [0, 0], array_ops.stack([num_labels, -1]))
        sampled_w = array_ops.slice(all_w, array_ops.stack([num_labels, 0]), [-1, -1])
        sampled_logits = math_ops.matmul(inputs, sampled_w, transpose_b=True)
        all_b = embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
        if all_b.dtype.base_dtype != inputs.dtype.base_dtype:
            all_b = math_ops.cast(all_b, inputs.dtype)
        true_b = array_ops.slice(all_b, [0], array_ops.shape(labels_flat))
        sampled_b = array_ops.slice(all_b, array_ops.shape(labels_flat), [-1])
        dim = array_ops.shape(true_w)[1:2]
        row_wise_dots = math_ops.multiply(array_ops.expand_dims(inputs, 1),
                                          array_ops.reshape(true_w, array_ops.concat([[-1, num_true], dim], 0)))
        dots_as_matrix = array_ops.reshape(row_wise_dots, array_ops.concat([[-1], dim], 0))
        true_logits = array_ops.reshape(_sum_rows(dots_as_matrix), [-1, num_true])
        true_logits += array_ops.reshape(true_b, [-1, num_true])
        sampled_logits += sampled_b
        if remove_accidental_hits:
            acc_indices, acc_ids, acc_weights = candidate_sampling_ops.compute_accidental_hits(
                labels, sampled, num_true=num_true)
            indices = array_ops.concat([array_ops.reshape(acc_indices, [-1, 1]),
                                        array_ops.reshape(math_ops.cast(acc_ids, dtypes.int32), [-1, 1])], 1)
            shape = array_ops.concat([array_ops.shape(labels)[:1], array_ops.expand_dims(num_sampled, 0)], 0)
            if sampled_logits.dtype.base_dtype != acc_weights.dtype.base_dtype:
                acc_weights = math_ops.cast(acc_weights, sampled_logits.dtype)
            # a row with a repeated true id hits twice; clamp so the sum stays -FLT_MAX as SparseToDense's write
            hits = math_ops.maximum(manip_ops.scatter_nd(indices, acc_weights, shape),
                                    np.finfo(sampled_logits.dtype.as_numpy_dtype).min)
            sampled_logits += hits
        if subtract_log_q:
            true_logits -= math_ops.log(true_expected_count)
            sampled_logits -= math_ops.log(sampled_expected_count)
        out_logits = array_ops.concat([true_logits, sampled_logits], 1)
        out_labels = array_ops.concat([array_ops.ones_like(true_logits) / num_true,
                                       array_ops.zeros_like(sampled_logits)], 1)
        return out_logits, out_labels


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy='mod', name='nce_loss'):
    """Noise-contrastive estimation loss per example, [batch_size]: summed sigmoid cross entropies of the
    true and sampled logits."""
    logits, labels = _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                             sampled_values, True, remove_accidental_hits, partition_strategy, name)
    sampled_losses = sigmoid_cross_entropy_with_logits(labels=labels, logits=logits, name='sampled_losses')
    return _sum_rows(sampled_losses)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
                         remove_accidental_hits=True, partition_strategy='mod', name='sampled_softmax_loss',
                         seed=None):
    """Sampled softmax loss per example, [batch_size]: softmax cross entropy over the true and sampled logits."""
    logits, labels = _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                             sampled_values, True, remove_accidental_hits, partition_strategy, name,
                                             seed=seed)
    labels = array_ops.stop_gradient(labels, name='labels_stop_gradient')
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)

