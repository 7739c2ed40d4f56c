"""Weight regularizers (TF1's tf.contrib.layers regularizers): functions weights -> scalar penalty.

`l2_regularizer(scale)(w)` is scale * sum(w**2) / 2 (an L2Loss node), `l1_regularizer(scale)(w)` is
scale * sum(|w|); each builds its ops in a name scope named after it ('l2_regularizer' ...) and the
scale is a Const 'scale' of the weights' dtype. A scale of 0 gives a regularizer returning None,
which get_variable skips. They plug into get_variable/variable_scope(regularizer=...), which
puts the result in REGULARIZATION_LOSSES.
"""
import logging
import numbers

from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import constant_op
from sluice.ops import math_ops

__all__ = ['l1_regularizer', 'l2_regularizer', 'l1_l2_regularizer', 'sum_regularizer', 'apply_regularization']

_log = logging.getLogger('sluice')


def _check_scale(scale):
    """False when the scale turns the regularizer off; raises on ints and negative scales (as TF)."""
    if isinstance(scale, numbers.Integral):
        raise ValueError('scale cannot be an integer: %s' % (scale,))
    if isinstance(scale, numbers.Real):
        if scale < 0.:
            raise ValueError('Setting a scale less than 0 on a regularizer: %g.' % scale)
        if scale == 0.:
            _log.info('Scale of 0 disables regularizer.')
            return False
    return True


def _scale_tensor(scale, weights):
    return _graph.convert_to_tensor(scale, dtype=weights.dtype.base_dtype, name='scale')


def l1_regularizer(scale, scope=None):
    """A function `l1(weights)` returning scale * reduce_sum(abs(weights))."""
    if not _check_scale(scale):
        return lambda _: None

    def l1(weights, name=None):
        with _graph.name_scope(scope, 'l1_regularizer', [weights]) as name:
            my_scale = _scale_tensor(scale, weights)
            return math_ops.multiply(my_scale, math_ops.reduce_sum(math_ops.abs(weights)), name=name)
    return l1


def _l2_loss(weights):
    from sluice.ops.nn_losses import l2_loss
    return l2_loss(weights)


def l2_regularizer(scale, scope=None):
    """A function `l2(weights)` returning scale * l2_loss(weights), i.e. scale * sum(weights**2) / 2."""
    if not _check_scale(scale):
        return lambda _: None

    def l2(weights):
        with _graph.name_scope(scope, 'l2_regularizer', [weights]) as name:
            my_scale = _scale_tensor(scale, weights)
            return math_ops.multiply(my_scale, _l2_loss(weights), name=name)
    return l2


def sum_regularizer(regularizer_list, scope=None):
    """A regularizer adding the (non-None) penalties of `regularizer_list`; None if the list is empty."""
    regularizer_list = [reg for reg in regularizer_list if reg is not None]
    if not regularizer_list:
        return None

    def sum_reg(weights):
        with _graph.name_scope(scope, 'sum_regularizer', [weights]) as name:
            penalties = [p for p in (reg(weights) for reg in regularizer_list) if p is not None]
            return math_ops.add_n(penalties, name=name) if penalties else None
    return sum_reg


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """l1_regularizer(scale_l1) + l2_regularizer(scale_l2)."""
    if isinstance(scale_l1, numbers.Integral):
        raise ValueError('scale_l1 cannot be an integer: %s' % (scale_l1,))
    if isinstance(scale_l2, numbers.Integral):
        raise ValueError('scale_l2 cannot be an integer: %s' % (scale_l2,))
    scope = scope or 'l1_l2_regularizer'
    if scale_l1 == 0.:
        return l2_regularizer(scale_l2, scope)
    if scale_l2 == 0.:
        return l1_regularizer(scale_l1, scope)
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)], scope=scope)


def apply_regularization(regularizer, weights_list=None):
    """Sums regularizer(w) over `weights_list` (default: the WEIGHTS collection) into one scalar,
    added to REGULARIZATION_LOSSES."""
    g = _graph.get_default_graph()
    if not weights_list:
        weights_list = g.get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError('No weights to regularize.')
    with _graph.name_scope('get_regularization_penalty', values=weights_list) as scope:
        penalties = [regularizer(w) for w in weights_list]
        penalties = [p if p is not None else constant_op.constant(0.0) for p in penalties]
        for p in penalties:
            if p.get_shape().ndims != 0:
                raise ValueError('regularizer must return a scalar Tensor instead of a Tensor with rank %d.'
                                 % p.get_shape().ndims)
        summed = math_ops.add_n(penalties, name=scope)
    g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, summed)
    return summed
