"""tf.estimator.Estimator: train / evaluate / predict a model_fn, each in a fresh graph, through model_dir.

As TF 1.15 runs them (tensorflow_estimator/python/estimator/estimator.py):
  train:    graph seed = config.tf_random_seed; create the global step; input_fn (on /cpu:0) -> (features,
            labels); model_fn(TRAIN); a 'loss' scalar summary; a Saver (sharded, keep_checkpoint_max,
            relative paths) in SAVERS; hooks: the caller's, StopAtStepHook(steps, max_steps), NanTensorHook,
            LoggingTensorHook(loss, step), the spec's; a CheckpointSaverHook on the chief (saving
            model.ckpt-N and graph.pbtxt in model_dir) carrying the saving listeners; then a
            MonitoredTrainingSession (which restores the latest checkpoint of model_dir and writes the
            summaries and global_step/sec there) runs [train_op, loss] until stopped.
  evaluate: model_fn(EVAL); a 'loss' metric (mean of the loss) joins eval_metric_ops; the update ops
            run until `steps` batches or the end of the input (evaluation.py); the results, with
            'global_step', are written to model_dir/eval (eval_<name>) and returned.
  predict:  model_fn(PREDICT); yields the predictions batch by batch or example by example.
An input_fn may return (features, labels), features alone, or a dataset-like object: one with
make_initializable_iterator() (initialized by a hook, as TF does) or make_one_shot_iterator().
"""
import copy
import inspect
import logging
import os
import tempfile

from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.estimator import evaluation
from sluice.estimator import model_fn as model_fn_lib
from sluice.estimator import saved_model_export
from sluice.estimator.mode_keys import ModeKeys
from sluice.estimator.run_config import RunConfig, get_default_session_config
from sluice.io import checkpoint_reader
from sluice.io.saver import Saver, latest_checkpoint
from sluice.ops import graph_ops
from sluice.ops import summary_ops
from sluice.training import monitored_session
from sluice.training import session_run_hooks as hooks_lib
from sluice.training import training_util

__all__ = ['Estimator']

_log = logging.getLogger('sluice')

_VALID_MODEL_FN_ARGS = {'features', 'labels', 'mode', 'params', 'self', 'config'}


def _fn_args(fn):
    """The names of fn's parameters (of fn.func for a functools.partial, less the ones it binds)."""
    return tuple(inspect.signature(fn).parameters)


def _verify_model_fn_args(model_fn, params):
    args = set(_fn_args(model_fn))
    if 'features' not in args:
        raise ValueError('model_fn (%s) must include features argument.' % model_fn)
    if params is not None and 'params' not in args:
        raise ValueError('model_fn (%s) does not include params argument, but params (%s) is passed to Estimator.'
                         % (model_fn, params))
    if params is None and 'params' in args:
        _log.warning("Estimator's model_fn (%s) includes params argument, but params are not passed to Estimator.",
                     model_fn)
    unexpected = list(args - _VALID_MODEL_FN_ARGS)
    if unexpected:
        raise ValueError('model_fn (%s) has following not expected args: %s' % (model_fn, unexpected))


def _config_with_model_dir(config, model_dir):
    """The config with its session config and model_dir filled in (a temporary directory when none)."""
    if config is None:
        config = RunConfig()
        _log.info('Using default config.')
    if not isinstance(config, RunConfig):
        raise ValueError('config must be an instance of `RunConfig`, but provided %s.' % config)
    if config.session_config is None:
        config = config.replace(session_config=get_default_session_config())
    model_dir = os.fspath(model_dir) if model_dir is not None else None
    if model_dir is not None and config.model_dir is not None and config.model_dir != model_dir:
        raise ValueError("`model_dir` are set both in constructor and `RunConfig`, but with different values. In "
                         "constructor: '{}', in `RunConfig`: '{}' ".format(model_dir, config.model_dir))
    if model_dir:
        config = config.replace(model_dir=model_dir)
    elif config.model_dir is None:
        model_dir = tempfile.mkdtemp()
        _log.warning('Using temporary folder as model directory: %s', model_dir)
        config = config.replace(model_dir=model_dir)
    return config


def _check_hooks_type(hooks):
    hooks = list(hooks or [])
    for hook in hooks:
        if not isinstance(hook, hooks_lib.SessionRunHook):
            raise TypeError('Hooks must be a SessionRunHook, given: {}'.format(hook))
    return hooks


def _check_listeners_type(listeners):
    listeners = list(listeners or [])
    for listener in listeners:
        if not isinstance(listener, hooks_lib.CheckpointSaverListener):
            raise TypeError('saving_listeners must be a list of CheckpointSaverListener, given: {}'.format(listener))
    return listeners


def _load_global_step_from_checkpoint_dir(checkpoint_dir):
    path = latest_checkpoint(checkpoint_dir)
    if not path:
        return 0
    try:
        return int(checkpoint_reader.NewCheckpointReader(path).get_tensor(GraphKeys.GLOBAL_STEP))
    except Exception:  # pylint: disable=broad-except  (TF: any failure to read means step 0)
        return 0


class _DatasetInitializerHook(hooks_lib.SessionRunHook):
    """Runs an initializable iterator's initializer once the session exists."""

    def __init__(self, iterator):
        self._iterator = iterator

    def begin(self):
        self._initializer = self._iterator.initializer

    def after_create_session(self, session, coord):
        session.run(self._initializer)


def _parse_input_fn_result(result):
    """(features, labels, input hooks) from what an input_fn returned."""
    hooks = []
    if not isinstance(result, (tuple, list, dict)) and (hasattr(result, 'make_initializable_iterator')
                                                         or hasattr(result, 'make_one_shot_iterator')):
        if hasattr(result, 'make_initializable_iterator'):
            iterator = result.make_initializable_iterator()
            hooks.append(_DatasetInitializerHook(iterator))
        else:
            iterator = result.make_one_shot_iterator()
        result = iterator.get_next()
    if isinstance(result, (list, tuple)):
        if len(result) != 2:
            raise ValueError('input_fn should return (features, labels) as a len 2 tuple.')
        return result[0], result[1], hooks
    return result, None, hooks


def _extract_metric_update_ops(eval_dict):
    update_ops, value_ops = [], {}
    for name, value in sorted(eval_dict.items()):
        value_ops[name] = value[0]
        update_ops.append(value[1])
    return (graph_ops.group(*update_ops) if update_ops else None), value_ops


class Estimator:
    """Trains, evaluates and predicts with a model_fn, keeping its state in model_dir's checkpoints."""

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if warm_start_from is not None:
            raise NotImplementedError('Estimator(warm_start_from=...): sluice does not implement warm starting yet')
        self._config = _config_with_model_dir(config, model_dir)
        self._model_dir = self._config.model_dir
        self._session_config = self._config.session_config
        _log.info('Using config: %s', str(vars(self._config)))
        if model_fn is None:
            raise ValueError('model_fn must be provided to Estimator.')
        _verify_model_fn_args(model_fn, params)
        self._model_fn = model_fn
        self._params = copy.deepcopy(params or {})

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: copy.deepcopy(self._config))
    params = property(lambda self: copy.deepcopy(self._params))

    @property
    def model_fn(self):
        """The model_fn bound to this Estimator's params: (features, labels, mode, config) -> EstimatorSpec."""
        def public_model_fn(features, labels, mode, config):
            return self._call_model_fn(features, labels, mode, config)
        return public_model_fn

    # -- checkpoints --
    def _check_checkpoint_available(self):
        if not latest_checkpoint(self._model_dir):
            raise ValueError("Could not find trained model in model_dir: {}.".format(self._model_dir))

    def get_variable_value(self, name):
        """The value of variable `name` in the latest checkpoint of model_dir."""
        self._check_checkpoint_available()
        return checkpoint_reader.load_variable(self._model_dir, name)

    def get_variable_names(self):
        """The names of the variables in the latest checkpoint of model_dir."""
        self._check_checkpoint_available()
        return [name for name, _ in checkpoint_reader.list_variables(self._model_dir)]

    def latest_checkpoint(self):
        return latest_checkpoint(self._model_dir)

    def eval_dir(self, name=None):
        return os.path.join(self._model_dir, 'eval' if not name else 'eval_' + name)

    # -- calling the user's functions --
    def _call_input_fn(self, input_fn, mode):
        args = _fn_args(input_fn)
        kwargs = {}
        if 'mode' in args:
            kwargs['mode'] = mode
        if 'params' in args:
            kwargs['params'] = self.params
        if 'config' in args:
            kwargs['config'] = self.config
        with _graph.get_default_graph().device('/cpu:0'):
            return input_fn(**kwargs)

    def _call_model_fn(self, features, labels, mode, config):
        args = _fn_args(self._model_fn)
        kwargs = {}
        if 'labels' in args:
            kwargs['labels'] = labels
        elif labels is not None:
            raise ValueError('model_fn does not take labels, but input_fn returns labels.')
        if 'mode' in args:
            kwargs['mode'] = mode
        if 'params' in args:
            kwargs['params'] = self.params
        if 'config' in args:
            kwargs['config'] = config
        _log.info('Calling model_fn.')
        spec = self._model_fn(features=features, **kwargs)
        _log.info('Done calling model_fn.')
        if not isinstance(spec, model_fn_lib.EstimatorSpec):
            raise ValueError('model_fn should return an EstimatorSpec.')
        return spec

    def _new_graph(self, graph):
        """Seeds `graph` and creates its global step (the first ops of every Estimator graph)."""
        graph.seed = self._config.tf_random_seed
        step = training_util.create_global_step(graph)
        assert step is training_util.get_global_step(graph)
        return step

    # -- train --
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains for `steps` more steps, or until the global step reaches `max_steps`, or to the input's end."""
        if steps is not None and max_steps is not None:
            raise ValueError('Can not provide both steps and max_steps.')
        if steps is not None and steps <= 0:
            raise ValueError('Must specify steps > 0, given: {}'.format(steps))
        if max_steps is not None and max_steps <= 0:
            raise ValueError('Must specify max_steps > 0, given: {}'.format(max_steps))
        if max_steps is not None and max_steps <= _load_global_step_from_checkpoint_dir(self._model_dir):
            _log.info('Skipping training since max_steps has already saved.')
            return self
        hooks = _check_hooks_type(hooks)
        if steps is not None or max_steps is not None:
            hooks.append(hooks_lib.StopAtStepHook(steps, max_steps))
        saving_listeners = _check_listeners_type(saving_listeners)
        loss = self._train_model(input_fn, hooks, saving_listeners)
        _log.info('Loss for final step: %s.', loss)
        return self

    def _train_model(self, input_fn, hooks, saving_listeners):
        with _graph.Graph().as_default() as g:
            global_step = self._new_graph(g)
            features, labels, input_hooks = _parse_input_fn_result(self._call_input_fn(input_fn, ModeKeys.TRAIN))
            spec = self._call_model_fn(features, labels, ModeKeys.TRAIN, self.config)
            return self._train_with_estimator_spec(spec, input_hooks, hooks, global_step, saving_listeners)

    def _train_with_estimator_spec(self, spec, worker_hooks, hooks, global_step, saving_listeners):
        graph = _graph.get_default_graph()
        if not any(s.op.name == 'loss' for s in graph.get_collection(GraphKeys.SUMMARIES)):
            summary_ops.scalar('loss', spec.loss)
        graph.add_to_collection(GraphKeys.LOSSES, spec.loss)
        worker_hooks = list(worker_hooks) + list(hooks)
        worker_hooks.append(hooks_lib.NanTensorHook(spec.loss))
        if self._config.log_step_count_steps is not None:
            worker_hooks.append(hooks_lib.LoggingTensorHook({'loss': spec.loss, 'step': global_step},
                                                            every_n_iter=self._config.log_step_count_steps))
        worker_hooks.extend(spec.training_hooks)
        if not (spec.scaffold.saver or graph.get_collection(GraphKeys.SAVERS)):
            graph.add_to_collection(GraphKeys.SAVERS, Saver(
                sharded=True, max_to_keep=self._config.keep_checkpoint_max,
                keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours, defer_build=True,
                save_relative_paths=True))
        chief_hooks = []
        saver_hooks = [h for h in worker_hooks + list(spec.training_chief_hooks)
                       if isinstance(h, hooks_lib.CheckpointSaverHook)]
        if (self._config.save_checkpoints_secs or self._config.save_checkpoints_steps) and not saver_hooks:
            chief_hooks = [hooks_lib.CheckpointSaverHook(self._model_dir, save_secs=self._config.save_checkpoints_secs,
                                                         save_steps=self._config.save_checkpoints_steps,
                                                         scaffold=spec.scaffold)]
            saver_hooks = chief_hooks
        if saving_listeners:
            if not saver_hooks:
                raise ValueError('There should be a CheckpointSaverHook to use saving_listeners. Please set one of '
                                 'the RunConfig.save_checkpoints_steps or RunConfig.save_checkpoints_secs.')
            for listener in saving_listeners:
                if listener not in saver_hooks[0]._listeners:  # pylint: disable=protected-access
                    saver_hooks[0]._listeners.append(listener)  # pylint: disable=protected-access
        loss, any_step_done = None, False
        with monitored_session.MonitoredTrainingSession(
                checkpoint_dir=self._model_dir, scaffold=spec.scaffold, hooks=worker_hooks,
                chief_only_hooks=tuple(chief_hooks) + tuple(spec.training_chief_hooks),
                save_checkpoint_secs=0,  # a hook above saves
                save_summaries_steps=self._config.save_summary_steps, config=self._session_config,
                log_step_count_steps=self._config.log_step_count_steps) as session:
            while not session.should_stop():
                _, loss = session.run([spec.train_op, spec.loss])
                any_step_done = True
        if not any_step_done:
            _log.warning('Training with estimator made no steps. Perhaps input is empty or misspecified.')
        return loss

    # -- evaluate --
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Evaluates the latest (or the given) checkpoint: a dict of metric values, 'loss' and 'global_step'."""
        hooks = _check_hooks_type(hooks)
        if steps is not None:
            if steps <= 0:
                raise ValueError('Must specify steps > 0, given: {}'.format(steps))
            hooks.append(evaluation.StopAfterNEvalsHook(num_evals=steps))
        if not checkpoint_path:
            checkpoint_path = latest_checkpoint(self._model_dir)
            if not checkpoint_path:
                _log.info('Could not find trained model in model_dir: {}, running initialization to '
                          'evaluate.'.format(self._model_dir))
        with _graph.Graph().as_default():
            scaffold, update_op, eval_dict, all_hooks = self._evaluate_build_graph(input_fn, hooks)
            results = evaluation.evaluate_once(checkpoint_path, scaffold=scaffold, eval_ops=update_op,
                                               final_ops=eval_dict, hooks=all_hooks, config=self._session_config)
        output_dir = self.eval_dir(name)
        step = results[GraphKeys.GLOBAL_STEP]
        evaluation.write_dict_to_summary(output_dir, results, step)
        if checkpoint_path:
            evaluation.write_checkpoint_path_to_summary(output_dir, checkpoint_path, step)
        return results

    def _evaluate_build_graph(self, input_fn, hooks):
        from sluice import metrics
        graph = _graph.get_default_graph()
        self._new_graph(graph)
        features, labels, input_hooks = _parse_input_fn_result(self._call_input_fn(input_fn, ModeKeys.EVAL))
        spec = self._call_model_fn(features, labels, ModeKeys.EVAL, self.config)
        eval_metric_ops = dict(spec.eval_metric_ops)
        if model_fn_lib.LOSS_METRIC_KEY in eval_metric_ops:
            raise ValueError('Metric with name "%s" is not allowed, because Estimator already defines a default '
                             'metric with the same name.' % model_fn_lib.LOSS_METRIC_KEY)
        eval_metric_ops[model_fn_lib.LOSS_METRIC_KEY] = metrics.mean(spec.loss)
        update_op, eval_dict = _extract_metric_update_ops(eval_metric_ops)
        if GraphKeys.GLOBAL_STEP in eval_dict:
            raise ValueError('Metric with name `global_step` is not allowed, because Estimator already defines a '
                             'default metric with the same name.')
        eval_dict[GraphKeys.GLOBAL_STEP] = training_util.get_global_step(graph)
        all_hooks = list(input_hooks) + list(hooks) + list(spec.evaluation_hooks or [])
        scaffold = spec.scaffold
        if scaffold and scaffold.local_init_op:
            evaluation.get_or_create_eval_step()
            scaffold = monitored_session.Scaffold(
                local_init_op=graph_ops.group(scaffold.local_init_op,
                                                     monitored_session.Scaffold.default_local_init_op()),
                copy_from_scaffold=scaffold)
        return scaffold, update_op, eval_dict, all_hooks

    # -- predict --
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields the predictions of the latest (or the given) checkpoint until the input ends."""
        hooks = _check_hooks_type(hooks)
        if not checkpoint_path:
            checkpoint_path = latest_checkpoint(self._model_dir)
        if not checkpoint_path:
            _log.info('Could not find trained model in model_dir: {}, running initialization to '
                      'predict.'.format(self._model_dir))
        with _graph.Graph().as_default() as g:
            self._new_graph(g)
            features, _, input_hooks = _parse_input_fn_result(self._call_input_fn(input_fn, ModeKeys.PREDICT))
            if not (g.get_collection(GraphKeys.QUEUE_RUNNERS) or input_hooks
                    or any(op.type.startswith('Iterator') for op in g.get_operations())):
                _log.warning('Input graph does not use tf.data.Dataset or contain a QueueRunner. That means predict '
                             'yields forever. This is probably a mistake.')
            spec = self._call_model_fn(features, None, ModeKeys.PREDICT, self.config)
            predictions = self._extract_keys(spec.predictions, predict_keys)
            all_hooks = list(input_hooks) + hooks + list(spec.prediction_hooks or [])
            creator = monitored_session.ChiefSessionCreator(checkpoint_filename_with_path=checkpoint_path,
                                                            scaffold=spec.scaffold, config=self._session_config)
            with monitored_session.MonitoredSession(session_creator=creator, hooks=all_hooks) as session:
                while not session.should_stop():
                    values = session.run(predictions)
                    if not yield_single_examples:
                        yield values
                    elif not isinstance(predictions, dict):
                        yield from values
                    else:
                        for i in range(self._extract_batch_length(values)):
                            yield {key: value[i] for key, value in values.items()}

    @staticmethod
    def _extract_batch_length(values):
        batch_length = None
        for key, value in values.items():
            batch_length = batch_length or value.shape[0]
            if value.shape[0] != batch_length:
                raise ValueError('Batch length of predictions should be same. %s has different batch length than '
                                 'others.' % key)
        return batch_length

    @staticmethod
    def _extract_keys(predictions, predict_keys):
        if not predict_keys:
            return predictions
        if not isinstance(predictions, dict):
            raise ValueError('predict_keys argument is not valid in case of non-dict predictions.')
        existing = predictions.keys()
        predictions = {k: v for k, v in predictions.items() if k in predict_keys}
        if not predictions:
            raise ValueError('Expected to run at least one output from %s, provided %s.' % (existing, predict_keys))
        return predictions

    # -- export --
    def export_saved_model(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                           checkpoint_path=None, experimental_mode=ModeKeys.PREDICT):
        """Writes a serving SavedModel under export_dir_base/<timestamp>; returns that path (bytes)."""
        if experimental_mode != ModeKeys.PREDICT:
            raise NotImplementedError('Estimator.export_saved_model(experimental_mode=%r): sluice exports the '
                                      'PREDICT graph only' % (experimental_mode,))
        return saved_model_export.export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                                                     assets_extra, as_text, checkpoint_path)

    def export_savedmodel(self, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                          checkpoint_path=None, strip_default_attrs=False):
        """TF 1.x's name for export_saved_model (default attrs kept unless strip_default_attrs)."""
        return saved_model_export.export_saved_model(self, export_dir_base, serving_input_receiver_fn,
                                                     assets_extra, as_text, checkpoint_path, strip_default_attrs)
