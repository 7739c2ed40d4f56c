"""fit / evaluate / predict over batch sources: Python generators, keras Sequences, tf.data Datasets and
Iterators (TF 1.15's `training_generator`, graph mode, run in this thread).

A source yields batches `x`, `(x, y)` or `(x, y, sample_weight)`. A Sequence is indexed 0..len-1 each epoch (in a
permuted order when shuffle=True) and calls `on_epoch_end`; a generator must be given the number of steps; a
Dataset gets an initializable iterator, re-initialized each epoch when no step count is given (an epoch is then
one pass, ended by OutOfRangeError); an Iterator is read as it is. Dataset batches come out of the session as
NumPy values and are fed like arrays, so one code path checks and feeds every source (two Session.runs per
step for datasets). Steps count as units: the epoch's loss is the mean of the steps' losses.
"""
import numpy as np

from sluice.engine import errors
from sluice.keras import backend
from sluice.keras.engine import training_arrays, training_utils
from sluice.keras.engine.training_arrays import PREDICT, TEST, TRAIN


def _is_sequence(x):
    return hasattr(x, '__getitem__') and hasattr(x, '__len__') and hasattr(x, 'on_epoch_end') and \
        not isinstance(x, (list, tuple, dict, np.ndarray))


def _is_dataset(x):
    from sluice.data import dataset_ops, iterator_ops
    return isinstance(x, (dataset_ops.DatasetV1, iterator_ops.Iterator)) or \
        type(x).__name__ in ('DatasetV2', 'Dataset') and hasattr(x, 'make_initializable_iterator')


def is_batch_source(x):
    return _is_sequence(x) or _is_dataset(x) or hasattr(x, '__next__')


class BatchSource:
    """Batches of one epoch at a time from a generator, Sequence, Dataset or Iterator."""

    def __init__(self, source, steps, shuffle=False, steps_name='steps'):
        self.source, self.shuffle = source, shuffle
        self.iterator = self.next_element = None
        if _is_dataset(source):
            from sluice.data import iterator_ops
            with backend.get_graph().as_default():
                if isinstance(source, iterator_ops.Iterator):
                    self.iterator = source
                else:
                    self.iterator = source.make_initializable_iterator()
                    self.reinitialize = steps is None
                    backend.get_session().run(self.iterator.initializer)
                self.next_element = self.iterator.get_next()
            self.steps = steps
        elif _is_sequence(source):
            self.steps = len(source) if steps is None else steps
        else:
            if steps is None:
                raise ValueError('`%s=None` is only valid for a generator based on the `keras.utils.Sequence` '
                                 'class. Please specify `%s` or use the `keras.utils.Sequence` class.' %
                                 (steps_name, steps_name))
            self.steps = steps
        self._generator = None

    def epoch(self):
        """Yields this epoch's batches: `steps` of them, or until a Dataset runs out."""
        if _is_sequence(self.source):
            order = np.random.permutation(len(self.source)) if self.shuffle else np.arange(len(self.source))
            for step in range(self.steps):
                yield self.source[int(order[step % len(order)])]
            self.source.on_epoch_end()
            return
        if self.next_element is not None:
            session = backend.get_session()
            step = 0
            while self.steps is None or step < self.steps:
                try:
                    yield session.run(self.next_element)
                except errors.OutOfRangeError:
                    if self.steps is not None:
                        raise ValueError('Your dataset ran out of data; interrupting training. Make sure that your '
                                         'dataset can generate at least `steps_per_epoch * epochs` batches.')
                    break
                step += 1
            if getattr(self, 'reinitialize', False):
                session.run(self.iterator.initializer)
            return
        for _ in range(self.steps):
            yield next(self.source)


def _unpack(batch):
    if isinstance(batch, (list, tuple)):
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return tuple(batch)
        raise ValueError('Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. Found: ' +
                         str(batch))
    return batch, None, None


def _iterate(model, source, mode, callbacks=None, class_weight=None, progbar=None):
    runner = None
    aggregator = training_arrays.Aggregator(mode)
    names = model.metrics_names
    for step, batch in enumerate(source.epoch()):
        x, y, sample_weight = _unpack(batch)
        if mode == PREDICT:
            arrays, _, _ = model._standardize_user_data(x, predict=True)
        else:
            if y is None:
                raise ValueError('Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. '
                                 'Found: ' + str(batch)[:200])
            xs, ys, ws = model._standardize_user_data(x, y, sample_weight=sample_weight, class_weight=class_weight)
            arrays = xs + ys + ws
            names = model.metrics_names
        if runner is None:
            runner = training_arrays.BatchRunner(model, mode)
        size = training_utils.num_samples(arrays)
        logs = {'batch': step, 'size': size}
        if callbacks is not None:
            training_arrays.batch_hook(callbacks, mode, 'begin', step, logs)
        if progbar is not None:
            progbar.on_batch_begin(step, logs)
        outs = runner(arrays)
        aggregator.add(outs, 1 if mode != PREDICT else size)
        if mode == PREDICT:
            logs['outputs'] = outs
        else:
            logs.update(zip(names, outs))
        if callbacks is not None:
            training_arrays.batch_hook(callbacks, mode, 'end', step, logs)
        if progbar is not None:
            progbar.on_batch_end(step, logs)
        if mode == TRAIN and model.stop_training:
            break
    return aggregator.results()


def fit_generator(model, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None, validation_data=None,
                  validation_steps=None, validation_freq=1, class_weight=None, shuffle=True, initial_epoch=0, y=None):
    if y is not None and _is_dataset(generator):
        raise ValueError('You passed a dataset or dataset iterator (%s) as input `x` to your model. In that case, you '
                         'should not specify a target (`y`) argument, since the dataset or dataset iterator '
                         'generates both input data and target data. Received: %s' % (generator, y))
    model._assert_compile_was_called()
    source = BatchSource(generator, steps_per_epoch, shuffle=shuffle, steps_name='steps_per_epoch')
    validation = None
    if validation_data is not None:
        if is_batch_source(validation_data):
            validation = BatchSource(validation_data, validation_steps, steps_name='validation_steps')
        else:
            vx, vy, vw = training_utils.unpack_validation_data(validation_data)
            validation = [vx, vy, vw]
    callback_list, progbar = training_arrays.configure_callbacks(
        model, callbacks, do_validation=validation is not None, epochs=epochs, steps_per_epoch=source.steps,
        verbose=verbose, count_mode='steps')
    callback_list.on_train_begin()
    progbar.on_train_begin()
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        progbar.on_epoch_begin(epoch)
        results = _iterate(model, source, TRAIN, callbacks=callback_list, class_weight=class_weight,
                           progbar=progbar)
        epoch_logs = dict(zip(model.metrics_names, results))
        if validation is not None and training_utils.should_run_validation(validation_freq, epoch) and \
                not model.stop_training:
            model.reset_metrics()
            callback_list.on_test_begin()
            if isinstance(validation, BatchSource):
                val_results = _iterate(model, validation, TEST, callbacks=callback_list)
            else:
                xs, ys, ws = model._standardize_user_data(*validation)
                val_results = training_arrays.iterate(model, xs + ys + ws, TEST, 32, callbacks=callback_list)
            callback_list.on_test_end()
            epoch_logs.update(('val_' + name, value) for name, value in zip(model.metrics_names, val_results))
        callback_list.on_epoch_end(epoch, epoch_logs)
        progbar.on_epoch_end(epoch, epoch_logs)
        if model.stop_training:
            break
    callback_list.on_train_end()
    return model.history


def evaluate_generator(model, generator, steps=None, callbacks=None, verbose=0, y=None):
    model._assert_compile_was_called()
    source = BatchSource(generator, steps)
    callback_list, progbar = training_arrays.configure_callbacks(model, callbacks, steps_per_epoch=source.steps,
                                                                 verbose=verbose, mode=TEST)
    model.reset_metrics()
    callback_list.on_test_begin()
    results = training_arrays.run_with_progbar(
        progbar, lambda: _iterate(model, source, TEST, callbacks=callback_list, progbar=progbar),
        model.metrics_names)
    callback_list.on_test_end()
    return results[0] if len(results) == 1 else results


def predict_generator(model, generator, steps=None, callbacks=None, verbose=0):
    source = BatchSource(generator, steps)
    callback_list, progbar = training_arrays.configure_callbacks(model, callbacks, steps_per_epoch=source.steps,
                                                                 verbose=verbose, mode=PREDICT)
    callback_list.on_predict_begin()
    outputs = training_arrays.run_with_progbar(
        progbar, lambda: _iterate(model, source, PREDICT, callbacks=callback_list, progbar=progbar), [])
    callback_list.on_predict_end()
    return outputs[0] if len(outputs) == 1 else outputs
