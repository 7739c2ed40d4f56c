"""tf.keras layer wrappers (TF 1.15): TimeDistributed and Bidirectional.

- TimeDistributed(layer) applies `layer` to every timestep of (batch, time, ...): Keras's own stateless
  layers (and any layer when the batch size is unknown) see the input reshaped to (batch * time, ...) and
  their output is reshaped back; other layers with a known batch size are stepped with `K.rnn`. Masks
  pass through (reshaped for the inner layer when it takes one).
- Bidirectional(layer, merge_mode='concat') runs a copy of the recurrent `layer` forwards ('forward_<name>')
  and one backwards ('backward_<name>', or `backward_layer`), reverses the backward sequence back into time
  order when sequences are returned, and merges with 'concat' | 'sum' | 'mul' | 'ave' | None (a list).
  Weights live under 'bidirectional/forward_lstm/...' and 'bidirectional/backward_lstm/...'. An
  `initial_state` holds the forward states then the backward states.
"""
import copy

from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.recurrent import _standardize_args, has_arg
from sluice.ops import array_ops
from sluice.python.util import nest


class Wrapper(Layer):
    """A layer that runs another layer (`self.layer`) in some way."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError('A Wrapper needs a `Layer` instance. You passed: ' + str(layer))
        self.layer = layer
        self._input_map = {}
        super().__init__(**kwargs)

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    @property
    def activity_regularizer(self):
        return getattr(self.layer, 'activity_regularizer', None)

    @activity_regularizer.setter
    def activity_regularizer(self, regularizer):
        self._activity_regularizer = regularizer

    def get_config(self):
        config = {'layer': {'class_name': self.layer.__class__.__name__, 'config': self.layer.get_config()}}
        return dict(super().get_config(), **config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer_config = config.pop('layer')
        layer_class = (custom_objects or {}).get(layer_config['class_name']) or _known_layer(layer_config['class_name'])
        return cls(layer_class.from_config(layer_config['config']), **config)


def _known_layer(class_name):
    from sluice.keras import layers
    try:
        return getattr(layers, class_name)
    except AttributeError:
        raise ValueError('Unknown layer: ' + class_name) from None


def _is_builtin_layer(layer):
    return type(layer).__module__.startswith('sluice.keras.layers')


class TimeDistributed(Wrapper):
    """Applies `layer` to each temporal slice of the input."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError('Please initialize `TimeDistributed` layer with a `Layer` instance. You passed: '
                             '{input}'.format(input=layer))
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        self._always_use_reshape = _is_builtin_layer(layer) and not getattr(layer, 'stateful', False)

    @staticmethod
    def _get_shape_tuple(init_tuple, tensor, start_idx, int_shape=None):
        """init_tuple + the shape of `tensor` from `start_idx`, dynamic where the static dim is unknown."""
        if int_shape is None:
            int_shape = K.int_shape(tensor)[start_idx:]
        if all(int_shape):
            return init_tuple + tuple(int_shape)
        shape = array_ops.shape(tensor)
        return init_tuple + tuple(s if s else shape[start_idx + i] for i, s in enumerate(int_shape))

    def build(self, input_shape):
        input_shape = TensorShape(input_shape).as_list()
        if len(input_shape) < 3:
            raise ValueError('`TimeDistributed` Layer should be passed an `input_shape ` with at least 3 dimensions, '
                             'received: ' + str(input_shape))
        self.input_spec = InputSpec(shape=[None, None] + input_shape[2:])
        super().build(tuple([input_shape[0]] + input_shape[2:]))
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = TensorShape(input_shape).as_list()
        child = TensorShape(self.layer.compute_output_shape(TensorShape([input_shape[0]] + input_shape[2:])))
        child = child.as_list()
        return TensorShape([child[0], input_shape[1]] + child[1:])

    def call(self, inputs, training=None, mask=None):
        kwargs = {'training': training} if has_arg(self.layer.call, 'training') else {}
        input_shape = K.int_shape(inputs)
        if input_shape[0] and not self._always_use_reshape:
            def step(x, _):
                return self.layer(x, **kwargs), []
            _, outputs, _ = K.rnn(step, inputs, initial_states=[], input_length=input_shape[1], unroll=False)
            return outputs
        input_length = input_shape[1] or array_ops.shape(inputs)[1]
        inner_inputs = array_ops.reshape(inputs, self._get_shape_tuple((-1,), inputs, 2))
        self._input_map[id(inputs)] = inner_inputs
        if has_arg(self.layer.call, 'mask') and mask is not None:
            kwargs['mask'] = K.reshape(mask, self._get_shape_tuple((-1,), mask, 2))
        y = self.layer(inner_inputs, **kwargs)
        output_shape = self.compute_output_shape(input_shape).as_list()
        return array_ops.reshape(y, self._get_shape_tuple((-1, input_length), y, 1, output_shape[2:]))

    def compute_mask(self, inputs, mask=None):
        """The inner layer's mask per timestep, or the input mask reduced to (batch, time)."""
        input_shape = K.int_shape(inputs)
        if input_shape[0] and not self._always_use_reshape:
            return mask
        inner_mask = None if mask is None else K.reshape(mask, self._get_shape_tuple((-1,), mask, 2))
        inner_inputs = self._input_map.get(id(inputs), inputs)
        output_mask = self.layer.compute_mask(inner_inputs, inner_mask)
        if output_mask is None:
            if mask is None:
                return None
            output_mask = mask
            for _ in range(2, len(K.int_shape(mask))):
                output_mask = K.any(output_mask, axis=-1)
            return output_mask
        input_length = input_shape[1] or array_ops.shape(inputs)[1]
        mask_int_shape = K.int_shape(output_mask)
        if mask_int_shape is None:
            mask_int_shape = K.int_shape(mask)
        return K.reshape(output_mask, self._get_shape_tuple((-1, input_length), output_mask, 1, mask_int_shape[1:]))


class Bidirectional(Wrapper):
    """Runs a recurrent layer forwards and backwards and merges the two results."""

    def __init__(self, layer, merge_mode='concat', weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError('Please initialize `Bidirectional` layer with a `Layer` instance. You passed: '
                             '{input}'.format(input=layer))
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError('`backward_layer` need to be a `Layer` instance. You passed: '
                             '{input}'.format(input=backward_layer))
        if merge_mode not in ['sum', 'mul', 'ave', 'concat', None]:
            raise ValueError('Invalid merge mode. Merge mode should be one of {"sum", "mul", "ave", "concat", None}')
        self.forward_layer = self._recreate_layer_from_config(layer)
        if backward_layer is None:
            self.backward_layer = self._recreate_layer_from_config(layer, go_backwards=True)
        else:
            self.backward_layer = backward_layer
            self._backward_layer_config = backward_layer.get_config()
        self.forward_layer._name = 'forward_' + self.forward_layer.name
        self.backward_layer._name = 'backward_' + self.backward_layer.name
        self._verify_layer_config()
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, 'zero_output_for_mask', None) is not None:
                sub.zero_output_for_mask = sub.return_sequences  # the reversed sequences line up at zeros
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self._num_constants = 0
        if weights:
            kwargs['weights'] = weights  # set after build: the forward copy's weights, then the backward's
        super().__init__(layer, **kwargs)
        self.stateful = layer.stateful  # Layer.__init__ reset it
        self.supports_masking = True
        self.input_spec = layer.input_spec

    @property
    def trainable_weights(self):
        # The wrapped `layer` is only a template (never built): the weights are the two copies'.
        if not self.trainable:
            return []
        return self.forward_layer.trainable_weights + self.backward_layer.trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.forward_layer.weights + self.backward_layer.weights
        return self.forward_layer.non_trainable_weights + self.backward_layer.non_trainable_weights

    def _verify_layer_config(self):
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError('Forward layer and backward layer should have different `go_backwards` value.')
        for attr in ('stateful', 'return_sequences', 'return_state'):
            forward_value, backward_value = getattr(self.forward_layer, attr), getattr(self.backward_layer, attr)
            if forward_value != backward_value:
                raise ValueError('Forward layer and backward layer are expected to have the same value for attribute '
                                 '{attr}, got {forward} and {backward}'.format(attr=attr, forward=forward_value,
                                                                               backward=backward_value))

    @staticmethod
    def _recreate_layer_from_config(layer, go_backwards=False):
        config = layer.get_config()
        if go_backwards:
            config['go_backwards'] = not config['go_backwards']
        return layer.__class__.from_config(config)

    def compute_output_shape(self, input_shape):
        output_shape = self.forward_layer.compute_output_shape(input_shape)
        state_shape = None
        if self.return_state:
            state_shape, output_shape = list(output_shape[1:]), output_shape[0]
        output_shape = tuple(TensorShape(output_shape).as_list())
        if self.merge_mode == 'concat':
            output_shape = output_shape[:-1] + (output_shape[-1] * 2,)
        elif self.merge_mode is None:
            output_shape = [output_shape, copy.copy(output_shape)]
        if self.return_state:
            if self.merge_mode is None:
                return output_shape + state_shape + copy.copy(state_shape)
            return [output_shape] + state_shape + copy.copy(state_shape)
        return output_shape

    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        inputs, initial_state, constants = _standardize_args(inputs, initial_state, constants, self._num_constants)
        if isinstance(inputs, list):
            if len(inputs) > 1:
                initial_state = inputs[1:]
            inputs = inputs[0]
        if initial_state is None and constants is None:
            return super().__call__(inputs, **kwargs)
        additional_inputs, additional_specs = [], []
        if initial_state is not None:
            num_states = len(initial_state)
            if num_states % 2 > 0:
                raise ValueError('When passing `initial_state` to a Bidirectional RNN, the state should be a list '
                                 'containing the states of the underlying RNNs. Found: ' + str(initial_state))
            kwargs['initial_state'] = initial_state
            additional_inputs += initial_state
            state_specs = [InputSpec(shape=K.int_shape(state)) for state in initial_state]
            self.forward_layer.state_spec = state_specs[:num_states // 2]
            self.backward_layer.state_spec = state_specs[num_states // 2:]
            additional_specs += state_specs
        if constants is not None:
            kwargs['constants'] = constants
            additional_inputs += constants
            constants_spec = [InputSpec(shape=K.int_shape(constant)) for constant in constants]
            self.forward_layer.constants_spec = self.backward_layer.constants_spec = constants_spec
            additional_specs += constants_spec
            self._num_constants = len(constants)
            self.forward_layer._num_constants = self.backward_layer._num_constants = self._num_constants
        is_keras_tensor = hasattr(additional_inputs[0], '_keras_history')
        for tensor in additional_inputs:
            if hasattr(tensor, '_keras_history') != is_keras_tensor:
                raise ValueError('The initial state of a Bidirectional layer cannot be specified with a mix of Keras '
                                 'tensors and non-Keras tensors (a "Keras tensor" is a tensor that was returned by a '
                                 'Keras layer, or by `Input`)')
        if not is_keras_tensor:
            return super().__call__(inputs, **kwargs)
        full_input = [inputs] + additional_inputs
        kwargs['initial_state'] = None
        kwargs['constants'] = None
        original_input_spec = self.input_spec
        self.input_spec = [None] * len(nest.flatten(inputs)) + additional_specs
        try:
            return super().__call__(full_input, **kwargs)
        finally:
            self.input_spec = original_input_spec

    def _split_inputs(self, inputs, initial_state, kwargs):
        """(forward inputs, backward inputs, forward state, backward state)."""
        if isinstance(inputs, list) and len(inputs) > 1:
            forward_inputs, backward_inputs = [inputs[0]], [inputs[0]]
            pivot = (len(inputs) - self._num_constants) // 2 + 1
            forward_inputs += inputs[1:pivot]
            if not self._num_constants:
                backward_inputs += inputs[pivot:]
            else:
                backward_inputs += inputs[pivot:-self._num_constants]
                forward_inputs += inputs[-self._num_constants:]
                backward_inputs += inputs[-self._num_constants:]
            if 'constants' in kwargs:
                kwargs['constants'] = None
            return forward_inputs, backward_inputs, None, None
        if initial_state is not None:
            half = len(initial_state) // 2
            return inputs, inputs, initial_state[:half], initial_state[half:]
        return inputs, inputs, None, None

    def call(self, inputs, training=None, mask=None, initial_state=None, constants=None):
        kwargs = {}
        if has_arg(self.layer.call, 'training'):
            kwargs['training'] = training
        if has_arg(self.layer.call, 'mask'):
            kwargs['mask'] = mask
        if has_arg(self.layer.call, 'constants'):
            kwargs['constants'] = constants
        if has_arg(self.layer.call, 'initial_state'):
            forward_inputs, backward_inputs, forward_state, backward_state = self._split_inputs(
                inputs, initial_state, kwargs)
            y = self.forward_layer(forward_inputs, initial_state=forward_state, **kwargs)
            y_rev = self.backward_layer(backward_inputs, initial_state=backward_state, **kwargs)
        else:
            y = self.forward_layer(inputs, **kwargs)
            y_rev = self.backward_layer(inputs, **kwargs)
        states = []
        if self.return_state:
            states = y[1:] + y_rev[1:]
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = K.reverse(y_rev, 1)
        if self.merge_mode == 'concat':
            output = K.concatenate([y, y_rev])
        elif self.merge_mode == 'sum':
            output = y + y_rev
        elif self.merge_mode == 'ave':
            output = (y + y_rev) / 2
        elif self.merge_mode == 'mul':
            output = y * y_rev
        elif self.merge_mode is None:
            output = [y, y_rev]
        else:
            raise ValueError('Unrecognized value for `merge_mode`: %s' % self.merge_mode)
        if self.return_state:
            return (output if self.merge_mode is None else [output]) + states
        return output

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def build(self, input_shape):
        with K.name_scope(self.forward_layer.name):
            self.forward_layer.build(input_shape)
            self.forward_layer.built = True
        with K.name_scope(self.backward_layer.name):
            self.backward_layer.build(input_shape)
            self.backward_layer.built = True
        self.built = True

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            state_mask = [None for _ in self.forward_layer.states]
            if isinstance(output_mask, list):
                return output_mask + state_mask * 2
            return [output_mask] + state_mask * 2
        return output_mask

    def get_config(self):
        config = {'merge_mode': self.merge_mode}
        if self._num_constants:
            config['num_constants'] = self._num_constants
        if hasattr(self, '_backward_layer_config'):
            config['backward_layer'] = {'class_name': self.backward_layer.__class__.__name__,
                                        'config': self._backward_layer_config}
        return dict(super().get_config(), **config)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        num_constants = config.pop('num_constants', 0)
        backward_config = config.pop('backward_layer', None)
        if backward_config is not None:
            backward_class = (custom_objects or {}).get(backward_config['class_name']) or \
                _known_layer(backward_config['class_name'])
            config['backward_layer'] = backward_class.from_config(backward_config['config'])
        layer = super().from_config(config, custom_objects=custom_objects)
        layer._num_constants = num_constants
        return layer
