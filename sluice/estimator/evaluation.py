"""One evaluation pass of an Estimator, as TF 1.15's training/evaluation.py and estimator.py run it.

The graph counts evaluation batches in a local int64 variable 'eval_step' (collections LOCAL_VARIABLES and
EVAL_STEP); each run executes the metric update ops and increments it; StopAfterNEvalsHook stops after
`steps` batches (else the input's end-of-data ends the pass); a FinalOpsHook reads the metric values at
the end. The results are written as one Summary to the eval directory at the checkpoint's global step,
with the checkpoint path as a string tensor summary, as TF writes them.
"""
import logging
import math
import time

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.io.protos import Summary
from sluice.io.tensor_proto import make_tensor_proto
from sluice.ops import graph_ops, init_ops, state_ops, variable_scope
from sluice.training import monitored_session
from sluice.training import session_run_hooks as hooks_lib

__all__ = ['get_or_create_eval_step', 'StopAfterNEvalsHook', 'evaluate_once', 'write_dict_to_summary',
           'write_checkpoint_path_to_summary']

_log = logging.getLogger('sluice')


def get_or_create_eval_step():
    """The graph's eval step counter (a local int64 variable), created on first use."""
    graph = _graph.get_default_graph()
    found = graph.get_collection(GraphKeys.EVAL_STEP)
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ValueError('Multiple tensors added to tf.GraphKeys.EVAL_STEP')
    return variable_scope.get_variable('eval_step', shape=[], dtype=dtypes.int64,
                                       initializer=init_ops.zeros_initializer(), trainable=False,
                                       collections=[GraphKeys.LOCAL_VARIABLES, GraphKeys.EVAL_STEP])


class StopAfterNEvalsHook(hooks_lib.SessionRunHook):
    """Requests stop once `num_evals` batches were evaluated (never, when None); logs the progress."""

    def __init__(self, num_evals, log_progress=True):
        self._num_evals = num_evals
        self._evals_completed = None
        self._log_progress = log_progress
        self._log_frequency = 1 if (num_evals is None or num_evals < 20) else math.floor(num_evals / 10.)

    def _set_evals_completed_tensor(self, updated_eval_step):
        self._evals_completed = updated_eval_step

    def before_run(self, run_context):
        return hooks_lib.SessionRunArgs({'evals_completed': self._evals_completed})

    def after_run(self, run_context, run_values):
        done = run_values.results['evals_completed']
        if self._log_progress:
            if self._num_evals is None:
                _log.info('Evaluation [%d]', done)
            elif done % self._log_frequency == 0 or done == self._num_evals:
                _log.info('Evaluation [%d/%d]', done, self._num_evals)
        if self._num_evals is not None and done >= self._num_evals:
            run_context.request_stop()


def evaluate_once(checkpoint_path, scaffold=None, eval_ops=None, final_ops=None, hooks=None, config=None):
    """Restores `checkpoint_path` (or initializes), runs eval_ops until stopped; returns final_ops' values."""
    eval_step = get_or_create_eval_step()
    hooks = list(hooks or [])
    if eval_ops is not None:
        update_eval_step = state_ops.assign_add(eval_step, 1, use_locking=True)
        eval_ops = [eval_ops, update_eval_step]
        with _graph.get_default_graph().control_dependencies(eval_ops):
            eval_step_value = graph_ops.identity(eval_step.read_value())
        for hook in hooks:
            if isinstance(hook, StopAfterNEvalsHook):
                hook._set_evals_completed_tensor(eval_step_value)  # pylint: disable=protected-access
    _log.info('Starting evaluation at ' + time.strftime('%Y-%m-%dT%H:%M:%SZ', time.localtime()))
    creator = monitored_session.ChiefSessionCreator(scaffold=scaffold, checkpoint_filename_with_path=checkpoint_path,
                                                    config=config)
    final_ops_hook = hooks_lib.FinalOpsHook(final_ops)
    hooks.append(final_ops_hook)
    with monitored_session.MonitoredSession(session_creator=creator, hooks=hooks) as session:
        if eval_ops is not None:
            while not session.should_stop():
                session.run(eval_ops)
    _log.info('Finished evaluation at ' + time.strftime('%Y-%m-%d-%H:%M:%S', time.localtime()))
    return final_ops_hook.final_ops_values


def _dict_to_str(dictionary):
    return ', '.join('%s = %s' % (k, v) for k, v in sorted(dictionary.items()) if not isinstance(v, bytes))


def write_dict_to_summary(output_dir, dictionary, current_global_step):
    """Writes the evaluation results (floats, ints, arrays, serialized Summaries) to output_dir's events."""
    from sluice.summary import FileWriterCache
    _log.info('Saving dict for global step %d: %s', current_global_step, _dict_to_str(dictionary))
    summary = Summary()
    for key, value in dictionary.items():
        if value is None or key == 'global_step':
            continue
        if isinstance(value, (np.floating, float)):
            summary.value.add(tag=key, simple_value=float(value))
        elif isinstance(value, (np.integer, int)):
            summary.value.add(tag=key, simple_value=int(value))
        elif isinstance(value, bytes):
            try:
                parsed = Summary.FromString(value)
            except Exception:  # pylint: disable=broad-except  (protobuf's DecodeError)
                _log.warning('Skipping summary for %s, cannot parse string to Summary.', key)
                continue
            for i, _ in enumerate(parsed.value):
                parsed.value[i].tag = '%s/%d' % (key, i)
            summary.value.extend(parsed.value)
        elif isinstance(value, np.ndarray):
            entry = summary.value.add(tag=key, node_name=key)
            entry.tensor.CopyFrom(make_tensor_proto(value))
        else:
            _log.warning('Skipping summary for %s, must be a float, np.float32, np.int64, np.int32 or int or '
                         'np.ndarray or a serialized string of Summary.', key)
    writer = FileWriterCache.get(output_dir)
    writer.add_summary(summary, current_global_step)
    writer.flush()


def write_checkpoint_path_to_summary(output_dir, checkpoint_path, current_global_step):
    """Writes the evaluated checkpoint's path as a string tensor summary tagged 'checkpoint_path'."""
    from sluice.summary import FileWriterCache
    _log.info("Saving 'checkpoint_path' summary for global step %d: %s", current_global_step, checkpoint_path)
    summary = Summary()
    summary.value.add(tag='checkpoint_path', tensor=make_tensor_proto(checkpoint_path, dtype=dtypes.string))
    writer = FileWriterCache.get(output_dir)
    writer.add_summary(summary, current_global_step)
    writer.flush()
