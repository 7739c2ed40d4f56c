"""fit / evaluate / predict over NumPy arrays (TF 1.15's `training_arrays.model_iteration`, graph mode).

Each epoch: reset the stateful metrics, permute the sample indices (shuffle=True; 'batch' permutes whole
batches), then for each [start, end) batch slice the arrays and run the mode's function once (one
Session.run through a callable made once per loop: feeds in a fixed order, no per-batch dictionary). Logs:
'loss' is the batch loss (the epoch's is its mean weighted by batch size), the other names are stateful metric
results (the epoch's is the last batch's, which covers the whole epoch). Validation runs the test loop after
the epochs that `validation_freq` picks, its results logged as 'val_<name>'. Callbacks see TF 1.15's hooks
and params: BaseLogger, the user's callbacks and History in training; the ProgbarLogger (verbose=1: a bar, 2:
a line per epoch) is driven by the loop itself in every mode, outside the list, as TF 1.15 does.
"""
import numpy as np

from sluice.keras import backend
from sluice.keras.engine import training_utils

TRAIN, TEST, PREDICT = 'train', 'test', 'predict'


# -- running one batch -------------------------------------------------------------------------------------------
def _function(model, mode):
    return {TRAIN: model._make_train_function, TEST: model._make_test_function,
            PREDICT: model._make_predict_function}[mode]()


class BatchRunner:
    """Runs a model's K.function on positional values through one Session callable per set of fed inputs
    (outputs weighted by no array keep their sample-weight default and are not fed)."""

    def __init__(self, model, mode):
        self.function = _function(model, mode)
        self.session = backend.get_session()
        phase = backend.learning_phase()
        self.phase = [True] if mode == TRAIN and not isinstance(phase, int) else []
        n_in = len(self.function.inputs) - len(self.phase)
        self.inputs = self.function.inputs[:n_in]
        self.fetches = list(self.function.outputs) + ([self.function.updates_op]
                                                      if self.function.updates_op is not None else [])
        self.n_outputs = len(self.function.outputs)
        self._callables = {}

    def __call__(self, values):
        present = tuple(v is not None for v in values)
        run = self._callables.get(present)
        if run is None:
            feeds = [t for t, p in zip(self.inputs, present) if p] + list(self.function.inputs[len(self.inputs):])
            run = self._callables[present] = self.session.make_callable(self.fetches, feeds)
        args = [v for v in values if v is not None] + self.phase
        return run(*args)[:self.n_outputs]


def run_function(model, mode, values):
    return BatchRunner(model, mode)(values)


# -- callbacks ---------------------------------------------------------------------------------------------------
def configure_callbacks(model, callbacks, do_validation=False, batch_size=None, epochs=1, steps_per_epoch=None,
                        samples=None, verbose=1, count_mode='steps', mode=TRAIN):
    """(CallbackList, progress bar) as TF 1.15 sets them up: in training BaseLogger, the user's callbacks and
    History; the ProgbarLogger outside the list, driven by the loop in every mode."""
    from sluice.keras import callbacks as callbacks_module
    if isinstance(callbacks, callbacks_module.CallbackList):
        callback_list = callbacks
    else:
        callbacks = list(callbacks or [])
        if mode == TRAIN:
            model.history = callbacks_module.History()
            callbacks = [callbacks_module.BaseLogger()] + callbacks + [model.history]
        callback_list = callbacks_module.CallbackList(callbacks)
        callback_list.set_model(model)
    names = model.metrics_names
    for callback in getattr(callback_list, 'callbacks', []):
        if isinstance(callback, callbacks_module.BaseLogger):
            callback.stateful_metrics = names[1:]
    params = {'batch_size': batch_size, 'epochs': epochs, 'steps': steps_per_epoch, 'samples': samples,
              'verbose': verbose, 'do_validation': do_validation,
              'metrics': [] if mode == PREDICT else list(names) + (['val_' + n for n in names] if do_validation
                                                                   else [])}
    callback_list.set_params(params)
    progbar = callbacks_module.ProgbarLogger(count_mode, stateful_metrics=names[1:] if mode != PREDICT else None)
    progbar.set_params(dict(params))
    progbar.set_model(model)
    model.stop_training = False
    return callback_list, progbar


def batch_hook(callbacks, mode, hook, batch, logs):
    getattr(callbacks, 'on_%s_batch_%s' % (mode, hook))(batch, logs)


class Aggregator:
    """The loop's results: loss averaged over samples (weighted by batch size), stateful metrics' last values,
    or, in predict mode, the batches' outputs concatenated."""

    def __init__(self, mode):
        self.mode = mode
        self.loss_sum, self.count, self.last, self.parts = 0., 0, None, None

    def add(self, outs, size):
        if self.mode == PREDICT:
            if self.parts is None:
                self.parts = [[] for _ in outs]
            for part, out in zip(self.parts, outs):
                part.append(out)
            return
        self.loss_sum += float(outs[0]) * size
        self.count += size
        self.last = outs

    def results(self):
        if self.mode == PREDICT:
            return [np.concatenate(part) for part in self.parts or []]
        if self.last is None:
            return []
        return [self.loss_sum / max(self.count, 1)] + list(self.last[1:])


# -- the loops ---------------------------------------------------------------------------------------------------
def run_with_progbar(progbar, loop, names):
    """Runs an evaluate/predict `loop` as one epoch of the progress bar (TF 1.15 shows one in every mode)."""
    progbar.on_train_begin()
    progbar.on_epoch_begin(0)
    results = loop()
    progbar.on_epoch_end(0, dict(zip(names, results)))
    return results


def _print_train_info(samples, val_samples, unit='samples'):
    message = 'Train on {0} {1}'.format(samples, unit)
    if val_samples:
        message += ', validate on {0} {1}'.format(val_samples, unit)
    print(message)


def iterate(model, arrays, mode, batch_size, callbacks=None, shuffle=False, progbar=None):
    """One pass over `arrays` (inputs + targets + weights, or inputs) in batches; returns the results list."""
    runner = BatchRunner(model, mode)
    count = training_utils.num_samples(arrays)
    if count is None:
        raise ValueError('The model received no data to %s on.' % mode)
    index_array = np.arange(count)
    if shuffle == 'batch':
        index_array = training_utils.batch_shuffle(index_array, batch_size)
    elif shuffle:
        np.random.shuffle(index_array)
    aggregator = Aggregator(mode)
    names = model.metrics_names
    for batch_index, (start, end) in enumerate(training_utils.make_batches(count, batch_size)):
        ids = index_array[start:end]
        batch = training_utils.slice_arrays(arrays, ids) if shuffle else \
            [None if x is None else x[start:end] for x in arrays]
        batch_logs = {'batch': batch_index, 'size': len(ids)}
        if callbacks is not None:
            batch_hook(callbacks, mode, 'begin', batch_index, batch_logs)
        if progbar is not None:
            progbar.on_batch_begin(batch_index, batch_logs)
        outs = runner(batch)
        aggregator.add(outs, len(ids))
        if mode == PREDICT:
            batch_logs['outputs'] = outs
        else:
            batch_logs.update(zip(names, outs))
        if callbacks is not None:
            batch_hook(callbacks, mode, 'end', batch_index, batch_logs)
        if progbar is not None:
            progbar.on_batch_end(batch_index, batch_logs)
        if mode == TRAIN and model.stop_training:
            break
    return aggregator.results()


def fit(model, x, y, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.,
        validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
        steps_per_epoch=None, validation_steps=None, validation_freq=1):
    training_utils.check_steps_argument(x, steps_per_epoch, 'steps_per_epoch')
    if steps_per_epoch is not None:
        raise NotImplementedError('sluice does not implement steps_per_epoch for NumPy inputs yet (pass a '
                                  'tf.data Dataset or a generator to fit by steps)')
    batch_size = batch_size or 32
    model._assert_compile_was_called()
    x, y, weights = model._standardize_user_data(x, y, sample_weight=sample_weight, class_weight=class_weight)
    val_arrays = None
    if validation_data is not None:
        val_x, val_y, val_weight = training_utils.unpack_validation_data(validation_data)
        vx, vy, vw = model._standardize_user_data(val_x, val_y, sample_weight=val_weight)
        val_arrays = vx + vy + vw
    elif validation_split and 0. < validation_split < 1.:
        split_at = int(x[0].shape[0] * (1. - validation_split))
        val_arrays = [None if a is None else a[split_at:] for a in x + y + weights]
        x, y, weights = ([None if a is None else a[:split_at] for a in part] for part in (x, y, weights))
    arrays = x + y + weights
    samples = training_utils.num_samples(arrays)
    do_validation = val_arrays is not None
    callback_list, progbar = configure_callbacks(model, callbacks, do_validation=do_validation,
                                                 batch_size=batch_size, epochs=epochs, samples=samples,
                                                 verbose=verbose, count_mode='samples')
    if verbose:
        _print_train_info(samples, training_utils.num_samples(val_arrays) if do_validation else 0)
    model._make_train_function()
    callback_list.on_train_begin()
    progbar.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        progbar.on_epoch_begin(epoch)
        results = iterate(model, arrays, TRAIN, batch_size, callbacks=callback_list, shuffle=shuffle,
                          progbar=progbar)
        epoch_logs = dict(zip(model.metrics_names, results))
        if do_validation and training_utils.should_run_validation(validation_freq, epoch) and \
                not model.stop_training:
            model.reset_metrics()
            callback_list.on_test_begin()
            val_results = iterate(model, val_arrays, TEST, batch_size, callbacks=callback_list)
            callback_list.on_test_end()
            epoch_logs.update(('val_' + name, value) for name, value in zip(model.metrics_names, val_results))
        callback_list.on_epoch_end(epoch, epoch_logs)
        progbar.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callback_list.on_train_end()
    return model.history


def evaluate(model, x, y, batch_size=None, verbose=1, sample_weight=None, steps=None, callbacks=None):
    training_utils.check_steps_argument(x, steps, 'steps')
    if steps is not None:
        raise NotImplementedError('sluice does not implement `steps` for NumPy inputs to evaluate yet')
    batch_size = batch_size or 32
    x, y, weights = model._standardize_user_data(x, y, sample_weight=sample_weight)
    arrays = x + y + weights
    callback_list, progbar = configure_callbacks(model, callbacks, batch_size=batch_size, samples=len(x[0]),
                                                 verbose=verbose, count_mode='samples', mode=TEST)
    model.reset_metrics()
    callback_list.on_test_begin()
    results = run_with_progbar(progbar, lambda: iterate(model, arrays, TEST, batch_size, callbacks=callback_list,
                                                        progbar=progbar), model.metrics_names)
    callback_list.on_test_end()
    return results[0] if len(results) == 1 else results


def predict(model, x, batch_size=None, verbose=0, steps=None, callbacks=None):
    training_utils.check_steps_argument(x, steps, 'steps')
    if steps is not None:
        raise NotImplementedError('sluice does not implement `steps` for NumPy inputs to predict yet')
    batch_size = batch_size or 32
    x, _, _ = model._standardize_user_data(x, predict=True)
    callback_list, progbar = configure_callbacks(model, callbacks, batch_size=batch_size, samples=len(x[0]),
                                                 verbose=verbose, count_mode='samples', mode=PREDICT)
    callback_list.on_predict_begin()
    outputs = run_with_progbar(progbar, lambda: iterate(model, x, PREDICT, batch_size, callbacks=callback_list,
                                                        progbar=progbar), [])
    callback_list.on_predict_end()
    return outputs[0] if len(outputs) == 1 else outputs
