"""tf.keras recurrent layers and wrappers: against TensorFlow (tf.compat.v1.keras, in one subprocess) with the
same weights and inputs (outputs, and gradients of the outputs' sum with respect to every weight and input),
and against the equations written out in NumPy where TF has no CPU reference (CuDNNLSTM/CuDNNGRU), plus
TF 1.15's weight names, stateful layers, dropout in the two learning phases, config round trips and errors.
"""
import os
import subprocess
import sys
import types

import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import Layer
from sluice.keras.layers import cudnn_recurrent, recurrent, wrappers

import rnn_cases

_HERE = os.path.dirname(os.path.abspath(__file__))
L = types.SimpleNamespace(**{name: getattr(recurrent, name) for name in (
    'RNN', 'StackedRNNCells', 'SimpleRNN', 'SimpleRNNCell', 'GRU', 'GRUCell', 'LSTM', 'LSTMCell')},
    Bidirectional=wrappers.Bidirectional, TimeDistributed=wrappers.TimeDistributed)


@pytest.fixture(autouse=True)
def keras_session():
    K.clear_session()
    yield
    K.clear_session()


def _sluice_case(name):
    K.clear_session()
    return rnn_cases.evaluate(L, K, K.gradients, name)


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """{case: (sluice outputs, sluice gradients, sluice weight names, tf arrays)}."""
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    work = tmp_path_factory.mktemp('recurrent_vs_tf')
    ours = {}
    for name in rnn_cases.CASES:
        outs, grads, names, weights, feeds = _sluice_case(name)
        arrays = {'w%d' % i: w for i, w in enumerate(weights)}
        arrays.update({'f%d' % i: f for i, f in enumerate(feeds)})
        np.savez(str(work / (name + '.in.npz')), **arrays)
        ours[name] = (outs, grads, names)
    proc = subprocess.run([sys.executable, os.path.join(_HERE, 'rnn_tf_reference.py'), str(work)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return {name: ours[name] + (dict(np.load(str(work / (name + '.tf.npz')))),) for name in ours}


@pytest.mark.tf
@pytest.mark.parametrize('name', sorted(rnn_cases.CASES))
def test_matches_tensorflow(reference, name):
    outs, grads, names, theirs = reference[name]
    assert len(names) == len(theirs['names'])
    their_outs = [theirs['o%d' % i] for i in range(len(outs))]
    for ours_, theirs_ in zip(outs, their_outs):
        np.testing.assert_allclose(ours_, theirs_, rtol=1e-5, atol=1e-6)
    for i, g in enumerate(grads):
        if g is None:
            assert 'g%d' % i not in theirs
        else:
            np.testing.assert_allclose(g, theirs['g%d' % i], rtol=1e-4, atol=1e-5)


def test_weight_names_follow_tf_1_15():
    # TF 1.15 names a cell's weights in its RNN's scope ('lstm/kernel:0'); tf_keras adds the cell's name.
    x = K.placeholder((None, 5, 3))
    recurrent.LSTM(4)(x)
    recurrent.GRU(4)(x)
    recurrent.SimpleRNN(4)(x)
    wrapped = wrappers.Bidirectional(recurrent.LSTM(2))
    wrapped(x)
    cudnn = cudnn_recurrent.CuDNNLSTM(2)
    cudnn(x)
    names = [v.name for v in tf.global_variables()]
    assert names[:9] == ['lstm/kernel:0', 'lstm/recurrent_kernel:0', 'lstm/bias:0',
                         'gru/kernel:0', 'gru/recurrent_kernel:0', 'gru/bias:0',
                         'simple_rnn/kernel:0', 'simple_rnn/recurrent_kernel:0', 'simple_rnn/bias:0']
    assert [w.name for w in wrapped.weights] == [
        'bidirectional/forward_lstm_1/kernel:0', 'bidirectional/forward_lstm_1/recurrent_kernel:0',
        'bidirectional/forward_lstm_1/bias:0', 'bidirectional/backward_lstm_1/kernel:0',
        'bidirectional/backward_lstm_1/recurrent_kernel:0', 'bidirectional/backward_lstm_1/bias:0']
    assert [w.name for w in cudnn.weights] == ['cu_dnnlstm/kernel:0', 'cu_dnnlstm/recurrent_kernel:0',
                                               'cu_dnnlstm/bias:0']


def test_v1_defaults():
    # TF 1.15's v1 LSTM and GRU: hard_sigmoid gates, reset_after=False, unit_forget_bias=True.
    lstm, gru = recurrent.LSTM(3), recurrent.GRU(3)
    assert lstm.get_config()['recurrent_activation'] == gru.get_config()['recurrent_activation'] == 'hard_sigmoid'
    assert gru.reset_after is False and lstm.unit_forget_bias is True and lstm.implementation == 1
    lstm(K.placeholder((None, 2, 5)))
    bias = K.get_value(lstm.cell.bias)
    np.testing.assert_array_equal(bias, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])


def _numpy_lstm(x, kernel, recurrent_kernel, bias, h, c, gate=lambda v: np.clip(0.2 * v + 0.5, 0, 1)):
    u = h.shape[-1]
    outputs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, o = gate(z[:, :u]), gate(z[:, u:2 * u]), gate(z[:, 3 * u:])
        c = f * c + i * np.tanh(z[:, 2 * u:3 * u])
        h = o * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1), h, c


def test_stateful_lstm_carries_states_between_calls():
    x = K.placeholder((2, 3, 4))
    layer = recurrent.LSTM(5, stateful=True, return_sequences=True)
    y = layer(x)
    assert len(layer.weights) == 3  # the state variables are not weights
    xv = np.random.RandomState(0).randn(2, 3, 4).astype(np.float32)
    session = K.get_session()
    update = tf.group(*layer.updates)
    first = session.run([y, update], {x: xv})[0]
    second = session.run([y, update], {x: xv})[0]
    kernel, recurrent_kernel, bias = layer.get_weights()
    zeros = np.zeros((2, 5), np.float32)
    expected1, h, c = _numpy_lstm(xv, kernel, recurrent_kernel, bias, zeros, zeros)
    expected2, _, _ = _numpy_lstm(xv, kernel, recurrent_kernel, bias, h, c)
    np.testing.assert_allclose(first, expected1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(second, expected2, rtol=1e-5, atol=1e-6)
    layer.reset_states()
    np.testing.assert_allclose(session.run(y, {x: xv}), expected1, rtol=1e-5, atol=1e-6)
    layer.reset_states([np.ones((2, 5)), np.zeros((2, 5))])
    np.testing.assert_array_equal(K.get_value(layer.states[0]), np.ones((2, 5)))
    with pytest.raises(ValueError, match='expected shape'):
        layer.reset_states([np.ones((3, 5)), np.zeros((2, 5))])


def test_stateful_needs_a_batch_size():
    with pytest.raises(ValueError, match='needs to know its batch size'):
        recurrent.SimpleRNN(2, stateful=True)(K.placeholder((None, 3, 4)))
    with pytest.raises(AttributeError, match='Layer must be stateful'):
        recurrent.SimpleRNN(2).reset_states()


def test_dropout_only_in_training_phase():
    x = K.placeholder((None, 4, 3))
    layer = recurrent.LSTM(8, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    y = layer(x)
    xv = np.random.RandomState(0).randn(64, 4, 3).astype(np.float32)
    session = K.get_session()
    kernel, recurrent_kernel, bias = layer.get_weights()
    zeros = np.zeros((64, 8), np.float32)
    expected, _, _ = _numpy_lstm(xv, kernel, recurrent_kernel, bias, zeros, zeros)
    np.testing.assert_allclose(session.run(y, {x: xv}), expected, rtol=1e-5, atol=1e-6)
    trained = session.run(y, {x: xv, K.learning_phase(): True})
    assert np.abs(trained - expected).max() > 1e-2
    # Each run draws new masks.
    assert not np.allclose(trained, session.run(y, {x: xv, K.learning_phase(): True}))


def test_initial_state_keyword():
    x = K.placeholder((None, 3, 2))
    h0 = K.placeholder((None, 4))
    layer = recurrent.SimpleRNN(4)
    y = layer(x, initial_state=h0)
    xv = np.random.RandomState(0).randn(2, 3, 2).astype(np.float32)
    hv = np.random.RandomState(1).randn(2, 4).astype(np.float32)
    kernel, recurrent_kernel, bias = layer.get_weights()
    h = hv
    for t in range(3):
        h = np.tanh(xv[:, t] @ kernel + bias + h @ recurrent_kernel)
    np.testing.assert_allclose(K.get_session().run(y, {x: xv, h0: hv}), h, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='not compatible with `cell.state_size`'):
        recurrent.SimpleRNN(4)(x, initial_state=[h0, h0])
    with pytest.raises(ValueError, match='1 states but was passed 2 initial states'):
        layer(x, initial_state=[h0, h0])


class _ConstantCell(Layer):
    """h' = tanh(x W + h U + constant V): a cell that reads `constants` (of 2 features)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.w = self.add_weight('w', (input_shape[-1], self.units))
        self.u = self.add_weight('u', (self.units, self.units))
        self.v = self.add_weight('v', (2, self.units))
        self.built = True

    def call(self, inputs, states, constants):
        out = K.tanh(K.dot(inputs, self.w) + K.dot(states[0], self.u) + K.dot(constants[0], self.v))
        return out, [out]


def test_constants_reach_the_cell():
    x, const = K.placeholder((None, 3, 2)), K.placeholder((None, 2))
    layer = recurrent.RNN(_ConstantCell(4))
    y = layer(x, constants=const)
    xv = np.random.RandomState(0).randn(2, 3, 2).astype(np.float32)
    cv = np.random.RandomState(1).randn(2, 2).astype(np.float32)
    w, u, v = layer.get_weights()
    h = np.zeros((2, 4), np.float32)
    for t in range(3):
        h = np.tanh(xv[:, t] @ w + h @ u + cv @ v)
    np.testing.assert_allclose(K.get_session().run(y, {x: xv, const: cv}), h, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='does not support constants'):
        recurrent.RNN(recurrent.SimpleRNNCell(2))(x, constants=const)


def test_cudnn_lstm_is_lstm_with_sigmoid_and_summed_biases():
    x = K.placeholder((None, 5, 3))
    cudnn = cudnn_recurrent.CuDNNLSTM(4, return_sequences=True, return_state=True, go_backwards=True)
    plain = recurrent.LSTM(4, recurrent_activation='sigmoid', return_sequences=True, return_state=True,
                           go_backwards=True)
    ours, reference = cudnn(x), plain(x)
    rs = np.random.RandomState(0)
    kernel, recurrent_kernel, bias = (rs.randn(*w.shape.as_list()).astype(np.float32) * 0.5 for w in cudnn.weights)
    cudnn.set_weights([kernel, recurrent_kernel, bias])
    plain.set_weights([kernel, recurrent_kernel, bias[:16] + bias[16:]])
    xv = rs.randn(2, 5, 3).astype(np.float32)
    for a, b in zip(K.get_session().run(ours, {x: xv}), K.get_session().run(reference, {x: xv})):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_cudnn_gru_is_reset_after_gru_with_sigmoid():
    x = K.placeholder((None, 5, 3))
    cudnn = cudnn_recurrent.CuDNNGRU(4, return_sequences=True)
    plain = recurrent.GRU(4, recurrent_activation='sigmoid', reset_after=True, return_sequences=True)
    ours, reference = cudnn(x), plain(x)
    rs = np.random.RandomState(0)
    kernel, recurrent_kernel, bias = (rs.randn(*w.shape.as_list()).astype(np.float32) * 0.5 for w in cudnn.weights)
    cudnn.set_weights([kernel, recurrent_kernel, bias])
    plain.set_weights([kernel, recurrent_kernel, bias.reshape(2, 12)])
    xv = rs.randn(2, 5, 3).astype(np.float32)
    np.testing.assert_allclose(K.get_session().run(ours, {x: xv}), K.get_session().run(reference, {x: xv}),
                               rtol=1e-5, atol=1e-6)


def test_cudnn_layout_and_errors():
    layer = cudnn_recurrent.CuDNNLSTM(3)
    layer(K.placeholder((None, 2, 5)))
    assert [w.shape.as_list() for w in layer.weights] == [[5, 12], [3, 12], [24]]
    np.testing.assert_array_equal(K.get_value(layer.bias), np.r_[np.zeros(15), np.ones(3), np.zeros(6)])
    gru = cudnn_recurrent.CuDNNGRU(3)
    gru(K.placeholder((None, 2, 5)))
    assert [w.shape.as_list() for w in gru.weights] == [[5, 9], [3, 9], [18]]
    with pytest.raises(ValueError, match='Masking is not supported for CuDNN RNNs'):
        cudnn_recurrent.CuDNNGRU(3)(K.placeholder((None, 2, 5)), mask=K.placeholder((None, 2), dtype='bool'))


def test_configs_round_trip():
    for layer in (recurrent.LSTM(3, implementation=2, go_backwards=True, dropout=0.25),
                  recurrent.GRU(3, reset_after=True), recurrent.SimpleRNN(2, activation='relu'),
                  cudnn_recurrent.CuDNNLSTM(2, unit_forget_bias=False),
                  recurrent.RNN([recurrent.LSTMCell(2), recurrent.GRUCell(3)], return_sequences=True)):
        config = layer.get_config()
        clone = type(layer).from_config(dict(config, name=config['name'] + '_clone'))
        again = clone.get_config()
        assert again.pop('name') == config.pop('name') + '_clone'
        assert again.keys() == config.keys()
        assert {k: v for k, v in again.items() if k != 'cell'} == {k: v for k, v in config.items() if k != 'cell'}
    config = recurrent.LSTM(3).get_config()
    assert config['recurrent_activation'] == 'hard_sigmoid' and config['activation'] == 'tanh'
    assert config['units'] == 3 and config['unit_forget_bias'] is True and config['implementation'] == 1


def test_stacked_cells_state_order_and_unroll_errors():
    cells = recurrent.StackedRNNCells([recurrent.LSTMCell(2), recurrent.SimpleRNNCell(3)])
    assert cells.state_size == ([2, 2], 3) and cells.output_size == 3
    with pytest.raises(ValueError, match='Cannot unroll a RNN if the time dimension is undefined'):
        recurrent.LSTM(2, unroll=True)(K.placeholder((None, None, 3)))
    with pytest.raises(ValueError, match='should have a `call` method'):
        recurrent.RNN(object())


def test_bidirectional_errors_and_weights_argument():
    with pytest.raises(ValueError, match='Invalid merge mode'):
        wrappers.Bidirectional(recurrent.LSTM(2), merge_mode='max')
    with pytest.raises(ValueError, match='with a `Layer` instance'):
        wrappers.Bidirectional(object())
    rs = np.random.RandomState(0)
    values = [rs.randn(*shape).astype(np.float32) for shape in ([3, 8], [2, 8], [8]) * 2]
    layer = wrappers.Bidirectional(recurrent.LSTM(2), weights=values)
    layer(K.placeholder((None, 4, 3)))
    for got, want in zip(layer.get_weights(), values):
        np.testing.assert_array_equal(got, want)


def test_time_distributed_shapes_and_errors():
    x = K.placeholder((None, 4, 3, 2))
    layer = wrappers.TimeDistributed(recurrent.SimpleRNN(5))
    y = layer(x)
    assert y.shape.as_list() == [None, 4, 5]
    assert layer.compute_output_shape((None, 4, 3, 2)).as_list() == [None, 4, 5]
    with pytest.raises(ValueError, match='at least 3 dimensions'):
        wrappers.TimeDistributed(recurrent.SimpleRNN(5))(K.placeholder((None, 4)))


_DEVICE_X = np.random.RandomState(0).randn(3, 4, 2).astype(np.float32)
_DEVICE_MASK = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], bool)


def _bidirectional_gru_run(device=None):
    """Outputs and gradients of a masked Bidirectional GRU, built under `device` (none: default placement)."""
    K.clear_session()
    with tf.device(device):
        x, mask = K.placeholder((None, 4, 2)), K.placeholder((None, 4), dtype='bool')
        layer = wrappers.Bidirectional(recurrent.GRU(3, return_sequences=True, reset_after=True))
        y = layer(x, mask=mask)
        grads = K.gradients(K.sum(y), layer.weights + [x])
    rs = np.random.RandomState(1)
    layer.set_weights([rs.randn(*w.shape.as_list()).astype(np.float32) for w in layer.weights])
    return K.get_session().run([y] + grads, {x: _DEVICE_X, mask: _DEVICE_MASK})


@pytest.fixture(scope='module')
def cpu_values():
    # Module scope: computed before the `device` fixture makes fake GPUs visible, so it runs on the CPU.
    # (Built under an explicit '/cpu:0' while a GPU is visible, the gradient's TensorLists cross devices,
    # which sluice's device copies do not carry yet.)
    return _bidirectional_gru_run()


def test_same_values_on_every_device(device, cpu_values):
    # The loop, its TensorArrays and the gradient loop placed on each device give the CPU's values.
    for ours, cpu in zip(_bidirectional_gru_run(device), cpu_values):
        np.testing.assert_allclose(ours, cpu, rtol=1e-5, atol=1e-6)
