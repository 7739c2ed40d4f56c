"""slim.learning's graph-building part: create_train_op and its gradient transforms.

create_train_op(total_loss, optimizer) makes the loss wait for an 'update_barrier' no-op that depends on
the update ops (UPDATE_OPS by default: batch_norm's moving averages), computes the gradients of the
trainable variables (or variables_to_train), multiplies and clips them per variable if asked, applies
them (incrementing the global step, created if missing), and returns the loss checked for inf/nan
after the step, added to TRAIN_OP.

train(train_op, logdir, number_of_steps=...) is slim's training loop, on one machine, in the calling
thread: it restores the latest checkpoint of `logdir` if there is one, else runs init_op (and
init_fn), starts the queue runners, then calls train_step_fn until it says stop (global step >=
number_of_steps) or an input queue runs out; it writes the graph and, every save_summaries_secs, the
summaries to `logdir`, a checkpoint 'model.ckpt-<step>' every save_interval_secs and one at the end, and
returns the last loss. (TF's Supervisor does the periodic writes in threads; distributed training,
sync_optimizer and tracing are not implemented.)
"""
import logging
import os
import time

from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import check_ops, clip_ops, control_flow_ops, graph_ops, summary_ops
from sluice.ops import variables as _variables
from sluice.ops.indexed_slices import IndexedSlices
from sluice.training import training_util
from sluice.training.optimizer import Optimizer

__all__ = ['create_train_op', 'clip_gradient_norms', 'multiply_gradients', 'add_gradients_summaries', 'train',
           'train_step']

_log = logging.getLogger('sluice')
_USE_GLOBAL_STEP = 0
_USE_DEFAULT = 0


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


def train_step(sess, train_op, global_step, train_step_kwargs):
    """One step: runs train_op and the global step; logs and decides to stop as train_step_kwargs say.
    Returns (total_loss, should_stop)."""
    if 'should_trace' in train_step_kwargs:
        raise NotImplementedError('sluice does not implement slim.learning.train(trace_every_n_steps=...) yet')
    start = time.time()
    total_loss, step = sess.run([train_op, global_step])
    elapsed = time.time() - start
    if 'should_log' in train_step_kwargs and sess.run(train_step_kwargs['should_log']):
        _log.info('global step %d: loss = %.4f (%.3f sec/step)', step, total_loss, elapsed)
    should_stop = bool(sess.run(train_step_kwargs['should_stop'])) if 'should_stop' in train_step_kwargs else False
    return total_loss, should_stop


def _step_kwargs(global_step, number_of_steps, log_every_n_steps):
    from sluice.ops import constant_op, math_ops
    with _graph.get_default_graph().name_scope('train_step'):
        kwargs = {'should_stop': math_ops.greater_equal(global_step, number_of_steps) if number_of_steps
                  else constant_op.constant(False)}
        if log_every_n_steps > 0:
            kwargs['should_log'] = math_ops.equal(math_ops.mod(global_step, log_every_n_steps), 0)
    return kwargs


class _PeriodicWriter(object):
    """Summaries and checkpoints of `logdir`, written when their period has passed since the last time."""

    def __init__(self, sess, logdir, saver, global_step, summary_op, summary_writer, summary_secs, save_secs):
        self._sess, self._saver, self._global_step = sess, saver, global_step
        self._summary_op, self._writer = summary_op, summary_writer
        self._path = os.path.join(logdir, 'model.ckpt')
        self._summary_secs, self._save_secs = summary_secs, save_secs
        self._last_summary, self._last_save = None, time.time()

    def after_step(self):
        now = time.time()
        due = self._last_summary is None or now - self._last_summary >= self._summary_secs
        if self._writer is not None and self._summary_op is not None and due:
            summary, step = self._sess.run([self._summary_op, self._global_step])
            self._writer.add_summary(summary, step)
            self._last_summary = now
        if self._save_secs and now - self._last_save >= self._save_secs:
            self.save()

    def save(self):
        self._saver.save(self._sess, self._path, global_step=self._global_step)
        self._last_save = time.time()


def _prepare_session(sess, logdir, saver, init_op, init_feed_dict, init_fn, local_init_op):
    """Restores the latest checkpoint of logdir, else initializes; then runs the local init op."""
    from sluice.io.checkpoint_state import latest_checkpoint
    checkpoint = latest_checkpoint(logdir) if logdir else None
    if checkpoint:
        saver.restore(sess, checkpoint)
    else:
        if init_op is not None:
            sess.run(init_op, init_feed_dict)
        if init_fn is not None:
            init_fn(sess)
    if local_init_op is not None:
        sess.run(local_init_op)


def train(train_op, logdir, train_step_fn=train_step, train_step_kwargs=_USE_DEFAULT, log_every_n_steps=1,
          graph=None, master='', is_chief=True, global_step=None, number_of_steps=None, init_op=_USE_DEFAULT,
          init_feed_dict=None, local_init_op=_USE_DEFAULT, init_fn=None, ready_op=_USE_DEFAULT,
          summary_op=_USE_DEFAULT, save_summaries_secs=600, summary_writer=_USE_DEFAULT, startup_delay_steps=0,
          saver=None, save_interval_secs=600, sync_optimizer=None, session_config=None, session_wrapper=None,
          trace_every_n_steps=None, ignore_live_threads=False):
    """Runs train_op until number_of_steps (see the module docstring); returns the last loss."""
    from sluice.engine import errors
    from sluice.engine.session import Session
    from sluice.io.saver import Saver
    from sluice.ops.summary_ops import merge_all
    from sluice.queues.coordinator import Coordinator
    from sluice.queues.queue_runner import start_queue_runners
    from sluice.summary import FileWriter
    if train_op is None:
        raise ValueError('train_op cannot be None.')
    if logdir is None:
        if summary_op != _USE_DEFAULT:
            raise ValueError('Cannot provide summary_op because logdir=None')
        if saver is not None:
            raise ValueError('Cannot provide saver because logdir=None')
        if trace_every_n_steps is not None:
            raise ValueError('Cannot provide trace_every_n_steps because logdir=None')
    if number_of_steps is not None and number_of_steps <= 0:
        raise ValueError('`number_of_steps` must be either None or a positive number.')
    if sync_optimizer is not None or not is_chief or trace_every_n_steps is not None:
        raise NotImplementedError('sluice does not implement slim.learning.train with sync_optimizer, '
                                  'is_chief=False or trace_every_n_steps yet')
    graph = graph or _graph.get_default_graph()
    with graph.as_default():
        if global_step is None:
            global_step = training_util.get_or_create_global_step()
        saver = saver or (Saver() if logdir else None)
        with graph.name_scope('init_ops'):
            if init_op == _USE_DEFAULT:
                init_op = _variables.global_variables_initializer()
            if local_init_op == _USE_DEFAULT:
                local_init_op = _variables.local_variables_initializer()
        if summary_op == _USE_DEFAULT:
            summary_op = merge_all()
        if train_step_kwargs == _USE_DEFAULT:
            train_step_kwargs = _step_kwargs(global_step, number_of_steps, log_every_n_steps)
    if summary_writer == _USE_DEFAULT:
        summary_writer = FileWriter(logdir, graph) if logdir else None
    total_loss = None
    with Session(master, graph=graph, config=session_config) as sess:
        _prepare_session(sess, logdir, saver, init_op, init_feed_dict, init_fn, local_init_op)
        if session_wrapper is not None:
            sess = session_wrapper(sess)
        writer = _PeriodicWriter(sess, logdir, saver, global_step, summary_op, summary_writer,
                                 save_summaries_secs, save_interval_secs) if logdir else None
        coord = Coordinator()
        threads = start_queue_runners(sess, coord)
        try:
            while True:
                total_loss, should_stop = train_step_fn(sess, train_op, global_step, train_step_kwargs)
                if writer is not None:
                    writer.after_step()
                if should_stop:
                    _log.info('Stopping Training.')
                    break
        except errors.OutOfRangeError as e:
            _log.info('Caught OutOfRangeError. Stopping Training. %s', e)
        finally:
            coord.request_stop()
        if writer is not None:
            _log.info('Finished training! Saving model to disk.')
            writer.save()
        coord.join(threads, stop_grace_period_secs=120, ignore_live_threads=ignore_live_threads)
    if summary_writer is not None:
        summary_writer.close()
    return total_loss


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.slim.learning')
