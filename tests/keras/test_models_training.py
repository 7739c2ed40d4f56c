"""Model training against the math written out in NumPy: compile's placeholders and total loss, sample and
class weights, one SGD step, stateful metrics per epoch, validation, callbacks, the learning phase,
generators, Sequences and tf.data inputs, and TF 1.15's errors for common mistakes."""
import numpy as np
import pytest

import models_standins

models_standins.install()

import sluice as tf  # noqa: E402
from sluice import keras  # noqa: E402
from sluice.keras import backend as K  # noqa: E402

layers = keras.layers


@pytest.fixture(autouse=True)
def fresh_session():
    K.clear_session()
    yield
    K.clear_session()


def _linear(units=2, features=3, name='out'):
    model = keras.Sequential([layers.Dense(units, input_shape=(features,), name=name)])
    rng = np.random.RandomState(0)
    model.set_weights([rng.uniform(-1, 1, (features, units)).astype('float32'),
                       rng.uniform(-1, 1, units).astype('float32')])
    return model


def _data(n=10, features=3, units=2, seed=1):
    rng = np.random.RandomState(seed)
    return rng.uniform(-1, 1, (n, features)).astype('float32'), rng.uniform(-1, 1, (n, units)).astype('float32')


def test_compile_makes_targets_sample_weights_and_names():
    model = _linear()
    model.compile(keras.optimizers.SGD(0.1), 'mse', metrics=['mae'])
    assert [t.name for t in model.targets] == ['out_target:0']
    assert model.targets[0].shape.ndims == 2 and model.targets[0].dtype == tf.float32
    assert [s.name for s in model.sample_weights] == ['out_sample_weights:0']
    assert model.metrics_names == ['loss', 'mean_absolute_error']
    sparse = keras.Sequential([layers.Dense(3, input_shape=(2,), name='probs')])
    sparse.compile('sgd', 'sparse_categorical_crossentropy', metrics=['accuracy'])
    assert sparse.targets[0].dtype == tf.int32 and sparse.metrics_names == ['loss', 'acc']


def test_accuracy_resolves_by_loss_and_output_shape():
    from sluice.keras import metrics
    for loss, units, expected in (('binary_crossentropy', 1, metrics.binary_accuracy),
                                  ('mse', 1, metrics.binary_accuracy),
                                  ('sparse_categorical_crossentropy', 3, metrics.sparse_categorical_accuracy),
                                  ('categorical_crossentropy', 3, metrics.categorical_accuracy)):
        K.clear_session()
        model = keras.Sequential([layers.Dense(units, input_shape=(2,))])
        model.compile('sgd', loss, metrics=['accuracy'])
        assert model.metrics[0]._fn is expected, loss


def test_evaluate_is_the_weighted_mean_loss():
    model = _linear()
    model.compile('sgd', 'mse')
    x, y = _data()
    kernel, bias = model.get_weights()
    per_sample = ((x @ kernel + bias - y) ** 2).mean(axis=1)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=10, verbose=0), per_sample.mean(), rtol=1e-5)
    weights = np.linspace(0., 2., 10).astype('float32')
    # TF 1.15's SUM_OVER_BATCH_SIZE: the weighted sum over the number of elements, not over the weights' sum.
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=weights, batch_size=10, verbose=0),
                               (per_sample * weights).sum() / 10, rtol=1e-5)
    # over batches of 4, 4, 2: the batch means averaged by batch size
    batches = [(per_sample * weights)[s:s + 4].mean() * len(per_sample[s:s + 4]) for s in (0, 4, 8)]
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=weights, batch_size=4, verbose=0),
                               sum(batches) / 10, rtol=1e-5)


def test_class_weight_weights_each_sample_by_its_class():
    model = keras.Sequential([layers.Dense(3, activation='softmax', input_shape=(2,))])
    model.compile('sgd', 'categorical_crossentropy')
    x = np.random.RandomState(0).rand(6, 2).astype('float32')
    labels = np.array([0, 1, 2, 0, 1, 2])
    y = np.eye(3, dtype='float32')[labels]
    probs = model.predict(x)
    per_sample = -np.log(probs[np.arange(6), labels])
    class_weight = {0: 1., 1: 3., 2: 0.5}
    loss = model.train_on_batch(x, y, class_weight=class_weight)
    np.testing.assert_allclose(loss, (per_sample * np.array([class_weight[c] for c in labels])).mean(), rtol=1e-5)
    with pytest.raises(ValueError, match='`class_weight` must contain all classes'):
        model.train_on_batch(x, y, class_weight={0: 1.})


def test_train_on_batch_takes_one_sgd_step():
    model = _linear()
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    x, y = _data()
    kernel, bias = model.get_weights()
    error = x @ kernel + bias - y
    loss = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss, (error ** 2).mean(), rtol=1e-5)
    grad_out = 2 * error / error.size
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.1 * x.T @ grad_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_bias, bias - 0.1 * grad_out.sum(0), rtol=1e-5, atol=1e-6)


def test_fit_reports_the_epochs_loss_and_stateful_metrics():
    model = _linear()
    model.compile(keras.optimizers.SGD(0.), 'mse', metrics=['mae'])  # lr 0: every epoch sees the same weights
    x, y = _data()
    kernel, bias = model.get_weights()
    error = x @ kernel + bias - y
    history = model.fit(x, y, batch_size=3, epochs=2, verbose=0, shuffle=False)
    assert history is model.history and history.epoch == [0, 1]
    assert history.params['samples'] == 10 and history.params['metrics'] == ['loss', 'mean_absolute_error']
    np.testing.assert_allclose(history.history['loss'], [(error ** 2).mean()] * 2, rtol=1e-5)
    # the metric is a running mean over the epoch, reset when the next begins
    np.testing.assert_allclose(history.history['mean_absolute_error'], [np.abs(error).mean()] * 2, rtol=1e-5)


def test_validation_split_takes_the_last_samples(capsys):
    model = _linear()
    model.compile(keras.optimizers.SGD(0.), 'mse')
    x, y = _data()
    kernel, bias = model.get_weights()
    history = model.fit(x, y, validation_split=0.3, epochs=3, validation_freq=2, verbose=1)
    assert capsys.readouterr().out.startswith('Train on 7 samples, validate on 3 samples\n')
    val_error = x[7:] @ kernel + bias - y[7:]
    assert len(history.history['val_loss']) == 1  # validation_freq=2: after the second epoch only
    np.testing.assert_allclose(history.history['val_loss'], [(val_error ** 2).mean()], rtol=1e-5)
    history = model.fit(x, y, validation_data=(x[:2], y[:2]), verbose=0)
    assert sorted(history.history) == ['loss', 'val_loss']


class Recorder(keras.callbacks.Callback):
    def __init__(self, stop_after=None):
        super().__init__()
        self.calls, self.stop_after = [], stop_after

    def on_train_begin(self, logs=None):
        self.calls.append('train_begin')

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append('epoch_begin %d' % epoch)

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append('batch_end %d size %d' % (batch, logs['size']))
        if self.stop_after is not None and batch + 1 >= self.stop_after:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append('epoch_end %d %s' % (epoch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append('train_end')


def test_callbacks_see_tf_1_15s_hooks_and_can_stop_training():
    model = _linear()
    model.compile('sgd', 'mse')
    x, y = _data()
    recorder = Recorder()
    model.fit(x, y, batch_size=4, epochs=2, callbacks=[recorder], verbose=0, initial_epoch=1)
    assert recorder.calls == ['train_begin', 'epoch_begin 1', 'batch_end 0 size 4', 'batch_end 1 size 4',
                              'batch_end 2 size 2', "epoch_end 1 ['loss']", 'train_end']
    assert recorder.model is model and recorder.params['epochs'] == 2
    stopper = Recorder(stop_after=2)
    history = model.fit(x, y, batch_size=4, epochs=5, callbacks=[stopper], verbose=0)
    assert history.epoch == [0] and stopper.calls.count('batch_end 2 size 2') == 0


def test_training_feeds_the_learning_phase():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dropout(0.5)(inputs))
    model.compile('sgd', 'mse')
    x = np.ones((64, 4), 'float32')
    np.testing.assert_array_equal(model.predict(x), x)  # inference: dropout is the identity
    assert K.symbolic_learning_phase() in model._make_train_function().inputs
    # training: dropout makes every element 0 or 2, each 1 away from x; testing leaves x as it is
    np.testing.assert_allclose(model.train_on_batch(x, x), 1., rtol=1e-6)
    assert model.test_on_batch(x, x) == 0.


def test_predict_and_evaluate_take_lists_and_dicts():
    a, b = keras.Input((2,), name='a'), keras.Input((1,), name='b')
    out1 = layers.Dense(1, name='o1')(layers.Concatenate()([a, b]))
    out2 = layers.Dense(2, name='o2')(a)
    model = keras.Model([a, b], [out1, out2])
    model.compile('sgd', {'o1': 'mse', 'o2': 'mae'}, loss_weights={'o1': 2., 'o2': 1.})
    assert model.metrics_names == ['loss', 'o1_loss', 'o2_loss']
    xa, xb = np.ones((5, 2), 'float32'), np.zeros((5, 1), 'float32')
    by_list = model.predict([xa, xb])
    by_dict = model.predict({'a': xa, 'b': xb})
    for p, q in zip(by_list, by_dict):
        np.testing.assert_array_equal(p, q)
    y1, y2 = np.zeros((5, 1), 'float32'), np.zeros((5, 2), 'float32')
    loss, l1, l2 = model.evaluate([xa, xb], {'o1': y1, 'o2': y2}, verbose=0)
    np.testing.assert_allclose([l1, l2], [(by_list[0] ** 2).mean(), np.abs(by_list[1]).mean()], rtol=1e-5)
    np.testing.assert_allclose(loss, 2 * l1 + l2, rtol=1e-5)


def test_regularization_losses_join_the_total():
    model = _linear()
    model.layers[0].add_loss(lambda: 0.5 * tf.reduce_sum(tf.square(model.layers[0].kernel)))
    model.compile('sgd', 'mse')
    x, y = _data()
    kernel, bias = model.get_weights()
    expected = ((x @ kernel + bias - y) ** 2).mean() + 0.5 * (kernel ** 2).sum()
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=10, verbose=0), expected, rtol=1e-5)


def _batches(x, y, size):
    while True:
        for start in range(0, len(x), size):
            yield x[start:start + size], y[start:start + size]


class ArraySequence:
    """A keras.utils.Sequence in duck type (the engine needs __len__, __getitem__, on_epoch_end)."""

    def __init__(self, x, y, size):
        self.x, self.y, self.size, self.epochs = x, y, size, 0

    def __len__(self):
        return int(np.ceil(len(self.x) / self.size))

    def __getitem__(self, i):
        return self.x[i * self.size:(i + 1) * self.size], self.y[i * self.size:(i + 1) * self.size]

    def on_epoch_end(self):
        self.epochs += 1


def test_generators_sequences_and_datasets_train_like_arrays():
    x, y = _data(n=8)
    expected = None
    for source, steps in ((lambda: _batches(x, y, 4), 2), (lambda: ArraySequence(x, y, 4), None),
                          (lambda: tf.data.Dataset.from_tensor_slices((x, y)).batch(4), None)):
        K.clear_session()
        model = _linear()
        model.compile(keras.optimizers.SGD(0.1), 'mse')
        history = model.fit(source(), steps_per_epoch=steps, epochs=2, verbose=0, shuffle=False)
        weights = model.get_weights()
        assert history.params['steps'] in (2, None) and len(history.history['loss']) == 2
        if expected is None:
            K.clear_session()
            reference = _linear()
            reference.compile(keras.optimizers.SGD(0.1), 'mse')
            reference.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
            expected = reference.get_weights()
        for ours, theirs in zip(weights, expected):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_generator_evaluate_and_predict():
    x, y = _data(n=8)
    model = _linear()
    model.compile('sgd', 'mse')
    sequence = ArraySequence(x, y, 3)
    np.testing.assert_allclose(model.predict_generator(sequence), model.predict(x), rtol=1e-6)
    per_batch = [((model.predict(x[s:s + 3]) - y[s:s + 3]) ** 2).mean() for s in (0, 3, 6)]
    # steps count as units: the mean of the batches' losses
    np.testing.assert_allclose(model.evaluate_generator(sequence), np.mean(per_batch), rtol=1e-5)
    dataset = tf.data.Dataset.from_tensor_slices(x).batch(5)
    np.testing.assert_allclose(model.predict(dataset), model.predict(x), rtol=1e-6)
    with pytest.raises(ValueError, match='`steps_per_epoch=None` is only valid for a generator based on the '
                                         '`keras.utils.Sequence`'):
        model.fit_generator(_batches(x, y, 4))


def test_common_mistakes_raise_tf_1_15s_errors():
    model = keras.Sequential([layers.Dense(10, input_shape=(784,))])
    x, y = np.zeros((4, 784), 'float32'), np.zeros((4, 10), 'float32')
    # TF 1.15's message (training.py _assert_compile_was_called), not Keras 2.2's 'before using it.'
    with pytest.raises(RuntimeError, match=r'You must compile your model before training/testing\. Use '
                                           r'`model\.compile\(optimizer, loss\)`\.'):
        model.fit(x, y)
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match=r'Error when checking input: expected dense_input to have shape \(784,\) '
                                         r'but got array with shape \(10,\)'):
        model.fit(np.zeros((4, 10)), y)
    with pytest.raises(ValueError, match=r'Error when checking target: expected dense to have shape \(10,\) but '
                                         r'got array with shape \(3,\)'):
        model.fit(x, np.zeros((4, 3)))
    with pytest.raises(ValueError, match='expected dense_input to have 2 dimensions, but got array with shape'):
        model.predict(np.zeros((4, 28, 28)))
    with pytest.raises(ValueError, match='Input arrays should have the same number of samples as target arrays. '
                                         'Found 4 input samples and 3 target samples.'):
        model.fit(x, y[:3])
    with pytest.raises(ValueError, match='make sure your sample_weight array is 1D'):
        model.fit(x, y, sample_weight=np.ones((4, 2)))
    with pytest.raises(ValueError, match='When passing a list as loss, it should have one entry per model outputs'):
        model.compile('sgd', ['mse', 'mae'])
    with pytest.raises(TypeError, match=r"Invalid keyword argument\(s\) in `compile`"):
        model.compile('sgd', 'mse', bogus=1)
    # data tensors are whole batches: TF 1.15 asks for the number of steps before reading them
    x_tensor, y_tensor = tf.constant(x), tf.constant(y)
    for call, steps_name in [(lambda: model.fit(x_tensor, y_tensor, epochs=1), 'steps_per_epoch'),
                             (lambda: model.fit([x_tensor], y), 'steps_per_epoch'),
                             (lambda: model.evaluate(x_tensor, y_tensor), 'steps'),
                             (lambda: model.predict({'dense_input': x_tensor}), 'steps')]:
        with pytest.raises(ValueError, match='When using data tensors as input to a model, you should specify the '
                                             '`%s` argument.' % steps_name):
            call()


def test_target_tensors_replace_the_target_placeholders():
    x, y = _data(n=6)
    target = tf.constant(y)
    model = _linear()
    model.compile(keras.optimizers.SGD(0.), 'mse', target_tensors=[target])
    assert model.targets == [target] and model.metrics_names == ['loss']
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.train_on_batch(x, None), ((x @ kernel + bias - y) ** 2).mean(), rtol=1e-5)
    weights = np.arange(6, dtype='float32')
    np.testing.assert_allclose(model.train_on_batch(x, None, sample_weight=weights),
                               (((x @ kernel + bias - y) ** 2).mean(1) * weights).mean(), rtol=1e-5)


def test_weighted_metrics_use_the_sample_weights():
    from sluice.keras import metrics
    model = _linear()
    custom = metrics.MeanMetricWrapper(metrics.mean_absolute_error, name='custom_mae')
    model.compile('sgd', 'mse', metrics=[custom], weighted_metrics=['mae'])
    assert model.metrics_names == ['loss', 'custom_mae', 'weighted_mean_absolute_error']
    x, y = _data(n=6)
    weights = np.array([0., 1., 1., 2., 0., 1.], 'float32')
    errors = np.abs(model.predict(x) - y).mean(axis=1)
    _, plain, weighted = model.test_on_batch(x, y, sample_weight=weights)
    np.testing.assert_allclose(plain, errors.mean(), rtol=1e-5)
    np.testing.assert_allclose(weighted, (errors * weights).sum() / weights.sum(), rtol=1e-5)


def test_temporal_sample_weights_weight_each_timestep():
    inputs = keras.Input((4, 2))
    model = keras.Model(inputs, layers.Dense(1, name='per_step')(inputs))
    model.compile('sgd', 'mse', sample_weight_mode='temporal')
    assert model.sample_weights[0].shape.as_list() == [None, None]
    x = np.random.RandomState(0).rand(3, 4, 2).astype('float32')
    y = np.zeros((3, 4, 1), 'float32')
    weights = np.random.RandomState(1).rand(3, 4).astype('float32')
    per_step = (model.predict(x)[..., 0] ** 2)
    np.testing.assert_allclose(model.test_on_batch(x, y, sample_weight=weights), (per_step * weights).mean(),
                               rtol=1e-5)
    with pytest.raises(ValueError, match='you should pass a 2D sample_weight array'):
        model.test_on_batch(x, y, sample_weight=weights[:, 0])


def test_an_iterator_is_read_for_the_given_steps():
    x, y = _data(n=8)
    model = _linear()
    model.compile(keras.optimizers.SGD(0.), 'mse')
    iterator = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(4).make_one_shot_iterator()
    history = model.fit(iterator, steps_per_epoch=2, epochs=2, verbose=0)
    expected = ((model.predict(x) - y) ** 2).mean()
    np.testing.assert_allclose(history.history['loss'], [expected] * 2, rtol=1e-5)
    with pytest.raises(ValueError, match='should not specify a target'):
        model.fit(iterator, y, steps_per_epoch=1)
