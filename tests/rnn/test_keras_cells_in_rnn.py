"""tf.nn.dynamic_rnn / static_rnn over Keras cells (tf.keras.layers.SimpleRNNCell, LSTMCell), as TF 1.15 runs
them: the initial state from get_initial_state, the one-tensor state wrapped in a list for the cell's call,
the weights made once outside the loop under the loop's name scope (TF's names, facts checked with TF 1.x
graph mode), and the outputs of h' = tanh(x W + h U + b) step by step."""
import numpy as np
import pytest

import sluice as tf

X = np.array([[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]],
              [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 1, 0]]], np.float32)


def _simple_rnn_reference(x, kernel, recurrent, bias, steps=None):
    h = np.zeros((x.shape[0], kernel.shape[1]), np.float32)
    outputs = []
    for t in range(x.shape[1] if steps is None else steps):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent + bias)
        outputs.append(h)
    return np.stack(outputs, 1), h


@pytest.fixture
def graph():
    with tf.Graph().as_default() as g:
        yield g


def test_dynamic_rnn_runs_a_keras_simple_rnn_cell(graph):
    with tf.variable_scope('one_cell'):
        cell = tf.keras.layers.SimpleRNNCell(units=2)
        outputs, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    assert [v.name for v in tf.global_variables()] == [
        'one_cell/rnn/while/simple_rnn_cell/kernel:0', 'one_cell/rnn/while/simple_rnn_cell/recurrent_kernel:0',
        'one_cell/rnn/while/simple_rnn_cell/bias:0']
    assert outputs.shape.as_list() == [2, 3, 2] and state.shape.as_list() == [2, 2]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, recurrent, bias = sess.run(cell.weights)
        got_outputs, got_state = sess.run([outputs, state])
    want_outputs, want_state = _simple_rnn_reference(X, kernel, recurrent, bias)
    np.testing.assert_allclose(got_outputs, want_outputs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, want_state, rtol=1e-5, atol=1e-6)


def test_dynamic_rnn_keras_lstm_cell_state_is_a_list_and_trains(graph):
    cell = tf.keras.layers.LSTMCell(3)
    outputs, state = tf.nn.dynamic_rnn(cell, X, sequence_length=[3, 2], dtype=tf.float32)
    assert isinstance(state, list) and len(state) == 2  # [h, c], as the Keras cell gives it
    loss = tf.reduce_sum(tf.square(outputs))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    assert len(tf.trainable_variables()) == 3
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, (h, c) = sess.run([outputs, state])
        np.testing.assert_allclose(out[0, 2], h[0], rtol=1e-6)
        np.testing.assert_allclose(out[1, 1], h[1], rtol=1e-6)
        assert not out[1, 2].any()  # past its length: zero output, state kept
        before = sess.run(loss)
        for _ in range(5):
            sess.run(train)
        assert sess.run(loss) < before


def test_static_rnn_runs_a_keras_simple_rnn_cell(graph):
    cell = tf.keras.layers.SimpleRNNCell(units=2)
    outputs, state = tf.nn.static_rnn(cell, [X[:, 0], X[:, 1]], dtype=tf.float32)
    assert len(tf.global_variables()) == 3
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        kernel, recurrent, bias = sess.run(cell.weights)
        got_outputs, got_state = sess.run([outputs, state])
    want_outputs, want_state = _simple_rnn_reference(X, kernel, recurrent, bias, steps=2)
    np.testing.assert_allclose(np.stack(got_outputs, 1), want_outputs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_state, want_state, rtol=1e-5, atol=1e-6)
