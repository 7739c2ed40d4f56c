"""tf.contrib.seq2seq.sequence_loss: the weighted cross entropy of [batch, time, classes] logits."""
from sluice.engine import graph as _graph
from sluice.ops import array_ops, math_ops, reduction_ops
from sluice.ops.nn_losses import sparse_softmax_cross_entropy_with_logits


def sequence_loss(logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                  sum_over_timesteps=False, sum_over_batch=False, softmax_loss_function=None, name=None):
    """Cross entropy of logits [batch, time, classes] against targets [batch, time], weighted by weights
    [batch, time]; averaged (by the weights' sum) or summed (divided by the count of nonzero weights)
    over time and/or batch, as TF 1.15."""
    logits, targets, weights = (_graph.convert_to_tensor(t) for t in (logits, targets, weights))
    if logits.shape.ndims != 3:
        raise ValueError('Logits must be a [batch_size x sequence_length x logits] tensor')
    if targets.shape.ndims != 2:
        raise ValueError('Targets must be a [batch_size x sequence_length] tensor')
    if weights.shape.ndims != 2:
        raise ValueError('Weights must be a [batch_size x sequence_length] tensor')
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError('average_across_timesteps and sum_over_timesteps cannot be set to True at same time.')
    if average_across_batch and sum_over_batch:
        raise ValueError('average_across_batch and sum_over_batch cannot be set to True at same time.')
    with _graph.name_scope(name, 'sequence_loss', [logits, targets, weights]):
        num_classes = array_ops.shape(logits)[2]
        logits_flat = array_ops.reshape(logits, [-1, num_classes])
        targets = array_ops.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits_flat)
        else:
            crossent = softmax_loss_function(labels=targets, logits=logits_flat)
        crossent *= array_ops.reshape(weights, [-1])
        if average_across_timesteps and average_across_batch:
            return math_ops.div_no_nan(reduction_ops.reduce_sum(crossent), reduction_ops.reduce_sum(weights))
        if sum_over_timesteps and sum_over_batch:
            count = math_ops.cast(math_ops.count_nonzero(weights), crossent.dtype)
            return math_ops.div_no_nan(reduction_ops.reduce_sum(crossent), count)
        crossent = array_ops.reshape(crossent, array_ops.shape(logits)[0:2])
        if average_across_timesteps or average_across_batch:
            axis = [0] if average_across_batch else [1]
            return math_ops.div_no_nan(reduction_ops.reduce_sum(crossent, axis=axis),
                                       reduction_ops.reduce_sum(weights, axis=axis))
        if sum_over_timesteps or sum_over_batch:
            axis = [0] if sum_over_batch else [1]
            count = math_ops.cast(math_ops.count_nonzero(weights, axis=axis), crossent.dtype)
            return math_ops.div_no_nan(reduction_ops.reduce_sum(crossent, axis=axis), count)
        return crossent
