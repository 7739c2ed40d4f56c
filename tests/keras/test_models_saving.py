"""Saving Keras models: weights in TF's checkpoint format (keys as TF 1.15's object-based checkpoints name
them) and in HDF5, whole models in HDF5, and TF 1.15's ImportError when h5py is missing."""
import os

import numpy as np
import pytest

import models_standins

models_standins.install()

import sluice as tf  # noqa: E402
from sluice import keras  # noqa: E402
from sluice.keras import backend as K  # noqa: E402
from sluice.keras.engine import saving  # noqa: E402

layers = keras.layers


@pytest.fixture(autouse=True)
def fresh_session():
    K.clear_session()
    yield
    K.clear_session()


def _model():
    inputs = keras.Input((3,), name='x')
    hidden = layers.Dense(4, activation='relu', name='hidden')(inputs)
    return keras.Model(inputs, layers.Dense(2, name='out')(hidden))


def _scrambled(model):
    return [np.random.RandomState(i).rand(*w.shape).astype('float32') for i, w in enumerate(model.get_weights())]


def test_tf_format_weights_round_trip_and_name_the_keys_as_tf(tmp_path):
    model = _model()
    saved = model.get_weights()
    path = str(tmp_path / 'ckpt' / 'weights')
    model.save_weights(path)
    assert os.path.exists(path + '.index') and tf.train.latest_checkpoint(str(tmp_path / 'ckpt')) == path
    keys = dict(tf.train.list_variables(path))
    assert keys == {'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE': [3, 4],
                    'layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE': [4],
                    'layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE': [4, 2],
                    'layer_with_weights-1/bias/.ATTRIBUTES/VARIABLE_VALUE': [2]}
    model.set_weights(_scrambled(model))
    model.load_weights(path)
    for ours, theirs in zip(model.get_weights(), saved):
        np.testing.assert_array_equal(ours, theirs)
    K.clear_session()
    other = _model()  # another graph, the same architecture
    other.load_weights(path)
    for ours, theirs in zip(other.get_weights(), saved):
        np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(NotImplementedError, match='by_name=True'):
        other.load_weights(path, by_name=True)


def test_save_weights_format_errors(tmp_path):
    model = _model()
    with pytest.raises(ValueError, match='looks like an HDF5 file'):
        model.save_weights(str(tmp_path / 'w.h5'), save_format='tf')
    with pytest.raises(ValueError, match='Unknown format "pickle"'):
        model.save_weights(str(tmp_path / 'w'), save_format='pickle')


def test_hdf5_weights_round_trip_by_order_and_by_name(tmp_path):
    pytest.importorskip('h5py')
    model = _model()
    saved = model.get_weights()
    path = str(tmp_path / 'w.h5')
    model.save_weights(path)
    model.set_weights(_scrambled(model))
    model.load_weights(path)
    for ours, theirs in zip(model.get_weights(), saved):
        np.testing.assert_array_equal(ours, theirs)
    K.clear_session()
    inputs = keras.Input((3,))
    partial = keras.Model(inputs, layers.Dense(4, name='hidden')(inputs))
    partial.load_weights(path, by_name=True)
    np.testing.assert_array_equal(partial.get_weights()[0], saved[0])


def test_hdf5_needs_h5py(tmp_path, monkeypatch):
    monkeypatch.setattr(saving, 'h5py', None)
    model = _model()
    with pytest.raises(ImportError, match='`save_weights` requires h5py when saving in hdf5.'):
        model.save_weights(str(tmp_path / 'w.h5'))
    with pytest.raises(ImportError, match='`load_weights` requires h5py when loading weights from HDF5.'):
        model.load_weights(str(tmp_path / 'w.h5'))
    with pytest.raises(ImportError, match='`save_model` requires h5py.'):
        keras.models.save_model(model, str(tmp_path / 'm.h5'))
    with pytest.raises(ImportError, match='`load_model` requires h5py.'):
        keras.models.load_model(str(tmp_path / 'm.h5'))


def test_whole_model_round_trips_through_hdf5(tmp_path):
    pytest.importorskip('h5py')
    model = _model()
    model.compile('sgd', 'mse', metrics=['mae'])
    x = np.random.RandomState(0).rand(5, 3).astype('float32')
    expected = model.predict(x)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    K.clear_session()
    loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == ['x', 'hidden', 'out']
    assert loaded.metrics_names == ['loss', 'mean_absolute_error']
    np.testing.assert_allclose(loaded.predict(x), expected, rtol=1e-6)
    loaded.fit(x, np.zeros((5, 2), 'float32'), verbose=0)


def test_subclassed_model_weights_round_trip(tmp_path):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Net()
    model(tf.placeholder(tf.float32, [None, 3]))
    saved = model.get_weights()
    model.save_weights(str(tmp_path / 'net'))
    # TF 1.15 names a subclassed model's layers by attribute
    assert sorted(dict(tf.train.list_variables(str(tmp_path / 'net')))) == [
        'dense/bias/.ATTRIBUTES/VARIABLE_VALUE', 'dense/kernel/.ATTRIBUTES/VARIABLE_VALUE']
    model.set_weights(_scrambled(model))
    model.load_weights(str(tmp_path / 'net'))
    for ours, theirs in zip(model.get_weights(), saved):
        np.testing.assert_array_equal(ours, theirs)
