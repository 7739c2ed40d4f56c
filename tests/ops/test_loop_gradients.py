"""tf.gradients through while_loop, map_fn, scan, foldl/foldr: against TensorFlow's tf.gradients and
against finite differences computed with sluice's own forward pass."""
import os

import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(7)
X = RNG.uniform(0.2, 0.9, (4, 3))
W = RNG.uniform(-0.5, 0.5, (3, 3))


def _tf1():
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    return tf1


def _rnn(tf, x, w):
    def body(t, h):
        return t + 1, tf.tanh(tf.matmul(tf.expand_dims(x[t], 0), w) + h)
    return tf.while_loop(lambda t, h: t < 4, body, [0, tf.zeros([1, 3], tf.float64)])[1]


def _cond_in_loop(tf, x, w):
    def body(i, v):
        v = tf.cond(tf.reduce_sum(v) > 1.0, lambda: v * 0.5, lambda: tf.matmul(v, w) + v)
        return i + 1, v
    return tf.while_loop(lambda i, v: i < 5, body, [0, x])[1]


def _max_iterations(tf, x, w):
    return tf.while_loop(lambda v: tf.reduce_sum(v) < 100.0, lambda v: tf.sin(tf.matmul(v, w)) + v, [x],
                         maximum_iterations=3, swap_memory=True)


def _nested(tf, x, w):
    def outer(i, v):
        inner = tf.while_loop(lambda j, u: j < 2, lambda j, u: (j + 1, tf.tanh(tf.matmul(u, w))), [0, v])[1]
        return i + 1, inner + v
    return tf.while_loop(lambda i, v: i < 3, outer, [0, x])[1]


def _map_captured(tf, x, w):
    return tf.map_fn(lambda r: tf.reduce_sum(tf.sin(r) * w, 0), x)


def _scan_pair(tf, x, w):
    a, b = tf.scan(lambda acc, r: (acc[0] * r + acc[1], tf.tanh(acc[1] + tf.reduce_sum(w * r, 1))), x,
                   initializer=(tf.ones([3], tf.float64), tf.zeros([3], tf.float64)))
    return [a, b, tf.scan(lambda acc, r: acc * r, x, reverse=True)]


def _folds(tf, x, w):
    return [tf.foldl(lambda acc, r: tf.tanh(acc * r + w[0]), x), tf.foldr(lambda acc, r: acc * r - w[1], x),
            tf.foldr(lambda acc, r: acc + r * w[2], x, initializer=tf.ones([3], tf.float64))]


def _gather_in_loop(tf, x, w):
    def body(i, acc):
        return i + 1, acc + tf.gather(w, i) * tf.gather(x, i)
    return tf.while_loop(lambda i, acc: i < 3, body, [0, tf.zeros([3], tf.float64)])[1]


PROGRAMS = [_rnn, _cond_in_loop, _max_iterations, _nested, _map_captured, _scan_pair, _folds, _gather_in_loop]


def _grads(module, program, seed_grads=True):
    g = module.Graph()
    with g.as_default():
        x = module.placeholder(module.float64, X.shape)
        w = module.placeholder(module.float64, W.shape)
        ys = program(module, x, w)
        ys = ys if isinstance(ys, list) else [ys]
        loss = module.add_n([module.reduce_sum(y * y) for y in ys])
        grads = module.gradients(loss, [x, w])
        with module.Session(graph=g) as sess:
            return sess.run([loss, grads], {x: X, w: W})


@pytest.mark.parametrize('program', PROGRAMS, ids=lambda p: p.__name__[1:])
def test_matches_finite_differences(program):
    _, (gx, gw) = _grads(tf, program)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, X.shape)
        w = tf.placeholder(tf.float64, W.shape)
        ys = program(tf, x, w)
        ys = ys if isinstance(ys, list) else [ys]
        loss = tf.add_n([tf.reduce_sum(y * y) for y in ys])
        with tf.Session(graph=g) as sess:
            for value, grad, other in ((X, gx, W), (W, gw, X)):
                numeric = np.zeros_like(value)
                for i in np.ndindex(value.shape):
                    d = np.zeros_like(value)
                    d[i] = 1e-6
                    feeds = [(x, w), (w, x)][value is W]
                    up = sess.run(loss, {feeds[0]: value + d, feeds[1]: other})
                    down = sess.run(loss, {feeds[0]: value - d, feeds[1]: other})
                    numeric[i] = (up - down) / 2e-6
                np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.tf
@pytest.mark.parametrize('program', PROGRAMS, ids=lambda p: p.__name__[1:])
def test_matches_tensorflow(program):
    tf1 = _tf1()
    loss, grads = _grads(tf, program)
    ref_loss, ref_grads = _grads(tf1, program)
    np.testing.assert_allclose(loss, ref_loss, rtol=1e-10)
    for got, want in zip(grads, ref_grads):
        if hasattr(want, 'indices'):  # TF1 sums a gathered captured tensor's gradient as IndexedSlices
            dense = np.zeros(want.dense_shape)
            np.add.at(dense, want.indices, want.values)
            want = dense
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_back_prop_false_has_no_gradient():
    x = tf.constant(X)
    y = tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, v * v), [0, x], back_prop=False)[1]
    m = tf.map_fn(lambda r: r * 2.0, x, back_prop=False)
    s = tf.scan(lambda a, r: a + r, x, back_prop=False)
    f = tf.foldl(lambda a, r: a + r, x, back_prop=False)
    assert tf.gradients([y, m, s, f], x) == [None]


def test_random_values_inside_the_loop_are_the_forward_ones():
    """Dropout inside a loop: the gradient uses the mask the forward pass drew (it is recorded)."""
    x = tf.constant(np.ones((5, 40)))
    masks = tf.map_fn(lambda r: tf.nn.dropout(r, keep_prob=0.5), x)
    grad, = tf.gradients(tf.reduce_sum(masks), x)
    with tf.Session() as sess:
        m, gv = sess.run([masks, grad])
    np.testing.assert_allclose(gv, m)  # d(mask * x / 0.5)/dx = mask / 0.5 = the output for x = 1


def test_loop_without_gradient_keeps_no_records():
    x = tf.constant(X)
    y = tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, v * v), [0, x])[1]
    assert len(y.op.outputs) == 2 and '_history' not in y.op.node_def.attr
    tf.gradients(y, x)
    assert len(y.op.outputs) > 2


def test_zero_iterations():
    x = tf.constant(X)
    y = tf.while_loop(lambda i, v: i < 0, lambda i, v: (i + 1, tf.sin(v)), [0, x])[1]
    grad, = tf.gradients(tf.reduce_sum(y), x)
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(grad), np.ones_like(X))


def test_variables_read_in_the_loop_get_summed_gradients():
    v = tf.Variable(np.full((3,), 0.5))
    y = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * v), [0, tf.ones([3], tf.float64)])[1]
    grad, = tf.gradients(tf.reduce_sum(y), v)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(grad), np.full((3,), 3 * 0.25))


def test_gradient_after_the_forward_ran():
    """The loop op gains record outputs when differentiated; a session that ran it before still works."""
    x = tf.constant(X)
    y = tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, tf.sin(v)), [0, x])[1]
    with tf.Session() as sess:
        before = sess.run(y)
        grad, = tf.gradients(tf.reduce_sum(y), x)
        np.testing.assert_allclose(sess.run(y), before)
        np.testing.assert_allclose(sess.run(grad), np.cos(np.sin(X)) * np.cos(X))
