"""RNN cells and dynamic_rnn without TensorFlow: shapes, variable reuse, dropout, errors, namespaces."""
import numpy as np
import pytest

import sluice as tf


def test_zero_state_shapes_and_structure():
    cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(4), tf.nn.rnn_cell.GRUCell(3)])
    state = cell.zero_state(5, tf.float32)
    assert isinstance(state[0], tf.nn.rnn_cell.LSTMStateTuple)
    assert state[0].c.shape.as_list() == [5, 4] and state[1].shape.as_list() == [5, 3]
    assert cell.state_size == (tf.nn.rnn_cell.LSTMStateTuple(4, 4), 3) and cell.output_size == 3
    dynamic = tf.nn.rnn_cell.BasicRNNCell(2).zero_state(tf.placeholder(tf.int32, []), tf.float64)
    assert dynamic.shape.as_list() == [None, 2] and dynamic.dtype == tf.float64


def test_a_cell_called_twice_shares_its_variables():
    cell = tf.nn.rnn_cell.BasicLSTMCell(3)
    x = tf.ones([2, 4])
    state = cell.zero_state(2, tf.float32)
    out1, state = cell(x, state)
    out2, _ = cell(x, state)
    assert [v.op.name for v in tf.global_variables()] == ['basic_lstm_cell/kernel', 'basic_lstm_cell/bias']
    other = tf.nn.rnn_cell.BasicLSTMCell(3)
    other(x, other.zero_state(2, tf.float32))
    assert tf.global_variables()[-1].op.name == 'basic_lstm_cell_1/bias'


def test_dynamic_rnn_shapes_and_sequence_length_semantics():
    x = tf.placeholder(tf.float32, [None, 6, 3])
    lengths = tf.placeholder(tf.int32, [None])
    out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(4), x, sequence_length=lengths, dtype=tf.float32)
    assert out.shape.as_list() == [None, 6, 4] and state.shape.as_list() == [None, 4]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o, s = sess.run([out, state], {x: np.ones((2, 6, 3)), lengths: [6, 2]})
    assert np.all(o[1, 2:] == 0) and np.all(o[1, :2] != 0)
    np.testing.assert_allclose(s[1], o[1, 1])  # the state stops at the sequence's end
    np.testing.assert_allclose(s[0], o[0, 5])


def test_dropout_wrapper_drops_and_scales():
    cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.BasicRNNCell(200, activation=tf.identity),
                                         output_keep_prob=0.5, seed=3)
    x = tf.ones([4, 1])
    out, _ = cell(x, cell.zero_state(4, tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o = sess.run(out)
    kept = o != 0
    assert 0.35 < kept.mean() < 0.65
    with pytest.raises(ValueError, match='Parameter output_keep_prob must be between 0 and 1'):
        tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(2), output_keep_prob=1.5)


def test_training_an_lstm_lowers_its_loss():
    rng = np.random.RandomState(0)
    data = rng.uniform(-1, 1, (8, 7, 2)).astype(np.float32)
    target = np.cumsum(data[..., :1], axis=1)
    x = tf.constant(data)
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(8, num_proj=1), x, dtype=tf.float32)
    loss = tf.reduce_mean(tf.square(out - target))
    step = tf.train.AdamOptimizer(0.05).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(loss)
        for _ in range(30):
            sess.run(step)
        assert sess.run(loss) < 0.5 * first


def test_errors():
    x = tf.zeros([2, 3, 4])
    with pytest.raises(ValueError, match='If there is no initial_state, you must give a dtype.'):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(2), x)
    with pytest.raises(ValueError, match='Must specify at least one cell for MultiRNNCell.'):
        tf.nn.rnn_cell.MultiRNNCell([])
    with pytest.raises(ValueError, match='Some cells return tuples of states'):
        tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(2)], state_is_tuple=False)
    with pytest.raises(ValueError, match='Input size \\(depth of inputs\\) must be accessible'):
        tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(2), tf.placeholder(tf.float32, [2, 3, None]), dtype=tf.float32)


def test_contrib_namespaces():
    assert tf.contrib.rnn.BasicLSTMCell is tf.nn.rnn_cell.BasicLSTMCell
    assert tf.contrib.rnn.static_rnn is tf.nn.static_rnn
    with pytest.raises(AttributeError, match='sluice does not implement'):
        tf.contrib.rnn.GridLSTMCell
    with pytest.raises(AttributeError, match='sluice does not implement'):
        tf.contrib.seq2seq.BahdanauMonotonicAttention
    loss = tf.contrib.legacy_seq2seq.sequence_loss([tf.zeros([2, 3])], [tf.constant([0, 1])], [tf.ones([2])])
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(loss), np.log(3.0), rtol=1e-6)


class _ScaledCell(tf.nn.rnn_cell.RNNCell):
    """A TF1-style custom cell: its variable comes from tf.get_variable inside `call`."""
    state_size = property(lambda self: 2)
    output_size = property(lambda self: 2)

    def call(self, inputs, state):
        w = tf.get_variable('w', [2], initializer=tf.constant_initializer(0.5))
        new = tf.tanh(inputs * w + state)
        return new, new


def test_custom_cell_variables_made_in_call_live_outside_the_loop():
    x = tf.constant(np.ones((1, 3, 2), np.float32))
    out, _ = tf.nn.dynamic_rnn(_ScaledCell(), x, dtype=tf.float32)
    assert [v.op.name for v in tf.trainable_variables()] == ['rnn/private__scaled_cell/w']  # TF's name for a private class
    grad, = tf.gradients(tf.reduce_sum(out), tf.trainable_variables())
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        o, g = sess.run([out, grad])
    h1 = np.tanh(0.5)
    h2 = np.tanh(0.5 + h1)
    np.testing.assert_allclose(o[0, :2, 0], [h1, h2], rtol=1e-6)
    assert g.shape == (2,) and np.all(g > 0)
