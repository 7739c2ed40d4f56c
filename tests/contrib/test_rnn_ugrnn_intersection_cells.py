"""tf.contrib.rnn.UGRNNCell and IntersectionRNNCell (gone from TF 2.x): run under dynamic_rnn and checked
against TF 1.15's equations written out in NumPy, with their variable names and the scope initializer."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(23)
X = RNG.randn(3, 2, 4).astype(np.float32)  # [time, batch, depth]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _run(cell, prefix, names):
    outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    variables = {v.op.name[len(prefix):]: v for v in tf.global_variables()}
    assert sorted(variables) == sorted(names)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        init = {k: sess.run(v) for k, v in variables.items()}
        for v in variables.values():
            sess.run(v.assign(RNG.uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32)))
        w = {k: sess.run(v) for k, v in variables.items()}
        return init, w, sess.run([outputs, state])


def test_ugrnn_cell_is_tf115_math():
    cell = tf.contrib.rnn.UGRNNCell(3, initializer=tf.constant_initializer(0.25), forget_bias=0.5)
    init, w, (got, got_state) = _run(cell, 'rnn/ugrnn_cell/', ['kernel', 'bias'])
    np.testing.assert_array_equal(init['kernel'], np.full((7, 6), 0.25, np.float32))
    h = np.zeros((2, 3))
    for t in range(3):
        g, c = np.split(np.concatenate([X[t], h], 1) @ w['kernel'] + w['bias'], 2, 1)
        g = _sigmoid(g + 0.5)
        h = g * h + (1 - g) * np.tanh(c)
        np.testing.assert_allclose(got[t], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, h, rtol=1e-5, atol=1e-6)


def test_intersection_rnn_cell_is_tf115_math():
    cell = tf.contrib.rnn.IntersectionRNNCell(3, num_in_proj=3)
    _, w, (got, got_state) = _run(cell, 'rnn/intersection_rnn_cell/',
                                  ['in_projection/kernel', 'in_projection/bias', 'kernel', 'bias'])
    h = np.zeros((2, 3))
    for t in range(3):
        x = X[t] @ w['in_projection/kernel'] + w['in_projection/bias']
        gh, hh, gy, yy = np.split(np.concatenate([x, h], 1) @ w['kernel'] + w['bias'], 4, 1)
        gh, gy = _sigmoid(gh + 1.0), _sigmoid(gy + 1.0)
        h = gh * h + (1 - gh) * np.tanh(hh)
        np.testing.assert_allclose(got[t], gy * x + (1 - gy) * np.maximum(yy, 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, h, rtol=1e-5, atol=1e-6)


def test_intersection_rnn_cell_needs_a_projection_for_other_sizes():
    cell = tf.contrib.rnn.IntersectionRNNCell(3)
    with pytest.raises(ValueError, match='num_in_proj should be set'):
        cell(tf.constant(X[0]), tf.zeros([2, 3]))
