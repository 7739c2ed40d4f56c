"""tf.contrib.rnn's IndRNNCell, IndyGRUCell and IndyLSTMCell (gone from TF 2.x): run under dynamic_rnn and
checked against TF 1.15's equations written out in NumPy, with their variable names and initial values."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(19)
X = RNG.randn(3, 2, 4).astype(np.float32)  # [time, batch, depth]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _ind_rnn(w, x, state):
    return np.tanh(x @ w['kernel_w'] + state * w['kernel_u'] + w['bias'])


def _indy_gru(w, x, h):
    r, u = np.split(_sigmoid(x @ w['gates/kernel_w'] + np.tile(h, 2) * w['gates/kernel_u'] + w['gates/bias']), 2, 1)
    c = np.tanh(x @ w['candidate/kernel'] + r * h * w['candidate/kernel_u'] + w['candidate/bias'])
    return u * h + (1 - u) * c


def _indy_lstm(w, x, state):
    c, h = state
    i, j, f, o = np.split(x @ w['kernel_w'] + np.tile(h, 4) * w['kernel_u'] + w['bias'], 4, 1)
    c = c * _sigmoid(f + 1.0) + _sigmoid(i) * np.tanh(j)
    return c, np.tanh(c) * _sigmoid(o)


@pytest.mark.parametrize('cls, scope, names, step', [
    ('IndRNNCell', 'ind_rnn_cell', ['kernel_w', 'kernel_u', 'bias'], _ind_rnn),
    ('IndyGRUCell', 'indy_gru_cell', ['gates/kernel_w', 'gates/kernel_u', 'gates/bias', 'candidate/kernel',
                                      'candidate/kernel_u', 'candidate/bias'], _indy_gru),
    ('IndyLSTMCell', 'indy_lstm_cell', ['kernel_w', 'kernel_u', 'bias'], _indy_lstm)])
def test_independent_recurrent_cells_are_tf115_math(cls, scope, names, step):
    cell = getattr(tf.contrib.rnn, cls)(5)
    outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    prefix = 'rnn/%s/' % scope
    variables = {v.op.name[len(prefix):]: v for v in tf.global_variables()}
    assert sorted(variables) == sorted(names)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        init = {k: sess.run(v) for k, v in variables.items()}
        for v in variables.values():
            sess.run(v.assign(RNG.uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32)))
        w = {k: sess.run(v) for k, v in variables.items()}
        got, got_state = sess.run([outputs, state])
    u_names = [k for k in names if k.endswith('kernel_u')]
    assert all(np.abs(init[k]).max() <= 1 and init[k].shape[0] == 1 for k in u_names)
    if cls == 'IndyGRUCell':
        np.testing.assert_array_equal(init['gates/bias'], np.ones(10, np.float32))
    lstm = cls == 'IndyLSTMCell'
    state_np = (np.zeros((2, 5)), np.zeros((2, 5))) if lstm else np.zeros((2, 5))
    for t in range(3):
        state_np = step(w, X[t], state_np)
        np.testing.assert_allclose(got[t], state_np[1] if lstm else state_np, rtol=1e-5, atol=1e-6)
    for a, b in zip(got_state if lstm else [got_state], state_np if lstm else [state_np]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
