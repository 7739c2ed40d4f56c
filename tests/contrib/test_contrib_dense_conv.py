"""contrib.layers' fully_connected, conv2d, conv2d_transpose and separable_conv2d: variable names,
shapes and collections as TF 1.15 makes them, and outputs and gradients equal to TF's core layers (the
layers TF 1.15's contrib functions were built on) given the same variable values."""
import numpy as np
import pytest

import sluice as tf
from contrib_reference import assert_same, run_sluice, run_tf, tf1_and_legacy_layers

layers = tf.contrib.layers
RNG = np.random.RandomState(0)


def _names(collection):
    return [v.op.name for v in tf.get_collection(collection)]


def test_fully_connected_variables_collections_and_ops():
    x = tf.placeholder(tf.float32, [None, 5])
    y = layers.fully_connected(x, 3)
    y2 = layers.fully_connected(y, 2, activation_fn=None, weights_regularizer=layers.l2_regularizer(0.5),
                                variables_collections={'weights': ['my_weights']}, outputs_collections='outs')
    with tf.variable_scope('head'):
        layers.fully_connected(y2, 4, normalizer_fn=tf.identity, scope='fc')
    expected = ['fully_connected/weights', 'fully_connected/biases', 'fully_connected_1/weights',
                'fully_connected_1/biases', 'head/fc/weights']
    assert _names(tf.GraphKeys.GLOBAL_VARIABLES) == expected
    assert _names(tf.GraphKeys.MODEL_VARIABLES) == expected
    assert _names(tf.GraphKeys.TRAINABLE_VARIABLES) == expected
    assert _names('my_weights') == ['fully_connected_1/weights']
    assert tf.get_collection('outs') == [y2]
    assert layers.utils.get_tensor_aliases(y2) == ['fully_connected_1']
    assert y.op.type == 'Relu' and y.op.name == 'fully_connected/Relu'
    assert y.op.inputs[0].op.type == 'BiasAdd' and y.op.inputs[0].op.inputs[0].op.name == 'fully_connected/MatMul'
    assert y2.op.type == 'BiasAdd'
    (penalty,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    w = tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)[2]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(penalty), 0.5 * np.sum(sess.run(w) ** 2) / 2, rtol=1e-6)


def test_fully_connected_reuse_and_argument_errors():
    x = tf.placeholder(tf.float32, [None, 5])
    layers.fully_connected(x, 3, scope='fc')
    layers.fully_connected(x, 3, scope='fc', reuse=True)
    assert len(tf.global_variables()) == 2
    with pytest.raises(ValueError, match='already exists'):
        layers.fully_connected(x, 3, scope='fc')
    with pytest.raises(ValueError, match='num_outputs type should be one of'):
        layers.fully_connected(x, 3.0)
    with pytest.raises(ValueError, match='last dimension of the inputs to `Dense` should be defined'):
        layers.fully_connected(tf.placeholder(tf.float32, [None, None]), 3)


def test_conv_variables_are_named_like_tf():
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    net = layers.conv2d(x, 4, 3)
    net = layers.conv2d(net, 4, [3, 3], normalizer_fn=layers.batch_norm)
    layers.conv2d_transpose(net, 2, 3, stride=2)
    layers.separable_conv2d(net, 5, 3, depth_multiplier=2)
    assert _names(tf.GraphKeys.GLOBAL_VARIABLES) == [
        'Conv/weights', 'Conv/biases', 'Conv_1/weights', 'Conv_1/BatchNorm/beta', 'Conv_1/BatchNorm/moving_mean',
        'Conv_1/BatchNorm/moving_variance', 'Conv2d_transpose/weights', 'Conv2d_transpose/biases',
        'SeparableConv2d/depthwise_weights', 'SeparableConv2d/pointwise_weights', 'SeparableConv2d/biases']
    shapes = [v.get_shape().as_list() for v in tf.global_variables()]
    assert shapes[0] == [3, 3, 3, 4] and shapes[6] == [3, 3, 2, 4] and shapes[8] == [3, 3, 4, 2]
    assert shapes[9] == [1, 1, 8, 5]
    assert net.op.name == 'Conv_1/Relu'


@pytest.mark.tf
@pytest.mark.parametrize('rank', [2, 3])
def test_fully_connected_matches_tf_dense(rank):
    tf1, _ = tf1_and_legacy_layers()
    from tf_keras.src.legacy_tf_layers import core
    x = RNG.randn(*([4, 6] if rank == 2 else [2, 3, 6])).astype(np.float32)
    ours = run_sluice(lambda t: layers.fully_connected(t, 5, activation_fn=tf.nn.elu,
                                                       biases_initializer=tf.random_normal_initializer()), x)
    values = ours[2]
    theirs = run_tf(tf1, lambda m, t: m.nn.elu(core.dense(
        t, 5, kernel_initializer=m.constant_initializer(values['fully_connected/weights']),
        bias_initializer=m.constant_initializer(values['fully_connected/biases']))), x)
    assert_same(ours, theirs)


CONV_CASES = [dict(kernel_size=3), dict(kernel_size=[3, 2], stride=2, padding='VALID'),
              dict(kernel_size=3, rate=2), dict(kernel_size=[1, 3], stride=[2, 1])]


@pytest.mark.tf
@pytest.mark.parametrize('case', CONV_CASES)
def test_conv2d_matches_tf_conv2d(case):
    tf1, _ = tf1_and_legacy_layers()
    from tf_keras.src.legacy_tf_layers import convolutional
    x = RNG.randn(2, 9, 8, 3).astype(np.float32)
    ours = run_sluice(lambda t: layers.conv2d(t, 4, biases_initializer=tf.random_normal_initializer(), **case), x)
    values = ours[2]
    theirs = run_tf(tf1, lambda m, t: m.nn.relu(convolutional.conv2d(
        t, 4, case['kernel_size'], strides=case.get('stride', 1), padding=case.get('padding', 'SAME'),
        dilation_rate=case.get('rate', 1), kernel_initializer=m.constant_initializer(values['Conv/weights']),
        bias_initializer=m.constant_initializer(values['Conv/biases']))), x)
    assert_same(ours, theirs)


@pytest.mark.tf
@pytest.mark.parametrize('stride,padding', [(2, 'SAME'), (2, 'VALID'), (1, 'SAME'), (3, 'VALID')])
def test_conv2d_transpose_matches_tf(stride, padding):
    tf1, _ = tf1_and_legacy_layers()
    from tf_keras.src.legacy_tf_layers import convolutional
    x = RNG.randn(2, 4, 5, 3).astype(np.float32)
    ours = run_sluice(lambda t: layers.conv2d_transpose(t, 2, 3, stride=stride, padding=padding,
                                                        activation_fn=None,
                                                        biases_initializer=tf.random_normal_initializer()), x)
    values = ours[2]
    theirs = run_tf(tf1, lambda m, t: convolutional.conv2d_transpose(
        t, 2, 3, strides=stride, padding=padding,
        kernel_initializer=m.constant_initializer(values['Conv2d_transpose/weights']),
        bias_initializer=m.constant_initializer(values['Conv2d_transpose/biases'])), x)
    assert ours[0].shape == theirs[0].shape
    assert_same(ours, theirs)


@pytest.mark.tf
def test_separable_conv2d_matches_tf():
    tf1, _ = tf1_and_legacy_layers()
    from tf_keras.src.legacy_tf_layers import convolutional
    x = RNG.randn(2, 7, 7, 3).astype(np.float32)
    ours = run_sluice(lambda t: layers.separable_conv2d(t, 4, [3, 3], depth_multiplier=2, stride=2,
                                                        biases_initializer=tf.random_normal_initializer()), x)
    v = ours[2]
    theirs = run_tf(tf1, lambda m, t: m.nn.relu(convolutional.separable_conv2d(
        t, 4, [3, 3], strides=2, padding='same', depth_multiplier=2,
        depthwise_initializer=m.constant_initializer(v['SeparableConv2d/depthwise_weights']),
        pointwise_initializer=m.constant_initializer(v['SeparableConv2d/pointwise_weights']),
        bias_initializer=m.constant_initializer(v['SeparableConv2d/biases']))), x)
    assert_same(ours, theirs)


def test_conv1d_is_the_rank_3_convolution():
    x = RNG.randn(2, 10, 3).astype(np.float32)
    w = RNG.randn(3, 3, 4).astype(np.float32)
    y, grads, _ = run_sluice(lambda t: layers.conv2d(tf.expand_dims(t, 1), 4, [1, 3], activation_fn=None,
                                                     weights_initializer=tf.constant_initializer(w[None])), x)
    y1, grads1, _ = run_sluice(lambda t: layers.conv1d(t, 4, 3, activation_fn=None,
                                                       weights_initializer=tf.constant_initializer(w)), x)
    assert y1.shape == (2, 10, 4)
    np.testing.assert_allclose(y[:, 0], y1, rtol=1e-5, atol=1e-6)
    for a, b in zip(grads, grads1):
        np.testing.assert_allclose(a.reshape(b.shape), b, rtol=1e-5, atol=1e-6)


def test_xavier_default_initializer_bounds():
    x = tf.placeholder(tf.float32, [None, 300])
    layers.fully_connected(x, 200)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w, b = sess.run(tf.trainable_variables())
    limit = np.sqrt(6.0 / (300 + 200))
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit
    assert np.all(b == 0)
