"""tf.contrib.rnn.CoupledInputForgetGateLSTMCell (TF 1.15's contrib rnn_cell.py): an LSTM whose input
gate is one minus its forget gate (Gers, Schmidhuber and Cummins, 1999), with optional peepholes,
projection, layer normalization and weights sharded by rows.

    j, f, o = split([x, m] . W (+ B when layer_norm is off))      (LN_transform/forget/output if on)
    f = sigmoid(f + forget_bias (+ W_F_diag c))
    c' = f c + (1 - f) act(j)                                      (LN_state(c') if on)
    m' = sigmoid(o (+ W_O_diag c')) act(c');  m' = clip(m' . W_P, proj_clip)  (with num_proj)
Variables, made in `call` under the cell's scope ('coupled_input_forget_gate_lstm_cell'): the shards
'W_0' ... 'W_<k-1>' (k = num_unit_shards, the first rows % k shards one row longer) concatenated on
rows, 'B' (zeros, made also with layer_norm, where it goes unused, as TF does), 'W_F_diag', 'W_O_diag',
'W_P_0' ..., and the layer norms' '<part>/gamma', '<part>/beta'.
"""
import math

from sluice.contrib.layer_norm_cells import norm
from sluice.ops import array_ops, clip_ops, init_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.rnn_cell_impl import LSTMStateTuple, RNNCell

__all__ = ['CoupledInputForgetGateLSTMCell']


def concat_sharded_variable(name, shape, dtype, num_shards):
    """Variables name_0 .. name_<k-1> splitting shape[0] into k near-equal row blocks, concatenated."""
    if num_shards > shape[0]:
        raise ValueError('Too many shards: shape=%s, num_shards=%d' % (shape, num_shards))
    unit = int(math.floor(shape[0] / num_shards))
    remaining = shape[0] - unit * num_shards
    shards = [vs.get_variable(name + '_%d' % i, [unit + (1 if i < remaining else 0)] + list(shape[1:]), dtype=dtype)
              for i in range(num_shards)]
    return shards[0] if len(shards) == 1 else array_ops.concat(shards, 0, name=name + '/concat')


class CoupledInputForgetGateLSTMCell(RNNCell):
    """LSTM with the input gate coupled to the forget gate (see the module docstring)."""

    def __init__(self, num_units, use_peepholes=False, initializer=None, num_proj=None, proj_clip=None,
                 num_unit_shards=1, num_proj_shards=1, forget_bias=1.0, state_is_tuple=True,
                 activation=math_ops.tanh, reuse=None, layer_norm=False, norm_gain=1.0, norm_shift=0.0):
        super().__init__(_reuse=reuse)
        self._num_units, self._use_peepholes, self._num_proj, self._proj_clip = (num_units, use_peepholes,
                                                                                 num_proj, proj_clip)
        # TF 1.15 stores `initializer` but creates every variable with the scope's default initializer.
        self._initializer = initializer
        self._num_unit_shards, self._num_proj_shards = num_unit_shards, num_proj_shards
        self._forget_bias, self._state_is_tuple, self._activation = forget_bias, state_is_tuple, activation
        self._layer_norm, self._norm_gain, self._norm_shift = layer_norm, norm_gain, norm_shift
        m = num_proj or num_units
        self._state_size = LSTMStateTuple(num_units, m) if state_is_tuple else num_units + m
        self._output_size = m

    state_size = property(lambda self: self._state_size)
    output_size = property(lambda self: self._output_size)

    def _norm(self, inp, scope):
        return norm(self._norm_gain, self._norm_shift, inp, scope, inp.dtype)

    def call(self, inputs, state):
        sigmoid, act, n = math_ops.sigmoid, self._activation, self._num_units
        num_proj = self._num_proj or n
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, n])
            m_prev = array_ops.slice(state, [0, n], [-1, num_proj])
        dtype = inputs.dtype
        input_size = inputs.shape.with_rank(2)[1]
        if input_size.value is None:
            raise ValueError('Could not infer input size from inputs.get_shape()[-1]')
        concat_w = concat_sharded_variable('W', [input_size.value + num_proj, 3 * n], dtype, self._num_unit_shards)
        b = vs.get_variable('B', shape=[3 * n], initializer=init_ops.zeros_initializer(), dtype=dtype)
        lstm_matrix = math_ops.matmul(array_ops.concat([inputs, m_prev], 1), concat_w)
        if not self._layer_norm:
            lstm_matrix = bias_add(lstm_matrix, b)
        j, f, o = array_ops.split(lstm_matrix, 3, axis=1)
        if self._layer_norm:
            j, f, o = self._norm(j, 'transform'), self._norm(f, 'forget'), self._norm(o, 'output')
        if self._use_peepholes:
            w_f_diag = vs.get_variable('W_F_diag', shape=[n], dtype=dtype)
            w_o_diag = vs.get_variable('W_O_diag', shape=[n], dtype=dtype)
            f_act = sigmoid(f + self._forget_bias + w_f_diag * c_prev)
        else:
            f_act = sigmoid(f + self._forget_bias)
        c = f_act * c_prev + (1 - f_act) * act(j)
        if self._layer_norm:
            c = self._norm(c, 'state')
        m = sigmoid(o + w_o_diag * c) * act(c) if self._use_peepholes else sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, concat_sharded_variable('W_P', [n, self._num_proj], dtype, self._num_proj_shards))
            if self._proj_clip is not None:
                m = clip_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else array_ops.concat([c, m], 1)
        return m, new_state
