"""The gradient of FusedBatchNormGrad: a gradient penalty through fused batch norm (WGAN-GP, DRAGAN
in the GAN collection) against TensorFlow, in training and inference mode."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(5)
X = RNG.randn(3, 4, 5, 2)
SCALE = RNG.rand(2) + 0.5
OFFSET = RNG.randn(2)
MEAN = RNG.randn(2)
VAR = RNG.rand(2) + 0.5
W = RNG.randn(3, 4, 5, 2)


def _penalty_grads(tfm, is_training, version=None):
    x = tfm.constant(X, tfm.float32)
    scale, offset = tfm.constant(SCALE, tfm.float32), tfm.constant(OFFSET, tfm.float32)
    stats = {} if is_training else {'mean': tfm.constant(MEAN, tfm.float32),
                                    'variance': tfm.constant(VAR, tfm.float32)}
    y = tfm.nn.fused_batch_norm(x, scale, offset, is_training=is_training, epsilon=1e-3, **stats)[0]
    loss = tfm.reduce_sum(tfm.tanh(y) * W)
    gx, gscale = tfm.gradients(loss, [x, scale])
    penalty = tfm.reduce_sum(tfm.square(gx)) + tfm.reduce_sum(gscale ** 3)
    return tfm.gradients(penalty, [x, scale, offset])


@pytest.mark.tf
@pytest.mark.parametrize('is_training', [True, False])
def test_gradient_penalty_through_fused_batch_norm_matches_tensorflow(is_training):
    with tf.Graph().as_default():
        with tf.Session() as sess:
            ours = sess.run(_penalty_grads(tf, is_training))
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    with tf1.Graph().as_default():
        with tf1.Session() as sess:
            theirs = sess.run(_penalty_grads(tf1, is_training))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-4)


def test_second_order_matches_finite_differences():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, X.shape)
        x32 = tf.cast(x, tf.float32)
        y = tf.nn.fused_batch_norm(x32, tf.constant(SCALE, tf.float32), tf.constant(OFFSET, tf.float32))[0]
        [gx] = tf.gradients(y, [x32], grad_ys=[tf.constant(W, tf.float32)])
        penalty = tf.reduce_sum(tf.square(tf.cast(gx, tf.float64)))
        [second] = tf.gradients(penalty, [x])
        with tf.Session() as sess:
            analytic = sess.run(second, {x: X})
            step = 1e-2
            for index in [(0, 0, 0, 0), (1, 2, 3, 1), (2, 3, 4, 0)]:
                up, down = X.copy(), X.copy()
                up[index] += step
                down[index] -= step
                numeric = (sess.run(penalty, {x: up}) - sess.run(penalty, {x: down})) / (2 * step)
                np.testing.assert_allclose(analytic[index], numeric, rtol=2e-2, atol=2e-2)
