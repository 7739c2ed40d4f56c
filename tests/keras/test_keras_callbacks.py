"""tf.keras.callbacks on a small stand-in model (the attributes the callback contract names): the
decisions TF 1.15's callbacks take on the same logs (against tf_keras where its callbacks still decide
the same way), the files they write and the lines they print."""
import csv
import os
import sys
import types

import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras import callbacks
from sluice.keras.utils import generic_utils


class FakeModel(object):
    """What callbacks use of a Model: stop_training, optimizer.lr, weights, saving, metrics_names."""

    def __init__(self, lr=0.1, graph_network=True):
        self.stop_training = False
        self.optimizer = types.SimpleNamespace(lr=K.variable(lr, name='lr'))
        self.metrics_names = ['loss', 'acc']
        self._is_graph_network = graph_network
        self._weights = [np.zeros(2, np.float32)]
        self.saved = []
        self.loaded = []

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w) for w in weights]

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(('weights', filepath))
        open(filepath, 'w').close()

    def save(self, filepath, overwrite=True):
        self.saved.append(('model', filepath))
        open(filepath, 'w').close()

    def load_weights(self, filepath):
        self.loaded.append(filepath)


def drive(callback_list, model, epoch_logs, batches=((0, {'size': 2, 'loss': 1.0}),), params=None):
    """Runs the hooks as fit does, for one epoch per entry of epoch_logs; returns the epochs run."""
    if not isinstance(callback_list, callbacks.CallbackList):
        callback_list = callbacks.CallbackList(callback_list)
        callback_list.set_model(model)
        callback_list.set_params(dict({'epochs': len(epoch_logs), 'metrics': ['loss', 'acc'], 'verbose': 0,
                                       'steps': None, 'samples': 2}, **(params or {})))
    callback_list.on_train_begin()
    epochs = []
    for epoch, logs in enumerate(epoch_logs):
        callback_list.on_epoch_begin(epoch)
        for batch, batch_logs in batches:
            callback_list.on_train_batch_begin(batch, {'batch': batch, 'size': batch_logs.get('size', 2)})
            callback_list.on_train_batch_end(batch, dict(batch_logs, batch=batch))
        callback_list.on_epoch_end(epoch, logs)
        epochs.append(epoch)
        if model.stop_training:
            break
    callback_list.on_train_end()
    return epochs


def test_callback_list_calls_the_hooks_in_order():
    seen = []

    class Recorder(callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(('batch_begin', batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(('batch_end', batch, logs['loss']))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(('epoch_end', epoch, self.params['epochs'], self.model is model))

        def on_test_batch_end(self, batch, logs=None):
            seen.append(('test_batch_end', batch))

    model = FakeModel()
    cbks = callbacks.CallbackList([Recorder()])
    cbks.set_model(model)
    cbks.set_params({'epochs': 1, 'metrics': []})
    drive(cbks, model, [{}])
    cbks.on_test_batch_end(3)
    cbks._call_begin_hook('predict')
    assert seen == [('batch_begin', 0), ('batch_end', 0, 1.0), ('epoch_end', 0, 1, True), ('test_batch_end', 3)]


def test_configure_callbacks_adds_the_loggers_and_params():
    model = FakeModel()
    mine = callbacks.Callback()
    cbks = callbacks.configure_callbacks([mine], model, do_validation=True, batch_size=32, epochs=3,
                                         samples=100, verbose=1, count_mode='samples')
    kinds = [type(c).__name__ for c in cbks]
    assert kinds == ['BaseLogger', 'Callback', 'History', 'ProgbarLogger']
    assert cbks.callbacks[2] is model.history and model.stop_training is False
    assert mine.params == {'batch_size': 32, 'epochs': 3, 'steps': None, 'samples': 100, 'verbose': 1,
                           'do_validation': True, 'metrics': ['loss', 'acc', 'val_loss', 'val_acc']}
    assert cbks.callbacks[0].stateful_metrics == ['acc']
    test_list = callbacks.configure_callbacks(None, model, mode='test', verbose=0)
    assert test_list.callbacks == [] and test_list.params['metrics'] == ['loss', 'acc']
    assert callbacks.configure_callbacks(cbks, model) is cbks
    assert callbacks.make_logs(model, {}, [0.5, 0.25], 'train', prefix='val_') == {'val_loss': 0.5, 'val_acc': 0.25}


def test_base_logger_averages_by_batch_size_and_history_records():
    model = FakeModel()
    history = callbacks.History()
    logger = callbacks.BaseLogger(stateful_metrics=['acc'])
    epoch_logs = {'val_loss': 2.0}
    drive([logger, history], model, [epoch_logs],
          batches=[(0, {'size': 3, 'loss': 1.0, 'acc': 0.5}), (1, {'size': 1, 'loss': 3.0, 'acc': 0.75})])
    assert epoch_logs == {'val_loss': 2.0, 'loss': 1.5, 'acc': 0.75}
    assert history.epoch == [0] and history.history == {'val_loss': [2.0], 'loss': [1.5], 'acc': [0.75]}


def test_terminate_on_nan(capsys):
    model = FakeModel()
    epochs = drive([callbacks.TerminateOnNaN()], model, [{}, {}], batches=[(4, {'loss': np.nan})])
    assert epochs == [0] and model.stop_training
    assert capsys.readouterr().out == 'Batch 4: Invalid loss, terminating training\n'


def _fixed_clock(monkeypatch):
    clock = iter(np.arange(0, 1000, 0.5))   # Progbar's clock only: half a second per reading
    monkeypatch.setattr(generic_utils, 'time', types.SimpleNamespace(time=lambda: next(clock)))


@pytest.mark.parametrize('verbose, expected', [
    (1, 'Epoch 1/2\n\n2/4 [==============>...............] - ETA: 0s - loss: 1.0000 - acc: 0.5000'
        '\n4/4 [==============================] - 1s 250ms/sample - loss: 1.5000 - acc: 0.7500\n'
        'Epoch 2/2\n\n2/4 [==============>...............] - ETA: 0s - loss: 1.0000 - acc: 0.5000'
        '\n4/4 [==============================] - 1s 250ms/sample - loss: 1.5000 - acc: 0.7500\n'),
    (2, 'Epoch 1/2\n4/4 - 1s - loss: 1.5000 - acc: 0.7500\nEpoch 2/2\n4/4 - 1s - loss: 1.5000 - acc: 0.7500\n')])
def test_progbar_logger_prints_tf_1_15_lines(monkeypatch, capsys, verbose, expected):
    _fixed_clock(monkeypatch)
    model = FakeModel()
    monkeypatch.setattr(generic_utils.sys, 'stdout', sys.stdout)
    progbar = callbacks.ProgbarLogger(count_mode='samples', stateful_metrics=['acc'])
    progbar.stateful_metrics = {'acc'}
    logger = callbacks.BaseLogger(stateful_metrics=['acc'])
    generic_utils_dynamic = generic_utils.Progbar.__init__

    def quiet_init(self, *args, **kwargs):   # a pipe, not a terminal: one line per update
        generic_utils_dynamic(self, *args, **kwargs)
        self._dynamic_display = False
    monkeypatch.setattr(generic_utils.Progbar, '__init__', quiet_init)
    drive([logger, progbar], model, [{}, {}], params={'verbose': verbose, 'samples': 4},
          batches=[(0, {'size': 2, 'loss': 1.0, 'acc': 0.5}), (1, {'size': 2, 'loss': 2.0, 'acc': 0.75})])
    assert capsys.readouterr().out == expected


def test_progbar_logger_rejects_an_unknown_count_mode():
    with pytest.raises(ValueError, match='Unknown `count_mode`: epochs'):
        callbacks.ProgbarLogger('epochs')


def _stop_epoch_tf115(values, **kwargs):
    model = FakeModel()
    stopper = callbacks.EarlyStopping(**kwargs)
    epochs = drive([stopper], model, [{'val_loss': v, 'val_acc': -v} for v in values])
    return epochs[-1] if model.stop_training else None


@pytest.mark.parametrize('values, kwargs, stop', [
    ([1.0, 0.9, 0.95, 0.97, 0.8], dict(patience=2), 3),
    ([1.0, 0.9, 0.89, 0.88, 0.87], dict(patience=1, min_delta=0.05), 2),
    ([1.0, 0.9, 0.95], dict(monitor='val_acc', patience=1), 2),     # 'acc' in the name: maximized
    ([1.0, 0.9, 0.8], dict(patience=1, baseline=0.5), 0),               # never beats the baseline
    ([1.0, 1.0], dict(patience=0), 1),
    ([3.0, 2.0, 1.0], dict(patience=1), None)])
def test_early_stopping_decisions(values, kwargs, stop):
    assert _stop_epoch_tf115(values, **kwargs) == stop


def test_early_stopping_decides_as_tf_keras():
    tf_keras_callbacks = pytest.importorskip('tf_keras.src.callbacks')
    rng = np.random.RandomState(0)
    for trial in range(30):
        values = list(rng.rand(12))
        patience, min_delta = int(rng.randint(1, 4)), float(rng.choice([0, 0.05]))
        reference = tf_keras_callbacks.EarlyStopping(patience=patience, min_delta=min_delta)
        reference.set_model(types.SimpleNamespace(stop_training=False))
        reference.on_train_begin()
        ref_stop = None
        for epoch, v in enumerate(values):
            reference.on_epoch_end(epoch, {'val_loss': v})
            if reference.model.stop_training:
                ref_stop = epoch
                break
        assert _stop_epoch_tf115(values, patience=patience, min_delta=min_delta) == ref_stop, (values, patience)


def test_auto_mode_directions(caplog):
    assert callbacks.ModelCheckpoint('x', monitor='fmeasure_1').monitor_op is np.greater
    assert callbacks.EarlyStopping(monitor='fmeasure_1').monitor_op is np.less   # TF 1.15 checks only 'acc'
    assert callbacks.EarlyStopping(monitor='val_loss', mode='max').monitor_op is np.greater
    assert callbacks.EarlyStopping(monitor='val_acc', mode='upward').monitor_op is np.greater
    assert 'EarlyStopping mode upward is unknown, fallback to auto mode.' in caplog.text


def test_early_stopping_restores_the_best_weights(capsys):
    model = FakeModel()
    stopper = callbacks.EarlyStopping(patience=1, restore_best_weights=True, verbose=1)

    class Step(callbacks.Callback):   # the weights move every epoch
        def on_epoch_begin(self, epoch, logs=None):
            self.model.set_weights([np.full(2, epoch, np.float32)])
    drive([Step(), stopper], model, [{'val_loss': v} for v in [1.0, 0.5, 0.7, 0.6]])
    np.testing.assert_array_equal(model.get_weights()[0], [1, 1])
    assert capsys.readouterr().out == 'Restoring model weights from the end of the best epoch.\nEpoch 00003: early stopping\n'


def test_early_stopping_warns_without_the_monitor(caplog):
    model = FakeModel()
    drive([callbacks.EarlyStopping(monitor='val_auc')], model, [{'loss': 1.0}])
    assert 'Early stopping conditioned on metric `val_auc` which is not available. Available metrics are: loss' \
        in caplog.text


def test_model_checkpoint_formats_the_path_and_saves_each_epoch(tmp_path, capsys):
    model = FakeModel()
    pattern = str(tmp_path / 'w.{epoch:02d}-{val_loss:.2f}.ckpt')
    checkpoint = callbacks.ModelCheckpoint(pattern, verbose=1)
    drive([checkpoint], model, [{'val_loss': 0.5}, {'val_loss': 0.25}])
    names = [(kind, os.path.basename(path)) for kind, path in model.saved]
    assert names == [('model', 'w.01-0.50.ckpt'), ('model', 'w.02-0.25.ckpt')]
    assert capsys.readouterr().out == '\nEpoch 00001: saving model to %s\n\nEpoch 00002: saving model to %s\n' % (
        model.saved[0][1], model.saved[1][1])


def test_model_checkpoint_save_best_only(tmp_path, capsys, caplog):
    model = FakeModel()
    path = str(tmp_path / 'best.h5')
    checkpoint = callbacks.ModelCheckpoint(path, monitor='val_acc', save_best_only=True, save_weights_only=True,
                                           verbose=1)
    drive([checkpoint], model, [{'val_acc': 0.5}, {'val_acc': 0.4}, {'val_acc': 0.75}, {}])
    assert [kind for kind, _ in model.saved] == ['weights', 'weights']
    assert capsys.readouterr().out == (
        '\nEpoch 00001: val_acc improved from -inf to 0.50000, saving model to %s\n'
        '\nEpoch 00002: val_acc did not improve from 0.50000\n'
        '\nEpoch 00003: val_acc improved from 0.50000 to 0.75000, saving model to %s\n' % (path, path))
    assert 'Can save best model only with val_acc available, skipping.' in caplog.text


def test_model_checkpoint_period_and_save_freq(tmp_path):
    model = FakeModel()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / 'e{epoch}'), period=2)
    drive([checkpoint], model, [{}] * 5)
    assert [os.path.basename(p) for _, p in model.saved] == ['e2', 'e4']
    model = FakeModel()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / 'b{epoch}'), save_freq=5)
    drive([checkpoint], model, [{}, {}], batches=[(i, {'size': 2}) for i in range(4)])
    assert [os.path.basename(p) for _, p in model.saved] == ['b1', 'b2']   # 6 samples, then 6 more after 2
    with pytest.raises(ValueError, match='Unrecognized save_freq: often'):
        callbacks.ModelCheckpoint('x', save_freq='often')


def test_model_checkpoint_saves_weights_of_a_subclassed_model(tmp_path):
    model = FakeModel(graph_network=False)
    drive([callbacks.ModelCheckpoint(str(tmp_path / 'sub'))], model, [{}])
    assert model.saved[0][0] == 'weights'


def test_model_checkpoint_loads_the_newest_matching_file_on_restart(tmp_path):
    for i, name in enumerate(['m.1.h5', 'm.2.h5', 'other.h5']):
        path = tmp_path / name
        path.write_text('x')
        os.utime(str(path), (1000 + i, 1000 + i))
    model = FakeModel()
    checkpoint = callbacks.ModelCheckpoint(str(tmp_path / 'm.{epoch}.h5'), load_weights_on_restart=True)
    checkpoint.set_model(model)
    checkpoint.on_train_begin()
    assert model.loaded == [str(tmp_path / 'm.2.h5')]


def test_learning_rate_scheduler_sets_the_optimizer_lr(capsys):
    model = FakeModel(lr=0.1)
    logs = [{'loss': 1.0} for _ in range(3)]
    drive([callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5, verbose=1)], model, logs)
    np.testing.assert_allclose([log['lr'] for log in logs], [0.05, 0.025, 0.0125], rtol=1e-6)
    assert '\nEpoch 00002: LearningRateScheduler reducing learning rate to 0.025' in capsys.readouterr().out
    drive([callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))], model, [{}, {}])
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.02, rtol=1e-6)
    with pytest.raises(ValueError, match='should be float'):
        drive([callbacks.LearningRateScheduler(lambda epoch: 1)], model, [{}])
    model.optimizer = object()
    with pytest.raises(ValueError, match='Optimizer must have a "lr" attribute.'):
        drive([callbacks.LearningRateScheduler(lambda epoch: 1.0)], model, [{}])


class _ValueHolder(object):
    def __init__(self, value):
        self.value = value


def _reduce_lr_trace(module, backend_get, backend_set, lr, values, **kwargs):
    model = types.SimpleNamespace(stop_training=False, optimizer=types.SimpleNamespace(lr=lr))
    callback = module.ReduceLROnPlateau(**kwargs)
    callback.set_model(model)
    callback.on_train_begin()
    trace = []
    for epoch, v in enumerate(values):
        callback.on_epoch_end(epoch, {'val_loss': v})
        trace.append(float(backend_get(lr)))
    return trace


@pytest.mark.parametrize('kwargs', [dict(patience=1), dict(patience=2, factor=0.5, min_lr=0.02),
                                    dict(patience=1, cooldown=2, min_delta=0.01)])
def test_reduce_lr_on_plateau_decides_as_tf_keras(monkeypatch, kwargs):
    tf_keras_callbacks = pytest.importorskip('tf_keras.src.callbacks')
    values = [1.0, 0.9, 0.95, 0.93, 0.92, 0.85, 0.9, 0.91, 0.92, 0.93]
    ours = _reduce_lr_trace(callbacks, K.get_value, K.set_value, K.variable(0.1), values, **kwargs)
    holder_backend = types.SimpleNamespace(get_value=lambda h: h.value,
                                           set_value=lambda h, v: setattr(h, 'value', np.float32(v)))
    monkeypatch.setattr(tf_keras_callbacks, 'backend', holder_backend)
    theirs = _reduce_lr_trace(tf_keras_callbacks, holder_backend.get_value, None,
                              _ValueHolder(np.float32(0.1)), values, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert min(ours) < 0.1


def test_reduce_lr_on_plateau_rejects_a_factor_of_one():
    with pytest.raises(ValueError, match='does not support a factor >= 1.0'):
        callbacks.ReduceLROnPlateau(factor=1.0)


def test_csv_logger_writes_rows_and_appends(tmp_path):
    path = str(tmp_path / 'log.csv')
    model = FakeModel()
    drive([callbacks.CSVLogger(path)], model, [{'loss': 0.5, 'acc': 0.25}, {'loss': 0.25, 'acc': np.array([1, 2])}])
    drive([callbacks.CSVLogger(path, append=True, separator=';')], model, [{'loss': 0.125, 'acc': 1.0}])
    with open(path) as f:
        assert f.read() == 'epoch,acc,loss\n0,0.25,0.5\n1,"""[1, 2]""",0.25\n0;1.0;0.125\n'


def test_csv_logger_fills_missing_values_when_training_stops(tmp_path):
    path = str(tmp_path / 'log.csv')
    model = FakeModel()

    class Stop(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 1
    drive([Stop(), callbacks.CSVLogger(path)], model, [{'loss': 0.5, 'val_loss': 0.6}, {'loss': 0.4}])
    with open(path) as f:
        assert list(csv.reader(f)) == [['epoch', 'loss', 'val_loss'], ['0', '0.5', '0.6'], ['1', '0.4', 'NA']]


def test_lambda_callback():
    seen = []
    model = FakeModel()
    drive([callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(('epoch', epoch)),
                                    on_batch_end=lambda batch, logs: seen.append(('batch', batch)),
                                    on_train_end=lambda logs: seen.append('end'))], model, [{}])
    assert seen == [('batch', 0), ('epoch', 0), 'end']


def _events(log_dir):
    files = [os.path.join(log_dir, f) for f in os.listdir(log_dir) if 'tfevents' in f]
    assert len(files) == 1
    return list(tf.summary.summary_iterator(files[0]))


def _scalars(events):
    return [(e.step, v.tag, round(v.simple_value, 6)) for e in events for v in e.summary.value
            if v.HasField('simple_value')]


def test_tensorboard_writes_the_graph_and_epoch_scalars(tmp_path):
    K.constant(1.0, name='marker')
    model = FakeModel()
    model.layers = []
    board = callbacks.TensorBoard(log_dir=str(tmp_path))
    drive([board], model, [{'loss': 0.5, 'acc': 0.25}, {'loss': 0.25, 'acc': 0.5}])
    events = _events(str(tmp_path))
    graphs = [e for e in events if e.HasField('graph_def')]
    assert len(graphs) == 1
    graph_def = tf.GraphDef.FromString(graphs[0].graph_def)
    assert 'marker' in [n.name for n in graph_def.node]
    assert sorted(_scalars(events)) == [(0, 'epoch_acc', 0.25), (0, 'epoch_loss', 0.5),
                                        (1, 'epoch_acc', 0.5), (1, 'epoch_loss', 0.25)]


def test_tensorboard_batch_updates(tmp_path):
    model = FakeModel()
    model.layers = []
    board = callbacks.TensorBoard(log_dir=str(tmp_path), update_freq=3, write_graph=False)
    drive([board], model, [{'loss': 0.5}], batches=[(i, {'size': 2, 'loss': float(i)}) for i in range(3)])
    events = _events(str(tmp_path))
    assert not [e for e in events if e.HasField('graph_def')]
    # samples 2, 4 (write at batch 1: 4 >= 3 since 0), 6 (2 since the write: no); epoch at 6 samples
    assert _scalars(events) == [(1, 'batch_loss', 1.0), (6, 'epoch_loss', 0.5)]


def test_tensorboard_histograms_ride_on_the_test_function(tmp_path):
    x = K.placeholder(shape=(None, 2), name='x')
    kernel = K.variable(np.ones((2, 3)), name='dense/kernel')
    output = tf.matmul(x, kernel)
    layer = types.SimpleNamespace(name='dense', weights=[kernel], trainable_weights=[kernel], output=output)
    model = FakeModel()
    model.layers = [layer]

    class TestFunction(object):   # Keras's backend Function protocol: fetches + fetch_callbacks
        def __init__(self):
            self.fetches, self.fetch_callbacks = [], {}

        def __call__(self, feed):
            values = K.get_session().run(self.fetches, {x: feed})
            for fetch, value in zip(self.fetches, values):
                if fetch in self.fetch_callbacks:
                    self.fetch_callbacks[fetch](value)

    model.test_function = TestFunction()
    model._make_test_function = lambda: None
    board = callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=2, write_graph=False)
    cbks = callbacks.CallbackList([board])
    cbks.set_model(model)
    cbks.set_params({'epochs': 3, 'metrics': []})
    cbks.on_train_begin()
    for epoch in range(3):
        cbks.on_epoch_begin(epoch)
        model.test_function(np.ones((4, 2), np.float32))   # validation, two batches
        model.test_function(np.ones((1, 2), np.float32))
        cbks.on_epoch_end(epoch, {'val_loss': 1.0})
    cbks.on_train_end()
    histograms = [(e.step, v.tag, v.histo.num) for e in _events(str(tmp_path)) for v in e.summary.value
                  if v.HasField('histo')]
    assert histograms == [(0, 'dense/kernel_0', 6), (0, 'dense_out', 12), (1, 'dense/kernel_0', 6),
                          (1, 'dense_out', 3), (2, 'dense/kernel_0', 6), (2, 'dense_out', 12),
                          (3, 'dense/kernel_0', 6), (3, 'dense_out', 3)]
    assert model.test_function.fetches == []


def test_tensorboard_embeddings_are_not_implemented():
    with pytest.raises(NotImplementedError, match='embeddings'):
        callbacks.TensorBoard(embeddings_freq=1)


def test_callbacks_namespace_names_what_is_missing():
    assert tf.keras.callbacks.History is callbacks.History and tf.keras.utils.Progbar is generic_utils.Progbar
    assert tf.keras.preprocessing.text.Tokenizer and tf.keras.datasets.mnist.load_data
    with pytest.raises(AttributeError, match='sluice does not implement tf.keras.callbacks.BackupAndRestore yet'):
        callbacks.BackupAndRestore


@pytest.mark.parametrize('name', ['SGD', 'Adam', 'RMSprop'])
def test_lr_callbacks_drive_keras_optimizers(name):
    optimizer = getattr(tf.keras.optimizers, name)(lr=0.1)
    model = FakeModel()
    model.optimizer = optimizer
    logs = [{'loss': 1.0} for _ in range(3)]
    drive([callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
           callbacks.ReduceLROnPlateau(monitor='loss', patience=1, factor=0.1)], model, logs)
    # the plateau callback logs lr before it reduces: epoch 1 halves to 0.025, logs it, then cuts to 0.0025;
    # epoch 2 halves that to 0.00125, logs it, then cuts to 0.000125
    np.testing.assert_allclose([log['lr'] for log in logs], [0.05, 0.025, 0.00125], rtol=1e-5)
    np.testing.assert_allclose(K.get_value(optimizer.lr), 0.000125, rtol=1e-5)
