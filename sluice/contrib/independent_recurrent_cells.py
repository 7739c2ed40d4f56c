"""tf.contrib.rnn's independently recurrent cells (TF 1.15's contrib rnn_cell.py; Li et al., 2018,
https://arxiv.org/abs/1803.04831): each unit sees only its own previous state, through a Hadamard
product with a vector u instead of a matrix product.

IndRNNCell ('ind_rnn_cell'; 'kernel_w' [depth, n], 'kernel_u' [1, n] uniform(-1, 1), 'bias' zeros):
    h' = act(x . kernel_w + u h + bias)
IndyGRUCell ('indy_gru_cell'; 'gates/kernel_w' [depth, 2n], 'gates/kernel_u' [1, 2n], 'gates/bias'
(ones), 'candidate/kernel' [depth, n], 'candidate/kernel_u' [1, n], 'candidate/bias' (zeros)):
    r, u = sigmoid(x . W_g + [h, h] u_g + b_g);  c = act(x . W_c + u_c r h + b_c);  h' = u h + (1 - u) c
IndyLSTMCell ('indy_lstm_cell'; 'kernel_w' [depth, 4n], 'kernel_u' [1, 4n], 'bias' zeros):
    i, j, f, o = split(x . kernel_w + [h, h, h, h] kernel_u + bias)
    c' = c sigmoid(f + forget_bias) + sigmoid(i) act(j);  h' = act(c') sigmoid(o)
"""
from sluice.ops import array_ops, init_ops, math_ops
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.rnn_cell_impl import LSTMStateTuple, RNNCell

__all__ = ['IndRNNCell', 'IndyGRUCell', 'IndyLSTMCell']


def _input_depth(inputs_shape):
    depth = inputs_shape[1].value if inputs_shape.ndims == 2 else None
    if depth is None:
        raise ValueError('Expected inputs.shape[-1] to be known, saw shape: %s' % inputs_shape)
    return depth


def _recurrent_diagonal():
    return init_ops.random_uniform_initializer(minval=-1, maxval=1)


class IndRNNCell(RNNCell):
    """h' = act(x . W + u h + b), u a vector (see the module docstring)."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None):
        super().__init__(_reuse=reuse, name=name, dtype=dtype)
        self._num_units, self._activation = num_units, activation or math_ops.tanh

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth, n = _input_depth(inputs_shape), self._num_units
        self._kernel_w = self.add_variable('kernel_w', [depth, n])
        self._kernel_u = self.add_variable('kernel_u', [1, n], initializer=_recurrent_diagonal())
        self._bias = self.add_variable('bias', [n], initializer=init_ops.zeros_initializer())

    def call(self, inputs, state):
        output = self._activation(bias_add(math_ops.matmul(inputs, self._kernel_w) + state * self._kernel_u,
                                           self._bias))
        return output, output


class IndyGRUCell(RNNCell):
    """GRUCell with the recurrent matrices replaced by vectors (see the module docstring)."""

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None):
        super().__init__(_reuse=reuse, name=name, dtype=dtype)
        self._num_units, self._activation = num_units, activation or math_ops.tanh
        self._kernel_initializer, self._bias_initializer = kernel_initializer, bias_initializer

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth, n = _input_depth(inputs_shape), self._num_units
        self._gate_kernel_w = self.add_variable('gates/kernel_w', [depth, 2 * n],
                                                initializer=self._kernel_initializer)
        self._gate_kernel_u = self.add_variable('gates/kernel_u', [1, 2 * n], initializer=_recurrent_diagonal())
        self._gate_bias = self.add_variable('gates/bias', [2 * n], initializer=(
            self._bias_initializer or init_ops.constant_initializer(1.0)))
        self._candidate_kernel_w = self.add_variable('candidate/kernel', [depth, n],
                                                     initializer=self._kernel_initializer)
        self._candidate_kernel_u = self.add_variable('candidate/kernel_u', [1, n], initializer=_recurrent_diagonal())
        self._candidate_bias = self.add_variable('candidate/bias', [n], initializer=(
            self._bias_initializer or init_ops.zeros_initializer()))

    def call(self, inputs, state):
        gates = math_ops.matmul(inputs, self._gate_kernel_w) + array_ops.tile(state, [1, 2]) * self._gate_kernel_u
        r, u = array_ops.split(math_ops.sigmoid(bias_add(gates, self._gate_bias)), 2, axis=1)
        candidate = math_ops.matmul(inputs, self._candidate_kernel_w) + r * state * self._candidate_kernel_u
        c = self._activation(bias_add(candidate, self._candidate_bias))
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class IndyLSTMCell(RNNCell):
    """BasicLSTMCell with the recurrent matrices replaced by vectors (see the module docstring)."""

    def __init__(self, num_units, forget_bias=1.0, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None):
        super().__init__(_reuse=reuse, name=name, dtype=dtype)
        self._num_units, self._forget_bias = num_units, forget_bias
        self._activation = activation or math_ops.tanh
        self._kernel_initializer, self._bias_initializer = kernel_initializer, bias_initializer

    state_size = property(lambda self: LSTMStateTuple(self._num_units, self._num_units))
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth, n = _input_depth(inputs_shape), self._num_units
        self._kernel_w = self.add_variable('kernel_w', [depth, 4 * n], initializer=self._kernel_initializer)
        self._kernel_u = self.add_variable('kernel_u', [1, 4 * n], initializer=_recurrent_diagonal())
        self._bias = self.add_variable('bias', [4 * n], initializer=(
            self._bias_initializer or init_ops.zeros_initializer()))

    def call(self, inputs, state):
        c, h = state
        gates = math_ops.matmul(inputs, self._kernel_w) + array_ops.tile(h, [1, 4]) * self._kernel_u
        i, j, f, o = array_ops.split(bias_add(gates, self._bias), 4, axis=1)
        new_c = c * math_ops.sigmoid(f + self._forget_bias) + math_ops.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * math_ops.sigmoid(o)
        return new_h, LSTMStateTuple(new_c, new_h)
