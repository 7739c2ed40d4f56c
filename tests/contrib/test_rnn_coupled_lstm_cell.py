"""tf.contrib.rnn.CoupledInputForgetGateLSTMCell (gone from TF 2.x): run and checked against TF 1.15's
equations written out in NumPy (peepholes, projection with clipping, sharded weights, layer norm,
concatenated state), its variable names against TF 1.15's, and its gradients against finite differences."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(11)
X = RNG.randn(3, 2, 4).astype(np.float32)  # [time, batch, depth]
SCOPE = 'rnn/coupled_input_forget_gate_lstm_cell/'


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _ln(w, scope, v):
    mean, var = v.mean(-1, keepdims=True), v.var(-1, keepdims=True)
    return (v - mean) / np.sqrt(var + 1e-12) * w[scope + '/gamma'] + w[scope + '/beta']


def _cell(w, x, c, m, peepholes, proj_clip, layer_norm, shards):
    kernel = np.concatenate([w['W_%d' % i] for i in range(shards)], 0)
    z = np.concatenate([x, m], 1) @ kernel + (0 if layer_norm else w['B'])
    j, f, o = np.split(z, 3, 1)
    if layer_norm:
        j, f, o = _ln(w, 'transform', j), _ln(w, 'forget', f), _ln(w, 'output', o)
    f = _sigmoid(f + 1.0 + (w['W_F_diag'] * c if peepholes else 0))
    c = f * c + (1 - f) * np.tanh(j)
    if layer_norm:
        c = _ln(w, 'state', c)
    m = _sigmoid(o + (w['W_O_diag'] * c if peepholes else 0)) * np.tanh(c)
    if 'W_P_0' in w:
        m = m @ w['W_P_0']
        if proj_clip:
            m = np.clip(m, -proj_clip, proj_clip)
    return c, m


@pytest.mark.parametrize('peepholes, num_proj, proj_clip, shards, layer_norm, tuple_state', [
    (False, None, None, 1, False, True),
    (True, 3, 0.2, 2, False, False),
    (True, None, None, 3, True, True)])
def test_coupled_input_forget_gate_lstm_cell_is_tf115_math(peepholes, num_proj, proj_clip, shards, layer_norm,
                                                           tuple_state):
    cell = tf.contrib.rnn.CoupledInputForgetGateLSTMCell(
        5, use_peepholes=peepholes, num_proj=num_proj, proj_clip=proj_clip, num_unit_shards=shards,
        layer_norm=layer_norm, state_is_tuple=tuple_state)
    outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    m_size = num_proj or 5
    expected = ['W_%d' % i for i in range(shards)] + ['B']
    expected += ['W_F_diag', 'W_O_diag'] if peepholes else []
    expected += ['W_P_0'] if num_proj else []
    expected += [p + '/' + v for p in ('transform', 'forget', 'output', 'state') for v in ('gamma', 'beta')] \
        if layer_norm else []
    assert sorted(v.op.name for v in tf.global_variables()) == sorted(SCOPE + e for e in expected)
    rows = [v.shape[0].value for v in sorted(tf.global_variables(), key=lambda v: v.op.name)
            if v.op.name.startswith(SCOPE + 'W_') and v.op.name[len(SCOPE) + 2:].isdigit()]
    assert sum(rows) == 4 + m_size and max(rows) - min(rows) <= 1
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.global_variables():
            sess.run(v.assign(RNG.uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32)))
        w = {v.op.name[len(SCOPE):]: sess.run(v) for v in tf.global_variables()}
        got, got_state = sess.run([outputs, state])
    c, m = np.zeros((2, 5), np.float32), np.zeros((2, m_size), np.float32)
    for t in range(3):
        c, m = _cell(w, X[t], c, m, peepholes, proj_clip, layer_norm, shards)
        np.testing.assert_allclose(got[t], m, rtol=1e-4, atol=1e-5)
    want_state = (c, m) if tuple_state else np.concatenate([c, m], 1)
    for a, b in zip(got_state if tuple_state else [got_state], want_state if tuple_state else [want_state]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_gradients_match_finite_differences():
    x = tf.constant(X[0])
    cell = tf.contrib.rnn.CoupledInputForgetGateLSTMCell(3, use_peepholes=True, num_proj=2)
    c0 = RNG.randn(2, 3).astype(np.float32)
    m, (c, _) = cell(x, (tf.constant(c0), tf.zeros([2, 2])))
    loss = tf.reduce_sum(m * m) + tf.reduce_sum(c * c)
    variables = sorted(tf.global_variables(), key=lambda v: v.op.name)
    grads = tf.gradients(loss, variables)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        w = {v.op.name.split('/')[-1]: sess.run(v).astype(np.float64) for v in variables}
        got = sess.run(grads)

    def f(w):
        cc, mm = _cell(w, X[0].astype(np.float64), c0.astype(np.float64), np.zeros((2, 2)), True, None, False, 1)
        return (mm * mm).sum() + (cc * cc).sum()

    for v, g in zip(variables, got):
        name, base = v.op.name.split('/')[-1], w[v.op.name.split('/')[-1]]
        num = np.zeros_like(base)
        for idx in np.ndindex(*base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += 1e-6
            minus[idx] -= 1e-6
            num[idx] = (f(dict(w, **{name: plus})) - f(dict(w, **{name: minus}))) / 2e-6
        np.testing.assert_allclose(g, num, rtol=1e-3, atol=1e-5, err_msg=name)


def test_too_many_shards_is_an_error():
    cell = tf.contrib.rnn.CoupledInputForgetGateLSTMCell(2, num_unit_shards=9)
    with pytest.raises(ValueError, match='Too many shards'):
        cell(tf.constant(X[0]), cell.zero_state(2, tf.float32))
