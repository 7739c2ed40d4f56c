"""tf.keras.callbacks: the hooks fit/evaluate/predict call, and TF 1.15's standard callbacks.

Protocol (TF 1.15): the training loop builds a CallbackList with `configure_callbacks` (in TRAIN mode
BaseLogger first, then the user's callbacks, then `model.history`, then a ProgbarLogger when verbose),
gives each callback the model and the params dict {'batch_size', 'epochs', 'steps', 'samples',
'verbose', 'do_validation', 'metrics'}, and calls on_train_begin, then per epoch on_epoch_begin,
on_(train|test|predict)_batch_begin/end(batch, logs) with logs {'batch', 'size'} then the batch's
metric values, and on_epoch_end(epoch, logs) with the epoch's values (validation ones prefixed
'val_'). A callback's on_train_batch_* calls its on_batch_* (the older names). Callbacks read and
write the model through `stop_training`, `optimizer.lr` (backend get_value/set_value),
`get_weights`/`set_weights`, `save_weights`/`save`. Callbacks later in the list see what earlier
ones put in the epoch logs (BaseLogger's averages, the schedulers' 'lr').

Monitors ('auto' mode) maximize a quantity whose name contains 'acc' (ModelCheckpoint also
'fmeasure*') and minimize any other; an unknown mode warns and falls back to 'auto'. TensorBoard is TF 1.15's v1 callback (callbacks_v1).
"""
import collections
import csv
import io
import json
import logging
import os
import re
import time

import numpy as np

from sluice.keras import backend as K
from sluice.keras.utils.data_utils import Sequence
from sluice.keras.utils.generic_utils import Progbar
from sluice.unimplemented import namespace_getattr as _namespace_getattr

_log = logging.getLogger('tensorflow')   # TF's Keras logs through tf_logging

TRAIN, TEST, PREDICT = 'train', 'test', 'predict'   # ModeKeys' values


def configure_callbacks(callbacks, model, do_validation=False, batch_size=None, epochs=None,
                        steps_per_epoch=None, samples=None, verbose=1, count_mode='steps', mode=TRAIN):
    """The CallbackList a training (or test/predict) loop drives; see the module docstring."""
    if isinstance(callbacks, CallbackList):
        return callbacks
    callbacks = list(callbacks or [])
    if mode == TRAIN:
        model.history = History()
        callbacks = [BaseLogger()] + callbacks + [model.history]
        if verbose:
            callbacks.append(ProgbarLogger(count_mode))
    callback_list = CallbackList(callbacks)
    get_callback_model = getattr(model, '_get_callback_model', None)
    callback_list.set_model(get_callback_model() if get_callback_model else model)
    set_callback_parameters(callback_list, model, do_validation=do_validation, batch_size=batch_size,
                            epochs=epochs, steps_per_epoch=steps_per_epoch, samples=samples, verbose=verbose,
                            mode=mode)
    callback_list.model.stop_training = False
    return callback_list


def set_callback_parameters(callback_list, model, do_validation=False, batch_size=None, epochs=None,
                            steps_per_epoch=None, samples=None, verbose=1, mode=TRAIN):
    names = list(getattr(model, 'metrics_names', None) or [])
    for callback in callback_list:
        if isinstance(callback, (BaseLogger, ProgbarLogger)):
            callback.stateful_metrics = names[1:]   # all but 'loss': metrics report running values
    metrics = []
    if mode != PREDICT and hasattr(model, 'metrics_names'):
        metrics = names + (['val_' + n for n in names] if do_validation else [])
    callback_list.set_params({'batch_size': batch_size, 'epochs': epochs, 'steps': steps_per_epoch,
                              'samples': samples, 'verbose': verbose, 'do_validation': do_validation,
                              'metrics': metrics})


def _is_generator_like(data):
    return hasattr(data, 'next') or hasattr(data, '__next__') or isinstance(data, Sequence)


def make_logs(model, logs, outputs, mode, prefix=''):
    """Batch logs: metric name -> value in TRAIN/TEST, 'outputs' in PREDICT."""
    if mode in (TRAIN, TEST):
        for label, output in zip(getattr(model, 'metrics_names', ()), outputs):
            logs[prefix + label] = output
    else:
        logs['outputs'] = outputs
    return logs


class CallbackList(object):
    """Calls each hook on every callback in order; warns when batch hooks take longer than the batch."""

    def __init__(self, callbacks=None, queue_length=10):
        self.callbacks = list(callbacks or [])
        self.queue_length = queue_length
        self.params = {}
        self.model = None
        self._reset_batch_timing()

    def _reset_batch_timing(self):
        self._delta_t_batch = 0.
        self._delta_ts = collections.defaultdict(lambda: collections.deque([], maxlen=self.queue_length))

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def _call_batch_hook(self, mode, hook, batch, logs=None):
        if not self.callbacks:
            return
        hook_name = 'on_%s_batch_%s' % (mode, hook)
        if hook == 'begin':
            self._t_enter_batch = time.time()
        else:
            self._delta_t_batch = time.time() - self._t_enter_batch
        logs = logs or {}
        started = time.time()
        for callback in self.callbacks:
            getattr(callback, hook_name)(batch, logs)
        self._delta_ts[hook_name].append(time.time() - started)
        median = np.median(self._delta_ts[hook_name])
        if self._delta_t_batch > 0. and median > 0.95 * self._delta_t_batch and median > 0.1:
            _log.warning('Method (%s) is slow compared to the batch update (%f). Check your callbacks.',
                         hook_name, median)

    def _call_begin_hook(self, mode):
        {TRAIN: self.on_train_begin, TEST: self.on_test_begin}.get(mode, self.on_predict_begin)()

    def _call_end_hook(self, mode):
        {TRAIN: self.on_train_end, TEST: self.on_test_end}.get(mode, self.on_predict_end)()

    def on_batch_begin(self, batch, logs=None):
        self._call_batch_hook(TRAIN, 'begin', batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch_hook(TRAIN, 'end', batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)
        self._reset_batch_timing()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch_hook(TRAIN, 'begin', batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch_hook(TRAIN, 'end', batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch_hook(TEST, 'begin', batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch_hook(TEST, 'end', batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch_hook(PREDICT, 'begin', batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch_hook(PREDICT, 'end', batch, logs=logs)

    def _call_all(self, hook, logs):
        for callback in self.callbacks:
            getattr(callback, hook)(logs)

    def on_train_begin(self, logs=None):
        self._call_all('on_train_begin', logs)

    def on_train_end(self, logs=None):
        self._call_all('on_train_end', logs)

    def on_test_begin(self, logs=None):
        self._call_all('on_test_begin', logs)

    def on_test_end(self, logs=None):
        self._call_all('on_test_end', logs)

    def on_predict_begin(self, logs=None):
        self._call_all('on_predict_begin', logs)

    def on_predict_end(self, logs=None):
        self._call_all('on_predict_end', logs)

    def __iter__(self):
        return iter(self.callbacks)


class Callback(object):
    """Base class of callbacks: every hook does nothing; `params` and `model` are set by the loop."""

    def __init__(self):
        self.validation_data = None   # deprecated in TF 1.15, kept for old callbacks that read it
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_batch_begin(self, batch, logs=None):
        """The older name of on_train_batch_begin."""

    def on_batch_end(self, batch, logs=None):
        """The older name of on_train_batch_end."""

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


class BaseLogger(Callback):
    """Puts each metric's epoch average (weighted by batch size) in the epoch logs; stateful metrics
    keep their last value."""

    def __init__(self, stateful_metrics=None):
        super(BaseLogger, self).__init__()
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        batch_size = logs.get('size', 0)
        self.seen += batch_size * logs.get('num_steps', 1)
        for k, v in logs.items():
            if k in self.stateful_metrics:
                self.totals[k] = v
            else:
                self.totals[k] = self.totals.get(k, 0) + v * batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        for k in self.params['metrics']:
            if k in self.totals:
                logs[k] = self.totals[k] if k in self.stateful_metrics else self.totals[k] / self.seen


class TerminateOnNaN(Callback):
    """Stops training at the first batch whose loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get('loss')
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            print('Batch %d: Invalid loss, terminating training' % batch)
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Prints 'Epoch i/n' (when n > 1) and a Progbar per epoch, counting samples or steps."""

    def __init__(self, count_mode='samples', stateful_metrics=None):
        super(ProgbarLogger, self).__init__()
        if count_mode not in ('samples', 'steps'):
            raise ValueError('Unknown `count_mode`: ' + str(count_mode))
        self.use_steps = count_mode == 'steps'
        self.stateful_metrics = set(stateful_metrics or [])

    def on_train_begin(self, logs=None):
        self.verbose = self.params['verbose']
        self.epochs = self.params['epochs']

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.target = self.params['steps'] if self.use_steps else self.params['samples']
        if self.verbose and self.epochs > 1:
            print('Epoch %d/%d' % (epoch + 1, self.epochs))
        self.progbar = Progbar(target=self.target, verbose=self.verbose, stateful_metrics=self.stateful_metrics,
                               unit_name='step' if self.use_steps else 'sample')

    def on_batch_begin(self, batch, logs=None):
        self.log_values = []

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        num_steps = logs.get('num_steps', 1)
        self.seen += num_steps if self.use_steps else logs.get('size', 0) * num_steps
        self.log_values.extend((k, logs[k]) for k in self.params['metrics'] if k in logs)
        if self.verbose and (self.target is None or self.seen < self.target):
            self.progbar.update(self.seen, self.log_values)   # the last batch is drawn at epoch end

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.log_values.extend((k, logs[k]) for k in self.params['metrics'] if k in logs)
        if self.verbose:
            self.progbar.update(self.seen, self.log_values)


class History(Callback):
    """Records `epoch` (the indices) and `history` (metric name -> per-epoch values); fit returns it."""

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def _monitor_op(mode, monitor, owner, fmeasure=False):
    """np.less or np.greater for a monitor mode (unknown modes warn and fall back to 'auto'); 'auto'
    maximizes accuracies (and, for ModelCheckpoint, 'fmeasure*')."""
    if mode not in ('auto', 'min', 'max'):
        _log.warning('%s mode %s is unknown, fallback to auto mode.', owner, mode)
        mode = 'auto'
    if mode == 'auto':
        mode = 'max' if 'acc' in monitor or (fmeasure and monitor.startswith('fmeasure')) else 'min'
    return np.greater if mode == 'max' else np.less


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) to `filepath.format(epoch=epoch + 1, **logs)` after every
    `period` epochs, or every `save_freq` samples; with save_best_only only when `monitor` improved."""

    def __init__(self, filepath, monitor='val_loss', verbose=0, save_best_only=False, save_weights_only=False,
                 mode='auto', save_freq='epoch', **kwargs):
        super(ModelCheckpoint, self).__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = filepath
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.epochs_since_last_save = 0
        self._samples_seen_since_last_saving = 0
        self._current_epoch = 0
        self.load_weights_on_restart = kwargs.pop('load_weights_on_restart', False)
        if self.load_weights_on_restart:
            _log.warning('`load_weights_on_restart` argument is deprecated. Please use `model.load_weights()` '
                         'for loading weights before the start of `model.fit()`.')
        self.period = kwargs.pop('period', None)
        if self.period is None:
            self.period = 1
        else:
            _log.warning('`period` argument is deprecated. Please use `save_freq` to specify the frequency in '
                         'number of samples seen.')
        if kwargs:
            raise TypeError('Unrecognized keyword arguments: %s' % sorted(kwargs))
        self.monitor_op = _monitor_op(mode, monitor, 'ModelCheckpoint', fmeasure=True)
        self.best = np.inf if self.monitor_op is np.less else -np.inf
        if self.save_freq != 'epoch' and not isinstance(self.save_freq, int):
            raise ValueError('Unrecognized save_freq: {}'.format(self.save_freq))

    def set_model(self, model):
        self.model = model
        # a subclassed model cannot be saved whole: TF 1.15 saves its weights instead
        if (not self.save_weights_only and not getattr(model, '_is_graph_network', True)
                and model.__class__.__name__ != 'Sequential'):
            self.save_weights_only = True

    def on_train_begin(self, logs=None):
        if not self.load_weights_on_restart:
            return
        path = self._get_most_recently_modified_file_matching_pattern(self.filepath)
        if path is not None and _checkpoint_exists(path):
            try:
                self.model.load_weights(path)
            except (IOError, ValueError) as e:
                raise ValueError('Error loading file from {}. Reason: {}'.format(path, e))

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        if isinstance(self.save_freq, int):
            self._samples_seen_since_last_saving += logs.get('size', 1)
            if self._samples_seen_since_last_saving >= self.save_freq:
                self._save_model(epoch=self._current_epoch, logs=logs)
                self._samples_seen_since_last_saving = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == 'epoch':
            self._save_model(epoch=epoch, logs=logs)

    def _save(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _save_model(self, epoch, logs):
        logs = logs or {}
        if not isinstance(self.save_freq, int) and self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self._get_file_path(epoch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print('\nEpoch %05d: saving model to %s' % (epoch + 1, filepath))
            self._save(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            _log.warning('Can save best model only with %s available, skipping.', self.monitor)
        elif self.monitor_op(current, self.best):
            if self.verbose > 0:
                print('\nEpoch %05d: %s improved from %0.5f to %0.5f, saving model to %s'
                      % (epoch + 1, self.monitor, self.best, current, filepath))
            self.best = current
            self._save(filepath)
        elif self.verbose > 0:
            print('\nEpoch %05d: %s did not improve from %0.5f' % (epoch + 1, self.monitor, self.best))

    def _get_file_path(self, epoch, logs):
        return self.filepath.format(epoch=epoch + 1, **logs)

    def _get_most_recently_modified_file_matching_pattern(self, pattern):
        """The file matching `pattern` ('{...}' fields match anything) modified last: the directory's
        latest TF checkpoint if it matches, else by mtime, ties going to the largest name."""
        from sluice.io.checkpoint_state import latest_checkpoint
        dir_name, base_name = os.path.dirname(pattern), os.path.basename(pattern)
        regex = '^' + re.sub(r'{.*}', r'.*', base_name) + '$'
        latest = latest_checkpoint(dir_name or '.')
        if latest is not None and re.match(regex, os.path.basename(latest)):
            return latest
        matches = []
        if os.path.isdir(dir_name or '.'):
            matches = [os.path.join(dir_name, f) for f in os.listdir(dir_name or '.') if re.match(regex, f)]
        if not matches:
            return None
        newest = max(os.path.getmtime(p) for p in matches)
        at_newest = [p for p in matches if os.path.getmtime(p) == newest]
        return at_newest[0] if len(at_newest) == 1 else max(matches)


def _checkpoint_exists(filepath):
    """A file, or a TF checkpoint prefix (its '.index' file)."""
    return os.path.exists(filepath) or os.path.exists(filepath + '.index')


class EarlyStopping(Callback):
    """Stops training once `monitor` has not improved by more than `min_delta` for `patience` epochs
    (or not beaten `baseline`), optionally restoring the best epoch's weights."""

    def __init__(self, monitor='val_loss', min_delta=0, patience=0, verbose=0, mode='auto', baseline=None,
                 restore_best_weights=False):
        super(EarlyStopping, self).__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.monitor_op = _monitor_op(mode, monitor, 'EarlyStopping')
        # the delta is added in the direction of improvement
        self.min_delta = abs(min_delta) if self.monitor_op is np.greater else -abs(min_delta)

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = np.inf if self.monitor_op is np.less else -np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs)
        if current is None:
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights:
                if self.verbose > 0:
                    print('Restoring model weights from the end of the best epoch.')
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print('Epoch %05d: early stopping' % (self.stopped_epoch + 1))

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            _log.warning('Early stopping conditioned on metric `%s` which is not available. Available metrics '
                         'are: %s', self.monitor, ','.join(list(logs.keys())))
        return value


class RemoteMonitor(Callback):
    """POSTs each epoch's logs (and 'epoch') as JSON to root + path; needs the `requests` package."""

    def __init__(self, root='http://localhost:9000', path='/publish/epoch/end/', field='data', headers=None,
                 send_as_json=False):
        super(RemoteMonitor, self).__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        try:
            import requests
        except ImportError:
            raise ImportError('RemoteMonitor requires the `requests` library.') from None
        send = dict({'epoch': epoch}, **{k: _jsonable(v) for k, v in (logs or {}).items()})
        try:
            if self.send_as_json:
                requests.post(self.root + self.path, json=send, headers=self.headers)
            else:
                requests.post(self.root + self.path, {self.field: json.dumps(send)}, headers=self.headers)
        except requests.exceptions.RequestException:
            _log.warning('Warning: could not reach RemoteMonitor root server at ' + str(self.root))


def _jsonable(value):
    return value.item() if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0) \
        else value


def _optimizer_lr(model):
    if not hasattr(model.optimizer, 'lr'):
        raise ValueError('Optimizer must have a "lr" attribute.')
    return model.optimizer.lr


class LearningRateScheduler(Callback):
    """Sets the optimizer's lr to `schedule(epoch, lr)` (or `schedule(epoch)`) at each epoch's start
    and reports it as 'lr' in the epoch logs."""

    def __init__(self, schedule, verbose=0):
        super(LearningRateScheduler, self).__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr_variable = _optimizer_lr(self.model)
        try:
            lr = self.schedule(epoch, float(K.get_value(lr_variable)))
        except TypeError:   # the older one-argument schedule
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError('The output of the "schedule" function should be float.')
        K.set_value(lr_variable, lr)
        if self.verbose > 0:
            print('\nEpoch %05d: LearningRateScheduler reducing learning rate to %s.' % (epoch + 1, lr))

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs['lr'] = K.get_value(self.model.optimizer.lr)


class ReduceLROnPlateau(Callback):
    """Multiplies lr by `factor` (not below min_lr) once `monitor` has not improved by min_delta for
    `patience` epochs, then waits `cooldown` epochs before counting again."""

    def __init__(self, monitor='val_loss', factor=0.1, patience=10, verbose=0, mode='auto', min_delta=1e-4,
                 cooldown=0, min_lr=0, **kwargs):
        super(ReduceLROnPlateau, self).__init__()
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError('ReduceLROnPlateau does not support a factor >= 1.0.')
        if 'epsilon' in kwargs:
            min_delta = kwargs.pop('epsilon')
            _log.warning('`epsilon` argument is deprecated and will be removed, use `min_delta` instead.')
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        if self.mode not in ('auto', 'min', 'max'):
            _log.warning('Learning Rate Plateau Reducing mode %s is unknown, fallback to auto mode.', self.mode)
            self.mode = 'auto'
        if self.mode == 'min' or (self.mode == 'auto' and 'acc' not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs['lr'] = K.get_value(self.model.optimizer.lr)
        current = logs.get(self.monitor)
        if current is None:
            _log.warning('Reduce LR on plateau conditioned on metric `%s` which is not available. Available '
                         'metrics are: %s', self.monitor, ','.join(list(logs.keys())))
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(K.get_value(self.model.optimizer.lr))
                if old_lr > self.min_lr:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    K.set_value(self.model.optimizer.lr, new_lr)
                    if self.verbose > 0:
                        print('\nEpoch %05d: ReduceLROnPlateau reducing learning rate to %s.' % (epoch + 1, new_lr))
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0


class CSVLogger(Callback):
    """Writes one row per epoch ('epoch' then the log keys, sorted, fixed by the first epoch) to a
    CSV file; appends (writing the header only to an empty file) when `append`."""

    def __init__(self, filename, separator=',', append=False):
        super(CSVLogger, self).__init__()
        self.sep = separator
        self.filename = filename
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True

    def on_train_begin(self, logs=None):
        if self.append and os.path.exists(self.filename):
            with open(self.filename, 'r') as f:
                self.append_header = not bool(len(f.readline()))
        self.csv_file = io.open(self.filename, 'a' if self.append else 'w', newline='\n')

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        if self.model.stop_training:   # the last epoch may lack values: 'NA' keeps the rows parseable
            logs = dict((k, logs[k]) if k in logs else (k, 'NA') for k in self.keys)
        if not self.writer:
            dialect = type('CustomDialect', (csv.excel,), {'delimiter': self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=['epoch'] + self.keys, dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({'epoch': epoch})
        row.update((key, _csv_value(logs[key])) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self.csv_file.close()
        self.writer = None


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return '"[%s]"' % ', '.join(map(str, value))
    return value


class LambdaCallback(Callback):
    """A callback from functions: on_epoch_begin/end(epoch, logs), on_batch_begin/end(batch, logs),
    on_train_begin/end(logs); the hooks not given do nothing."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super(LambdaCallback, self).__init__()
        self.__dict__.update(kwargs)
        two = lambda step, logs: None   # noqa: E731
        one = lambda logs: None   # noqa: E731
        self.on_epoch_begin = on_epoch_begin or two
        self.on_epoch_end = on_epoch_end or two
        self.on_batch_begin = on_batch_begin or two
        self.on_batch_end = on_batch_end or two
        self.on_train_begin = on_train_begin or one
        self.on_train_end = on_train_end or one


from sluice.keras.callbacks_v1 import TensorBoard  # noqa: E402  (TF 1.x's tf.keras.callbacks.TensorBoard)

__getattr__ = _namespace_getattr(__name__, 'tf.keras.callbacks')
