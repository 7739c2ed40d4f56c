"""tf.losses: TF1's loss functions, the loss collections and the weighted reduction.

Every loss builds per-element losses in its own name scope ('mean_squared_error', ...), then calls
compute_weighted_loss, which multiplies by `weights` (after checking they broadcast to the losses:
statically when shapes are known, else with an Assert), reduces as `reduction` says and adds the
result to `loss_collection` (LOSSES by default). The TF1 default reduction,
SUM_BY_NONZERO_WEIGHTS, divides the weighted sum by the number of elements whose broadcast weight
is non-zero (div_no_nan, so all-zero weights give 0). All losses compute in float32 and cast the
result back to the input's dtype, as TF.
"""
# Private aliases keep the tf.losses namespace to TF's names.
from sluice.engine import dtypes as _dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys as _GraphKeys
from sluice.ops import array_ops as _array_ops
from sluice.ops import constant_op as _constant_op
from sluice.ops import graph_ops as _graph_ops
from sluice.ops import math_ops as _math_ops
from sluice.ops import nn_losses as _nn_losses
from sluice.ops.elementwise_ops import relu as _relu
from sluice.ops.shape_fns import constant_value as _constant_value


class Reduction:
    """How compute_weighted_loss reduces the weighted losses."""
    NONE = 'none'
    SUM = 'weighted_sum'
    SUM_OVER_BATCH_SIZE = 'weighted_sum_over_batch_size'
    MEAN = 'weighted_mean'
    SUM_BY_NONZERO_WEIGHTS = 'weighted_sum_by_nonzero_weights'
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError('Invalid Reduction Key %s. Key should be one of %s.' % (key, cls.all()))


# -- the loss collections ------------------------------------------------------------------------
def add_loss(loss, loss_collection=_GraphKeys.LOSSES):
    """Adds `loss` to `loss_collection` (nothing when the collection is None or empty)."""
    if loss_collection:
        _graph.get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=_GraphKeys.LOSSES):
    return _graph.get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return _graph.get_default_graph().get_collection(_GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name='total_regularization_loss'):
    """The sum of the regularization losses (an AddN), or a constant 0.0 when there are none."""
    losses = get_regularization_losses(scope)
    if losses:
        return _math_ops.add_n(losses, name=name)
    return _constant_op.constant(0.0)


def get_total_loss(add_regularization_losses=True, name='total_loss', scope=None):
    """AddN of the LOSSES collection and, by default, the regularization losses."""
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    return _math_ops.add_n(losses, name=name)


# -- weights -------------------------------------------------------------------------------------
_BROADCAST_ERROR = 'weights can not be broadcast to values.'


def _assert_broadcastable(weights, values):
    """An op checking `weights` broadcast to `values` (scalar, or each dim 1 or equal; same rank).

    With static ranks and shapes the check happens now (a NoOp, or ValueError); otherwise an Assert.
    """
    with _graph.name_scope(None, 'assert_broadcastable', (weights, values)) as scope:
        with _graph.name_scope(None, 'weights', (weights,)) as weights_scope:
            weights = _graph.convert_to_tensor(weights, name=weights_scope)
            weights_shape = _array_ops.shape(weights, name='shape')
            weights_rank = _array_ops.rank(weights, name='rank')
        weights_rank_static = _constant_value(weights_rank)
        with _graph.name_scope(None, 'values', (values,)) as values_scope:
            values = _graph.convert_to_tensor(values, name=values_scope)
            values_shape = _array_ops.shape(values, name='shape')
            values_rank = _array_ops.rank(values, name='rank')
        values_rank_static = _constant_value(values_rank)
        if weights_rank_static is not None and values_rank_static is not None:
            if weights_rank_static == 0:
                return _graph_ops.no_op(name='static_scalar_check_success')
            if weights_rank_static != values_rank_static:
                raise ValueError('%s values.rank=%s. weights.rank=%s. values.shape=%s. weights.shape=%s.'
                                 % (_BROADCAST_ERROR, values_rank_static, weights_rank_static, values.shape,
                                    weights.shape))
            weights_dims = _constant_value(weights_shape)
            values_dims = _constant_value(values_shape)
            if weights_dims is not None and values_dims is not None:
                for i, (w, v) in enumerate(zip(weights_dims.tolist(), values_dims.tolist())):
                    if w not in (1, v):
                        raise ValueError('%s Mismatch at dim %s. values.shape=%s, weights.shape=%s.'
                                         % (_BROADCAST_ERROR, i, values_dims, weights_dims))
                return _graph_ops.no_op(name='static_dims_check_success')
        from sluice.ops import control_flow_ops
        is_scalar = _math_ops.equal(0, weights_rank, name='is_scalar')

        def valid_nonscalar():
            is_same_rank = _math_ops.equal(values_rank, weights_rank, name='is_same_rank')

            def valid_dims():
                # Each weights dim is 1 or the values dim (TF checks this with a set difference).
                ok = _math_ops.logical_or(_math_ops.equal(weights_shape, values_shape),
                                         _math_ops.equal(weights_shape, 1))
                return _math_ops.reduce_all(ok)
            return control_flow_ops.cond(is_same_rank, valid_dims, lambda: is_same_rank)
        is_valid = control_flow_ops.cond(is_scalar, lambda: is_scalar, valid_nonscalar, name='is_valid_shape')
        data = (_BROADCAST_ERROR, 'weights.shape=', weights.name, weights_shape, 'values.shape=', values.name,
                values_shape, 'is_scalar=', is_scalar)
        return control_flow_ops.Assert(is_valid, data, name=scope)


def _broadcast_weights(weights, values):
    """`weights` times ones shaped like `values` (just `weights` when the static shapes already match)."""
    with _graph.name_scope(None, 'broadcast_weights', (weights, values)) as scope:
        values = _graph.convert_to_tensor(values, name='values')
        weights = _graph.convert_to_tensor(weights, dtype=values.dtype.base_dtype, name='weights')
        if (weights.shape.is_fully_defined() and values.shape.is_fully_defined()
                and weights.shape.is_compatible_with(values.shape)):
            return weights
        with _graph.get_default_graph().control_dependencies((_assert_broadcastable(weights, values),)):
            return _math_ops.multiply(weights, _array_ops.ones_like(values), name=scope)


def _safe_mean(losses, num_present):
    total_loss = _math_ops.reduce_sum(losses)
    return _math_ops.div_no_nan(total_loss, num_present, name='value')


def _num_present(losses, weights, per_batch=False):
    """How many elements of `losses` get a non-zero weight (per batch entry with per_batch)."""
    if isinstance(weights, float) and weights != 0.0:
        return _num_elements(losses)
    with _graph.name_scope(None, 'num_present', (losses, weights)) as scope:
        weights = _math_ops.cast(weights, dtype=_dtypes.float32)
        present = _array_ops.where(_math_ops.equal(weights, 0.0), _array_ops.zeros_like(weights),
                                  _array_ops.ones_like(weights))
        present = _broadcast_weights(present, losses)
        if per_batch:
            return _math_ops.reduce_sum(present, axis=_array_ops.range(1, _array_ops.rank(present)), keepdims=True,
                                       name=scope)
        return _math_ops.reduce_sum(present, name=scope)


def _num_elements(losses):
    with _graph.name_scope(None, 'num_elements', values=[losses]) as scope:
        return _math_ops.cast(_array_ops.size(losses, name=scope), dtype=losses.dtype)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=_GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """losses * weights reduced by `reduction`, added to `loss_collection` (see the module docstring)."""
    Reduction.validate(reduction)
    with _graph.name_scope(scope, 'weighted_loss', (losses, weights)):
        g = _graph.get_default_graph()
        g._last_loss_reduction = reduction  # read by distribution code in TF; kept for parity
        with g.control_dependencies((_assert_broadcastable(weights, losses),)):
            losses = _graph.convert_to_tensor(losses)
            input_dtype = losses.dtype
            losses = _math_ops.cast(losses, dtype=_dtypes.float32)
            weights = _math_ops.cast(weights, dtype=_dtypes.float32)
            weighted_losses = _math_ops.multiply(losses, weights)
            if reduction == Reduction.NONE:
                loss = weighted_losses
            else:
                loss = _math_ops.reduce_sum(weighted_losses)
                if reduction == Reduction.MEAN:
                    loss = _safe_mean(loss, _math_ops.reduce_sum(_array_ops.ones_like(losses) * weights))
                elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                    loss = _safe_mean(loss, _num_present(losses, weights))
                elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                    loss = _safe_mean(loss, _num_elements(losses))
            loss = _math_ops.cast(loss, input_dtype)
            add_loss(loss, loss_collection)
            return loss


# -- losses --------------------------------------------------------------------------------------
def _require(**args):
    for name, value in args.items():
        if value is None:
            raise ValueError('Argument `%s` must not be None.' % name)


def _float_pair(predictions, labels):
    predictions = _math_ops.cast(predictions, dtype=_dtypes.float32)
    labels = _math_ops.cast(labels, dtype=_dtypes.float32)
    predictions.get_shape().assert_is_compatible_with(labels.get_shape())
    return predictions, labels


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=_GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """|predictions - labels|."""
    _require(labels=labels, predictions=predictions)
    with _graph.name_scope(scope, 'absolute_difference', (predictions, labels, weights)) as scope:
        predictions, labels = _float_pair(predictions, labels)
        losses = _math_ops.abs(_math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None, loss_collection=_GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None):
    """1 - sum(predictions * labels, axis) for unit-normalized inputs."""
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError('You must specify argument `axis`.')
    _require(labels=labels, predictions=predictions)
    with _graph.name_scope(scope, 'cosine_distance_loss', (predictions, labels, weights)) as scope:
        predictions, labels = _float_pair(predictions, labels)
        radial_diffs = _math_ops.multiply(predictions, labels)
        losses = 1 - _math_ops.reduce_sum(radial_diffs, axis=(axis,), keepdims=True)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=_GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """relu(1 - (2 * labels - 1) * logits), labels in {0, 1}."""
    _require(labels=labels, logits=logits)
    with _graph.name_scope(scope, 'hinge_loss', (logits, labels, weights)) as scope:
        logits, labels = _float_pair(logits, labels)
        all_ones = _array_ops.ones_like(labels)
        labels = _math_ops.subtract(2 * labels, all_ones)
        losses = _relu(_math_ops.subtract(all_ones, _math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=_GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """0.5 * e**2 where |e| <= delta, else delta * (|e| - 0.5 * delta); e = predictions - labels."""
    _require(labels=labels, predictions=predictions)
    with _graph.name_scope(scope, 'huber_loss', (predictions, labels, weights)) as scope:
        predictions, labels = _float_pair(predictions, labels)
        abs_error = _math_ops.abs(_math_ops.subtract(predictions, labels))
        quadratic = _math_ops.minimum(abs_error, delta)
        # Split into the quadratic part and the linear remainder, as TF.
        linear = _math_ops.subtract(abs_error, quadratic)
        losses = _math_ops.add(
            _math_ops.multiply(_graph.convert_to_tensor(0.5, dtype=quadratic.dtype),
                              _math_ops.multiply(quadratic, quadratic)),
            _math_ops.multiply(delta, linear))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=_GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """-labels * log(p + eps) - (1 - labels) * log(1 - p + eps)."""
    _require(labels=labels, predictions=predictions)
    with _graph.name_scope(scope, 'log_loss', (predictions, labels, weights)) as scope:
        predictions, labels = _float_pair(predictions, labels)
        losses = (-_math_ops.multiply(labels, _math_ops.log(predictions + epsilon))
                  - _math_ops.multiply((1 - labels), _math_ops.log(1 - predictions + epsilon)))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=_GraphKeys.LOSSES):
    """Per batch entry, the mean of (d_i - d_j)**2 over pairs of its present elements, d = predictions - labels."""
    _require(labels=labels, predictions=predictions)
    with _graph.name_scope(scope, 'mean_pairwise_squared_error', (predictions, labels, weights)) as scope:
        weights = _math_ops.cast(weights, dtype=_dtypes.float32)
        labels = _math_ops.cast(labels, dtype=_dtypes.float32)
        g = _graph.get_default_graph()
        with g.control_dependencies((_assert_broadcastable(weights, labels),)):
            predictions = _math_ops.cast(predictions, dtype=_dtypes.float32)
            predictions.get_shape().assert_is_compatible_with(labels.get_shape())
            diffs = _math_ops.subtract(predictions, labels)
            axis = _array_ops.range(1, _array_ops.rank(diffs))
            sum_squares_diff_per_batch = _math_ops.reduce_sum(_math_ops.square(diffs), axis=axis, keepdims=True)
            num_present_per_batch = _num_present(diffs, weights, per_batch=True)
            term1 = 2.0 * _math_ops.div_no_nan(sum_squares_diff_per_batch,
                                              _math_ops.maximum(num_present_per_batch - 1, 0), name='value')
            sum_diff = _math_ops.reduce_sum(diffs, axis=axis, keepdims=True)
            term2 = 2.0 * _math_ops.div_no_nan(
                _math_ops.square(sum_diff),
                _math_ops.maximum(_math_ops.multiply(num_present_per_batch, num_present_per_batch - 1), 0),
                name='value')
            weighted_losses = _math_ops.multiply(term1 - term2, weights)
            loss = _math_ops.reduce_sum(weighted_losses)
            mean_loss = _array_ops.where(_math_ops.reduce_sum(num_present_per_batch) > 0, loss,
                                        _array_ops.zeros_like(loss), name='value')
            add_loss(mean_loss, loss_collection)
            return mean_loss


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=_GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """(predictions - labels)**2."""
    _require(labels=labels, predictions=predictions)
    with _graph.name_scope(scope, 'mean_squared_error', (predictions, labels, weights)) as scope:
        predictions, labels = _float_pair(predictions, labels)
        losses = _math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=_GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """sigmoid_cross_entropy_with_logits; label smoothing moves labels toward 1/2."""
    _require(multi_class_labels=multi_class_labels, logits=logits)
    with _graph.name_scope(scope, 'sigmoid_cross_entropy_loss', (logits, multi_class_labels, weights)) as scope:
        logits = _graph.convert_to_tensor(logits)
        multi_class_labels = _math_ops.cast(multi_class_labels, logits.dtype)
        logits.get_shape().assert_is_compatible_with(multi_class_labels.get_shape())
        if label_smoothing > 0:
            multi_class_labels = multi_class_labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = _nn_losses.sigmoid_cross_entropy_with_logits(labels=multi_class_labels, logits=logits,
                                                          name='xentropy')
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=_GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """softmax_cross_entropy_with_logits_v2 (labels get no gradient); label smoothing mixes in
    label_smoothing / num_classes uniformly."""
    _require(onehot_labels=onehot_labels, logits=logits)
    with _graph.name_scope(scope, 'softmax_cross_entropy_loss', (logits, onehot_labels, weights)) as scope:
        logits = _graph.convert_to_tensor(logits)
        onehot_labels = _math_ops.cast(onehot_labels, logits.dtype)
        logits.get_shape().assert_is_compatible_with(onehot_labels.get_shape())
        if label_smoothing > 0:
            num_classes = _math_ops.cast(_array_ops.shape(onehot_labels)[-1], logits.dtype)
            smooth_positives = 1.0 - label_smoothing
            smooth_negatives = label_smoothing / num_classes
            onehot_labels = onehot_labels * smooth_positives + smooth_negatives
        onehot_labels = _array_ops.stop_gradient(onehot_labels, name='labels_stop_gradient')
        losses = _nn_losses.softmax_cross_entropy_with_logits_v2(labels=onehot_labels, logits=logits, name='xentropy')
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


def _remove_squeezable_dimensions(labels, predictions, weights=None, expected_rank_diff=0):
    """Squeezes a trailing size-1 dim so rank(predictions) - rank(labels) == expected_rank_diff, and a
    trailing dim of `weights` one rank above labels (statically when ranks are known, else with cond)."""
    from sluice.ops import control_flow_ops
    with _graph.name_scope(None, 'remove_squeezable_dimensions', [labels, predictions]):
        predictions = _graph.convert_to_tensor(predictions)
        labels = _graph.convert_to_tensor(labels)
        predictions_shape, labels_shape = predictions.get_shape(), labels.get_shape()
        predictions_rank, labels_rank = predictions_shape.ndims, labels_shape.ndims
        if labels_rank is not None and predictions_rank is not None:
            rank_diff = predictions_rank - labels_rank
            if rank_diff == expected_rank_diff + 1 and predictions_shape.dims[-1].is_compatible_with(1):
                predictions = _array_ops.squeeze(predictions, [-1])
            elif rank_diff == expected_rank_diff - 1 and labels_shape.dims[-1].is_compatible_with(1):
                labels = _array_ops.squeeze(labels, [-1])
        else:
            rank_diff = _array_ops.rank(predictions) - _array_ops.rank(labels)
            if predictions_rank is None or predictions_shape.dims[-1].is_compatible_with(1):
                p = predictions
                predictions = control_flow_ops.cond(_math_ops.equal(expected_rank_diff + 1, rank_diff),
                                                    lambda: _array_ops.squeeze(p, [-1]), lambda: p)
            if labels_rank is None or labels_shape.dims[-1].is_compatible_with(1):
                lb = labels
                labels = control_flow_ops.cond(_math_ops.equal(expected_rank_diff - 1, rank_diff),
                                               lambda: _array_ops.squeeze(lb, [-1]), lambda: lb)
    if weights is not None:
        weights = _graph.convert_to_tensor(weights)
        labels_rank = labels.get_shape().ndims
        weights_shape = weights.get_shape()
        weights_rank = weights_shape.ndims
        if labels_rank is not None and weights_rank is not None:
            if weights_rank - labels_rank == 1:
                weights = _array_ops.squeeze(weights, [-1])
            return labels, predictions, weights
        rank_diff = _array_ops.rank(weights) - _array_ops.rank(labels)
        if weights_rank is None or (weights_rank > 0 and weights_shape.dims[-1].is_compatible_with(1)):
            w = weights
            weights = control_flow_ops.cond(_math_ops.equal(1, rank_diff), lambda: _array_ops.squeeze(w, [-1]),
                                            lambda: w)
    return labels, predictions, weights


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=_GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """sparse_softmax_cross_entropy_with_logits of integer class labels."""
    _require(labels=labels, logits=logits)
    with _graph.name_scope(scope, 'sparse_softmax_cross_entropy_loss', (logits, labels, weights)) as scope:
        labels, logits, weights = _remove_squeezable_dimensions(labels, logits, weights, expected_rank_diff=1)
        losses = _nn_losses.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits, name='xentropy')
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction=reduction)


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.losses')
