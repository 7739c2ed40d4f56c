"""tf.contrib.rnn.AttentionCellWrapper (TF 1.15's contrib rnn_cell.py): a cell attending over a window
of its own last `attn_length` outputs (Cheng et al., 2016, https://arxiv.org/abs/1601.06733).

State: (cell state, attns [batch, attn_size], attn_states [batch, attn_length * attn_size]), or
their concatenation when state_is_tuple is False. One step:
    x' = [x, attns] . kernel + bias                              (to input_size, x's depth by default)
    out, s' = cell(x', s)
    query = concat(flatten(s'))
    features = attn_states . attention/attn_w  (a 1x1 conv2d);  y = query . attention/kernel + bias
    a = softmax over the window of sum(attention/attn_v tanh(features + y));  attns' = sum(a attn_states)
    output = [out, attns'] . attn_output_projection/kernel + bias          (to attn_size)
    attn_states' = the window shifted by one, output appended.
Variables under the wrapper's scope ('attention_cell_wrapper'): 'kernel', 'bias', the cell's scope,
'attention/attn_w' [1, 1, attn_size, attn_vec_size], 'attention/attn_v', 'attention/kernel',
'attention/bias', 'attn_output_projection/kernel', 'attn_output_projection/bias'.
"""
from sluice.contrib.rnn_wrappers import _check_cell, _Linear
from sluice.ops import array_ops, control_flow_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_activation import softmax
from sluice.ops.nn_conv_pool import conv2d
from sluice.ops.rnn_cell_impl import RNNCell, _is_sequence

__all__ = ['AttentionCellWrapper']

class AttentionCellWrapper(RNNCell):
    """A cell with attention over its last `attn_length` outputs (see the module docstring)."""

    def __init__(self, cell, attn_length, attn_size=None, attn_vec_size=None, input_size=None, state_is_tuple=True,
                 reuse=None):
        super().__init__(_reuse=reuse)
        _check_cell(cell)
        if _is_sequence(cell.state_size) and not state_is_tuple:
            raise ValueError('Cell returns tuple of states, but the flag state_is_tuple is not set. State size is: %s'
                             % str(cell.state_size))
        if attn_length <= 0:
            raise ValueError('attn_length should be greater than zero, got %s' % str(attn_length))
        attn_size = cell.output_size if attn_size is None else attn_size
        self._state_is_tuple, self._cell, self._input_size = state_is_tuple, cell, input_size
        self._attn_size, self._attn_length = attn_size, attn_length
        self._attn_vec_size = attn_size if attn_vec_size is None else attn_vec_size
        self._linear1 = self._linear2 = self._linear3 = None

    @property
    def state_size(self):
        size = (self._cell.state_size, self._attn_size, self._attn_size * self._attn_length)
        return size if self._state_is_tuple else sum(size)

    output_size = property(lambda self: self._attn_size)

    def _split_state(self, state):
        if self._state_is_tuple:
            return state
        n = self._cell.state_size
        return (array_ops.slice(state, [0, 0], [-1, n]), array_ops.slice(state, [0, n], [-1, self._attn_size]),
                array_ops.slice(state, [0, n + self._attn_size], [-1, self._attn_size * self._attn_length]))

    def call(self, inputs, state):
        state, attns, attn_states = self._split_state(state)
        attn_states = array_ops.reshape(attn_states, [-1, self._attn_length, self._attn_size])
        input_size = self._input_size or inputs.shape.as_list()[1]
        if self._linear1 is None:
            self._linear1 = _Linear([inputs, attns], input_size, True)
        cell_output, new_state = self._cell(self._linear1([inputs, attns]), state)
        new_state_cat = (array_ops.concat(control_flow_ops._flatten(new_state), 1) if self._state_is_tuple
                         else new_state)
        new_attns, new_attn_states = self._attention(new_state_cat, attn_states)
        with vs.variable_scope('attn_output_projection'):
            if self._linear2 is None:
                self._linear2 = _Linear([cell_output, new_attns], self._attn_size, True)
            output = self._linear2([cell_output, new_attns])
        new_attn_states = array_ops.concat([new_attn_states, array_ops.expand_dims(output, 1)], 1)
        new_attn_states = array_ops.reshape(new_attn_states, [-1, self._attn_length * self._attn_size])
        new_state = (new_state, new_attns, new_attn_states)
        return output, (new_state if self._state_is_tuple else array_ops.concat(list(new_state), 1))

    def _attention(self, query, attn_states):
        with vs.variable_scope('attention'):
            k = vs.get_variable('attn_w', [1, 1, self._attn_size, self._attn_vec_size])
            v = vs.get_variable('attn_v', [self._attn_vec_size])
            hidden = array_ops.reshape(attn_states, [-1, self._attn_length, 1, self._attn_size])
            hidden_features = conv2d(hidden, k, [1, 1, 1, 1], 'SAME')
            if self._linear3 is None:
                self._linear3 = _Linear(query, self._attn_vec_size, True)
            y = array_ops.reshape(self._linear3(query), [-1, 1, 1, self._attn_vec_size])
            s = math_ops.reduce_sum(v * math_ops.tanh(hidden_features + y), [2, 3])
            a = softmax(s)
            d = math_ops.reduce_sum(array_ops.reshape(a, [-1, self._attn_length, 1, 1]) * hidden, [1, 2])
            new_attns = array_ops.reshape(d, [-1, self._attn_size])
            new_attn_states = array_ops.slice(attn_states, [0, 1, 0], [-1, -1, -1])
            return new_attns, new_attn_states
