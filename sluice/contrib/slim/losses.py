"""slim.losses (TF 1.15's tf.contrib.losses): the pre-tf.losses loss functions, predictions or logits
first. Each reduces like tf.losses' SUM_BY_NONZERO_WEIGHTS (the weighted sum over the number of
elements with a non-zero weight) and adds its result to LOSSES; weights of lower rank than the losses
apply along the leading axes ([batch] weights to [batch, d] losses), as contrib's _scale_losses does.
hinge_loss returns the unreduced, unweighted losses and adds nothing, as in TF.
"""
from sluice import losses as _core
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, math_ops
from sluice.ops.elementwise_ops import relu

__all__ = ['absolute_difference', 'add_loss', 'cosine_distance', 'compute_weighted_loss', 'get_losses',
           'get_regularization_losses', 'get_total_loss', 'hinge_loss', 'log_loss', 'mean_squared_error',
           'sigmoid_cross_entropy', 'softmax_cross_entropy', 'sparse_softmax_cross_entropy']


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Adds an externally computed loss to `loss_collection`."""
    if loss_collection:
        _graph.get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    return _graph.get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return _graph.get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_total_loss(add_regularization_losses=True, name='total_loss'):
    """AddN of LOSSES and, by default, REGULARIZATION_LOSSES."""
    losses = get_losses()
    if add_regularization_losses:
        losses += get_regularization_losses()
    return math_ops.add_n(losses, name=name)


def _leading_weights(weights, like):
    """`weights` with trailing unit axes up to the rank of `like`, when its rank is lower (and not 0)."""
    if isinstance(weights, (int, float)):
        return weights
    weights = _graph.convert_to_tensor(weights)
    w_rank, rank = weights.get_shape().ndims, _graph.convert_to_tensor(like).get_shape().ndims
    if w_rank is None or rank is None or w_rank in (0, rank) or w_rank > rank:
        return weights
    return array_ops.reshape(weights, array_ops.concat([array_ops.shape(weights), [1] * (rank - w_rank)], 0))


def compute_weighted_loss(losses, weights=1.0, scope=None):
    """losses * weights summed over the number of elements with a non-zero weight; added to LOSSES."""
    losses = _graph.convert_to_tensor(losses)
    return _core.compute_weighted_loss(losses, _leading_weights(weights, losses), scope=scope)


def absolute_difference(predictions, labels=None, weights=1.0, scope=None):
    return _core.absolute_difference(labels, predictions, _leading_weights(weights, predictions), scope=scope)


def mean_squared_error(predictions, labels=None, weights=1.0, scope=None):
    return _core.mean_squared_error(labels, predictions, _leading_weights(weights, predictions), scope=scope)


def log_loss(predictions, labels=None, weights=1.0, epsilon=1e-7, scope=None):
    return _core.log_loss(labels, predictions, _leading_weights(weights, predictions), epsilon, scope=scope)


def cosine_distance(predictions, labels=None, axis=None, weights=1.0, scope=None, dim=None):
    if axis is None and dim is None:
        raise ValueError("You must specify 'axis'.")
    return _core.cosine_distance(labels, predictions, axis, weights, scope=scope, dim=dim)


def sigmoid_cross_entropy(logits, multi_class_labels, weights=1.0, label_smoothing=0, scope=None):
    return _core.sigmoid_cross_entropy(multi_class_labels, logits, _leading_weights(weights, logits),
                                       label_smoothing, scope=scope)


def softmax_cross_entropy(logits, onehot_labels, weights=1.0, label_smoothing=0, scope=None):
    return _core.softmax_cross_entropy(onehot_labels, logits, weights, label_smoothing, scope=scope)


def sparse_softmax_cross_entropy(logits, labels, weights=1.0, scope=None):
    return _core.sparse_softmax_cross_entropy(labels, logits, weights, scope=scope)


def hinge_loss(logits, labels=None, scope=None):
    """relu(1 - (2 * labels - 1) * logits) per element (no reduction, not collected)."""
    with _graph.name_scope(scope, 'hinge_loss', [logits, labels]):
        logits = _graph.convert_to_tensor(logits)
        labels = _graph.convert_to_tensor(labels)
        logits.get_shape().assert_is_compatible_with(labels.get_shape())
        labels = math_ops.cast(labels, dtypes.float32)
        all_ones = array_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, all_ones)
        return relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.slim.losses')
