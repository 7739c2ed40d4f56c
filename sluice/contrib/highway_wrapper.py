"""tf.contrib.rnn.HighwayWrapper (TF 1.15's contrib rnn_cell.py): a highway connection (Srivastava et
al., 2015) around a cell whose outputs have its inputs' structure and shapes.

    carry = sigmoid(x . carry_w + carry_b)         (carry_b starts at carry_bias_init)
    transform = 1 - carry                          (couple_carry_transform_gates, the default)
              = sigmoid(x . transform_w + transform_b)   (transform_b starts at -carry_bias_init)
    output = x carry + cell_output transform
The wrapper opens no scope of its own: 'carry_w', 'carry_b', 'transform_w', 'transform_b' are made
in the scope it is called in ('rnn/carry_w' under dynamic_rnn), beside the cell's own scope.
"""
from sluice.engine import graph as _graph
from sluice.ops import control_flow_ops, init_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.rnn_cell_impl import RNNCell, _outermost_graph

__all__ = ['HighwayWrapper']


class HighwayWrapper(RNNCell):
    """A cell's output mixed with its input by learned carry and transform gates."""

    def __init__(self, cell, couple_carry_transform_gates=True, carry_bias_init=1.0):
        super().__init__()
        self._cell = cell
        self._couple_carry_transform_gates = couple_carry_transform_gates
        self._carry_bias_init = carry_bias_init

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        with _graph.name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)

    def _variable(self, name, shape, dtype, initializer=None):
        # Made while a dynamic_rnn body is built: create it once, outside the loop.
        with _outermost_graph():
            return vs.get_variable(name, shape, dtype=dtype, initializer=initializer)

    def _gate(self, inp, weight_name, bias_name, bias_init):
        size = inp.shape.with_rank(2)[1].value
        weight = self._variable(weight_name, [size, size], inp.dtype)
        bias = self._variable(bias_name, [size], inp.dtype, init_ops.constant_initializer(bias_init))
        return math_ops.sigmoid(bias_add(math_ops.matmul(inp, weight), bias))

    def _highway(self, inp, out):
        carry = self._gate(inp, 'carry_w', 'carry_b', self._carry_bias_init)
        if self._couple_carry_transform_gates:
            transform = 1 - carry
        else:
            transform = self._gate(inp, 'transform_w', 'transform_b', -self._carry_bias_init)
        return inp * carry + out * transform

    def __call__(self, inputs, state, scope=None):
        outputs, new_state = self._cell(inputs, state, scope=scope)
        flat_in, flat_out = control_flow_ops._flatten(inputs), control_flow_ops._flatten(outputs)
        if len(flat_in) != len(flat_out) or isinstance(inputs, (list, tuple)) != isinstance(outputs, (list, tuple)):
            raise ValueError("The two structures don't have the same nested structure: inputs %s, outputs %s"
                             % (inputs, outputs))
        flat_in = [_graph.convert_to_tensor(x) for x in flat_in]
        for inp, out in zip(flat_in, flat_out):
            inp.shape.assert_is_compatible_with(out.shape)
        res = [self._highway(inp, out) for inp, out in zip(flat_in, flat_out)]
        res_outputs = control_flow_ops._pack(outputs, res) if isinstance(outputs, (list, tuple)) else res[0]
        return res_outputs, new_state
