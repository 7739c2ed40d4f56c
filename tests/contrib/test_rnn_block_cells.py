"""tf.contrib.rnn's LSTMBlockCell, LSTMBlockFusedCell, GRUBlockCell(V2) (gone from TF 2.x): each run and
checked against TF 1.15's equations (lstm_ops.py, gru_ops.py docstrings) written out in NumPy, their
variable names against TF 1.15's, and one cell's gradients against finite differences of the NumPy math."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(3)
X = RNG.randn(4, 2, 3).astype(np.float32)  # [time, batch, depth]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _lstm_block(w, x, c, h, forget_bias=1.0, cell_clip=-1, peephole=False):
    i, ci, f, o = np.split(np.concatenate([x, h], 1) @ w['kernel'] + w['bias'], 4, 1)
    wci, wcf, wco = (w['w_i_diag'], w['w_f_diag'], w['w_o_diag']) if peephole else (0, 0, 0)
    c = np.tanh(ci) * _sigmoid(i + wci * c) + c * _sigmoid(f + forget_bias + wcf * c)
    if cell_clip > 0:
        c = np.clip(c, -cell_clip, cell_clip)
    return c, np.tanh(c) * _sigmoid(o + wco * c)


def _gru_block(w_ru, b_ru, w_c, b_c, x, h):
    r, u = np.split(_sigmoid(np.concatenate([x, h], 1) @ w_ru + b_ru), 2, 1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ w_c + b_c)
    return (1 - u) * c + u * h


def _weights(sess, prefix):
    return {v.op.name[len(prefix):]: sess.run(v) for v in tf.global_variables() if v.op.name.startswith(prefix)}


def _randomize(sess):
    for v in tf.global_variables():
        sess.run(v.assign(RNG.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32)))


@pytest.mark.parametrize('peephole, clip, forget_bias', [(False, None, 1.0), (True, 0.3, 0.5)])
def test_lstm_block_cell_is_tf115_math(peephole, clip, forget_bias):
    cell = tf.contrib.rnn.LSTMBlockCell(5, forget_bias=forget_bias, cell_clip=clip, use_peephole=peephole)
    outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    names = sorted(v.op.name for v in tf.global_variables())
    expected = ['rnn/lstm_cell/bias', 'rnn/lstm_cell/kernel']
    if peephole:
        expected += ['rnn/lstm_cell/w_f_diag', 'rnn/lstm_cell/w_i_diag', 'rnn/lstm_cell/w_o_diag']
    assert names == sorted(expected)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _randomize(sess)
        got, (got_c, got_h) = sess.run([outputs, state])
        w = _weights(sess, 'rnn/lstm_cell/')
    c = h = np.zeros((2, 5), np.float32)
    for t in range(4):
        c, h = _lstm_block(w, X[t], c, h, forget_bias, clip or -1, peephole)
        np.testing.assert_allclose(got[t], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_c, c, rtol=1e-5, atol=1e-6)
    if clip:
        assert np.abs(got_c).max() <= clip + 1e-6


def test_lstm_block_cell_gradients_match_finite_differences():
    x = tf.constant(X[0])
    cell = tf.contrib.rnn.LSTMBlockCell(3, use_peephole=True, cell_clip=10.0)
    c0 = tf.constant(RNG.randn(2, 3).astype(np.float32))
    h, (c, _) = cell(x, (c0, tf.zeros([2, 3])))
    loss = tf.reduce_sum(h * h) + tf.reduce_sum(c)
    variables = cell.variables
    grads = tf.gradients(loss, variables + [x])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _randomize(sess)
        w = {v.op.name.split('/')[-1]: sess.run(v).astype(np.float64) for v in variables}
        got = sess.run(grads)
        c0v = sess.run(c0).astype(np.float64)

    def f(w, xv):
        cc, hh = _lstm_block(w, xv, c0v, np.zeros((2, 3)), 1.0, 10.0, True)
        return (hh * hh).sum() + cc.sum()

    eps = 1e-6
    for k, (v, g) in enumerate(zip(variables + [x], got)):
        name = v.op.name.split('/')[-1] if k < len(variables) else None
        base = w[name] if name else X[0].astype(np.float64)
        num = np.zeros_like(base)
        for idx in np.ndindex(*base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            if name:
                num[idx] = (f(dict(w, **{name: plus}), X[0]) - f(dict(w, **{name: minus}), X[0])) / (2 * eps)
            else:
                num[idx] = (f(w, plus) - f(w, minus)) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize('as_list', [False, True])
def test_lstm_block_fused_cell_masks_past_sequence_length(as_list):
    lengths = np.array([4, 2], np.int32)
    cell = tf.contrib.rnn.LSTMBlockFusedCell(5, use_peephole=True)
    c0 = RNG.randn(2, 5).astype(np.float32)
    h0 = RNG.randn(2, 5).astype(np.float32)
    inputs = [tf.constant(x) for x in X] if as_list else tf.constant(X)
    outputs, state = cell(inputs, initial_state=(tf.constant(c0), tf.constant(h0)), sequence_length=lengths)
    assert isinstance(outputs, list) == as_list
    assert sorted(v.op.name for v in tf.global_variables()) == [
        'lstm_fused_cell/bias', 'lstm_fused_cell/kernel', 'lstm_fused_cell/w_f_diag', 'lstm_fused_cell/w_i_diag',
        'lstm_fused_cell/w_o_diag']
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _randomize(sess)
        got, (got_c, got_h) = sess.run([outputs, state])
        w = _weights(sess, 'lstm_fused_cell/')
    got = np.stack(got) if as_list else got
    c, h = c0, h0
    final_c, final_h = np.zeros_like(c), np.zeros_like(h)
    for t in range(4):
        c, h = _lstm_block(w, X[t], c, h, peephole=True)
        live = t < lengths
        np.testing.assert_allclose(got[t], np.where(live[:, None], h, 0), rtol=1e-5, atol=1e-6)
        final_c = np.where((t == lengths - 1)[:, None], c, final_c)
        final_h = np.where((t == lengths - 1)[:, None], h, final_h)
    np.testing.assert_allclose(got_c, final_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_h, final_h, rtol=1e-5, atol=1e-6)


def test_lstm_block_fused_cell_needs_a_state_or_dtype():
    with pytest.raises(ValueError, match='initial_state or dtype'):
        tf.contrib.rnn.LSTMBlockFusedCell(2)(tf.constant(X))


@pytest.mark.parametrize('cls, names', [
    ('GRUBlockCell', ('w_ru', 'b_ru', 'w_c', 'b_c')),
    ('GRUBlockCellV2', ('gates/kernel', 'gates/bias', 'candidate/kernel', 'candidate/bias'))])
def test_gru_block_cells_are_tf115_math(cls, names):
    cell = getattr(tf.contrib.rnn, cls)(4)
    outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(X), time_major=True, dtype=tf.float32)
    assert sorted(v.op.name for v in tf.global_variables()) == sorted('rnn/gru_cell/' + n for n in names)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        b_ru = sess.run(tf.global_variables()[1])
        np.testing.assert_array_equal(b_ru, np.ones(8))
        _randomize(sess)
        got, got_state = sess.run([outputs, state])
        w = _weights(sess, 'rnn/gru_cell/')
    h = np.zeros((2, 4), np.float32)
    for t in range(4):
        h = _gru_block(*[w[n] for n in names], X[t], h)
        np.testing.assert_allclose(got[t], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, h, rtol=1e-5, atol=1e-6)


def test_gru_block_cell_takes_exactly_one_size():
    with pytest.raises(ValueError, match='Exactly one of num_units or cell_size'):
        tf.contrib.rnn.GRUBlockCell(3, cell_size=3)
    assert tf.contrib.rnn.GRUBlockCell(cell_size=3).output_size == 3
