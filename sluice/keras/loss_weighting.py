"""How tf.keras weights and reduces per-sample losses (TF 1.15's keras/utils/losses_utils.py and
ops/losses/util.py).

squeeze_or_expand_dimensions: y_pred/y_true whose ranks differ by one lose the extra last dimension
(TF's remove_squeezable_dimensions); a sample_weight whose rank differs from y_pred's by one is
squeezed or expanded at the end; a scalar weight stays scalar. Static ranks decide now, unknown ranks
through tf.cond. compute_weighted_loss: losses and weights cast to float32, weights broadcast to the
losses, multiplied, then reduced by the Reduction: NONE keeps them, SUM adds them, SUM_OVER_BATCH_SIZE
(what AUTO means outside a distribution strategy) divides the sum by the number of elements
(div_no_nan 'value'); the result is cast back to the losses' dtype.
"""
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, get_default_graph, name_scope
from sluice.losses import _broadcast_weights as broadcast_weights  # noqa: F401  (metrics import it from here)
from sluice.ops import array_ops, control_flow_ops, math_ops


class ReductionV2:
    """Names of the ways a Loss reduces per-sample values (tf.keras.losses.Reduction)."""
    AUTO = 'auto'
    NONE = 'none'
    SUM = 'sum'
    SUM_OVER_BATCH_SIZE = 'sum_over_batch_size'

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError('Invalid Reduction Key %s.' % key)


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0, name=None):
    """Squeezes the last dimension of whichever of labels/predictions has one rank too many."""
    with name_scope(name, 'remove_squeezable_dimensions', [labels, predictions]):
        predictions = convert_to_tensor(predictions)
        labels = convert_to_tensor(labels)
        p_rank, l_rank = predictions.shape.ndims, labels.shape.ndims
        if p_rank is not None and l_rank is not None:
            if p_rank - l_rank == expected_rank_diff + 1:
                predictions = array_ops.squeeze(predictions, [-1])
            elif p_rank - l_rank == expected_rank_diff - 1:
                labels = array_ops.squeeze(labels, [-1])
            return labels, predictions
        rank_diff = array_ops.rank(predictions) - array_ops.rank(labels)
        if p_rank is None or predictions.shape[-1].is_compatible_with(1):
            predictions = control_flow_ops.cond(math_ops.equal(expected_rank_diff + 1, rank_diff),
                                                lambda: array_ops.squeeze(predictions, [-1]), lambda: predictions)
        if l_rank is None or labels.shape[-1].is_compatible_with(1):
            labels = control_flow_ops.cond(math_ops.equal(expected_rank_diff - 1, rank_diff),
                                           lambda: array_ops.squeeze(labels, [-1]), lambda: labels)
        return labels, predictions


def _squeeze_pair(y_pred, y_true):
    y_pred_rank, y_true_rank = y_pred.shape.ndims, y_true.shape.ndims
    if y_true_rank is not None and y_pred_rank is not None:
        # a last dimension of size 1 on y_pred, or ranks not one apart, may still be squeezable
        if y_pred_rank - y_true_rank != 1 or y_pred.shape[-1] == 1:
            y_true, y_pred = remove_squeezable_dimensions(y_true, y_pred)
        return y_pred, y_true
    rank_diff = array_ops.rank(y_pred) - array_ops.rank(y_true)

    def squeeze_dims():
        return remove_squeezable_dimensions(y_true, y_pred)

    def maybe_squeeze_dims():
        is_last_dim_1 = math_ops.equal(1, array_ops.shape(y_pred)[-1])
        return control_flow_ops.cond(is_last_dim_1, squeeze_dims, lambda: (y_true, y_pred))
    y_true, y_pred = control_flow_ops.cond(math_ops.equal(1, rank_diff), maybe_squeeze_dims, squeeze_dims)
    return y_pred, y_true


def _adjust_weights(y_pred, sample_weight):
    y_pred_rank, weights_rank = y_pred.shape.ndims, sample_weight.shape.ndims
    if weights_rank == 0:
        return sample_weight
    if y_pred_rank is not None and weights_rank is not None:
        if weights_rank - y_pred_rank == 1:
            return array_ops.squeeze(sample_weight, [-1])
        if y_pred_rank - weights_rank == 1:
            return array_ops.expand_dims(sample_weight, -1)
        return sample_weight
    weights_rank_tensor = array_ops.rank(sample_weight)
    rank_diff = weights_rank_tensor - array_ops.rank(y_pred)

    def maybe_expand():
        return control_flow_ops.cond(math_ops.equal(rank_diff, -1),
                                     lambda: array_ops.expand_dims(sample_weight, -1), lambda: sample_weight)

    def maybe_adjust():
        return control_flow_ops.cond(math_ops.equal(rank_diff, 1),
                                     lambda: array_ops.squeeze(sample_weight, [-1]), maybe_expand)
    return control_flow_ops.cond(math_ops.equal(weights_rank_tensor, 0), lambda: sample_weight, maybe_adjust)


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """(y_pred, y_true), or (y_pred, y_true, sample_weight) when a weight is given, with matching ranks."""
    if y_true is not None:
        y_pred, y_true = _squeeze_pair(y_pred, y_true)
    if sample_weight is None:
        return y_pred, y_true
    sample_weight = convert_to_tensor(sample_weight)
    return y_pred, y_true, _adjust_weights(y_pred, sample_weight)


def scale_losses_by_sample_weight(losses, sample_weight):
    losses = math_ops.cast(losses, dtypes.float32)
    sample_weight = math_ops.cast(sample_weight, dtypes.float32)
    losses, _, sample_weight = squeeze_or_expand_dimensions(losses, None, sample_weight)
    return math_ops.multiply(losses, broadcast_weights(sample_weight, losses))


def _num_elements(losses):
    with name_scope('num_elements') as scope:
        return math_ops.cast(array_ops.size(losses, name=scope), dtype=losses.dtype)


def reduce_weighted_loss(weighted_losses, reduction=ReductionV2.SUM_OVER_BATCH_SIZE):
    if reduction == ReductionV2.NONE:
        return weighted_losses
    loss = math_ops.reduce_sum(weighted_losses)
    if reduction == ReductionV2.SUM_OVER_BATCH_SIZE:
        loss = math_ops.div_no_nan(math_ops.reduce_sum(loss), _num_elements(weighted_losses), name='value')
    return loss


def compute_weighted_loss(losses, sample_weight=None, reduction=ReductionV2.SUM_OVER_BATCH_SIZE, name=None):
    ReductionV2.validate(reduction)
    if reduction == ReductionV2.AUTO:
        reduction = ReductionV2.SUM_OVER_BATCH_SIZE
    if sample_weight is None:
        sample_weight = 1.0
    with name_scope(name or 'weighted_loss'):
        # Keras's training loop reads how the last loss was reduced (TF 1.15 keeps it on the graph)
        get_default_graph()._last_loss_reduction = reduction
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        weighted_losses = scale_losses_by_sample_weight(losses, sample_weight)
        return math_ops.cast(reduce_weighted_loss(weighted_losses, reduction), input_dtype)
