"""Recurrent-layer cases run the same way on sluice and on TensorFlow (tests/keras/rnn_tf_reference.py).

A case is `build(L, K) -> (inputs, outputs, layer)`: `L` holds the layer classes (sluice's modules or
tf.compat.v1.keras.layers), `K` the Keras backend. `evaluate` builds a case in the current default graph,
sets the layer's weights to the given values, feeds the given inputs and returns the outputs and the
gradients of the sum of the float outputs with respect to the weights and the float inputs.
The defaults of TF 1.15's v1 layers are spelled out (recurrent_activation='hard_sigmoid', reset_after=False)
so tf_keras, whose defaults moved on, builds the same layers.
"""
import numpy as np

T, B, F, U = 5, 3, 4, 6  # timesteps, batch, features, units
MASK = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)


def _x(K, time=T):
    return K.placeholder((None, time, F))


def _mask(K):
    return K.placeholder((None, T), dtype='bool')


def _lstm(L, **kwargs):
    return L.LSTM(U, recurrent_activation='hard_sigmoid', **kwargs)


def _gru(L, **kwargs):
    kwargs.setdefault('reset_after', False)
    return L.GRU(U, recurrent_activation='hard_sigmoid', **kwargs)


def _simple(L, K, **kwargs):
    x = _x(K)
    layer = L.SimpleRNN(U, **kwargs)
    return [x], [layer(x)], layer


def _one(make, mask=False, **call_kwargs):
    def build(L, K):
        x = _x(K)
        layer = make(L)
        inputs = [x]
        if mask:
            m = _mask(K)
            inputs.append(m)
            call_kwargs['mask'] = m
        out = layer(x, **call_kwargs)
        return inputs, out if isinstance(out, list) else [out], layer
    return build


def _initial_state(L, K):
    x = _x(K)
    h0, c0 = K.placeholder((None, U)), K.placeholder((None, U))
    layer = _lstm(L, return_state=True)
    return [x, h0, c0], layer(x, initial_state=[h0, c0]), layer


def _stacked(L, K):
    x = _x(K)
    cells = [L.LSTMCell(U, recurrent_activation='hard_sigmoid'), L.GRUCell(4, recurrent_activation='hard_sigmoid'),
             L.SimpleRNNCell(5)]
    layer = L.RNN(cells, return_sequences=True, return_state=True)
    return [x], layer(x), layer


def _bidirectional(merge_mode, return_state=False, mask=False):
    def build(L, K):
        x = _x(K)
        layer = L.Bidirectional(_lstm(L, return_sequences=True, return_state=return_state), merge_mode=merge_mode)
        inputs, kwargs = [x], {}
        if mask:
            m = _mask(K)
            inputs.append(m)
            kwargs['mask'] = m
        out = layer(x, **kwargs)
        return inputs, out if isinstance(out, list) else [out], layer
    return build


def _time_distributed(L, K):
    x = K.placeholder((None, 2, T, F))
    layer = L.TimeDistributed(L.SimpleRNN(U, return_sequences=False))
    return [x], [layer(x)], layer


CASES = {
    'simple_rnn_sequences': lambda L, K: _simple(L, K, return_sequences=True),
    'simple_rnn_relu_backwards': lambda L, K: _simple(L, K, activation='relu', go_backwards=True),
    'lstm_impl1': _one(lambda L: _lstm(L, return_sequences=True)),
    'lstm_impl2_state_backwards': _one(lambda L: _lstm(L, implementation=2, return_state=True, go_backwards=True)),
    'lstm_unroll': _one(lambda L: _lstm(L, unroll=True, return_sequences=True)),
    'lstm_no_bias_sigmoid': _one(lambda L: L.LSTM(U, use_bias=False, recurrent_activation='sigmoid')),
    'lstm_mask': _one(lambda L: _lstm(L, return_sequences=True, return_state=True), mask=True),
    'lstm_mask_backwards_unroll': _one(lambda L: _lstm(L, go_backwards=True, unroll=True), mask=True),
    'gru_impl1': _one(lambda L: _gru(L, return_sequences=True)),
    'gru_impl2_state': _one(lambda L: _gru(L, implementation=2, return_state=True)),
    'gru_reset_after': _one(lambda L: _gru(L, reset_after=True, return_sequences=True)),
    'gru_reset_after_impl2_mask': _one(lambda L: _gru(L, reset_after=True, implementation=2), mask=True),
    'gru_time_major': _one(lambda L: _gru(L, time_major=True, return_sequences=True)),
    'lstm_initial_state': _initial_state,
    'stacked_cells': _stacked,
    'bidirectional_concat': _bidirectional('concat'),
    'bidirectional_sum_state': _bidirectional('sum', return_state=True),
    'bidirectional_none_mask': _bidirectional(None, mask=True),
    'bidirectional_mul_mask': _bidirectional('mul', mask=True),
    'time_distributed_rnn': _time_distributed,
}


def _flatten(values):
    """Nested lists of tensors (a stacked LSTM cell's [h, c] among the states) as one flat list."""
    flat = []
    for v in values:
        flat.extend(_flatten(v) if isinstance(v, (list, tuple)) else [v])
    return flat


def feeds_for(inputs, seed=0):
    """Deterministic values for a case's placeholders: normal floats, MASK for bool inputs."""
    rs = np.random.RandomState(seed)
    values = []
    for x in inputs:
        shape = [B if d is None else d for d in x.shape.as_list()]
        if x.dtype.base_dtype.name == 'bool':
            values.append(MASK)
        else:
            values.append((rs.randn(*shape) * 0.7).astype(np.float32))
    return values


def evaluate(L, K, gradients, name, weights=None, feeds=None):
    """(outputs, gradients, weight names, weight values, feeds) of case `name`; run with K.get_session()."""
    inputs, outputs, layer = CASES[name](L, K)
    outputs = _flatten(outputs)
    if weights is None:
        rs = np.random.RandomState(1)
        weights = [(rs.randn(*w.shape.as_list()) * 0.4).astype(np.float32) for w in layer.weights]
    layer.set_weights(weights)
    feeds = feeds_for(inputs) if feeds is None else feeds
    floats = [x for x in inputs if x.dtype.base_dtype.name != 'bool']
    total = sum(K.sum(o) for o in outputs if o.dtype.base_dtype.name.startswith('float'))
    grads = gradients(total, list(layer.weights) + floats)
    session = K.get_session()
    fetch_grads = [g for g in grads if g is not None]
    results = session.run(outputs + fetch_grads, dict(zip(inputs, feeds)))
    out_values, grad_iter = results[:len(outputs)], iter(results[len(outputs):])
    grad_values = [None if g is None else next(grad_iter) for g in grads]
    return out_values, grad_values, [w.name for w in layer.weights], weights, feeds
