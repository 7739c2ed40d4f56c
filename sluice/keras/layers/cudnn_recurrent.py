"""tf.keras CuDNNLSTM and CuDNNGRU (TF 1.15): cuDNN's recurrences with cuDNN's weight layout.

The weights are TF 1.15's: 'kernel' (input_dim, gates * units), 'recurrent_kernel' (units, gates * units) and
one 'bias' holding the input biases then the recurrent biases (8 units for the LSTM, 6 for the GRU), so
checkpoints move between these layers and TF's. TF 1.15 runs them only through the CudnnRNN kernel (a GPU
without one fails at run time); sluice runs the same equations on any device instead, as a `K.rnn` loop whose
input projections for all timesteps are one matmul before the loop:
- LSTM (gates i, f, c, o): gates = x W + h U + b_in + b_rec; i, f, o = sigmoid, c' = f c + i tanh(.),
  h' = o tanh(c'); `unit_forget_bias` sets the recurrent forget bias (bias[5u:6u]) to ones.
- GRU (gates z, r, h): z, r = sigmoid(x W + b_in + h U + b_rec); hh = tanh(x Wh + bh_in + r (h Uh + bh_rec));
  h' = z h + (1 - z) hh (the equations of GRU(reset_after=True, recurrent_activation='sigmoid')).
Masking is not supported, as in TF.
"""
import collections

from sluice.keras import backend as K
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.recurrent import RNN
from sluice.keras.layers.recurrent_cells import _get, _serialize
from sluice.ops import array_ops, init_ops, state_ops

_SERIALIZED = (('kernel_initializer', 'initializers'), ('recurrent_initializer', 'initializers'),
               ('bias_initializer', 'initializers'), ('kernel_regularizer', 'regularizers'),
               ('recurrent_regularizer', 'regularizers'), ('bias_regularizer', 'regularizers'),
               ('activity_regularizer', 'regularizers'), ('kernel_constraint', 'constraints'),
               ('recurrent_constraint', 'constraints'), ('bias_constraint', 'constraints'))


class _CuDNNRNN(RNN):
    """The shared frame: states, stateful updates, return_sequences/return_state, go_backwards."""

    _gates = None

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 time_major=False, **kwargs):
        options = {name: kwargs.pop(name, None) for name, _ in _SERIALIZED}
        options['kernel_initializer'] = options['kernel_initializer'] or 'glorot_uniform'
        options['recurrent_initializer'] = options['recurrent_initializer'] or 'orthogonal'
        options['bias_initializer'] = options['bias_initializer'] or 'zeros'
        self.units = units
        Layer.__init__(self, **kwargs)  # RNN's own __init__ wants a cell with `call`; these layers have none
        for name, module in _SERIALIZED:
            setattr(self, name, _get(module, options[name]))
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.time_major = time_major
        self.unroll = False
        self.zero_output_for_mask = False
        self.supports_masking = False
        self.input_spec = [InputSpec(ndim=3)]
        state_size = self.cell.state_size if hasattr(self.cell.state_size, '__len__') else [self.cell.state_size]
        self.state_spec = [InputSpec(shape=(None, dim)) for dim in state_size]
        self.constants_spec = None
        self._states = None
        self._num_constants = 0

    def build(self, input_shape):
        super().build(input_shape)
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        input_dim = int(input_shape[-1])
        gates = self._gates
        self.kernel = self.add_weight(shape=(input_dim, self.units * gates), name='kernel',
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units * gates), name='recurrent_kernel',
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.add_weight(shape=(self.units * gates * 2,), name='bias', initializer=self._bias_initializer(),
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _bias_initializer(self):
        return self.bias_initializer

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(mask, list):
            mask = mask[0]
        if mask is not None:
            raise ValueError('Masking is not supported for CuDNN RNNs.')
        inputs, initial_state, _ = self._process_inputs(inputs, initial_state, None)
        if not self.time_major:
            inputs = array_ops.transpose(inputs, (1, 0, 2))
        if self.go_backwards:
            inputs = K.reverse(inputs, 0)
        # All timesteps' input projections in one matmul; the loop only adds the recurrent part.
        projected = K.dot(inputs, self.kernel) + self.bias[:self.units * self._gates]
        last_output, outputs, states = K.rnn(self._step, projected, list(initial_state), time_major=True)
        if self.stateful:
            self.add_update([state_ops.assign(old, new) for old, new in zip(self.states, states)])
        if self.return_sequences:
            output = outputs if self.time_major else array_ops.transpose(outputs, (1, 0, 2))
        else:
            output = last_output
        return [output] + list(states) if self.return_state else output

    def get_config(self):
        config = {'units': self.units, 'return_sequences': self.return_sequences, 'return_state': self.return_state,
                  'go_backwards': self.go_backwards, 'stateful': self.stateful, 'time_major': self.time_major}
        for name, module in _SERIALIZED:
            config[name] = _serialize(module, getattr(self, name))
        return dict(Layer.get_config(self), **config)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def trainable_weights(self):
        if self.trainable and self.built:
            return [self.kernel, self.recurrent_kernel, self.bias]
        return []

    @property
    def non_trainable_weights(self):
        if not self.trainable and self.built:
            return [self.kernel, self.recurrent_kernel, self.bias]
        return []


_CellSpec = collections.namedtuple('cell', 'state_size')


class CuDNNGRU(_CuDNNRNN):
    """cuDNN's GRU: reset gate applied after the recurrent matmul, separate input and recurrent biases."""

    _gates = 3

    def __init__(self, units, **kwargs):
        self._cell = _CellSpec(state_size=units)
        super().__init__(units, **kwargs)

    @property
    def cell(self):
        return self._cell

    def _step(self, x, states):
        h_tm1 = states[0]
        u = self.units
        inner = K.dot(h_tm1, self.recurrent_kernel) + self.bias[3 * u:]
        z = K.sigmoid(x[:, :u] + inner[:, :u])
        r = K.sigmoid(x[:, u:2 * u] + inner[:, u:2 * u])
        hh = K.tanh(x[:, 2 * u:] + r * inner[:, 2 * u:])
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]


class CuDNNLSTM(_CuDNNRNN):
    """cuDNN's LSTM: sigmoid gates, tanh cell, input and recurrent biases summed."""

    _gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        self._cell = _CellSpec(state_size=(units, units))
        self.unit_forget_bias = unit_forget_bias
        super().__init__(units, **kwargs)

    @property
    def cell(self):
        return self._cell

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer

        def initializer(_, *args, **kwargs):
            return array_ops.concat([self.bias_initializer((self.units * 5,), *args, **kwargs),
                                     init_ops.Ones()((self.units,), *args, **kwargs),
                                     self.bias_initializer((self.units * 2,), *args, **kwargs)], axis=0)
        return initializer

    def _step(self, x, states):
        h_tm1, c_tm1 = states[0], states[1]
        u = self.units
        z = x + K.dot(h_tm1, self.recurrent_kernel) + self.bias[4 * u:]
        i, f, o = K.sigmoid(z[:, :u]), K.sigmoid(z[:, u:2 * u]), K.sigmoid(z[:, 3 * u:])
        c = f * c_tm1 + i * K.tanh(z[:, 2 * u:3 * u])
        h = o * K.tanh(c)
        return h, [h, c]

    def get_config(self):
        return dict(super().get_config(), unit_forget_bias=self.unit_forget_bias)
