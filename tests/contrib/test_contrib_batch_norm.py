"""contrib.layers.batch_norm: TF 1.15's variables, collections and update ops, and outputs, gradients and
moving statistics equal to TF's core batch normalization layer (the one TF 1.15's batch_norm delegates
to by default) for fused (rank 4) and unfused (rank 2) inputs, with is_training a bool or a tensor; the
contrib paths (updates_collections=None, zero_debias_moving_mean, batch_weights) against the math."""
import numpy as np
import pytest

import sluice as tf
from contrib_reference import tf1_and_legacy_layers

layers = tf.contrib.layers
RNG = np.random.RandomState(3)
BETA = np.array([0.1, -0.2, 0.3], np.float32)
GAMMA = np.array([1.5, 0.5, 2.0], np.float32)


def _run(mod, make_bn, x_value, steps, training_feed=None):
    """y, gradients of sum(y * r) w.r.t. x and the trainable variables, and the moving statistics after
    `steps` runs of the update ops."""
    g = mod.Graph()
    with g.as_default():
        x = mod.placeholder(mod.float32, x_value.shape)
        training = mod.placeholder(mod.bool, []) if training_feed is not None else None
        y = make_bn(x, training)
        r = mod.constant(np.random.RandomState(1).uniform(-1, 1, x_value.shape).astype(np.float32))
        grads = mod.gradients(mod.reduce_sum(y * r), [x] + mod.trainable_variables())
        updates = mod.get_collection(mod.GraphKeys.UPDATE_OPS)
        moving = [v for v in mod.global_variables() if 'moving' in v.op.name]
        feed = {x: x_value}
        if training is not None:
            feed[training] = training_feed
        with mod.Session(graph=g) as sess:
            sess.run(mod.global_variables_initializer())
            out = sess.run([y, grads], feed)
            for _ in range(steps):
                sess.run(updates, feed)
            return out + [sess.run(moving)]


def _assert_same(ours, theirs):
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-4, atol=1e-4)
    assert len(ours[1]) == len(theirs[1])
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    for a, b in zip(ours[2], theirs[2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


CASES = [  # (input shape, center, scale, fused, training: True / False / fed True / fed False)
    ((4, 3, 5, 3), True, True, None, True), ((4, 3, 5, 3), True, False, None, True),
    ((4, 3, 5, 3), False, True, None, False), ((4, 3, 5, 3), True, True, None, 'fed True'),
    ((4, 3, 5, 3), True, True, None, 'fed False'), ((4, 3, 5, 3), True, True, False, True),
    ((6, 3), True, True, None, True), ((6, 3), True, True, None, 'fed True'), ((6, 3), True, True, None, False),
    ((6, 3), True, True, None, 'fed False'), ((2, 4, 3), True, True, None, True),
]


@pytest.mark.tf
@pytest.mark.parametrize('shape,center,scale,fused,training', CASES)
def test_batch_norm_matches_tf_core_layer(shape, center, scale, fused, training):
    tf1, _ = tf1_and_legacy_layers()
    from tf_keras.src.legacy_tf_layers import normalization
    x = (RNG.randn(*shape) * 2 + 1).astype(np.float32)
    fed = training if isinstance(training, bool) else None
    feed = None if fed is not None else training == 'fed True'
    inits = {'beta': tf.constant_initializer(BETA), 'gamma': tf.constant_initializer(GAMMA)}

    def ours_bn(t, tr):
        return layers.batch_norm(t, decay=0.9, center=center, scale=scale, fused=fused, param_initializers=inits,
                                 is_training=tr if tr is not None else fed)

    def theirs_bn(t, tr):
        return normalization.batch_normalization(
            t, momentum=0.9, epsilon=0.001, center=center, scale=scale, fused=fused,
            beta_initializer=tf1.constant_initializer(BETA), gamma_initializer=tf1.constant_initializer(GAMMA),
            training=tr if tr is not None else fed)
    _assert_same(_run(tf, ours_bn, x, 2, feed), _run(tf1, theirs_bn, x, 2, feed))


def test_variables_collections_and_update_ops():
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    y = layers.batch_norm(x, scale=True, variables_collections=['bn_vars'], outputs_collections='outs')
    names = [v.op.name for v in tf.global_variables()]
    assert names == ['BatchNorm/gamma', 'BatchNorm/beta', 'BatchNorm/moving_mean', 'BatchNorm/moving_variance']
    assert [v.op.name for v in tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)] == names
    assert [v.op.name for v in tf.get_collection('bn_vars')] == names
    assert [v.op.name for v in tf.trainable_variables()] == ['BatchNorm/gamma', 'BatchNorm/beta']
    assert [t.op.name for t in tf.get_collection(tf.GraphKeys.UPDATE_OPS)] == [
        'BatchNorm/AssignMovingAvg', 'BatchNorm/AssignMovingAvg_1']
    assert y.op.type == 'FusedBatchNormV3' and tf.get_collection('outs') == [y]
    layers.batch_norm(x, is_training=False)
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2  # inference adds no updates
    assert [v.op.name for v in tf.global_variables()][4:] == [
        'BatchNorm_1/beta', 'BatchNorm_1/moving_mean', 'BatchNorm_1/moving_variance']


def test_unsupported_arguments_say_so():
    x = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(NotImplementedError, match='renorm'):
        layers.batch_norm(x, renorm=True)
    with pytest.raises(ValueError, match='data_format has to be either NCHW or NHWC'):
        layers.batch_norm(x, data_format='NCW')
    with pytest.raises(ValueError, match='undefined rank'):
        layers.batch_norm(tf.placeholder(tf.float32))


def _moments(x, axes):
    return x.mean(axis=axes), x.var(axis=axes)


@pytest.mark.parametrize('fused', [True, False])
@pytest.mark.parametrize('shape', [(4, 3, 5, 3), (6, 3)])
def test_updates_collections_none_forces_updates(fused, shape):
    x = (RNG.randn(*shape) * 3 + 2).astype(np.float32)
    y = layers.batch_norm(tf.constant(x), decay=0.5, updates_collections=None, fused=fused)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    mean_var, var_var = tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)[1:]
    axes = tuple(range(len(shape) - 1))
    mean, var = _moments(x, axes)
    n = x.size / shape[-1]
    tracked = var * n / (n - 1) if fused else var  # the fused op reports the unbiased variance
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y)
        np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 0.001), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(sess.run(mean_var), 0.5 * mean, rtol=1e-5)
        np.testing.assert_allclose(sess.run(var_var), 0.5 + 0.5 * tracked, rtol=1e-5)


def test_zero_debias_and_custom_collection():
    x = (RNG.randn(8, 3) + 4).astype(np.float32)
    layers.batch_norm(tf.constant(x), decay=0.9, zero_debias_moving_mean=True, updates_collections='my_updates',
                      fused=False)
    updates = tf.get_collection('my_updates')
    assert len(updates) == 2 and not tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    moving_mean = tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)[1]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(updates)
        np.testing.assert_allclose(sess.run(moving_mean), x.mean(0), rtol=1e-5)  # debiased after one step


def test_batch_weights_give_weighted_moments():
    x = RNG.randn(5, 2).astype(np.float32)
    w = np.array([1, 0, 2, 1, 0], np.float32)
    y = layers.batch_norm(tf.constant(x), batch_weights=tf.constant(w), updates_collections=None)
    mean = (x * w[:, None]).sum(0) / w.sum()
    var = (((x - mean) ** 2) * w[:, None]).sum(0) / w.sum()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y), (x - mean) / np.sqrt(var + 0.001), rtol=1e-4, atol=1e-5)


def test_nchw_matches_nhwc():
    x = RNG.randn(2, 3, 4, 5).astype(np.float32)
    with tf.variable_scope('a'):
        y_first = layers.batch_norm(tf.constant(x), data_format='NCHW', scale=True, fused=False)
    with tf.variable_scope('b'):
        y_last = layers.batch_norm(tf.constant(x.transpose(0, 2, 3, 1)), scale=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b = sess.run([y_first, y_last])
    np.testing.assert_allclose(a.transpose(0, 2, 3, 1), b, rtol=1e-4, atol=1e-4)


def test_layer_norm_matches_the_math():
    x = RNG.randn(3, 4, 5).astype(np.float32)
    y = layers.layer_norm(tf.constant(x), begin_norm_axis=1, begin_params_axis=-1)
    assert [v.op.name for v in tf.global_variables()] == ['LayerNorm/beta', 'LayerNorm/gamma']
    assert tf.global_variables()[0].get_shape().as_list() == [5]
    g = tf.gradients(tf.reduce_sum(y * y * tf.range(5.0)), tf.trainable_variables())
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    normalized = (x - mean) / np.sqrt(var + 1e-12)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, (d_beta, d_gamma) = sess.run([y, g])
    np.testing.assert_allclose(out, normalized, rtol=1e-4, atol=1e-5)
    weight = 2 * normalized * np.arange(5.0)
    np.testing.assert_allclose(d_beta, weight.sum((0, 1)), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(d_gamma, (weight * normalized).sum((0, 1)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('zero_debias', [False, True])
@pytest.mark.parametrize('updates_collections', [None, 'my_updates'])
@pytest.mark.parametrize('fused', [True, False])
@pytest.mark.parametrize('shape', [(6, 3), (2, 2, 2, 3)])
def test_contrib_paths_with_a_training_tensor(shape, fused, updates_collections, zero_debias):
    x = RNG.randn(*shape).astype(np.float32) + 2
    training = tf.placeholder(tf.bool, [])
    y = layers.batch_norm(tf.constant(x), decay=0.5, updates_collections=updates_collections, fused=fused,
                          zero_debias_moving_mean=zero_debias, is_training=training)
    grads = tf.gradients(tf.reduce_sum(y * y), tf.trainable_variables())
    updates = tf.get_collection('my_updates')
    moving_mean = tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)[1]
    mean, var = _moments(x.reshape(-1, 3), 0)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run([y, grads] + updates, {training: True})[0]
        np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 0.001), rtol=1e-4, atol=1e-4)
        after_training = sess.run(moving_mean)
        np.testing.assert_allclose(after_training, mean if zero_debias else 0.5 * mean, rtol=1e-5)
        out = sess.run([y] + updates, {training: False})[0]
        np.testing.assert_array_equal(sess.run(moving_mean), after_training)
        variance = sess.run(tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)[2])
        np.testing.assert_allclose(out, (x - after_training) / np.sqrt(variance + 0.001), rtol=1e-4, atol=1e-4)
