"""tf.keras.activations against TensorFlow (tf_keras in graph mode), and the identifier rules of TF 1.15."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import activations

import activation_cases
import keras_reference


@pytest.fixture(scope='module')
def values(tmp_path_factory):
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    theirs = keras_reference.tensorflow_values('activation_cases', tmp_path_factory.mktemp('keras_activations'))
    return keras_reference.sluice_values('activation_cases'), theirs


@pytest.mark.tf
@pytest.mark.parametrize('key', keras_reference.case_keys('activation_cases'))
def test_against_tensorflow(values, key):
    ours, theirs = values
    assert ours[key].shape == theirs[key].shape
    np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6)


def test_written_out():
    x = activation_cases.X
    with tf.Session() as sess:
        got = sess.run({'hard_sigmoid': activations.hard_sigmoid(x), 'selu': activations.selu(x),
                        'relu': activations.relu(x, alpha=0.2, max_value=2.5, threshold=0.5)})
    np.testing.assert_allclose(got['hard_sigmoid'], np.clip(0.2 * x + 0.5, 0, 1), rtol=1e-6)
    selu = 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1))
    np.testing.assert_allclose(got['selu'], selu, rtol=1e-5)
    relu = np.clip(x * (x > 0.5), 0, 2.5) - 0.2 * np.maximum(0.5 - x, 0)
    np.testing.assert_allclose(got['relu'], relu, rtol=1e-6)


def test_ops_chosen_as_tf_1_15_does():
    x = tf.placeholder(tf.float32, [None, 3])
    assert activations.relu(x, max_value=6).op.type == 'Relu6'
    assert activations.relu(x, alpha=0.1).op.type == 'LeakyRelu'
    assert activations.softmax(x).op.type == 'Softmax'
    assert activations.sigmoid(x).op.type == 'Sigmoid'
    assert activations.linear(x) is x


def test_softmax_rank_1_is_an_error():
    with pytest.raises(ValueError, match='Cannot apply softmax to a tensor that is 1D'):
        activations.softmax(tf.constant([1., 2.]))


def test_get_serialize_deserialize():
    assert activations.get(None) is activations.linear
    assert activations.get('relu') is activations.relu
    assert activations.get(tf.nn.relu) is tf.nn.relu
    assert activations.serialize(activations.tanh) == 'tanh'
    assert activations.deserialize('softmax') is activations.softmax
    with pytest.raises(ValueError, match='Unknown activation function:bogus'):
        activations.get('bogus')
    with pytest.raises(TypeError, match='Could not interpret activation function identifier: 3'):
        activations.get(3)
