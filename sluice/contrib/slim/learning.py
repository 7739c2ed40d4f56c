"""slim.learning's graph-building part: create_train_op and its gradient transforms.

create_train_op(total_loss, optimizer) makes the loss wait for an 'update_barrier' no-op that depends on
the update ops (UPDATE_OPS by default: batch_norm's moving averages), computes the gradients of the
trainable variables (or variables_to_train), multiplies and clips them per variable if asked, applies
them (incrementing the global step, created if missing), and returns the loss checked for inf/nan
after the step, added to TRAIN_OP. slim.learning.train (the Supervisor loop) is not implemented.
"""
import logging

from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import check_ops, clip_ops, control_flow_ops, graph_ops, summary_ops
from sluice.ops import variables as _variables
from sluice.ops.indexed_slices import IndexedSlices
from sluice.training import training_util
from sluice.training.optimizer import Optimizer

__all__ = ['create_train_op', 'clip_gradient_norms', 'multiply_gradients', 'add_gradients_summaries']

_log = logging.getLogger('sluice')
_USE_GLOBAL_STEP = 0


def _map_values(grad, fn):
    if isinstance(grad, IndexedSlices):
        return IndexedSlices(fn(grad.values), grad.indices, grad.dense_shape)
    return fn(grad)


def clip_gradient_norms(gradients_to_variables, max_norm):
    """Each gradient clipped to L2 norm `max_norm` (clip_by_norm)."""
    return [(None if g is None else _map_values(g, lambda t: clip_ops.clip_by_norm(t, max_norm)), v)
            for g, v in gradients_to_variables]


def multiply_gradients(grads_and_vars, gradient_multipliers):
    """Gradients scaled by gradient_multipliers[variable or its op name]."""
    if not isinstance(grads_and_vars, list):
        raise ValueError('`grads_and_vars` must be a list.')
    if not gradient_multipliers:
        raise ValueError('`gradient_multipliers` is empty.')
    if not isinstance(gradient_multipliers, dict):
        raise ValueError('`gradient_multipliers` must be a dict.')
    result = []
    for grad, var in grads_and_vars:
        if var in gradient_multipliers or var.op.name in gradient_multipliers:
            key = var if var in gradient_multipliers else var.op.name
            if grad is None:
                raise ValueError('Requested multiple of `None` gradient.')
            factor = gradient_multipliers[key]
            grad = _map_values(grad, lambda t: t * _graph.convert_to_tensor(factor, dtype=t.dtype))
        result.append((grad, var))
    return result


def add_gradients_summaries(grads_and_vars):
    """A histogram and a norm summary per gradient."""
    summaries = []
    for grad, var in grads_and_vars:
        if grad is None:
            _log.info('Var %s has no gradient', var.op.name)
            continue
        values = grad.values if isinstance(grad, IndexedSlices) else grad
        summaries.append(summary_ops.histogram(var.op.name + '_gradient', values))
        summaries.append(summary_ops.scalar(var.op.name + '_gradient_norm', clip_ops.global_norm([values])))
    return summaries


def create_train_op(total_loss, optimizer, global_step=_USE_GLOBAL_STEP, update_ops=None, variables_to_train=None,
                    clip_gradient_norm=0, summarize_gradients=False, gate_gradients=Optimizer.GATE_OP,
                    aggregation_method=None, colocate_gradients_with_ops=False, gradient_multipliers=None,
                    check_numerics=True):
    """The train op: `total_loss` evaluated after one optimizer step (see the module docstring)."""
    g = _graph.get_default_graph()
    if global_step is _USE_GLOBAL_STEP:
        global_step = training_util.get_or_create_global_step()
    all_updates = set(g.get_collection(GraphKeys.UPDATE_OPS))
    update_ops = all_updates if update_ops is None else set(update_ops)
    if not all_updates.issubset(update_ops):
        _log.warning('update_ops in create_train_op does not contain all the update_ops in GraphKeys.UPDATE_OPS')
    if update_ops:
        with g.control_dependencies(sorted(update_ops, key=lambda t: t.name)):
            barrier = graph_ops.no_op(name='update_barrier')
        total_loss = control_flow_ops.with_dependencies([barrier], total_loss)
    if variables_to_train is None:
        variables_to_train = _variables.trainable_variables()
    if not variables_to_train:
        raise ValueError('create_train_op: there are no variables to train.')
    grads = optimizer.compute_gradients(total_loss, variables_to_train, gate_gradients=gate_gradients,
                                        aggregation_method=aggregation_method,
                                        colocate_gradients_with_ops=colocate_gradients_with_ops)
    if gradient_multipliers:
        with g.name_scope('multiply_grads'):
            grads = multiply_gradients(grads, gradient_multipliers)
    if clip_gradient_norm > 0:
        with g.name_scope('clip_grads'):
            grads = clip_gradient_norms(grads, clip_gradient_norm)
    if summarize_gradients:
        with g.name_scope('summarize_grads'):
            add_gradients_summaries(grads)
    grad_updates = optimizer.apply_gradients(grads, global_step=global_step)
    with g.name_scope('train_op'):
        if check_numerics:
            total_loss = check_ops.check_numerics(total_loss, 'LossTensor is inf or nan')
        train_op = control_flow_ops.with_dependencies([grad_updates], total_loss)
    train_ops = g.get_collection_ref(GraphKeys.TRAIN_OP)
    if train_op not in train_ops:
        train_ops.append(train_op)
    return train_op


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.slim.learning')
