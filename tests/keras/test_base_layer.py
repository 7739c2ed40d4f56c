"""The Keras Layer contract the engine relies on: names per graph, weights under the layer's scope, Nodes and
KerasHistory, input/output properties, weights get/set, trainability, losses and the learning phase."""
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


class Scale(keras.engine.Layer):
    """y = x * w, one weight per feature."""

    def build(self, input_shape):
        self.w = self.add_weight('w', shape=[int(input_shape[-1])], initializer='ones')
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.w


def test_unnamed_layers_count_per_graph_from_zero():
    assert [Scale().name for _ in range(3)] == ['scale', 'scale_1', 'scale_2']
    K.clear_session()
    assert Scale().name == 'scale'


def test_weights_live_under_the_layers_scope_and_build_once():
    layer = Scale()
    x = keras.Input((3,))
    y = layer(x)
    layer(x)
    assert [w.name for w in layer.weights] == ['scale/w:0'] and layer.built
    assert y.op.name.startswith('scale/') and layer.count_params() == 3
    np.testing.assert_array_equal(K.get_session().run(y, {x: np.full((1, 3), 2., 'float32')}), [[2., 2., 2.]])


def test_calls_on_keras_tensors_record_nodes():
    layer = Scale()
    a, b = keras.Input((3,)), keras.Input((3,))
    ya, yb = layer(a), layer(b)
    assert len(layer.inbound_nodes) == 2
    assert tuple(ya._keras_history) == (layer, 0, 0) and tuple(yb._keras_history) == (layer, 1, 0)
    assert layer.get_input_at(1) is b and layer.get_output_at(0) is ya
    assert layer.input_shape == (None, 3) and layer.output_shape == (None, 3)  # both Nodes agree
    layer(tf.placeholder(tf.float32, [None, 3]))
    assert len(layer.inbound_nodes) == 2  # a tensor from no layer records no Node
    layer(keras.Input((2, 3)))
    with pytest.raises(AttributeError, match='multiple inbound nodes'):
        layer.input_shape  # noqa: B018


def test_set_weights_checks_count_and_shapes():
    layer = Scale()
    layer(keras.Input((2,)))
    layer.set_weights([np.array([3., 4.], 'float32')])
    np.testing.assert_array_equal(layer.get_weights()[0], [3., 4.])
    with pytest.raises(ValueError, match='expecting 1 weights'):
        layer.set_weights([])
    with pytest.raises(ValueError, match=r'Layer weight shape \(2,\) not compatible with provided weight shape'):
        layer.set_weights([np.zeros(3)])
    with pytest.raises(ValueError, match="isn't built"):
        Scale().count_params()


def test_freezing_moves_weights_to_non_trainable():
    inner = Scale()
    model = keras.Sequential([layers.Dense(2, input_shape=(2,)), inner])
    assert len(model.trainable_weights) == 3
    inner.trainable = False
    assert len(model.trainable_weights) == 2 and model.non_trainable_weights == inner.weights
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 3


def test_activity_regularizer_adds_a_batch_mean_loss():
    layer = Scale(activity_regularizer=lambda y: tf.reduce_sum(tf.abs(y)))
    x = keras.Input((2,))
    layer(x)
    loss = K.get_session().run(layer.losses[0], {x: np.array([[1., -2.], [3., 0.]], 'float32')})
    np.testing.assert_allclose(loss, 6. / 2)


def test_training_argument_follows_a_fixed_learning_phase():
    seen = []

    class Probe(keras.engine.Layer):
        def call(self, inputs, training=None):
            seen.append(training)
            return inputs

    Probe()(keras.Input((1,)))
    K.set_learning_phase(1)
    Probe()(keras.Input((1,)))
    assert seen == [None, True]
