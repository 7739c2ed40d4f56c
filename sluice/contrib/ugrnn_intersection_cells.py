"""tf.contrib.rnn.UGRNNCell and IntersectionRNNCell (TF 1.15's contrib rnn_cell.py; Collins,
Sohl-Dickstein and Sussillo, "Capacity and Trainability in Recurrent Neural Networks", ICLR 2017).

UGRNNCell ('ugrnn_cell'; 'kernel' [depth + n, 2n], 'bias' zeros):
    g, c = split([x, h] . kernel + bias);  g = sigmoid(g + forget_bias)
    h' = output = g h + (1 - g) act(c)
IntersectionRNNCell ('intersection_rnn_cell'; with num_in_proj, 'in_projection/kernel', '.../bias'
first project x to n units; then 'kernel' [2n, 4n], 'bias'):
    gh, h~, gy, y~ = split([x, h] . kernel + bias)
    gh, gy = sigmoid(gh + forget_bias), sigmoid(gy + forget_bias)
    h' = gh h + (1 - gh) tanh(h~)                 (through time)
    output = gy x + (1 - gy) y_activation(y~)      (through depth)
Both make their variables with the cell's scope's initializer set to `initializer`.
"""
from sluice.contrib.rnn_wrappers import _Linear
from sluice.ops import array_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_activation import relu
from sluice.ops.rnn_cell_impl import RNNCell

__all__ = ['UGRNNCell', 'IntersectionRNNCell']


def _input_size(inputs):
    size = inputs.shape.with_rank(2)[1]
    if size.value is None:
        raise ValueError('Could not infer input size from inputs.get_shape()[-1]')
    return size.value


class UGRNNCell(RNNCell):
    """Update-gate RNN: one gate mixing the previous state with the candidate."""

    def __init__(self, num_units, initializer=None, forget_bias=1.0, activation=math_ops.tanh, reuse=None):
        super().__init__(_reuse=reuse)
        self._num_units, self._initializer = num_units, initializer
        self._forget_bias, self._activation = forget_bias, activation
        self._linear = None

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def call(self, inputs, state):
        _input_size(inputs)
        with vs.variable_scope(vs.get_variable_scope(), initializer=self._initializer):
            cell_inputs = array_ops.concat([inputs, state], 1)
            if self._linear is None:
                self._linear = _Linear(cell_inputs, 2 * self._num_units, True)
            g_act, c_act = array_ops.split(self._linear(cell_inputs), 2, axis=1)
            g = math_ops.sigmoid(g_act + self._forget_bias)
            new_state = g * state + (1.0 - g) * self._activation(c_act)
        return new_state, new_state


class IntersectionRNNCell(RNNCell):
    """+RNN: coupled gates through time (the state) and through depth (the output)."""

    def __init__(self, num_units, num_in_proj=None, initializer=None, forget_bias=1.0, y_activation=relu,
                 reuse=None):
        super().__init__(_reuse=reuse)
        self._num_units, self._num_input_proj, self._initializer = num_units, num_in_proj, initializer
        self._forget_bias, self._y_activation = forget_bias, y_activation
        self._linear1 = self._linear2 = None

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def call(self, inputs, state):
        n = self._num_units
        input_size = _input_size(inputs)
        with vs.variable_scope(vs.get_variable_scope(), initializer=self._initializer):
            if input_size != n:
                if not self._num_input_proj:
                    raise ValueError('Must have input size == output size for Intersection RNN. To fix, '
                                     'num_in_proj should be set to num_units at cell init.')
                with vs.variable_scope('in_projection'):
                    if self._linear1 is None:
                        self._linear1 = _Linear(inputs, n, True)
                    inputs = self._linear1(inputs)
            cell_inputs = array_ops.concat([inputs, state], 1)
            if self._linear2 is None:
                self._linear2 = _Linear(cell_inputs, 4 * n, True)
            gh_act, h_act, gy_act, y_act = array_ops.split(self._linear2(cell_inputs), 4, axis=1)
            gh = math_ops.sigmoid(gh_act + self._forget_bias)
            gy = math_ops.sigmoid(gy_act + self._forget_bias)
            new_state = gh * state + (1.0 - gh) * math_ops.tanh(h_act)
            new_y = gy * inputs + (1.0 - gy) * self._y_activation(y_act)
        return new_y, new_state
