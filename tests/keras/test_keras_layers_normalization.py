"""tf.keras.layers.BatchNormalization and LayerNormalization in sluice alone: the moving statistics follow the
learning phase (fused and unfused), the update arithmetic, weights and configs, LayerNormalization over
several axes (against NumPy), and errors."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras import layers as L


@pytest.mark.parametrize('shape,axis,fused', [((4, 3, 3, 2), -1, True), ((4, 2, 3, 3), 1, True),
                                              ((5, 3), -1, False), ((4, 3, 2), 1, False)])
def test_updates_follow_the_learning_phase(shape, axis, fused):
    x = tf.placeholder(tf.float32, shape)
    layer = L.BatchNormalization(axis=axis, momentum=0.8)
    y = layer(x)
    assert layer.fused == fused
    assert len(layer.updates) == 2
    value = np.random.RandomState(0).normal(2., 3., shape).astype(np.float32)
    sess = K.get_session()
    sess.run(layer.updates, {x: value})  # inference: no change
    mean, variance = sess.run([layer.moving_mean, layer.moving_variance])
    np.testing.assert_allclose(mean, 0.)
    np.testing.assert_allclose(variance, 1.)
    out, _ = sess.run([y, layer.updates], {x: value, K.learning_phase(): True})
    axes = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    batch_mean = value.mean(axis=axes)
    count = value.size / batch_mean.size
    batch_var = value.var(axis=axes) * (count / (count - 1) if fused else 1.)  # fused: unbiased
    mean, variance = sess.run([layer.moving_mean, layer.moving_variance])
    np.testing.assert_allclose(mean, 0.2 * batch_mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(variance, 0.8 + 0.2 * batch_var, rtol=1e-4)
    keep = [1] * len(shape)
    keep[axis] = -1
    expected = (value - batch_mean.reshape(keep)) / np.sqrt(value.var(axis=axes).reshape(keep) + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_static_training_adds_updates_only_when_training():
    x = tf.placeholder(tf.float32, (None, 3))
    inference = L.BatchNormalization()
    inference(x, training=False)
    assert inference.updates == []
    training = L.BatchNormalization()
    training(x, training=True)
    assert len(training.updates) == 2


def test_weights_names_and_config():
    layer = L.BatchNormalization(center=False)
    layer(tf.placeholder(tf.float32, (None, 2, 2, 3)))
    assert [w.name for w in layer.trainable_weights] == ['batch_normalization/gamma:0']
    assert [w.name for w in layer.non_trainable_weights] == ['batch_normalization/moving_mean:0',
                                                             'batch_normalization/moving_variance:0']
    config = layer.get_config()
    assert (config['axis'], config['momentum'], config['epsilon'], config['center']) == ([3], 0.99, 1e-3, False)
    assert config['moving_variance_initializer'] == {'class_name': 'Ones', 'config': {'dtype': 'float32'}}
    assert 'fused' not in config and 'renorm' not in config
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 3


def test_batch_norm_errors():
    with pytest.raises(NotImplementedError, match='renorm=True'):
        L.BatchNormalization(renorm=True)
    with pytest.raises(ValueError, match='fused=True is only supported when axis is 1 or 3'):
        L.BatchNormalization(axis=2, fused=True)
    with pytest.raises(TypeError, match='axis must be int or list'):
        L.BatchNormalization(axis=(1,))
    with pytest.raises(ValueError, match='Invalid axis: 5'):
        L.BatchNormalization(axis=5)(tf.placeholder(tf.float32, (None, 3)))
    with pytest.raises(ValueError, match='undefined `axis` dimension'):
        L.BatchNormalization()(tf.placeholder(tf.float32, (None, None)))


def test_layer_normalization_over_several_axes():
    x = tf.placeholder(tf.float32, (None, 3, 4))
    layer = L.LayerNormalization(axis=[1, 2], epsilon=1e-2)
    y = layer(x)
    assert [w.shape.as_list() for w in layer.weights] == [[3, 4], [3, 4]]
    rng = np.random.RandomState(1)
    gamma, beta = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(3, 4)).astype(np.float32)
    layer.set_weights([gamma, beta])
    value = rng.normal(size=(2, 3, 4)).astype(np.float32)
    mean = value.mean(axis=(1, 2), keepdims=True)
    var = value.var(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(K.get_session().run(y, {x: value}),
                               gamma * (value - mean) / np.sqrt(var + 1e-2) + beta, rtol=1e-5, atol=1e-5)
    assert layer.get_config()['axis'] == [1, 2]
    with pytest.raises(ValueError, match="Expected an int or a list/tuple of ints for the argument 'axis'"):
        L.LayerNormalization(axis='1')


def test_small_cnn_trains_the_same_on_each_device(device):
    """Conv2D, BatchNormalization (fused, learning phase fed), MaxPooling2D, Flatten, Dense: outputs, gradients
    and the moving-statistics updates on `device` equal the CPU's."""
    rng = np.random.RandomState(5)
    value = rng.uniform(-1, 1, (3, 6, 6, 2)).astype(np.float32)
    results = []
    for where in ('/cpu:0', device):
        graph = tf.Graph()
        with graph.as_default(), tf.device(where):
            x = tf.placeholder(tf.float32, (None, 6, 6, 2))
            conv, norm = L.Conv2D(3, 3, kernel_initializer='ones'), L.BatchNormalization()
            dense = L.Dense(2, kernel_initializer='ones')
            y = dense(L.Flatten()(L.MaxPooling2D()(norm(conv(x)))))
            grads = tf.gradients(tf.reduce_sum(y * y), [x] + conv.weights + norm.trainable_weights)
            sess = K.get_session()
            feed = {x: value, K.learning_phase(): True}
            outputs = sess.run([y] + grads, feed)
            sess.run(norm.updates, feed)
            results.append(outputs + sess.run(norm.non_trainable_weights))
    for ours, cpu in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, cpu, rtol=1e-5, atol=1e-5)
