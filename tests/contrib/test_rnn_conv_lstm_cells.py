"""tf.contrib.rnn.ConvLSTMCell and Conv1D/2D/3DLSTMCell (gone from TF 2.x): run under dynamic_rnn and checked
against TF 1.15's convolutional LSTM written out in NumPy ('SAME' stride-1 convolutions), with their
variable names and shapes."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(17)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _conv_same(x, kernel):
    """x [batch, spatial..., cin] correlated with kernel [k..., cin, cout], 'SAME' padding, stride 1."""
    ks = kernel.shape[:-2]
    pads = [(0, 0)] + [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in ks] + [(0, 0)]
    xp = np.pad(x, pads)
    out = np.zeros(x.shape[:-1] + kernel.shape[-1:])
    spatial = x.shape[1:-1]
    for offset in np.ndindex(*ks):
        window = xp[(slice(None),) + tuple(slice(o, o + n) for o, n in zip(offset, spatial))]
        out += window @ kernel[offset]
    return out


@pytest.mark.parametrize('cls, input_shape, kernel_shape, use_bias', [
    ('Conv1DLSTMCell', [5, 2], [3], True),
    ('Conv2DLSTMCell', [4, 3, 2], [3, 2], False),
    ('Conv3DLSTMCell', [3, 2, 3, 1], [2, 1, 3], True)])
def test_conv_lstm_cells_are_tf115_math(cls, input_shape, kernel_shape, use_bias):
    cell = getattr(tf.contrib.rnn, cls)(input_shape=input_shape, output_channels=3, kernel_shape=kernel_shape,
                                        use_bias=use_bias, forget_bias=0.5)
    assert cell.output_size == tf.TensorShape(input_shape[:-1] + [3])
    x = RNG.randn(*([3, 2] + input_shape)).astype(np.float32)  # [time, batch, ...]
    outputs, (c_final, h_final) = tf.nn.dynamic_rnn(cell, tf.constant(x), time_major=True, dtype=tf.float32)
    scope = 'rnn/conv_%dd_lstm_cell/' % (len(input_shape) - 1)
    variables = {v.op.name: v for v in tf.global_variables()}
    assert sorted(variables) == sorted([scope + 'kernel'] + ([scope + 'biases'] if use_bias else []))
    assert variables[scope + 'kernel'].shape.as_list() == kernel_shape + [input_shape[-1] + 3, 12]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in tf.global_variables():
            sess.run(v.assign(RNG.uniform(-0.5, 0.5, v.shape.as_list()).astype(np.float32)))
        w = {name[len(scope):]: sess.run(v) for name, v in variables.items()}
        got, got_c, got_h = sess.run([outputs, c_final, h_final])
    c = h = np.zeros([2] + input_shape[:-1] + [3])
    for t in range(3):
        z = _conv_same(np.concatenate([x[t], h], -1), w['kernel']) + (w['biases'] if use_bias else 0)
        i, j, f, o = np.split(z, 4, -1)
        c = _sigmoid(f + 0.5) * c + _sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * _sigmoid(o)
        np.testing.assert_allclose(got[t], h, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_c, c, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_h, h, rtol=1e-4, atol=1e-5)


def test_skip_connection_appends_the_inputs():
    cell = tf.contrib.rnn.Conv1DLSTMCell(input_shape=[4, 2], output_channels=3, kernel_shape=[3],
                                         skip_connection=True)
    assert cell.output_size == tf.TensorShape([4, 5])
    x = RNG.randn(2, 4, 2).astype(np.float32)
    out, _ = cell(tf.constant(x), cell.zero_state(2, tf.float32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(out)[..., 3:], x)


def test_conv_lstm_cell_checks_its_rank():
    with pytest.raises(ValueError, match='Invalid input_shape'):
        tf.contrib.rnn.ConvLSTMCell(2, [4, 2], 3, [3])
