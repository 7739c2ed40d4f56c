"""tf.keras.layers advanced activations and noise layers in sluice alone: configs, ReLU's errors, and the
noise layers' statistics in training (identity in inference)."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras import layers as L


def test_activation_configs():
    assert L.LeakyReLU().get_config()['alpha'] == pytest.approx(0.3)
    assert L.ELU().get_config()['alpha'] == 1.0
    assert L.ThresholdedReLU(0.5).get_config()['theta'] == 0.5
    assert L.Softmax(axis=1).get_config()['axis'] == 1
    relu = L.ReLU(max_value=6, negative_slope=0.1).get_config()
    assert (relu['max_value'], relu['negative_slope'], relu['threshold']) == (6., pytest.approx(0.1), 0.)
    prelu = L.PReLU(shared_axes=1).get_config()
    assert prelu['shared_axes'] == [1] and prelu['alpha_initializer']['class_name'] == 'Zeros'


def test_relu_errors():
    with pytest.raises(ValueError, match='max_value of Relu layer cannot be negative value: -1'):
        L.ReLU(max_value=-1)
    with pytest.raises(ValueError, match='negative_slope of Relu layer cannot be negative value: -0.5'):
        L.ReLU(negative_slope=-0.5)


def test_prelu_weight_shape_and_values():
    x = tf.placeholder(tf.float32, (None, 2, 3))
    layer = L.PReLU(alpha_initializer='ones', shared_axes=[1])
    y = layer(x)
    assert [w.name for w in layer.weights] == ['p_re_lu/alpha:0'] and layer.weights[0].shape.as_list() == [1, 3]
    value = np.array([[[-1, 2, -3], [4, -5, 6]]], np.float32)
    np.testing.assert_allclose(K.get_session().run(y, {x: value}), value)


def _alpha_dropout_values(rate):
    """What AlphaDropout makes of a 1: dropped a * alpha' + b, kept a + b (alpha' = -alpha * scale of SELU)."""
    alpha_p = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    return sorted([a * alpha_p + b, a + b])


@pytest.mark.parametrize('make,check', [
    (lambda: L.GaussianNoise(0.5), lambda out: (abs((out - 1).std() - 0.5) < 0.03, abs((out - 1).mean()) < 0.03)),
    (lambda: L.GaussianDropout(0.2), lambda out: (abs(out.std() - 0.5) < 0.03, abs(out.mean() - 1) < 0.03)),
    (lambda: L.AlphaDropout(0.2), lambda out: (np.allclose(np.unique(out), _alpha_dropout_values(0.2)),
                                               abs((out < 0).mean() - 0.2) < 0.03)),
], ids=['gaussian_noise', 'gaussian_dropout', 'alpha_dropout'])
def test_noise_in_training_only(make, check):
    x = tf.placeholder(tf.float32, (None, 2000))
    y = make()(x)
    value = np.ones((4, 2000), np.float32)
    sess = K.get_session()
    np.testing.assert_array_equal(sess.run(y, {x: value}), value)
    assert all(check(sess.run(y, {x: value, K.learning_phase(): True})))


def test_alpha_dropout_keeps_selu_statistics():
    """A standard normal input keeps mean 0 and variance 1 (SELU's fixed point) under AlphaDropout."""
    x = tf.placeholder(tf.float32, (None, 4000))
    y = L.AlphaDropout(0.3)(x, training=True)
    out = K.get_session().run(y, {x: np.random.RandomState(0).normal(size=(8, 4000)).astype(np.float32)})
    assert abs(out.mean()) < 0.05 and abs(out.var() - 1) < 0.05
