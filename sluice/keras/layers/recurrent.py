"""tf.keras recurrent layers (TF 1.15, graph mode): the RNN layer over a cell, and stacked cells.

A cell is any object with `call(inputs, states) -> (output, new_states)` and `state_size` (an int, a
TensorShape-like, or a list of them for several states); `output_size` and `get_initial_state` are optional.
`RNN(cell)`:
- `build` builds the cell on the per-step input shape (inside the RNN's name scope, so an LSTM's weights are
  'lstm/kernel:0', 'lstm/recurrent_kernel:0', 'lstm/bias:0') and records the state specs;
- `__call__` accepts `initial_state` and `constants` as keywords or as extra list inputs; Keras tensors among
  them become inputs of the layer's node, as TF 1.15 does;
- `call` steps the cell with `K.rnn` (a while_loop, or unrolled with `unroll=True`), passing the mask, the
  learning phase (`training`) and the constants, and returns the last output or the sequence, plus the
  final states with `return_state`;
- `stateful` keeps the states in variables of the fixed batch size, assigned after each call (the layer's
  updates) and zeroed by `reset_states`.
Dropout masks of a cell are drawn once per call (shared over timesteps), under the learning phase.
SimpleRNN, GRU, LSTM and their cells are in `recurrent_cells`, re-exported here.
"""
import collections.abc
import inspect

import numpy as np

from sluice.engine import graph as _graph
from sluice.engine.tensor_shape import TensorShape, as_shape
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.ops import array_ops, filling_ops, state_ops
from sluice.python.util import nest


def has_arg(fn, name):
    """Whether `fn` takes an argument called `name` (or **kwargs)."""
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params.values())


def _is_multiple_state(state_size):
    return hasattr(state_size, '__len__') and not isinstance(state_size, TensorShape)


def _generate_zero_filled_state(batch_size_tensor, state_size, dtype):
    if batch_size_tensor is None or dtype is None:
        raise ValueError('batch_size and dtype cannot be None while constructing initial state: '
                         'batch_size={}, dtype={}'.format(batch_size_tensor, dtype))

    def create_zeros(unnested_state_size):
        return filling_ops.zeros([batch_size_tensor] + as_shape(unnested_state_size).as_list(), dtype=dtype)
    if nest.is_sequence(state_size):
        return nest.map_structure(create_zeros, state_size)
    return create_zeros(state_size)


def _generate_zero_filled_state_for_cell(cell, inputs, batch_size, dtype):
    if inputs is not None:
        batch_size = array_ops.shape(inputs)[0]
        dtype = inputs.dtype
    return _generate_zero_filled_state(batch_size, cell.state_size, dtype)


def _standardize_args(inputs, initial_state, constants, num_constants):
    """Splits a list input [x, *initial_state, *constants] into its parts; lists for the parts."""
    if isinstance(inputs, list):
        if initial_state is not None or constants is not None:
            raise ValueError('Pass `initial_state` and `constants` either in the input list or as keywords, '
                             'not both.')
        if num_constants:
            constants = inputs[-num_constants:]
            inputs = inputs[:-num_constants]
        if len(inputs) > 1:
            initial_state = inputs[1:]
            inputs = inputs[:1]
        inputs = tuple(inputs) if len(inputs) > 1 else inputs[0]

    def to_list_or_none(x):
        if x is None or isinstance(x, list):
            return x
        if isinstance(x, tuple):
            return list(x)
        return [x]
    return inputs, to_list_or_none(initial_state), to_list_or_none(constants)


def _generate_dropout_mask(ones, rate, training=None, count=1):
    def dropped_inputs():
        return K.dropout(ones, rate)
    if count > 1:
        return [K.in_train_phase(dropped_inputs, ones, training=training) for _ in range(count)]
    return K.in_train_phase(dropped_inputs, ones, training=training)


def _output_dim(cell):
    if getattr(cell, 'output_size', None) is not None:
        return cell.output_size
    if _is_multiple_state(cell.state_size):
        return cell.state_size[0]
    return cell.state_size


class StackedRNNCells(Layer):
    """Cells run one after another within a timestep; the states are the cells' states in order."""

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if not hasattr(cell, 'call'):
                raise ValueError('All cells must have a `call` method. received cells:', cells)
            if not hasattr(cell, 'state_size'):
                raise ValueError('All cells must have a `state_size` attribute. received cells:', cells)
        self.cells = cells
        self.reverse_state_order = kwargs.pop('reverse_state_order', False)
        super().__init__(**kwargs)

    def _ordered_cells(self):
        return self.cells[::-1] if self.reverse_state_order else self.cells

    @property
    def state_size(self):
        return tuple(c.state_size for c in self._ordered_cells())

    @property
    def output_size(self):
        return _output_dim(self.cells[-1])

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        states = []
        for cell in self._ordered_cells():
            make = getattr(cell, 'get_initial_state', None)
            states.append(make(inputs=inputs, batch_size=batch_size, dtype=dtype) if make else
                          _generate_zero_filled_state_for_cell(cell, inputs, batch_size, dtype))
        return tuple(states)

    def call(self, inputs, states, constants=None, **kwargs):
        state_size = self.state_size[::-1] if self.reverse_state_order else self.state_size
        nested_states = nest.pack_sequence_as(state_size, nest.flatten(states))
        new_nested_states = []
        for cell, cell_states in zip(self.cells, nested_states):
            cell_states = cell_states if nest.is_sequence(cell_states) else [cell_states]
            if has_arg(cell.call, 'constants'):
                inputs, cell_states = cell.call(inputs, cell_states, constants=constants, **kwargs)
            else:
                inputs, cell_states = cell.call(inputs, cell_states, **kwargs)
            new_nested_states.append(cell_states)
        return inputs, nest.pack_sequence_as(state_size, nest.flatten(new_nested_states))

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_shape = tuple(TensorShape(input_shape).as_list())
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(input_shape)
                cell.built = True
            input_shape = tuple([input_shape[0]] + as_shape(_output_dim(cell)).as_list())
        self.built = True

    def get_config(self):
        cells = [{'class_name': cell.__class__.__name__, 'config': cell.get_config()} for cell in self.cells]
        return dict(super().get_config(), cells=cells)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [_deserialize_cell(c, custom_objects) for c in config.pop('cells')]
        return cls(cells, **config)


def _deserialize_cell(config, custom_objects=None):
    """A cell from {'class_name', 'config'}: one of this module's cells or one in `custom_objects`."""
    from sluice.keras.layers import recurrent_cells
    name = config['class_name']
    known = dict(vars(recurrent_cells), StackedRNNCells=StackedRNNCells)
    known.update(custom_objects or {})
    if name not in known:
        raise ValueError('Unknown layer: ' + name)
    return known[name].from_config(config['config'])


class AbstractRNNCell(Layer):
    """Base of cells: subclasses define `call`, `state_size` and `output_size`."""

    def call(self, inputs, states):
        raise NotImplementedError('Abstract method')

    @property
    def state_size(self):
        raise NotImplementedError('Abstract method')

    @property
    def output_size(self):
        raise NotImplementedError('Abstract method')

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return _generate_zero_filled_state_for_cell(self, inputs, batch_size, dtype)


class DropoutRNNCellMixin:
    """Dropout masks of a cell's inputs and recurrent state, made once per RNN call and reused per step."""

    def __init__(self, *args, **kwargs):
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        super().__init__(*args, **kwargs)

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        if self.dropout == 0:
            return None
        if self._dropout_mask is None:
            self._dropout_mask = _generate_dropout_mask(filling_ops.ones_like(inputs), self.dropout,
                                                        training=training, count=count)
        return self._dropout_mask

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        if self.recurrent_dropout == 0:
            return None
        if self._recurrent_dropout_mask is None:
            self._recurrent_dropout_mask = _generate_dropout_mask(filling_ops.ones_like(inputs),
                                                                  self.recurrent_dropout, training=training,
                                                                  count=count)
        return self._recurrent_dropout_mask


class RNN(Layer):
    """Runs `cell` over the time axis of its input (batch, time, ...) (time-major with `time_major`)."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, time_major=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, 'call'):
            raise ValueError('`cell` should have a `call` method. The RNN was passed:', cell)
        if not hasattr(cell, 'state_size'):
            raise ValueError('The RNN cell should have an attribute `state_size` (tuple of integers, one integer '
                             'per RNN state).')
        self.zero_output_for_mask = kwargs.pop('zero_output_for_mask', False)
        if 'input_shape' not in kwargs and ('input_dim' in kwargs or 'input_length' in kwargs):
            kwargs['input_shape'] = (kwargs.pop('input_length', None), kwargs.pop('input_dim', None))
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.time_major = time_major
        self.supports_masking = True
        self.input_spec = None
        self.state_spec = None
        self._states = None
        self.constants_spec = None
        self._num_constants = 0

    @property
    def states(self):
        if self._states is None:
            state = nest.map_structure(lambda _: None, self.cell.state_size)
            return state if nest.is_sequence(self.cell.state_size) else [state]
        return self._states

    @states.setter
    def states(self, states):
        self._states = states

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_shape = TensorShape(input_shape)
        batch, time_step = input_shape[0], input_shape[1]
        if self.time_major:
            batch, time_step = time_step, batch
        batch, time_step = getattr(batch, 'value', batch), getattr(time_step, 'value', time_step)
        state_size = self.cell.state_size if _is_multiple_state(self.cell.state_size) else [self.cell.state_size]

        def output_shape_for(flat_output_size):
            output_dim = as_shape(flat_output_size).as_list()
            if not self.return_sequences:
                return TensorShape([batch] + output_dim)
            lead = [time_step, batch] if self.time_major else [batch, time_step]
            return TensorShape(lead + output_dim)
        if getattr(self.cell, 'output_size', None) is not None:
            output_shape = nest.flatten(nest.map_structure(output_shape_for, self.cell.output_size))
            output_shape = output_shape[0] if len(output_shape) == 1 else output_shape
        else:
            output_shape = output_shape_for(state_size[0])
        if self.return_state:
            state_shape = [TensorShape([batch] + as_shape(s).as_list()) for s in nest.flatten(state_size)]
            return (output_shape if isinstance(output_shape, list) else [output_shape]) + state_shape
        return output_shape

    def compute_mask(self, inputs, mask):
        mask = nest.flatten(mask)[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.states]
        return output_mask

    def build(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]

        def get_input_spec(shape):
            spec_shape = list(TensorShape(shape).as_list())
            batch_index, time_step_index = (1, 0) if self.time_major else (0, 1)
            if not self.stateful:
                spec_shape[batch_index] = None
            spec_shape[time_step_index] = None
            return InputSpec(shape=tuple(spec_shape))

        def get_step_input_shape(shape):
            shape = tuple(TensorShape(shape).as_list())
            return shape[1:] if self.time_major else (shape[0],) + shape[2:]
        if isinstance(input_shape, tuple) and input_shape and isinstance(input_shape[0], TensorShape):
            self.input_spec = [nest.map_structure(get_input_spec, input_shape)]
            step_input_shape = nest.map_structure(get_step_input_shape, input_shape)
        else:
            if self.input_spec is not None:
                self.input_spec[0] = get_input_spec(input_shape)
            else:
                self.input_spec = [get_input_spec(input_shape)]
            step_input_shape = get_step_input_shape(input_shape)
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_input_shape)
            self.cell.built = True
        state_size = list(self.cell.state_size) if _is_multiple_state(self.cell.state_size) else \
            [self.cell.state_size]
        if self.state_spec is not None:
            self._validate_state_spec(state_size, self.state_spec)
        else:
            self.state_spec = [InputSpec(shape=[None] + as_shape(dim).as_list()) for dim in state_size]
        if self.stateful:
            self.reset_states()
        self.built = True

    @staticmethod
    def _validate_state_spec(cell_state_sizes, init_state_specs):
        error = ValueError('An `initial_state` was passed that is not compatible with `cell.state_size`. Received '
                           '`state_spec`={}; however `cell.state_size` is {}'.format(init_state_specs,
                                                                                      cell_state_sizes))
        flat_sizes, flat_specs = nest.flatten(cell_state_sizes), nest.flatten(init_state_specs)
        if len(flat_sizes) != len(flat_specs):
            raise error
        for size, spec in zip(flat_sizes, flat_specs):
            if not TensorShape(spec.shape[1:]).is_compatible_with(as_shape(size)):
                raise error

    def get_initial_state(self, inputs):
        make = getattr(self.cell, 'get_initial_state', None)
        if nest.is_sequence(inputs):
            inputs = nest.flatten(inputs)[0]
        input_shape = array_ops.shape(inputs)
        batch_size = input_shape[1] if self.time_major else input_shape[0]
        if make:
            init_state = make(inputs=None, batch_size=batch_size, dtype=inputs.dtype)
        else:
            init_state = _generate_zero_filled_state(batch_size, self.cell.state_size, inputs.dtype)
        return list(init_state) if nest.is_sequence(init_state) else [init_state]

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(inputs, initial_state, constants, self._num_constants)
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional_inputs, additional_specs = [], []
        if initial_state is not None:
            additional_inputs += initial_state
            self.state_spec = [InputSpec(shape=K.int_shape(s)) for s in initial_state]
            additional_specs += self.state_spec
        if constants is not None:
            additional_inputs += constants
            self.constants_spec = [InputSpec(shape=K.int_shape(c)) for c in constants]
            self._num_constants = len(constants)
            additional_specs += self.constants_spec
        is_keras_tensor = hasattr(nest.flatten(additional_inputs)[0], '_keras_history')
        for tensor in nest.flatten(additional_inputs):
            if hasattr(tensor, '_keras_history') != is_keras_tensor:
                raise ValueError('The initial state or constants of an RNN layer cannot be specified with a mix of '
                                 'Keras tensors and non-Keras tensors (a "Keras tensor" is a tensor that was '
                                 'returned by a Keras layer, or by `Input`)')
        if is_keras_tensor:
            # The states and constants become inputs of the node, so a functional Model sees them.
            full_input = [inputs] + additional_inputs
            self.input_spec = [None] * len(nest.flatten(inputs)) + additional_specs
            try:
                return super().__call__(full_input, **kwargs)
            finally:
                self.input_spec = self.input_spec[:-len(additional_specs)]
        if initial_state is not None:
            kwargs['initial_state'] = initial_state
        if constants is not None:
            kwargs['constants'] = constants
        return super().__call__(inputs, **kwargs)

    def _step_function(self, training):
        kwargs = {'training': training} if has_arg(self.cell.call, 'training') else {}
        num_constants = self._num_constants

        def step(inputs, states):
            constants = None
            if num_constants:
                constants, states = states[-num_constants:], states[:-num_constants]
            if constants is not None:
                output, new_states = self.cell.call(inputs, states, constants=constants, **kwargs)
            else:
                output, new_states = self.cell.call(inputs, states, **kwargs)
            return output, (new_states if nest.is_sequence(new_states) else [new_states])
        return step

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        inputs, initial_state, constants = self._process_inputs(inputs, initial_state, constants)
        if mask is not None:
            mask = nest.flatten(mask)[0]
        input_shape = K.int_shape(nest.flatten(inputs)[0])
        timesteps = input_shape[0] if self.time_major else input_shape[1]
        if self.unroll and timesteps is None:
            raise ValueError('Cannot unroll a RNN if the time dimension is undefined. \n- If using a Sequential '
                             'model, specify the time dimension by passing an `input_shape` or `batch_input_shape` '
                             'argument to your first layer. If your first layer is an Embedding, you can also use '
                             'the `input_length` argument.\n- If using the functional API, specify the time '
                             'dimension by passing a `shape` or `batch_shape` argument to your Input layer.')
        if constants and not has_arg(self.cell.call, 'constants'):
            raise ValueError('RNN cell does not support constants')
        last_output, outputs, states = K.rnn(
            self._step_function(training), inputs, initial_state, constants=constants,
            go_backwards=self.go_backwards, mask=mask, unroll=self.unroll, time_major=self.time_major,
            zero_output_for_mask=self.zero_output_for_mask)
        if self.stateful:
            self.add_update([state_ops.assign(old, new) for old, new in
                             zip(nest.flatten(self.states), nest.flatten(states))])
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(states if isinstance(states, (list, tuple)) else [states])
        return output

    def _process_inputs(self, inputs, initial_state, constants):
        if isinstance(inputs, collections.abc.Sequence) and not isinstance(inputs, tuple):
            # [x, *initial_state, *constants] from a Keras-tensor call.
            if not self._num_constants:
                initial_state = inputs[1:]
            else:
                initial_state = inputs[1:-self._num_constants]
                constants = inputs[-self._num_constants:]
            if len(initial_state) == 0:
                initial_state = None
            inputs = inputs[0]
        if initial_state is None:
            initial_state = self.states if self.stateful else self.get_initial_state(inputs)
        if len(initial_state) != len(self.states):
            raise ValueError('Layer has ' + str(len(self.states)) + ' states but was passed ' +
                             str(len(initial_state)) + ' initial states.')
        return inputs, initial_state, constants

    def reset_states(self, states=None):
        """Zeroes the state variables of a stateful RNN (made on first use), or sets them to `states`."""
        if not self.stateful:
            raise AttributeError('Layer must be stateful.')
        spec_shape = None if self.input_spec is None else self.input_spec[0].shape
        batch_size = None if spec_shape is None else spec_shape[1 if self.time_major else 0]
        if not batch_size:
            raise ValueError('If a RNN is stateful, it needs to know its batch size. Specify the batch size of your '
                             'input tensors: \n- If using a Sequential model, specify the batch size by passing a '
                             '`batch_input_shape` argument to your first layer.\n- If using the functional API, '
                             'specify the batch size by passing a `batch_shape` argument to your Input layer.')
        if nest.flatten(self.states)[0] is None:
            # Set through `_states`: the state variables are not the layer's weights (as in TF 1.15).
            with _graph.get_default_graph().control_dependencies(None):
                states = nest.map_structure(lambda size: K.zeros([batch_size] + as_shape(size).as_list()),
                                            self.cell.state_size)
            self._states = states if nest.is_sequence(states) else [states]
        elif states is None:
            K.batch_set_value([(state, np.zeros([batch_size] + as_shape(size).as_list()))
                               for state, size in zip(nest.flatten(self.states), nest.flatten(self.cell.state_size))])
        else:
            flat_states, flat_values = nest.flatten(self.states), nest.flatten(states)
            if len(flat_values) != len(flat_states):
                raise ValueError('Layer ' + self.name + ' expects ' + str(len(flat_states)) + ' states, but it '
                                 'received ' + str(len(flat_values)) + ' state values. Input received: ' + str(states))
            pairs = []
            for i, (value, state) in enumerate(zip(flat_values, flat_states)):
                if tuple(np.shape(value)) != tuple(state.shape.as_list()):
                    raise ValueError('State ' + str(i) + ' is incompatible with layer ' + self.name +
                                     ': expected shape=' + str(tuple(state.shape.as_list())) + ', found shape=' +
                                     str(np.shape(value)))
                pairs.append((state, value))
            K.batch_set_value(pairs)

    def get_config(self):
        config = {'return_sequences': self.return_sequences, 'return_state': self.return_state,
                  'go_backwards': self.go_backwards, 'stateful': self.stateful, 'unroll': self.unroll,
                  'time_major': self.time_major}
        if self._num_constants:
            config['num_constants'] = self._num_constants
        if self.zero_output_for_mask:
            config['zero_output_for_mask'] = self.zero_output_for_mask
        config['cell'] = {'class_name': self.cell.__class__.__name__, 'config': self.cell.get_config()}
        return dict(super().get_config(), **config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = _deserialize_cell(config.pop('cell'), custom_objects)
        num_constants = config.pop('num_constants', 0)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer


_CELL_LAYERS = ('SimpleRNNCell', 'SimpleRNN', 'GRUCell', 'GRU', 'LSTMCell', 'LSTM', 'PeepholeLSTMCell')


def __getattr__(name):
    # The cells and their layers build on this module, so they are read from `recurrent_cells` on first use.
    if name in _CELL_LAYERS:
        from sluice.keras.layers import recurrent_cells
        return getattr(recurrent_cells, name)
    raise AttributeError("module 'sluice.keras.layers.recurrent' has no attribute '" + name + "'")
