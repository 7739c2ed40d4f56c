"""tf.contrib.rnn's projection and embedding wrappers (TF 1.15's core_rnn_cell) and their `_Linear`.

_Linear(args, output_size, bias) makes 'kernel' [sum of the args' depths, output_size] and 'bias'
(zeros) in the current variable scope, once, and computes concat(args) . kernel + bias.
- OutputProjectionWrapper: the cell's output through a _Linear to `output_size` (+ activation);
- InputProjectionWrapper: the inputs through a _Linear to `num_proj` before the cell;
- EmbeddingWrapper: int ids embedded ('embedding' [classes, size], uniform(-sqrt 3, sqrt 3) by default)
  before the cell.
Each opens its own variable scope ('output_projection_wrapper', ...) around its cell's.
"""
import math

from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import array_ops, init_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.nn_embedding import embedding_lookup
from sluice.ops.rnn_cell_impl import RNNCell

__all__ = ['OutputProjectionWrapper', 'InputProjectionWrapper', 'EmbeddingWrapper']


class _Linear:
    """concat(args, 1) . kernel (+ bias), its variables made in the current variable scope on first use."""

    def __init__(self, args, output_size, build_bias, bias_initializer=None, kernel_initializer=None):
        args = args if isinstance(args, (list, tuple)) else [args]
        self._is_sequence = len(args) > 1
        total = 0
        for a in args:
            depth = a.shape.with_rank(2)[1].value
            if depth is None:
                raise ValueError('linear expects shape[1] to be provided for shape %s, but saw %s' % (a.shape, depth))
            total += depth
        dtype = args[0].dtype
        scope = vs.get_variable_scope()
        with vs.variable_scope(scope) as outer:
            self._weights = vs.get_variable('kernel', [total, output_size], dtype=dtype,
                                            initializer=kernel_initializer)
            self._biases = None
            if build_bias:
                with vs.variable_scope(outer):
                    self._biases = vs.get_variable(
                        'bias', [output_size], dtype=dtype,
                        initializer=bias_initializer or init_ops.constant_initializer(0.0, dtype=dtype))

    def __call__(self, args):
        args = args if isinstance(args, (list, tuple)) else [args]
        res = math_ops.matmul(array_ops.concat(args, 1) if len(args) > 1 else args[0], self._weights)
        return bias_add(res, self._biases) if self._biases is not None else res


def _check_cell(cell):
    if not (hasattr(cell, 'state_size') and hasattr(cell, 'output_size') and callable(cell)):
        raise TypeError('The parameter cell is not RNNCell.')


class OutputProjectionWrapper(RNNCell):
    def __init__(self, cell, output_size, activation=None, reuse=None):
        super().__init__(_reuse=reuse)
        _check_cell(cell)
        if output_size < 1:
            raise ValueError('Parameter output_size must be > 0: %d.' % output_size)
        self._cell, self._output_size, self._activation = cell, output_size, activation
        self._linear = None

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._output_size)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)

    def call(self, inputs, state):
        output, new_state = self._cell(inputs, state)
        if self._linear is None:
            self._linear = _Linear(output, self._output_size, True)
        projected = self._linear(output)
        return (self._activation(projected) if self._activation else projected), new_state


class InputProjectionWrapper(RNNCell):
    def __init__(self, cell, num_proj, activation=None, input_size=None, reuse=None):
        super().__init__(_reuse=reuse)
        _check_cell(cell)
        self._cell, self._num_proj, self._activation = cell, num_proj, activation
        self._linear = None

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)

    def call(self, inputs, state):
        if self._linear is None:
            self._linear = _Linear(inputs, self._num_proj, True)
        projected = self._linear(inputs)
        if self._activation:
            projected = self._activation(projected)
        return self._cell(projected, state)


class EmbeddingWrapper(RNNCell):
    def __init__(self, cell, embedding_classes, embedding_size, initializer=None, reuse=None):
        super().__init__(_reuse=reuse)
        _check_cell(cell)
        if embedding_classes <= 0 or embedding_size <= 0:
            raise ValueError('Both embedding_classes and embedding_size must be greater than 0: %d, %d.'
                             % (embedding_classes, embedding_size))
        self._cell, self._embedding_classes, self._embedding_size = cell, embedding_classes, embedding_size
        self._initializer = initializer

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            return self._cell.zero_state(batch_size, dtype)

    def call(self, inputs, state):
        initializer = self._initializer or init_ops.random_uniform_initializer(-math.sqrt(3), math.sqrt(3))
        data_type = state[0].dtype if isinstance(state, (list, tuple)) else state.dtype
        embedding = vs.get_variable('embedding', [self._embedding_classes, self._embedding_size],
                                    initializer=initializer, dtype=data_type)
        ids = array_ops.reshape(convert_to_tensor(inputs), [-1])
        return self._cell(embedding_lookup(embedding, ids), state)
