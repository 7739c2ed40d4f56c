"""tf.contrib.rnn.AttentionCellWrapper and HighwayWrapper (gone from TF 2.x): run under dynamic_rnn and
checked against TF 1.15's computations written out in NumPy, with their variable names and scopes."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(13)
X = RNG.randn(4, 2, 3).astype(np.float32)  # [time, batch, depth]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _run_randomized(prefix, fetches):
    """(weights by name under prefix, fetched values) with every variable set to uniform(-0.7, 0.7)."""
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.global_variables():
            sess.run(v.assign(RNG.uniform(-0.7, 0.7, v.shape.as_list()).astype(np.float32)))
        return {v.op.name[len(prefix):]: sess.run(v) for v in tf.global_variables()}, sess.run(fetches)


def _basic_lstm(w, scope, x, c, h):
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ w[scope + 'kernel'] + w[scope + 'bias'], 4, 1)
    c = c * _sigmoid(f + 1.0) + _sigmoid(i) * np.tanh(j)
    return c, np.tanh(c) * _sigmoid(o)


@pytest.mark.parametrize('state_is_tuple', [True, False])
def test_attention_cell_wrapper_is_tf115_math(state_is_tuple):
    inner = tf.nn.rnn_cell.BasicLSTMCell(4, state_is_tuple=state_is_tuple)
    cell = tf.contrib.rnn.AttentionCellWrapper(inner, attn_length=3, attn_vec_size=5, state_is_tuple=state_is_tuple)
    assert cell.state_size == ((tf.nn.rnn_cell.LSTMStateTuple(4, 4), 4, 12) if state_is_tuple else 8 + 4 + 12)
    outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    prefix = 'rnn/attention_cell_wrapper/'
    assert sorted(v.op.name for v in tf.global_variables()) == sorted(prefix + n for n in [
        'kernel', 'bias', 'basic_lstm_cell/kernel', 'basic_lstm_cell/bias', 'attention/attn_w', 'attention/attn_v',
        'attention/kernel', 'attention/bias', 'attn_output_projection/kernel', 'attn_output_projection/bias'])
    w, (got, got_state) = _run_randomized(prefix, [outputs, state])
    c = h = attns = np.zeros((2, 4), np.float32)
    window = np.zeros((2, 3, 4), np.float32)
    for t in range(4):
        x = np.concatenate([X[t], attns], 1) @ w['kernel'] + w['bias']
        c, h = _basic_lstm(w, 'basic_lstm_cell/', x, c, h)
        query = np.concatenate([c, h], 1)
        features = window @ w['attention/attn_w'][0, 0]
        y = query @ w['attention/kernel'] + w['attention/bias']
        a = _softmax((w['attention/attn_v'] * np.tanh(features + y[:, None])).sum(-1))
        attns = (a[..., None] * window).sum(1)
        out = np.concatenate([h, attns], 1) @ w['attn_output_projection/kernel'] + w['attn_output_projection/bias']
        window = np.concatenate([window[:, 1:], out[:, None]], 1)
        np.testing.assert_allclose(got[t], out, rtol=1e-4, atol=1e-5)
    want = [c, h, attns, window.reshape(2, 12)]
    flat = [got_state[0].c, got_state[0].h, got_state[1], got_state[2]] if state_is_tuple else [got_state]
    np.testing.assert_allclose(np.concatenate(flat, 1), np.concatenate(want, 1), rtol=1e-4, atol=1e-5)


def test_attention_cell_wrapper_checks_its_arguments():
    with pytest.raises(ValueError, match='attn_length should be greater than zero'):
        tf.contrib.rnn.AttentionCellWrapper(tf.nn.rnn_cell.GRUCell(2), 0)
    with pytest.raises(ValueError, match='state_is_tuple is not set'):
        tf.contrib.rnn.AttentionCellWrapper(tf.nn.rnn_cell.BasicLSTMCell(2), 2, state_is_tuple=False)


@pytest.mark.parametrize('coupled', [True, False])
def test_highway_wrapper_is_tf115_math(coupled):
    cell = tf.contrib.rnn.HighwayWrapper(tf.nn.rnn_cell.BasicRNNCell(3), couple_carry_transform_gates=coupled,
                                         carry_bias_init=0.5)
    outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    names = ['carry_w', 'carry_b', 'basic_rnn_cell/kernel', 'basic_rnn_cell/bias']
    names += [] if coupled else ['transform_w', 'transform_b']
    assert sorted(v.op.name for v in tf.global_variables()) == sorted('rnn/' + n for n in names)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        init = {v.op.name: sess.run(v) for v in tf.global_variables()}
    np.testing.assert_array_equal(init['rnn/carry_b'], np.full(3, 0.5, np.float32))
    if not coupled:
        np.testing.assert_array_equal(init['rnn/transform_b'], np.full(3, -0.5, np.float32))
    w, (got, got_state) = _run_randomized('rnn/', [outputs, state])
    h = np.zeros((2, 3), np.float32)
    for t in range(4):
        h = np.tanh(np.concatenate([X[t], h], 1) @ w['basic_rnn_cell/kernel'] + w['basic_rnn_cell/bias'])
        carry = _sigmoid(X[t] @ w['carry_w'] + w['carry_b'])
        transform = 1 - carry if coupled else _sigmoid(X[t] @ w['transform_w'] + w['transform_b'])
        np.testing.assert_allclose(got[t], X[t] * carry + h * transform, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, h, rtol=1e-5, atol=1e-6)


def test_highway_wrapper_needs_matching_shapes():
    cell = tf.contrib.rnn.HighwayWrapper(tf.nn.rnn_cell.BasicRNNCell(5))
    with pytest.raises(ValueError):
        cell(tf.constant(X[0]), tf.zeros([2, 5]))
