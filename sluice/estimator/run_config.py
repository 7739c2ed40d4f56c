"""tf.estimator.RunConfig: where and how often an Estimator saves, logs and summarizes (TF 1.15 defaults).

Checkpoints default to every 600 seconds; setting save_checkpoints_steps turns the seconds off, and setting
both is a ValueError. Single process only: a TF_CONFIG naming a cluster, or a distribution strategy, is
refused with NotImplementedError. replace() copies the config with some properties changed.
"""
import copy
import json
import logging
import os

from sluice.io.protos import ConfigProto, GraphOptions, RewriterConfig

__all__ = ['RunConfig', 'TaskType', 'get_default_session_config']

_log = logging.getLogger('sluice')

_USE_DEFAULT = object()
_SAVE_CKPT_ERR = '`save_checkpoints_steps` and `save_checkpoints_secs` cannot be both set.'
_REPLACEABLE = ['model_dir', 'tf_random_seed', 'save_summary_steps', 'save_checkpoints_steps',
                'save_checkpoints_secs', 'session_config', 'keep_checkpoint_max', 'keep_checkpoint_every_n_hours',
                'log_step_count_steps', 'train_distribute', 'device_fn', 'protocol', 'eval_distribute',
                'experimental_distribute', 'experimental_max_worker_delay_secs', 'session_creation_timeout_secs']


class TaskType:
    MASTER = 'master'
    PS = 'ps'
    WORKER = 'worker'
    CHIEF = 'chief'
    EVALUATOR = 'evaluator'


def get_default_session_config():
    """The ConfigProto an Estimator's sessions use when the RunConfig gives none."""
    rewrite = RewriterConfig(meta_optimizer_iterations=RewriterConfig.ONE)
    return ConfigProto(allow_soft_placement=True, graph_options=GraphOptions(rewrite_options=rewrite))


def _validate(config):
    checks = [('model_dir', lambda d: d, 'model_dir should be non-empty'),
              ('save_summary_steps', lambda s: s >= 0, 'save_summary_steps should be >= 0'),
              ('save_checkpoints_steps', lambda s: s >= 0, 'save_checkpoints_steps should be >= 0'),
              ('save_checkpoints_secs', lambda s: s >= 0, 'save_checkpoints_secs should be >= 0'),
              ('session_config', lambda c: isinstance(c, ConfigProto),
               'session_config must be instance of ConfigProto'),
              ('keep_checkpoint_max', lambda k: k >= 0, 'keep_checkpoint_max should be >= 0'),
              ('keep_checkpoint_every_n_hours', lambda h: h > 0, 'keep_checkpoint_every_n_hours should be > 0'),
              ('log_step_count_steps', lambda n: n > 0, 'log_step_count_steps should be > 0'),
              ('tf_random_seed', lambda s: isinstance(s, int), 'tf_random_seed must be integer.')]
    for name, ok, message in checks:
        value = getattr(config, '_' + name)
        if value is not None and not ok(value):
            raise ValueError(message)
    for name in ('train_distribute', 'eval_distribute', 'experimental_distribute'):
        if getattr(config, '_' + name) is not None:
            raise NotImplementedError('RunConfig(%s=...): sluice does not implement distribution strategies yet'
                                      % name)


class RunConfig:
    """The run-time configuration of an Estimator (properties read-only; change them with replace())."""

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100,
                 save_checkpoints_steps=_USE_DEFAULT, save_checkpoints_secs=_USE_DEFAULT, session_config=None,
                 keep_checkpoint_max=5, keep_checkpoint_every_n_hours=10000, log_step_count_steps=100,
                 train_distribute=None, device_fn=None, protocol=None, eval_distribute=None,
                 experimental_distribute=None, experimental_max_worker_delay_secs=None,
                 session_creation_timeout_secs=7200):
        if save_checkpoints_steps is _USE_DEFAULT and save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_steps, save_checkpoints_secs = None, 600
        elif save_checkpoints_secs is _USE_DEFAULT:
            save_checkpoints_secs = None
        elif save_checkpoints_steps is _USE_DEFAULT:
            save_checkpoints_steps = None
        elif save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError(_SAVE_CKPT_ERR)
        tf_config = json.loads(os.environ.get('TF_CONFIG', '{}'))
        if tf_config.get('cluster'):
            raise NotImplementedError('TF_CONFIG names a cluster: sluice does not implement distributed Estimator '
                                      'training yet')
        if model_dir == '':
            raise ValueError('model_dir should be non-empty.')
        model_dir = os.fspath(model_dir) if model_dir is not None else tf_config.get('model_dir')
        self._replace_in_place(
            model_dir=model_dir, tf_random_seed=tf_random_seed, save_summary_steps=save_summary_steps,
            save_checkpoints_steps=save_checkpoints_steps, save_checkpoints_secs=save_checkpoints_secs,
            session_config=session_config, keep_checkpoint_max=keep_checkpoint_max,
            keep_checkpoint_every_n_hours=keep_checkpoint_every_n_hours, log_step_count_steps=log_step_count_steps,
            train_distribute=train_distribute, device_fn=device_fn, protocol=protocol,
            eval_distribute=eval_distribute, experimental_distribute=experimental_distribute,
            experimental_max_worker_delay_secs=experimental_max_worker_delay_secs,
            session_creation_timeout_secs=session_creation_timeout_secs)

    def _replace_in_place(self, **kwargs):
        for key, value in kwargs.items():
            if key not in _REPLACEABLE:
                raise ValueError('Replacing {} is not supported. Allowed properties are {}.'.format(key, _REPLACEABLE))
            setattr(self, '_' + key, value)
        if 'save_checkpoints_steps' in kwargs and 'save_checkpoints_secs' in kwargs:
            if self._save_checkpoints_steps is not None and self._save_checkpoints_secs is not None:
                raise ValueError(_SAVE_CKPT_ERR)
        elif kwargs.get('save_checkpoints_steps') is not None:
            self._save_checkpoints_secs = None
        elif kwargs.get('save_checkpoints_secs') is not None:
            self._save_checkpoints_steps = None
        _validate(self)
        return self

    def replace(self, **kwargs):
        """A copy of this config with the given properties replaced (only the replaceable ones)."""
        return copy.deepcopy(self)._replace_in_place(**kwargs)

    def __repr__(self):
        return 'RunConfig(%s)' % ', '.join('%s=%r' % (k, getattr(self, '_' + k)) for k in _REPLACEABLE)

    # single process: this process is the chief worker of a one-task cluster
    cluster_spec = property(lambda self: None)
    is_chief = property(lambda self: True)
    master = property(lambda self: '')
    evaluation_master = property(lambda self: '')
    num_ps_replicas = property(lambda self: 0)
    num_worker_replicas = property(lambda self: 1)
    task_id = property(lambda self: 0)
    task_type = property(lambda self: TaskType.WORKER)
    global_id_in_cluster = property(lambda self: 0)
    service = property(lambda self: None)

    model_dir = property(lambda self: self._model_dir)
    tf_random_seed = property(lambda self: self._tf_random_seed)
    save_summary_steps = property(lambda self: self._save_summary_steps)
    save_checkpoints_steps = property(lambda self: self._save_checkpoints_steps)
    save_checkpoints_secs = property(lambda self: self._save_checkpoints_secs)
    session_config = property(lambda self: self._session_config)
    keep_checkpoint_max = property(lambda self: self._keep_checkpoint_max)
    keep_checkpoint_every_n_hours = property(lambda self: self._keep_checkpoint_every_n_hours)
    log_step_count_steps = property(lambda self: self._log_step_count_steps)
    train_distribute = property(lambda self: self._train_distribute)
    eval_distribute = property(lambda self: self._eval_distribute)
    device_fn = property(lambda self: self._device_fn)
    protocol = property(lambda self: self._protocol)
    experimental_max_worker_delay_secs = property(lambda self: self._experimental_max_worker_delay_secs)
    session_creation_timeout_secs = property(lambda self: self._session_creation_timeout_secs)
