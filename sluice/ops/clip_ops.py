"""Clipping (TF's clip_ops; top-level tf.* in TF 1.x): clip_by_value, clip_by_norm, global_norm,
clip_by_global_norm, clip_by_average_norm, built as TF builds them (same ops, same name scopes).

clip_by_norm takes the square root only where the sum of squares is positive (no NaN gradient at 0);
clip_by_global_norm scales every tensor by clip_norm / max(global_norm, clip_norm), and a non-finite global
norm makes every value NaN, as in TF.
"""
from sluice.engine import dtypes
from sluice.engine import op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import array_ops, constant_op, graph_ops, math_ops
from sluice.ops.nn_losses import l2_loss

__all__ = ['clip_by_value', 'clip_by_norm', 'clip_by_global_norm', 'global_norm', 'clip_by_average_norm']


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Minimum then Maximum in a 'clip_by_value' scope; the Maximum node takes the scope's name."""
    with name_scope(name, 'clip_by_value', [t, clip_value_min, clip_value_max]) as scope:
        values = convert_to_tensor(t, name='t')
        t_min = op_builder.output('Minimum', [values, clip_value_max], name='Minimum')
        values.shape.merge_with(t_min.shape)
        t_max = op_builder.output('Maximum', [t_min, clip_value_min], name=scope)
        values.shape.merge_with(t_max.shape)
        return t_max


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(l2norm(t, axes), clip_norm): rescales t so its L2 norm is at most clip_norm."""
    with name_scope(name, 'clip_by_norm', [t, clip_norm]) as scope:
        values = convert_to_tensor(t, name='t')
        l2sum = math_ops.reduce_sum(values * values, axes, keepdims=True)
        pred = l2sum > 0
        l2sum_safe = array_ops.where(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(pred, math_ops.sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        values.shape.assert_is_compatible_with(intermediate.shape)
        return graph_ops.identity(intermediate / math_ops.maximum(l2norm, clip_norm), name=scope)


def _tensor_list(t_list):
    if not isinstance(t_list, (list, tuple)):
        raise TypeError('`t_list` should be a sequence of tensors. Received %s.' % type(t_list))
    return list(t_list)


def global_norm(t_list, name=None):
    """sqrt(sum(l2norm(t) ** 2 for t in t_list)), skipping None entries."""
    t_list = _tensor_list(t_list)
    with name_scope(name, 'global_norm', [t for t in t_list if t is not None]):
        values = [convert_to_tensor(t, name='t_%d' % i) if t is not None else None for i, t in enumerate(t_list)]
        halves = []
        for v in values:
            if v is not None:
                with v.graph.colocate_with(v):
                    halves.append(l2_loss(v))
        half = math_ops.reduce_sum(array_ops.stack(halves))
        two = constant_op.constant(2.0, dtype=half.dtype.base_dtype)
        return math_ops.sqrt(half * two, name='global_norm')


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(list of t * clip_norm / max(global_norm, clip_norm), global_norm); None entries stay None and a
    non-finite global norm makes every value NaN."""
    t_list = _tensor_list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with name_scope(name, 'clip_by_global_norm', [t for t in t_list if t is not None] + [clip_norm]) as scope:
        dt = use_norm.dtype.base_dtype
        finite_scale = clip_norm * math_ops.minimum(1.0 / use_norm, constant_op.constant(1.0, dtype=dt) / clip_norm)
        scale = finite_scale + (use_norm - use_norm)  # NaN when the norm is inf or NaN
        values = [convert_to_tensor(t, name='t_%d' % i) if t is not None else None for i, t in enumerate(t_list)]
        clipped = []
        for i, v in enumerate(values):
            if v is None:
                clipped.append(None)
                continue
            with v.graph.colocate_with(v):
                clipped.append(graph_ops.identity(v * scale, name='%s_%d' % (scope, i)))
        return clipped, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """t * clip_norm / max(l2norm(t) / size(t), clip_norm)."""
    with name_scope(name, 'clip_by_average_norm', [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name='t')
        n = math_ops.cast(array_ops.size(t), dtypes.float32)
        inv = math_ops.rsqrt(math_ops.reduce_sum(t * t, array_ops.range(array_ops.rank(t))))
        return graph_ops.identity(t * clip_norm * math_ops.minimum(inv * n, constant_op.constant(1.0) / clip_norm),
                                  name=scope)
