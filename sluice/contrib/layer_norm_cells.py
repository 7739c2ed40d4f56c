"""tf.contrib.rnn.LayerNormBasicLSTMCell (TF 1.15's contrib rnn_cell.py): a basic LSTM with layer
normalization before the nonlinearities (Ba et al., 2016) and recurrent dropout on the candidate
(Semeniuta et al., 2016).

    i, j, f, o = split([x, h] . kernel (+ bias when layer_norm is off))
    i, j, f, o = LN_input(i), LN_transform(j), LN_forget(f), LN_output(o)   (layer_norm on)
    g = dropout(act(j), dropout_keep_prob)
    c' = c sigmoid(f + forget_bias) + sigmoid(i) g;   c' = LN_state(c')     (layer_norm on)
    h' = act(c') sigmoid(o)
LN_s(v) = (v - mean(v)) / sqrt(var(v) + 1e-12) * s/gamma + s/beta over the last axis, with gamma
starting at norm_gain and beta at norm_shift. Variables, in the cell's scope
('layer_norm_basic_lstm_cell'): 'kernel', 'bias' (only without layer_norm), and 'input/gamma',
'input/beta', 'transform/...', 'forget/...', 'output/...', 'state/...'.
"""
from sluice.contrib.layers.normalization import layer_norm
from sluice.engine import dtypes
from sluice.ops import array_ops, init_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.nn_dropout import dropout
from sluice.ops.rnn_cell_impl import LSTMStateTuple, RNNCell

__all__ = ['LayerNormBasicLSTMCell']


def norm(gain, shift, inp, scope, dtype=dtypes.float32):
    """contrib.layers.layer_norm of `inp` over its last axis under `scope`, its 'gamma' starting at `gain`
    and 'beta' at `shift` (made here first, then reused by layer_norm)."""
    shape = inp.shape[-1:]
    with vs.variable_scope(scope):
        vs.get_variable('gamma', shape=shape, dtype=dtype, initializer=init_ops.constant_initializer(gain))
        vs.get_variable('beta', shape=shape, dtype=dtype, initializer=init_ops.constant_initializer(shift))
    return layer_norm(inp, reuse=True, scope=scope)


class LayerNormBasicLSTMCell(RNNCell):
    """Basic LSTM with layer normalization and recurrent dropout (see the module docstring)."""

    def __init__(self, num_units, forget_bias=1.0, input_size=None, activation=math_ops.tanh, layer_norm=True,
                 norm_gain=1.0, norm_shift=0.0, dropout_keep_prob=1.0, dropout_prob_seed=None, reuse=None):
        super().__init__(_reuse=reuse)
        self._num_units, self._activation, self._forget_bias = num_units, activation, forget_bias
        self._keep_prob, self._seed = dropout_keep_prob, dropout_prob_seed
        self._layer_norm, self._norm_gain, self._norm_shift = layer_norm, norm_gain, norm_shift

    state_size = property(lambda self: LSTMStateTuple(self._num_units, self._num_units))
    output_size = property(lambda self: self._num_units)

    def _norm(self, inp, scope, dtype=dtypes.float32):
        return norm(self._norm_gain, self._norm_shift, inp, scope, dtype)

    def _linear(self, args):
        out_size = 4 * self._num_units
        weights = vs.get_variable('kernel', [args.shape[-1].value, out_size], dtype=args.dtype)
        out = math_ops.matmul(args, weights)
        if not self._layer_norm:
            out = bias_add(out, vs.get_variable('bias', [out_size], dtype=args.dtype))
        return out

    def call(self, inputs, state):
        c, h = state
        args = array_ops.concat([inputs, h], 1)
        dtype = args.dtype
        i, j, f, o = array_ops.split(self._linear(args), 4, axis=1)
        if self._layer_norm:
            i, j = self._norm(i, 'input', dtype), self._norm(j, 'transform', dtype)
            f, o = self._norm(f, 'forget', dtype), self._norm(o, 'output', dtype)
        g = self._activation(j)
        # A tensor keep probability always drops (it may be fed below 1); a float only when below 1.
        if not isinstance(self._keep_prob, float) or self._keep_prob < 1:
            g = dropout(g, self._keep_prob, seed=self._seed)
        new_c = c * math_ops.sigmoid(f + self._forget_bias) + math_ops.sigmoid(i) * g
        if self._layer_norm:
            new_c = self._norm(new_c, 'state', dtype)
        new_h = self._activation(new_c) * math_ops.sigmoid(o)
        return new_h, LSTMStateTuple(new_c, new_h)
