"""tf.layers classes are their Keras classes plus variable-scope semantics (TF 1.15's layers/base.py):
the subclass relation, one computation (the Keras class's), tf.layers layers on Keras tensors and in Keras
models (refused by Model and Sequential, as TF 1.15 does), and Keras layers under variable_scope(reuse=True)
against TensorFlow."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf

_PAIRS = ['Dense', 'Dropout', 'Flatten', 'Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv3DTranspose',
          'SeparableConv1D', 'SeparableConv2D', 'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D',
          'AveragePooling2D', 'AveragePooling3D', 'BatchNormalization']


@pytest.mark.parametrize('name', _PAIRS)
def test_each_tf_layer_subclasses_its_keras_layer(name):
    legacy, keras = getattr(tf.layers, name), getattr(tf.keras.layers, name)
    assert issubclass(legacy, keras) and issubclass(legacy, tf.layers.Layer)
    assert issubclass(tf.layers.Layer, tf.keras.layers.Layer)
    # one computation: tf.layers adds no build of its own
    assert legacy.build is keras.build


def test_isinstance_and_input_spec_as_tf():
    assert isinstance(tf.layers.Dense(3), tf.keras.layers.Layer)
    assert tf.layers.InputSpec is tf.keras.layers.InputSpec


def test_a_tf_layer_on_keras_tensors_and_in_models():
    inputs = tf.keras.Input((4,))
    legacy = tf.layers.Dense(3, name='legacy')
    hidden = legacy(inputs)
    assert hidden._keras_history.layer is legacy and hidden.shape.as_list() == [None, 3]
    outputs = tf.keras.layers.Dense(1)(hidden)
    with pytest.raises(TypeError, match='The following are legacy tf.layers.Layers'):
        tf.keras.Model(inputs, outputs)
    with pytest.raises(TypeError, match='legacy tf.layers.Layers'):
        tf.keras.Sequential([tf.layers.Dense(2)])


def test_a_subclassed_model_tracks_tf_layers():
    class TwoLayers(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = tf.layers.Dense(3, activation=tf.nn.relu)
            self.out = tf.keras.layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))
    model = TwoLayers()
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    y = model(tf.constant(x))
    # the tf.layers Dense's variables follow its variable scope (the root one), the Keras Dense's its name
    # scope; both count in the one per-graph name map (tf.layers from 1, Keras from 0: both are 'dense_1')
    assert [w.name for w in model.weights] == ['dense/kernel:0', 'dense/bias:0', 'two_layers/dense_1/kernel:0',
                                               'two_layers/dense_1/bias:0']
    sess = tf.keras.backend.get_session()  # Keras initializes the tf.layers variables it tracks too
    k1, b1, k2, b2 = sess.run(model.weights)
    np.testing.assert_allclose(sess.run(y), np.maximum(x @ k1 + b1, 0) @ k2 + b2, rtol=1e-5)


def test_batch_norm_fused_true_falls_back_in_tf_layers_only():
    with pytest.raises(ValueError, match='fused=True is only supported when axis is 1 or 3'):
        tf.keras.layers.BatchNormalization(axis=2, fused=True)
    layer = tf.layers.BatchNormalization(axis=2, fused=True)
    layer(tf.placeholder(tf.float32, (None, 2, 3, 4)))
    assert layer.fused is False


def test_batch_norm_moving_statistics_are_never_partitioned():
    x = tf.placeholder(tf.float32, (None, 6))
    with tf.variable_scope('p', partitioner=tf.fixed_size_partitioner(2)):
        layer = tf.layers.BatchNormalization()
        layer(x, training=True)
    names = sorted(v.name for v in tf.global_variables())
    assert names == ['p/batch_normalization/beta/part_0:0', 'p/batch_normalization/beta/part_1:0',
                     'p/batch_normalization/gamma/part_0:0', 'p/batch_normalization/gamma/part_1:0',
                     'p/batch_normalization/moving_mean:0', 'p/batch_normalization/moving_variance:0']


def _scope_reference(backend):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'keras_scope_reference.py')
    done = subprocess.run([sys.executable, script, backend], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_keras_layers_under_reuse_scopes_on_sluice():
    got = _scope_reference('sluice')
    # a Keras layer ignores reuse=True (its own variables, new ones for a new layer); tf.layers reuse by scope
    assert got['variables'][-2:] == ['s_1/dense_2/kernel:0', 's_1/dense_2/bias:0']
    assert got['outputs'][:2] == ['s/dense/BiasAdd:0', 's_1/dense/BiasAdd:0']
    assert got['missing'].startswith('Variable s/missing/kernel does not exist')


@pytest.mark.tf
def test_keras_layers_under_reuse_scopes_match_tf():
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    assert _scope_reference('sluice') == _scope_reference('tf')
