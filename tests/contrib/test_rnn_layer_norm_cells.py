"""tf.contrib.rnn.LayerNormBasicLSTMCell (gone from TF 2.x): run and checked against TF 1.15's equations
written out in NumPy, its variable names against TF 1.15's, and its recurrent dropout."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(5)
X = RNG.randn(3, 2, 4).astype(np.float32)  # [time, batch, depth]
SCOPE = 'rnn/layer_norm_basic_lstm_cell/'
NORMS = ('input', 'transform', 'forget', 'output', 'state')


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _ln(w, scope, v):
    mean, var = v.mean(-1, keepdims=True), v.var(-1, keepdims=True)
    return (v - mean) / np.sqrt(var + 1e-12) * w[scope + '/gamma'] + w[scope + '/beta']


def _cell(w, x, c, h, layer_norm, forget_bias):
    z = np.concatenate([x, h], 1) @ w['kernel'] + (0 if layer_norm else w['bias'])
    i, j, f, o = np.split(z, 4, 1)
    if layer_norm:
        i, j, f, o = (_ln(w, s, v) for s, v in zip(NORMS, (i, j, f, o)))
    c = c * _sigmoid(f + forget_bias) + _sigmoid(i) * np.tanh(j)
    if layer_norm:
        c = _ln(w, 'state', c)
    return c, np.tanh(c) * _sigmoid(o)


@pytest.mark.parametrize('layer_norm, forget_bias', [(True, 1.0), (False, 0.5)])
def test_layer_norm_basic_lstm_cell_is_tf115_math(layer_norm, forget_bias):
    cell = tf.contrib.rnn.LayerNormBasicLSTMCell(5, forget_bias=forget_bias, layer_norm=layer_norm,
                                                 norm_gain=1.5, norm_shift=0.25)
    outputs, (c_final, h_final) = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    expected = ['kernel'] + ([n + '/' + p for n in NORMS for p in ('beta', 'gamma')] if layer_norm else ['bias'])
    assert sorted(v.op.name for v in tf.global_variables()) == sorted(SCOPE + e for e in expected)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w = {v.op.name[len(SCOPE):]: sess.run(v) for v in tf.global_variables()}
        if layer_norm:
            np.testing.assert_array_equal(w['input/gamma'], np.full(5, 1.5, np.float32))
            np.testing.assert_array_equal(w['state/beta'], np.full(5, 0.25, np.float32))
        for v in tf.global_variables():
            sess.run(v.assign(RNG.uniform(0.5, 1.5, v.shape.as_list()).astype(np.float32)))
        w = {v.op.name[len(SCOPE):]: sess.run(v) for v in tf.global_variables()}
        got, got_c, got_h = sess.run([outputs, c_final, h_final])
    c = h = np.zeros((2, 5), np.float32)
    for t in range(3):
        c, h = _cell(w, X[t], c, h, layer_norm, forget_bias)
        np.testing.assert_allclose(got[t], h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_c, c, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_h, h, rtol=1e-4, atol=1e-5)


def test_recurrent_dropout_drops_the_candidate_only():
    keep = tf.placeholder(tf.float32, [])
    cell = tf.contrib.rnn.LayerNormBasicLSTMCell(64, layer_norm=False, dropout_keep_prob=keep, forget_bias=0.0)
    c0 = RNG.randn(8, 64).astype(np.float32)
    _, (c, _) = cell(tf.constant(RNG.randn(8, 3).astype(np.float32)), (tf.constant(c0), tf.zeros([8, 64])))
    bias = RNG.uniform(0.5, 1.5, 256).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, bias_var = sorted(tf.global_variables(), key=lambda v: v.op.name)[::-1]
        sess.run([kernel.assign(tf.zeros([67, 256])), bias_var.assign(bias)])
        full, dropped = sess.run(c, {keep: 1.0}), sess.run(c, {keep: 0.5})
    # kernel zero: every gate is its bias, so c = c0 sigmoid(b_f) + sigmoid(b_i) g with g = tanh(b_j) / keep or 0.
    b_i, b_j, b_f, _ = np.split(bias, 4)
    scale = lambda got: (got - c0 * _sigmoid(b_f)) / (_sigmoid(b_i) * np.tanh(b_j))  # noqa: E731
    np.testing.assert_allclose(scale(full), 1, rtol=1e-4)
    kept = scale(dropped)
    assert np.all(np.isclose(kept, 0, atol=1e-4) | np.isclose(kept, 2, rtol=1e-4))
    assert 0.3 < np.isclose(kept, 2, rtol=1e-4).mean() < 0.7
