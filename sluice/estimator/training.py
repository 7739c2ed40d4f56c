"""tf.estimator.train_and_evaluate with TrainSpec / EvalSpec, in one process (TF 1.15's run_local).

Training runs once, to train_spec.max_steps; a CheckpointSaverListener evaluates after each checkpoint
save except the first (the step-0 checkpoint written at session creation), at most every
eval_spec.throttle_secs seconds, and once more at the end of training if the last checkpoint was not
evaluated. A checkpoint already evaluated is not evaluated again. Returns (the last evaluation's
metrics, export results); exporters are not implemented yet (Estimator.export_saved_model is).
"""
import collections
import logging

from sluice.estimator.estimator import Estimator
from sluice.training import session_run_hooks as hooks_lib

__all__ = ['TrainSpec', 'EvalSpec', 'train_and_evaluate']

_log = logging.getLogger('sluice')


def _validate_input_fn(input_fn):
    if not callable(input_fn):
        raise TypeError('`input_fn` must be callable, given: {}'.format(input_fn))


def _validate_hooks(hooks):
    hooks = tuple(hooks or [])
    for hook in hooks:
        if not isinstance(hook, hooks_lib.SessionRunHook):
            raise TypeError('All hooks must be `SessionRunHook` instances, given: {}'.format(hook))
    return hooks


class TrainSpec(collections.namedtuple('TrainSpec', ['input_fn', 'max_steps', 'hooks'])):
    """The training half of train_and_evaluate: input_fn, max_steps (None: until the input ends), hooks."""

    def __new__(cls, input_fn, max_steps=None, hooks=None):
        _validate_input_fn(input_fn)
        if max_steps is not None and max_steps <= 0:
            raise ValueError('Must specify max_steps > 0, given: {}'.format(max_steps))
        return super().__new__(cls, input_fn=input_fn, max_steps=max_steps, hooks=_validate_hooks(hooks))


class EvalSpec(collections.namedtuple('EvalSpec', ['input_fn', 'steps', 'name', 'hooks', 'exporters',
                                                   'start_delay_secs', 'throttle_secs'])):
    """The evaluation half: input_fn, steps (None: to the input's end), name, hooks, throttle_secs, ..."""

    def __new__(cls, input_fn, steps=100, name=None, hooks=None, exporters=None, start_delay_secs=120,
                throttle_secs=600):
        _validate_input_fn(input_fn)
        if steps is not None and steps <= 0:
            raise ValueError('Must specify steps > 0, given: {}'.format(steps))
        if name is not None and not isinstance(name, str):
            raise TypeError('`name` must be string, given: {}'.format(name))
        if exporters:
            raise NotImplementedError('EvalSpec(exporters=...): sluice does not implement exporters yet; call '
                                      'Estimator.export_saved_model after training instead')
        if start_delay_secs < 0:
            raise ValueError('Must specify start_delay_secs >= 0, given: {}'.format(start_delay_secs))
        if throttle_secs < 0:
            raise ValueError('Must specify throttle_secs >= 0, given: {}'.format(throttle_secs))
        return super().__new__(cls, input_fn=input_fn, steps=steps, name=name, hooks=_validate_hooks(hooks),
                               exporters=(), start_delay_secs=start_delay_secs, throttle_secs=throttle_secs)


class _EvaluateAfterCheckpoint(hooks_lib.CheckpointSaverListener):
    """Evaluates the newest checkpoint after saves, throttled; and at the end when the last one was skipped."""

    def __init__(self, estimator, eval_spec):
        self._estimator = estimator
        self._eval_spec = eval_spec
        self._previous_checkpoint = None
        self.eval_result = None

    def begin(self):
        self._timer = hooks_lib.SecondOrStepTimer(every_secs=self._eval_spec.throttle_secs)
        self._is_first_run = True

    def after_save(self, session, global_step_value):
        if self._is_first_run:  # the checkpoint written when the session was created
            self._is_first_run = False
            return
        if self._timer.should_trigger_for_step(global_step_value):
            self._evaluate(global_step_value)
        else:
            _log.info('Skip the current checkpoint eval due to throttle secs ({} secs).'.format(
                self._eval_spec.throttle_secs))

    def end(self, session, global_step_value):
        if global_step_value != self._timer.last_triggered_step():
            self._evaluate(global_step_value)

    def _evaluate(self, global_step_value):
        self._timer.update_last_triggered_step(global_step_value)
        checkpoint = self._estimator.latest_checkpoint()
        if not checkpoint:
            raise RuntimeError('There was no new checkpoint after the training. Eval status: missing checkpoint')
        if checkpoint == self._previous_checkpoint:
            _log.warning('No new checkpoint ready for evaluation. Skip the current evaluation pass as evaluation '
                         'results are expected to be same for the same checkpoint.')
            return
        self.eval_result = self._estimator.evaluate(input_fn=self._eval_spec.input_fn, steps=self._eval_spec.steps,
                                                    name=self._eval_spec.name, checkpoint_path=checkpoint,
                                                    hooks=self._eval_spec.hooks)
        self._previous_checkpoint = checkpoint


def train_and_evaluate(estimator, train_spec, eval_spec):
    """Trains `estimator` per train_spec, evaluating per eval_spec after checkpoints; (metrics, exports)."""
    if not isinstance(eval_spec, EvalSpec):
        raise TypeError('`eval_spec` must have type `tf.estimator.EvalSpec`. Got: {}'.format(type(eval_spec)))
    if not isinstance(estimator, Estimator):
        raise TypeError('`estimator` must have type `tf.estimator.Estimator`. Got: {}'.format(type(estimator)))
    if not isinstance(train_spec, TrainSpec):
        raise TypeError('`train_spec` must have type `tf.estimator.TrainSpec`. Got: {}'.format(type(train_spec)))
    config = estimator.config
    _log.info('Start train and evaluate loop. The evaluate will happen after every checkpoint. Checkpoint frequency '
              'is determined based on RunConfig arguments: save_checkpoints_steps {} or save_checkpoints_secs '
              '{}.'.format(config.save_checkpoints_steps, config.save_checkpoints_secs))
    listener = _EvaluateAfterCheckpoint(estimator, eval_spec)
    estimator.train(input_fn=train_spec.input_fn, max_steps=train_spec.max_steps, hooks=list(train_spec.hooks),
                    saving_listeners=[listener])
    return (listener.eval_result, [])
