"""tf.contrib.rnn.ConvLSTMCell and Conv1D/2D/3DLSTMCell (TF 1.15's contrib rnn_cell.py): an LSTM whose
matrix products are 'SAME' convolutions with stride 1 (Shi et al., 2015), over inputs
[batch, spatial..., channels] with 1, 2 or 3 spatial dimensions.

    i, j, f, o = split(conv([x, h] concatenated on channels, kernel) (+ biases), 4, channels)
    c' = sigmoid(f + forget_bias) c + sigmoid(i) tanh(j);  h' = tanh(c') sigmoid(o)
    (skip_connection: h' = [h', x] on channels, as TF does, also as the next step's hidden state)
Variables, made in `call` under the cell's scope ('conv_lstm_cell', 'conv_2d_lstm_cell', ...):
'kernel' kernel_shape + [x channels + h channels, 4 output_channels] and 'biases' (zeros, with use_bias).
"""
from sluice.engine import tensor_shape
from sluice.ops import array_ops, init_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_conv3d_pool3d import conv3d
from sluice.ops.nn_conv_pool import conv1d, conv2d
from sluice.ops.rnn_cell_impl import LSTMStateTuple, RNNCell

__all__ = ['ConvLSTMCell', 'Conv1DLSTMCell', 'Conv2DLSTMCell', 'Conv3DLSTMCell']


def _conv(args, filter_size, num_features, bias, bias_start=0.0):
    """'SAME' stride-1 convolution of the args concatenated on channels, with 'kernel' and 'biases'."""
    shapes = [a.shape.as_list() for a in args]
    rank = len(shapes[0])
    for shape in shapes:
        if len(shape) not in (3, 4, 5):
            raise ValueError('Conv Linear expects 3D, 4D or 5D arguments: %s' % str(shapes))
        if len(shape) != rank:
            raise ValueError('Conv Linear expects all args to be of same Dimension: %s' % str(shapes))
    depth = sum(shape[-1] for shape in shapes)
    dtype = args[0].dtype
    kernel = vs.get_variable('kernel', list(filter_size) + [depth, num_features], dtype=dtype)
    x = args[0] if len(args) == 1 else array_ops.concat(args, axis=rank - 1)
    if rank == 3:
        res = conv1d(x, kernel, 1, padding='SAME')
    else:
        res = (conv2d if rank == 4 else conv3d)(x, kernel, [1] * rank, padding='SAME')
    if not bias:
        return res
    return res + vs.get_variable('biases', [num_features], dtype=dtype,
                                 initializer=init_ops.constant_initializer(bias_start, dtype=dtype))


class ConvLSTMCell(RNNCell):
    """Convolutional LSTM over inputs of shape [batch] + input_shape (see the module docstring)."""

    def __init__(self, conv_ndims, input_shape, output_channels, kernel_shape, use_bias=True, skip_connection=False,
                 forget_bias=1.0, initializers=None, name='conv_lstm_cell'):
        super().__init__(name=name)
        if conv_ndims != len(input_shape) - 1:
            raise ValueError('Invalid input_shape {} for conv_ndims={}.'.format(input_shape, conv_ndims))
        self._conv_ndims, self._input_shape = conv_ndims, list(input_shape)
        self._output_channels, self._kernel_shape = output_channels, list(kernel_shape)
        self._use_bias, self._forget_bias, self._skip_connection = use_bias, forget_bias, skip_connection
        total = output_channels + (self._input_shape[-1] if skip_connection else 0)
        state = tensor_shape.TensorShape(self._input_shape[:-1] + [output_channels])
        self._state_size = LSTMStateTuple(state, state)
        self._output_size = tensor_shape.TensorShape(self._input_shape[:-1] + [total])

    state_size = property(lambda self: self._state_size)
    output_size = property(lambda self: self._output_size)

    def call(self, inputs, state, scope=None):
        cell, hidden = state
        new_hidden = _conv([inputs, hidden], self._kernel_shape, 4 * self._output_channels, self._use_bias)
        input_gate, new_input, forget_gate, output_gate = array_ops.split(new_hidden, 4, axis=self._conv_ndims + 1)
        new_cell = (math_ops.sigmoid(forget_gate + self._forget_bias) * cell
                    + math_ops.sigmoid(input_gate) * math_ops.tanh(new_input))
        output = math_ops.tanh(new_cell) * math_ops.sigmoid(output_gate)
        if self._skip_connection:
            output = array_ops.concat([output, inputs], axis=-1)
        return output, LSTMStateTuple(new_cell, output)


class Conv1DLSTMCell(ConvLSTMCell):
    def __init__(self, name='conv_1d_lstm_cell', **kwargs):
        super().__init__(conv_ndims=1, name=name, **kwargs)


class Conv2DLSTMCell(ConvLSTMCell):
    def __init__(self, name='conv_2d_lstm_cell', **kwargs):
        super().__init__(conv_ndims=2, name=name, **kwargs)


class Conv3DLSTMCell(ConvLSTMCell):
    def __init__(self, name='conv_3d_lstm_cell', **kwargs):
        super().__init__(conv_ndims=3, name=name, **kwargs)
