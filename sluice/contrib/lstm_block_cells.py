"""tf.contrib.rnn's block cells (TF 1.15's lstm_ops.py and gru_ops.py), written with sluice's ops.

TF runs these as monolithic kernels (LSTMBlockCell, BlockLSTM, GRUBlockCell); sluice composes the
same equations from matmul, sigmoid and tanh, so their gradients come from those ops' gradients.

LSTMBlockCell (scope 'lstm_cell'; variables 'kernel' [depth + n, 4n], 'bias' [4n] zeros, and with
use_peephole 'w_i_diag', 'w_f_diag', 'w_o_diag' [n]); gates in the order i, ci, f, o:
    [i, ci, f, o] = [x, h] . kernel + bias
    i = sigmoid(i + wci c);  f = sigmoid(f + forget_bias + wcf c);  ci = tanh(ci)
    c' = clip(ci i + c f, cell_clip)   (no clip when cell_clip <= 0, the default -1)
    o = sigmoid(o + wco c');  h' = tanh(c') o
LSTMBlockFusedCell (scope 'lstm_fused_cell', the same variables) runs those steps over time-major
inputs [time, batch, depth]: outputs past an entry's sequence_length are zero and its final state is
the one at its length.
GRUBlockCell (scope 'gru_cell'; 'w_ru' [depth + n, 2n], 'b_ru' ones, 'w_c' [depth + n, n], 'b_c'
zeros; GRUBlockCellV2 names them 'gates/kernel', 'gates/bias', 'candidate/kernel', 'candidate/bias'):
    [r, u] = sigmoid([x, h] . w_ru + b_ru);  c = tanh([x, r h] . w_c + b_c);  h' = (1 - u) c + u h
"""
from sluice.engine import graph as _graph
from sluice.ops import array_ops, clip_ops, init_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.rnn import dynamic_rnn
from sluice.ops.rnn_cell_impl import LSTMStateTuple, RNNCell, _outermost_graph

__all__ = ['LSTMBlockCell', 'LSTMBlockFusedCell', 'GRUBlockCell', 'GRUBlockCellV2']


def _lstm_block_step(x, cs_prev, h_prev, kernel, bias, peepholes, forget_bias, cell_clip):
    """One LSTMBlockCell step: (cs, h). `peepholes` is (wci, wcf, wco) or None."""
    gates = bias_add(math_ops.matmul(array_ops.concat([x, h_prev], 1), kernel), bias)
    i, ci, f, o = array_ops.split(gates, 4, axis=1)
    f = f + _graph.convert_to_tensor(forget_bias, dtype=f.dtype)
    if peepholes is not None:
        wci, wcf, wco = peepholes
        i, f = i + cs_prev * wci, f + cs_prev * wcf
    cs = math_ops.tanh(ci) * math_ops.sigmoid(i) + cs_prev * math_ops.sigmoid(f)
    if cell_clip > 0:
        cs = clip_ops.clip_by_value(cs, -cell_clip, cell_clip)
    if peepholes is not None:
        o = o + cs * wco
    return cs, math_ops.tanh(cs) * math_ops.sigmoid(o)


class _LSTMBlockVariables:
    """The variables LSTMBlockCell and LSTMBlockFusedCell share: kernel, bias and the peephole diagonals."""

    def _build_lstm_variables(self, input_size):
        n = self._num_units
        self._kernel = self.add_variable('kernel', [input_size + n, 4 * n])
        self._bias = self.add_variable('bias', [4 * n], initializer=init_ops.constant_initializer(0.0))
        self._peepholes = None
        if self._use_peephole:
            self._peepholes = (self.add_variable('w_i_diag', [n]), self.add_variable('w_f_diag', [n]),
                               self.add_variable('w_o_diag', [n]))


class LSTMBlockCell(_LSTMBlockVariables, RNNCell):
    """LSTM cell with TF's LSTMBlockCell equations (gate order i, ci, f, o; optional peepholes and clip)."""

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False, dtype=None, reuse=None,
                 name='lstm_cell'):
        super().__init__(_reuse=reuse, dtype=dtype, name=name)
        self._num_units, self._forget_bias, self._use_peephole = num_units, forget_bias, use_peephole
        self._cell_clip = cell_clip if cell_clip is not None else -1

    state_size = property(lambda self: LSTMStateTuple(self._num_units, self._num_units))
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        if inputs_shape.ndims != 2:
            raise ValueError('Input 0 of layer %s is incompatible with the layer: expected ndim=2, found '
                             'shape %s' % (self.name, inputs_shape))
        if not inputs_shape[1].value:
            raise ValueError('Expecting inputs_shape[1] to be set: %s' % inputs_shape)
        self._build_lstm_variables(inputs_shape[1].value)

    def call(self, inputs, state):
        if len(state) != 2:
            raise ValueError('Expecting state to be a tuple with length 2.')
        cs_prev, h_prev = state
        cs, h = _lstm_block_step(inputs, cs_prev, h_prev, self._kernel, self._bias, self._peepholes,
                                 self._forget_bias, self._cell_clip)
        return h, LSTMStateTuple(cs, h)


class _FusedStep(RNNCell):
    """One step of a built LSTMBlockFusedCell, for dynamic_rnn: uses its variables, opens no scope."""

    def __init__(self, fused):
        super().__init__()
        self._fused = fused

    state_size = property(lambda self: LSTMStateTuple(self._fused.num_units, self._fused.num_units))
    output_size = property(lambda self: self._fused.num_units)

    def __call__(self, inputs, state, scope=None):
        f = self._fused
        cs, h = _lstm_block_step(inputs, state[0], state[1], f._kernel, f._bias, f._peepholes,
                                 f._forget_bias, f._cell_clip)
        return h, LSTMStateTuple(cs, h)


class LSTMBlockFusedCell(_LSTMBlockVariables, RNNCell):
    """The LSTMBlockCell run over a whole time-major sequence in one call:
    `cell(inputs [time, batch, depth] or a list, initial_state=(c, h), dtype, sequence_length)`
    -> (outputs, LSTMStateTuple(c, h))."""

    def __init__(self, num_units, forget_bias=1.0, cell_clip=None, use_peephole=False, reuse=None, dtype=None,
                 name='lstm_fused_cell'):
        super().__init__(_reuse=reuse, dtype=dtype, name=name)
        self._num_units, self._forget_bias, self._use_peephole = num_units, forget_bias, use_peephole
        self._cell_clip = cell_clip if cell_clip is not None else -1

    num_units = property(lambda self: self._num_units)

    def __call__(self, inputs, initial_state=None, dtype=None, sequence_length=None):
        is_list = isinstance(inputs, list)
        inputs = array_ops.stack(inputs) if is_list else _graph.convert_to_tensor(inputs)
        if self._scope is None:
            scope = (vs.variable_scope(self._base_name) if self._reuse
                     else vs.variable_scope(None, default_name=self._base_name))
        else:
            scope = vs.variable_scope(self._scope, reuse=True)
        with scope as s:
            self._scope = self._scope or s
            outputs, state = self._run(inputs, initial_state, dtype, sequence_length)
        return (array_ops.unstack(outputs) if is_list else outputs), state

    def _run(self, inputs, initial_state, dtype, sequence_length):
        shape = inputs.shape.with_rank(3)
        if not shape[2].value:
            raise ValueError('Expecting inputs_shape[2] to be set: %s' % shape)
        if not self.built:
            self._dtype = self._dtype or inputs.dtype.base_dtype
            with _outermost_graph():
                self._build_lstm_variables(shape[2].value)
            self.built = True
        if initial_state is None:
            if dtype is None:
                raise ValueError('Either initial_state or dtype needs to be specified')
        elif len(initial_state) != 2:
            raise ValueError('Expecting initial_state to be a tuple with length 2 or None')
        else:
            initial_state = LSTMStateTuple(*initial_state)
        # dynamic_rnn's per-step select gives BlockLSTM's masking: zero outputs past an entry's length,
        # and its state held from there, so the final state is the one at the length.
        return dynamic_rnn(_FusedStep(self), inputs, sequence_length=sequence_length, initial_state=initial_state,
                           dtype=dtype, time_major=True, scope=vs.get_variable_scope())


class GRUBlockCell(RNNCell):
    """GRU cell with TF's GRUBlockCell equations and variable names ('w_ru', 'b_ru', 'w_c', 'b_c')."""

    _variable_names = ('w_ru', 'b_ru', 'w_c', 'b_c')

    def __init__(self, num_units=None, cell_size=None, reuse=None, name='gru_cell'):
        super().__init__(_reuse=reuse, name=name)
        if (cell_size is None) == (num_units is None):
            raise ValueError('Exactly one of num_units or cell_size must be provided.')
        self._cell_size = num_units if num_units is not None else cell_size

    state_size = property(lambda self: self._cell_size)
    output_size = property(lambda self: self._cell_size)

    def build(self, input_shape):
        input_size = input_shape[1].value if input_shape.ndims == 2 else None
        if input_size is None:
            raise ValueError('Expecting input_size to be set.')
        n, (w_ru, b_ru, w_c, b_c) = self._cell_size, self._variable_names
        self._gate_kernel = self.add_variable(w_ru, [input_size + n, 2 * n])
        self._gate_bias = self.add_variable(b_ru, [2 * n], initializer=init_ops.constant_initializer(1.0))
        self._candidate_kernel = self.add_variable(w_c, [input_size + n, n])
        self._candidate_bias = self.add_variable(b_c, [n], initializer=init_ops.constant_initializer(0.0))

    def call(self, inputs, h_prev):
        cell_size = h_prev.shape.with_rank(2)[1]
        if cell_size.value is not None and cell_size.value != self._cell_size:
            raise ValueError('Shape of h_prev[1] incorrect: cell_size %i vs %s' % (self._cell_size, cell_size))
        ru = math_ops.sigmoid(bias_add(math_ops.matmul(array_ops.concat([inputs, h_prev], 1), self._gate_kernel),
                                       self._gate_bias))
        r, u = array_ops.split(ru, 2, axis=1)
        c = math_ops.tanh(bias_add(math_ops.matmul(array_ops.concat([inputs, h_prev * r], 1),
                                                   self._candidate_kernel), self._candidate_bias))
        new_h = (1 - u) * c + u * h_prev
        return new_h, new_h


class GRUBlockCellV2(GRUBlockCell):
    """GRUBlockCell with GRUCell's variable names ('gates/kernel', ..., 'candidate/bias')."""

    _variable_names = ('gates/kernel', 'gates/bias', 'candidate/kernel', 'candidate/bias')
