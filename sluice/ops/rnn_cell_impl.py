"""tf.nn.rnn_cell: RNN cells (TF 1.15's rnn_cell_impl): BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell,
MultiRNNCell, DropoutWrapper, ResidualWrapper, DeviceWrapper, LSTMStateTuple.

A cell maps (input [batch, depth], state) to (output, new state); `state_size` and `output_size`
describe them. Variable naming follows TF's layers so checkpoints interchange: the first call of a
cell opens a variable scope named after the cell (`name`, else the class name in snake case, made
unique within the enclosing scope: 'rnn/basic_lstm_cell', 'basic_lstm_cell_1'), creates its
variables there ('kernel', 'bias', 'gates/kernel', 'w_f_diag', 'projection/kernel'), and every later
call re-enters that scope with reuse. MultiRNNCell runs cell i under 'cell_<i>' of its own scope;
the wrappers open no scope. LSTM gates are split in TF's order i, j, f, o.
"""
import collections
import contextlib
import copy
import numbers
import re

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import subgraph
from sluice.engine import tensor_shape
from sluice.ops import array_ops, clip_ops, control_flow_ops, init_ops, math_ops, nn_dropout
from sluice.ops import variable_scope as vs
from sluice.ops.filling_ops import zeros
from sluice.ops.nn_conv_pool import bias_add

__all__ = ['RNNCell', 'LayerRNNCell', 'BasicRNNCell', 'BasicLSTMCell', 'LSTMCell', 'GRUCell', 'MultiRNNCell',
           'DropoutWrapper', 'ResidualWrapper', 'DeviceWrapper', 'LSTMStateTuple']

_flatten = control_flow_ops._flatten
_pack = control_flow_ops._pack


def _snake_case(name):
    """TF's layer names: 'BasicLSTMCell' -> 'basic_lstm_cell', '_MyCell' -> 'private_my_cell'."""
    name = re.sub(r'(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    name = re.sub(r'([a-z])([A-Z])', r'\1_\2', name).lower()
    return 'private' + name if name.startswith('_') else name


def _is_sequence(x):
    return isinstance(x, (list, tuple, dict))


def _state_shape(batch_size, size):
    """[batch_size] + size (an int or a TensorShape), statically and as a tensor."""
    dims = tensor_shape.as_shape(size).as_list() if not isinstance(size, int) else [size]
    static = batch_size if isinstance(batch_size, int) else None
    return dims, tensor_shape.TensorShape([static] + dims)


def zero_state_tensors(state_size, batch_size, dtype):
    """Zeros of shape [batch_size, s] for each s in the (nested) state_size."""
    def one(size):
        dims, static = _state_shape(batch_size, size)
        z = zeros(array_ops.concat([array_ops.reshape(_graph.convert_to_tensor(batch_size), [1]), dims], 0)
                  if not isinstance(batch_size, int) else [batch_size] + dims, dtype=dtype)
        z.set_shape(static)
        return z
    if _is_sequence(state_size):
        return _pack(state_size, [one(s) for s in _flatten(state_size)])
    return one(state_size)


_outermost_graph = subgraph.outermost_graph


def _lifted_getter(getter, *args, **kwargs):
    """tf.get_variable in a cell's `call` (TF1-style custom cells) creates the variable around the loops."""
    with _outermost_graph():
        return getter(*args, **kwargs)


class LSTMStateTuple(collections.namedtuple('LSTMStateTuple', ('c', 'h'))):
    """(c, h): the cell state and the output of an LSTM cell."""
    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError('Inconsistent internal state: %s vs %s' % (str(c.dtype), str(h.dtype)))
        return c.dtype


class RNNCell:
    """An RNN cell: `call(inputs, state) -> (output, new_state)`, with its variables under its own scope."""

    def __init__(self, trainable=True, name=None, dtype=None, _reuse=None, **kwargs):
        self.trainable = trainable
        self._base_name = name or _snake_case(type(self).__name__)
        self._name = name
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._reuse = _reuse
        self._scope = None
        self.built = False
        self._variables = []

    name = property(lambda self: self._name or self._base_name)
    dtype = property(lambda self: self._dtype)

    def __deepcopy__(self, memo):
        """A copy sharing the original's variables and tensors (TF's Layer.__deepcopy__), as the legacy
        seq2seq models copy a cell, once built, for their encoder."""
        result = type(self).__new__(type(self))
        memo[id(self)] = result
        for key, value in self.__dict__.items():
            if key == '_scope':
                setattr(result, key, copy.copy(value))
            elif key == '_variables' or _graph.is_tensor(value):
                setattr(result, key, value)
            else:
                setattr(result, key, copy.deepcopy(value, memo))
        return result

    @property
    def state_size(self):
        raise NotImplementedError('Abstract method')

    @property
    def output_size(self):
        raise NotImplementedError('Abstract method')

    def build(self, inputs_shape):
        pass

    def call(self, inputs, state):
        raise NotImplementedError('Abstract method')

    def __call__(self, inputs, state, scope=None):
        if self._scope is None:
            if scope is not None:
                opened = vs.variable_scope(scope, custom_getter=_lifted_getter)
            elif self._reuse:
                opened = vs.variable_scope(self._base_name, custom_getter=_lifted_getter)
            else:
                opened = vs.variable_scope(None, default_name=self._base_name, custom_getter=_lifted_getter)
            with opened as s:
                self._scope = s
                return self._build_and_call(inputs, state)
        with vs.variable_scope(self._scope, reuse=True):
            return self._build_and_call(inputs, state)

    def _build_and_call(self, inputs, state):
        if not self.built:
            first = _graph.convert_to_tensor(_flatten(inputs)[0])
            if self._dtype is None:
                self._dtype = first.dtype.base_dtype
            with _outermost_graph():
                self.build(first.shape)
            self.built = True
        return self.call(inputs, state)

    def add_variable(self, name, shape, dtype=None, initializer=None, trainable=True):
        v = vs.get_variable(name, shape=shape, dtype=dtype or self._dtype or dtypes.float32,
                            initializer=initializer, trainable=trainable and self.trainable)
        self._variables.append(v)
        return v

    add_weight = add_variable

    @property
    def variables(self):
        return list(self._variables)

    weights = variables
    trainable_variables = property(lambda self: [v for v in self._variables if self.trainable])
    trainable_weights = trainable_variables

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = _graph.convert_to_tensor(inputs, name='inputs')
            batch_size = inputs.shape[0].value or array_ops.shape(inputs)[0]
            dtype = inputs.dtype
        if batch_size is None or dtype is None:
            raise ValueError('batch_size and dtype cannot be None while constructing initial state: '
                             'batch_size={}, dtype={}'.format(batch_size, dtype))
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """Zeros [batch_size, s] for each s in state_size."""
        with _graph.name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            return zero_state_tensors(self.state_size, batch_size, dtype)


LayerRNNCell = RNNCell


def _input_depth(cell, inputs_shape):
    depth = inputs_shape[-1].value if inputs_shape.ndims else None
    if depth is None:
        raise ValueError('Expected inputs.shape[-1] to be known, saw shape: %s' % inputs_shape)
    return depth


class BasicRNNCell(RNNCell):
    """output = new_state = activation(W [inputs, state] + b)."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = activation or math_ops.tanh

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        self._kernel = self.add_variable('kernel', [depth + self._num_units, self._num_units])
        self._bias = self.add_variable('bias', [self._num_units], initializer=init_ops.zeros_initializer())

    def call(self, inputs, state):
        out = self._activation(bias_add(math_ops.matmul(array_ops.concat([inputs, state], 1), self._kernel),
                                        self._bias))
        return out, out


class GRUCell(RNNCell):
    """Gated recurrent unit: gates r, u = sigmoid(W_g [x, h] + b_g) (bias 1), c = act(W_c [x, r h] + b_c),
    h' = u h + (1 - u) c."""

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._activation = activation or math_ops.tanh
        self._kernel_initializer, self._bias_initializer = kernel_initializer, bias_initializer

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n = self._num_units
        self._gate_kernel = self.add_variable('gates/kernel', [depth + n, 2 * n],
                                              initializer=self._kernel_initializer)
        self._gate_bias = self.add_variable('gates/bias', [2 * n], initializer=(
            self._bias_initializer or init_ops.constant_initializer(1.0, dtype=self._dtype)))
        self._candidate_kernel = self.add_variable('candidate/kernel', [depth + n, n],
                                                   initializer=self._kernel_initializer)
        self._candidate_bias = self.add_variable('candidate/bias', [n], initializer=(
            self._bias_initializer or init_ops.zeros_initializer(dtype=self._dtype)))

    def call(self, inputs, state):
        gates = math_ops.sigmoid(bias_add(math_ops.matmul(array_ops.concat([inputs, state], 1), self._gate_kernel),
                                          self._gate_bias))
        r, u = array_ops.split(gates, 2, axis=1)
        candidate = bias_add(math_ops.matmul(array_ops.concat([inputs, r * state], 1), self._candidate_kernel),
                             self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class BasicLSTMCell(RNNCell):
    """LSTM without peepholes or projection: i, j, f, o = split(W [x, h] + b);
    c' = c sigmoid(f + forget_bias) + sigmoid(i) act(j); h' = act(c') sigmoid(o)."""

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or math_ops.tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n = self._num_units
        self._kernel = self.add_variable('kernel', [depth + n, 4 * n])
        self._bias = self.add_variable('bias', [4 * n], initializer=init_ops.zeros_initializer(dtype=self._dtype))

    def call(self, inputs, state):
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(state, 2, axis=1)
        gates = bias_add(math_ops.matmul(array_ops.concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=1)
        forget = _graph.convert_to_tensor(self._forget_bias, dtype=f.dtype)
        new_c = c * math_ops.sigmoid(f + forget) + math_ops.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * math_ops.sigmoid(o)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else array_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(RNNCell):
    """LSTM with optional peepholes (w_f_diag, w_i_diag, w_o_diag), cell clipping and a projection of
    the output (num_proj, proj_clip)."""

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(_reuse=reuse, name=name, dtype=dtype, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise NotImplementedError('sluice does not implement LSTMCell num_unit_shards/num_proj_shards yet')
        self._num_units, self._use_peepholes, self._cell_clip = num_units, use_peepholes, cell_clip
        self._initializer, self._num_proj, self._proj_clip = initializer, num_proj, proj_clip
        self._forget_bias, self._state_is_tuple = forget_bias, state_is_tuple
        self._activation = activation or math_ops.tanh

    @property
    def state_size(self):
        h = self._num_proj or self._num_units
        return LSTMStateTuple(self._num_units, h) if self._state_is_tuple else self._num_units + h

    output_size = property(lambda self: self._num_proj or self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(self, inputs_shape)
        n, h = self._num_units, self._num_proj or self._num_units
        self._kernel = self.add_variable('kernel', [depth + h, 4 * n], initializer=self._initializer)
        self._bias = self.add_variable('bias', [4 * n], initializer=init_ops.zeros_initializer(dtype=self._dtype))
        if self._use_peepholes:
            self._w_f_diag = self.add_variable('w_f_diag', [n], initializer=self._initializer)
            self._w_i_diag = self.add_variable('w_i_diag', [n], initializer=self._initializer)
            self._w_o_diag = self.add_variable('w_o_diag', [n], initializer=self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable('projection/kernel', [n, self._num_proj],
                                                  initializer=self._initializer)

    def call(self, inputs, state):
        n = self._num_units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, n])
            m_prev = array_ops.slice(state, [0, n], [-1, self._num_proj or n])
        gates = bias_add(math_ops.matmul(array_ops.concat([inputs, m_prev], 1), self._kernel), self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=1)
        sigmoid, act = math_ops.sigmoid, self._activation
        if self._use_peepholes:
            c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev
                 + sigmoid(i + self._w_i_diag * c_prev) * act(j))
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = clip_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * act(c)
        else:
            m = sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else array_ops.concat([c, m], 1)
        return m, new_state


class MultiRNNCell(RNNCell):
    """Cells applied in sequence, each one's output the next one's input; cell i under scope 'cell_<i>'."""

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError('Must specify at least one cell for MultiRNNCell.')
        if not _is_sequence(cells):
            raise TypeError('cells must be a list or tuple, but saw: %s.' % cells)
        self._cells = cells
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(_is_sequence(c.state_size) for c in cells):
            raise ValueError('Some cells return tuples of states, but the flag state_is_tuple is not set.  State '
                             'sizes are: %s' % str([c.state_size for c in cells]))

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    output_size = property(lambda self: self._cells[-1].output_size)

    def zero_state(self, batch_size, dtype):
        with _graph.name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            if self._state_is_tuple:
                return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
            return zero_state_tensors(self.state_size, batch_size, dtype)

    @property
    def variables(self):
        return [v for cell in self._cells for v in cell.variables]

    trainable_variables = trainable_weights = weights = variables

    def call(self, inputs, state):
        position, current, new_states = 0, inputs, []
        for i, cell in enumerate(self._cells):
            with vs.variable_scope('cell_%d' % i):
                if self._state_is_tuple:
                    if not _is_sequence(state):
                        raise ValueError('Expected state to be a tuple of length %d, but received: %s'
                                         % (len(self.state_size), state))
                    cell_state = state[i]
                else:
                    cell_state = array_ops.slice(state, [0, position], [-1, cell.state_size])
                    position += cell.state_size
                current, new_state = cell(current, cell_state)
                new_states.append(new_state)
        new_states = tuple(new_states) if self._state_is_tuple else array_ops.concat(new_states, 1)
        return current, new_states


class _Wrapper(RNNCell):
    """A cell around another: no scope of its own (its cell's variables keep their names)."""

    def __init__(self, cell):
        super().__init__()
        if not hasattr(cell, 'state_size') or not hasattr(cell, 'output_size') or not callable(cell):
            raise TypeError('The argument \'cell\' (%s) is not an RNNCell: %s' % (cell, type(cell)))
        self.cell = cell

    state_size = property(lambda self: self.cell.state_size)
    output_size = property(lambda self: self.cell.output_size)
    variables = property(lambda self: self.cell.variables)
    trainable_variables = trainable_weights = weights = variables

    def zero_state(self, batch_size, dtype):
        with _graph.name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            return self.cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        return self._wrapped_call(inputs, state, scope)


class DropoutWrapper(_Wrapper):
    """Dropout on the cell's inputs, outputs and states (keep probabilities; 1 means none)."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        super().__init__(cell)
        if variational_recurrent:
            raise NotImplementedError('sluice does not implement DropoutWrapper(variational_recurrent=True) yet')
        for name, p in (('input_keep_prob', input_keep_prob), ('state_keep_prob', state_keep_prob),
                        ('output_keep_prob', output_keep_prob)):
            if isinstance(p, numbers.Real) and not 0 < p <= 1:
                raise ValueError('Parameter %s must be between 0 and 1: %f' % (name, p))
        self._input_keep_prob, self._output_keep_prob = input_keep_prob, output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        if dropout_state_filter_visitor is not None:
            raise NotImplementedError('sluice does not implement DropoutWrapper(dropout_state_filter_visitor) yet')

    @staticmethod
    def _active(p):
        return not (isinstance(p, numbers.Real) and float(p) == 1.0)

    def _dropout(self, values, salt, keep_prob):
        flat = _flatten(values)
        out = []
        for i, v in enumerate(flat):
            seed = None if self._seed is None else hash((self._seed, salt, i)) % (2 ** 31)
            out.append(nn_dropout.dropout(v, keep_prob=keep_prob, seed=seed))
        return _pack(values, out) if _is_sequence(values) else out[0]

    def _dropout_state(self, state):
        """State dropout skips an LSTM's cell state c (TF's default filter): only h is dropped."""
        def visit(s):
            if isinstance(s, LSTMStateTuple):
                return LSTMStateTuple(s.c, self._dropout(s.h, 'state', self._state_keep_prob))
            if isinstance(s, (list, tuple)):
                return type(s)(visit(x) for x in s)
            return self._dropout(s, 'state', self._state_keep_prob)
        return visit(state)

    def _wrapped_call(self, inputs, state, scope):
        if self._active(self._input_keep_prob):
            inputs = self._dropout(inputs, 'input', self._input_keep_prob)
        output, new_state = self.cell(inputs, state, scope=scope)
        if self._active(self._state_keep_prob):
            new_state = self._dropout_state(new_state)
        if self._active(self._output_keep_prob):
            output = self._dropout(output, 'output', self._output_keep_prob)
        return output, new_state


class ResidualWrapper(_Wrapper):
    """output = cell output + inputs (or residual_fn(inputs, output))."""

    def __init__(self, cell, residual_fn=None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _wrapped_call(self, inputs, state, scope):
        output, new_state = self.cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        flat_in, flat_out = _flatten(inputs), _flatten(output)
        for x, y in zip(flat_in, flat_out):
            x.shape.assert_is_compatible_with(y.shape)
        res = [x + y for x, y in zip(flat_in, flat_out)]
        return (_pack(output, res) if _is_sequence(output) else res[0]), new_state


class DeviceWrapper(_Wrapper):
    """Runs the cell on `device`."""

    def __init__(self, cell, device):
        super().__init__(cell)
        self._device = device

    def _wrapped_call(self, inputs, state, scope):
        with _graph.get_default_graph().device(self._device):
            return self.cell(inputs, state, scope=scope)
