"""tf.contrib.rnn.stack_bidirectional_rnn / stack_bidirectional_dynamic_rnn (gone from TF 2.x): two layers
of BasicRNNCells checked against the stacked bidirectional RNN written out in NumPy (sequence lengths,
the backward pass reversed per sequence), and their variable names against TF 1.15's scopes."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(7)
X = RNG.randn(2, 4, 3).astype(np.float32)  # [batch, time, depth]
LENGTHS = np.array([4, 2], np.int32)


def _rnn(kernel, bias, xs, lengths):
    """Outputs [batch, time, n] (zero past each length) and final states of a BasicRNNCell."""
    h = np.zeros((xs.shape[0], bias.shape[0]), np.float32)
    out = np.zeros(xs.shape[:2] + bias.shape, np.float32)
    for t in range(xs.shape[1]):
        new_h = np.tanh(np.concatenate([xs[:, t], h], 1) @ kernel + bias)
        live = (t < lengths)[:, None]
        h = np.where(live, new_h, h)
        out[:, t] = np.where(live, new_h, 0)
    return out, h


def _reverse(xs, lengths):
    out = xs.copy()
    for b, n in enumerate(lengths):
        out[b, :n] = xs[b, :n][::-1]
    return out


def _stacked(w, prefix, xs, lengths):
    states_fw, states_bw = [], []
    for i in range(2):
        fw, bw = prefix % i + 'fw/basic_rnn_cell/', prefix % i + 'bw/basic_rnn_cell/'
        out_fw, s_fw = _rnn(w[fw + 'kernel'], w[fw + 'bias'], xs, lengths)
        out_bw, s_bw = _rnn(w[bw + 'kernel'], w[bw + 'bias'], _reverse(xs, lengths), lengths)
        xs = np.concatenate([out_fw, _reverse(out_bw, lengths)], 2)
        states_fw.append(s_fw)
        states_bw.append(s_bw)
    return xs, states_fw, states_bw


def _run(outputs, states_fw, states_bw):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.global_variables():
            sess.run(v.assign(RNG.uniform(-0.7, 0.7, v.shape.as_list()).astype(np.float32)))
        w = {v.op.name: sess.run(v) for v in tf.global_variables()}
        return w, sess.run([outputs, list(states_fw), list(states_bw)])


@pytest.mark.parametrize('dynamic', [True, False])
def test_stacked_bidirectional_rnn_is_the_numpy_model(dynamic):
    cells = lambda: [tf.nn.rnn_cell.BasicRNNCell(n) for n in (5, 2)]  # noqa: E731
    if dynamic:
        outputs, s_fw, s_bw = tf.contrib.rnn.stack_bidirectional_dynamic_rnn(
            cells(), cells(), tf.constant(X), sequence_length=LENGTHS, dtype=tf.float32)
        prefix = 'stack_bidirectional_rnn/cell_%d/bidirectional_rnn/'
    else:
        outputs, s_fw, s_bw = tf.contrib.rnn.stack_bidirectional_rnn(
            cells(), cells(), tf.unstack(tf.constant(X), axis=1), sequence_length=LENGTHS, dtype=tf.float32)
        prefix = 'stack_bidirectional_rnn/cell_%d/'
    assert isinstance(s_fw, tuple) and len(s_fw) == 2 and len(s_bw) == 2
    assert sorted(v.op.name for v in tf.global_variables()) == sorted(
        prefix % i + d + '/basic_rnn_cell/' + p for i in range(2) for d in ('fw', 'bw') for p in ('kernel', 'bias'))
    w, (got, got_fw, got_bw) = _run(outputs, s_fw, s_bw)
    got = got if dynamic else np.stack(got, 1)
    want, want_fw, want_bw = _stacked(w, prefix, X, LENGTHS)
    assert got.shape == (2, 4, 4)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for a, b in zip(got_fw + got_bw, want_fw + want_bw):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_stacked_bidirectional_rnn_checks_its_layers():
    cell = tf.nn.rnn_cell.BasicRNNCell(2)
    with pytest.raises(ValueError, match='same depth'):
        tf.contrib.rnn.stack_bidirectional_dynamic_rnn([cell], [cell, cell], tf.constant(X), dtype=tf.float32)
    with pytest.raises(ValueError, match='cells_fw must be a list'):
        tf.contrib.rnn.stack_bidirectional_rnn((cell,), [cell], [tf.constant(X[:, 0])], dtype=tf.float32)
    with pytest.raises(ValueError, match='initial_states_bw must be a list'):
        tf.contrib.rnn.stack_bidirectional_rnn([cell], [cell], [tf.constant(X[:, 0])], initial_states_bw=[],
                                               dtype=tf.float32)
