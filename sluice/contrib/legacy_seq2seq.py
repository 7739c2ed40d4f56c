"""tf.contrib.legacy_seq2seq: sequence_loss_by_example and sequence_loss over lists of per-step logits, and
the encoder-decoder models of legacy_seq2seq_models (one2many_rnn_seq2seq and a tensor `feed_previous` are
not here: they say so)."""
from sluice.engine import graph as _graph
from sluice.ops import array_ops, math_ops, reduction_ops
from sluice.ops.nn_losses import sparse_softmax_cross_entropy_with_logits
from sluice.contrib.legacy_seq2seq_models import *  # noqa: F401,F403,E402
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.legacy_seq2seq')


def sequence_loss_by_example(logits, targets, weights, average_across_timesteps=True, softmax_loss_function=None,
                             name=None):
    """Per example: the sum over steps of the weighted cross entropies (divided by the sum of the
    weights + 1e-12 when average_across_timesteps). logits, targets, weights: lists, one per step."""
    if len(targets) != len(logits) or len(weights) != len(logits):
        raise ValueError('Lengths of logits, weights, and targets must be the same %d, %d, %d.'
                         % (len(logits), len(weights), len(targets)))
    with _graph.name_scope(name, 'sequence_loss_by_example', list(logits) + list(targets) + list(weights)):
        terms = []
        for logit, target, weight in zip(logits, targets, weights):
            if softmax_loss_function is None:
                crossent = sparse_softmax_cross_entropy_with_logits(labels=array_ops.reshape(target, [-1]),
                                                                    logits=logit)
            else:
                crossent = softmax_loss_function(labels=target, logits=logit)
            terms.append(crossent * weight)
        log_perps = math_ops.add_n(terms)
        if average_across_timesteps:
            log_perps /= math_ops.add_n(list(weights)) + 1e-12  # no division by 0 for all-0 weights (TF's)
        return log_perps


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  softmax_loss_function=None, name=None):
    """The sum of sequence_loss_by_example, divided by the batch size when average_across_batch."""
    with _graph.name_scope(name, 'sequence_loss', list(logits) + list(targets) + list(weights)):
        cost = reduction_ops.reduce_sum(sequence_loss_by_example(
            logits, targets, weights, average_across_timesteps=average_across_timesteps,
            softmax_loss_function=softmax_loss_function))
        if average_across_batch:
            return cost / math_ops.cast(array_ops.shape(targets[0])[0], cost.dtype)
        return cost
