"""tf.keras SimpleRNN, GRU and LSTM (TF 1.15's v1 classes) and their cells.

Equations per step (x input, h/c previous states; kernels hold the gates side by side in the order below):
- SimpleRNN: h' = activation(x W + b + h U).
- GRU (gates z, r, h): z = ra(x Wz + bz + h Uz), r = ra(x Wr + br + h Ur); with reset_after=False (TF 1.15's
  default) hh = a(x Wh + bh + (r * h) Uh), with reset_after=True hh = a(x Wh + bh + r * (h Uh + b'h)) and
  a bias of shape (2, 3 units) (input, recurrent); h' = z * h + (1 - z) * hh.
- LSTM (gates i, f, c, o): i, f, o = ra(x W. + b. + h U.), c' = f * c + i * a(x Wc + bc + h Uc),
  h' = o * a(c'); unit_forget_bias initializes the forget gate's bias to ones.
Defaults are TF 1.15's: recurrent_activation='hard_sigmoid', GRU reset_after=False. `implementation=1`
computes each gate with its own matmuls (and its own dropout mask), `implementation=2` one fused matmul.
Dropout masks (inputs, recurrent state) are drawn once per call and only in the training phase.
"""
from sluice.keras import activations, constraints, initializers, regularizers
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.recurrent import RNN, DropoutRNNCellMixin, _generate_zero_filled_state_for_cell
from sluice.ops import array_ops, init_ops

_MODULES = {'activations': activations, 'initializers': initializers, 'regularizers': regularizers,
            'constraints': constraints}


def _serialize(module_name, value):
    return _MODULES[module_name].serialize(value)


def _get(module_name, identifier):
    return _MODULES[module_name].get(identifier)


class _CellOptions:
    """The arguments every cell shares: activations, initializers, regularizers, constraints, dropout."""

    _SERIALIZED = (('kernel_initializer', 'initializers'), ('recurrent_initializer', 'initializers'),
                   ('bias_initializer', 'initializers'), ('kernel_regularizer', 'regularizers'),
                   ('recurrent_regularizer', 'regularizers'), ('bias_regularizer', 'regularizers'),
                   ('kernel_constraint', 'constraints'), ('recurrent_constraint', 'constraints'),
                   ('bias_constraint', 'constraints'))

    def _set_options(self, units, activation, use_bias, dropout, recurrent_dropout, **resolved):
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        for attribute, module in self._SERIALIZED:
            setattr(self, attribute, _get(module, resolved[attribute]))
        self.dropout = min(1., max(0., dropout))
        self.recurrent_dropout = min(1., max(0., recurrent_dropout))

    def _options_config(self):
        config = {'units': self.units, 'activation': _serialize('activations', self.activation),
                  'use_bias': self.use_bias}
        if hasattr(self, 'recurrent_activation'):
            config['recurrent_activation'] = _serialize('activations', self.recurrent_activation)
        for attribute, module in self._SERIALIZED:
            config[attribute] = _serialize(module, getattr(self, attribute))
        config.update(dropout=self.dropout, recurrent_dropout=self.recurrent_dropout)
        return config

    def _add_kernels(self, input_dim, gates):
        self.kernel = self.add_weight(shape=(input_dim, self.units * gates), name='kernel',
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units * gates), name='recurrent_kernel',
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer=None):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight(shape=shape, name='bias', initializer=initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return _generate_zero_filled_state_for_cell(self, inputs, batch_size, dtype)


def _input_dim(input_shape):
    return input_shape[-1] if isinstance(input_shape, (tuple, list)) else input_shape.as_list()[-1]


class SimpleRNNCell(DropoutRNNCellMixin, _CellOptions, Layer):
    """h' = activation(x W + b + h U)."""

    def __init__(self, units, activation='tanh', use_bias=True, kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal', bias_initializer='zeros', kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0., **kwargs):
        super().__init__(**kwargs)
        self._set_options(units, activation, use_bias, dropout, recurrent_dropout,
                          kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                          bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                          recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                          kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                          bias_constraint=bias_constraint)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(_input_dim(input_shape), 1)
        self._add_bias((self.units,))
        self.built = True

    def call(self, inputs, states, training=None):
        prev_output = states[0]
        dp_mask = self.get_dropout_mask_for_cell(inputs, training)
        rec_dp_mask = self.get_recurrent_dropout_mask_for_cell(prev_output, training)
        h = K.dot(inputs * dp_mask if dp_mask is not None else inputs, self.kernel)
        if self.bias is not None:
            h = K.bias_add(h, self.bias)
        if rec_dp_mask is not None:
            prev_output = prev_output * rec_dp_mask
        output = h + K.dot(prev_output, self.recurrent_kernel)
        if self.activation is not None:
            output = self.activation(output)
        return output, [output]

    def get_config(self):
        return dict(super().get_config(), **self._options_config())


class GRUCell(DropoutRNNCellMixin, _CellOptions, Layer):
    """The GRU step (gates z, r, h); see the module docstring for reset_after."""

    def __init__(self, units, activation='tanh', recurrent_activation='hard_sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal', bias_initializer='zeros',
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0., recurrent_dropout=0., implementation=1,
                 reset_after=False, **kwargs):
        super().__init__(**kwargs)
        self._set_options(units, activation, use_bias, dropout, recurrent_dropout,
                          kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                          bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                          recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                          kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                          bias_constraint=bias_constraint)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = implementation
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(_input_dim(input_shape), 3)
        self._add_bias((3 * self.units,) if not self.reset_after else (2, 3 * self.units))
        self.built = True

    def call(self, inputs, states, training=None):
        h_tm1 = states[0]
        dp_mask = self.get_dropout_mask_for_cell(inputs, training, count=3)
        rec_dp_mask = self.get_recurrent_dropout_mask_for_cell(h_tm1, training, count=3)
        input_bias = recurrent_bias = None
        if self.use_bias:
            input_bias, recurrent_bias = (self.bias, None) if not self.reset_after else array_ops.unstack(self.bias)
        u = self.units
        if self.implementation == 1:
            x_in = [inputs * m for m in dp_mask] if 0. < self.dropout < 1. else [inputs] * 3
            h_in = [h_tm1 * m for m in rec_dp_mask] if 0. < self.recurrent_dropout < 1. else [h_tm1] * 3
            x_z, x_r, x_h = (K.dot(x_in[g], self.kernel[:, g * u:(g + 1) * u]) for g in range(3))
            if self.use_bias:
                x_z, x_r, x_h = (K.bias_add(v, input_bias[g * u:(g + 1) * u]) for g, v in enumerate((x_z, x_r, x_h)))
            recurrent_z = K.dot(h_in[0], self.recurrent_kernel[:, :u])
            recurrent_r = K.dot(h_in[1], self.recurrent_kernel[:, u:2 * u])
            if self.reset_after and self.use_bias:
                recurrent_z = K.bias_add(recurrent_z, recurrent_bias[:u])
                recurrent_r = K.bias_add(recurrent_r, recurrent_bias[u:2 * u])
            z = self.recurrent_activation(x_z + recurrent_z)
            r = self.recurrent_activation(x_r + recurrent_r)
            if self.reset_after:
                recurrent_h = K.dot(h_in[2], self.recurrent_kernel[:, 2 * u:])
                if self.use_bias:
                    recurrent_h = K.bias_add(recurrent_h, recurrent_bias[2 * u:])
                recurrent_h = r * recurrent_h
            else:
                recurrent_h = K.dot(r * h_in[2], self.recurrent_kernel[:, 2 * u:])
        else:
            if 0. < self.dropout < 1.:
                inputs = inputs * dp_mask[0]
            matrix_x = K.dot(inputs, self.kernel)
            if self.use_bias:
                matrix_x = K.bias_add(matrix_x, input_bias)
            x_z, x_r, x_h = matrix_x[:, :u], matrix_x[:, u:2 * u], matrix_x[:, 2 * u:]
            if 0. < self.recurrent_dropout < 1.:
                h_tm1 = h_tm1 * rec_dp_mask[0]
            if self.reset_after:
                matrix_inner = K.dot(h_tm1, self.recurrent_kernel)
                if self.use_bias:
                    matrix_inner = K.bias_add(matrix_inner, recurrent_bias)
            else:
                matrix_inner = K.dot(h_tm1, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(x_z + matrix_inner[:, :u])
            r = self.recurrent_activation(x_r + matrix_inner[:, u:2 * u])
            if self.reset_after:
                recurrent_h = r * matrix_inner[:, 2 * u:]
            else:
                recurrent_h = K.dot(r * h_tm1, self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(x_h + recurrent_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, [h]

    def get_config(self):
        return dict(super().get_config(), **self._options_config(), implementation=self.implementation,
                    reset_after=self.reset_after)


class LSTMCell(DropoutRNNCellMixin, _CellOptions, Layer):
    """The LSTM step (gates i, f, c, o); states [h, c]."""

    def __init__(self, units, activation='tanh', recurrent_activation='hard_sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal', bias_initializer='zeros',
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.,
                 recurrent_dropout=0., implementation=1, **kwargs):
        super().__init__(**kwargs)
        self._set_options(units, activation, use_bias, dropout, recurrent_dropout,
                          kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                          bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                          recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                          kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                          bias_constraint=bias_constraint)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.implementation = implementation
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self._add_kernels(_input_dim(input_shape), 4)
        self._add_bias((self.units * 4,), self._forget_bias_initializer if self.unit_forget_bias else None)
        self.built = True

    def _forget_bias_initializer(self, _, *args, **kwargs):
        """bias_initializer for the i, c and o gates; ones for the forget gate."""
        return K.concatenate([self.bias_initializer((self.units,), *args, **kwargs),
                              init_ops.Ones()((self.units,), *args, **kwargs),
                              self.bias_initializer((self.units * 2,), *args, **kwargs)])

    def _compute_carry_and_output(self, x, h_tm1, c_tm1):
        x_i, x_f, x_c, x_o = x
        h_i, h_f, h_c, h_o = h_tm1
        u = self.units
        i = self.recurrent_activation(x_i + K.dot(h_i, self.recurrent_kernel[:, :u]))
        f = self.recurrent_activation(x_f + K.dot(h_f, self.recurrent_kernel[:, u:2 * u]))
        c = f * c_tm1 + i * self.activation(x_c + K.dot(h_c, self.recurrent_kernel[:, 2 * u:3 * u]))
        o = self.recurrent_activation(x_o + K.dot(h_o, self.recurrent_kernel[:, 3 * u:]))
        return c, o

    def _compute_carry_and_output_fused(self, z, c_tm1):
        z0, z1, z2, z3 = z
        i = self.recurrent_activation(z0)
        f = self.recurrent_activation(z1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3)
        return c, o

    def call(self, inputs, states, training=None):
        h_tm1, c_tm1 = states[0], states[1]
        dp_mask = self.get_dropout_mask_for_cell(inputs, training, count=4)
        rec_dp_mask = self.get_recurrent_dropout_mask_for_cell(h_tm1, training, count=4)
        if self.implementation == 1:
            x_in = [inputs * m for m in dp_mask] if 0 < self.dropout < 1. else [inputs] * 4
            h_in = [h_tm1 * m for m in rec_dp_mask] if 0 < self.recurrent_dropout < 1. else [h_tm1] * 4
            kernels = array_ops.split(self.kernel, num_or_size_splits=4, axis=1)
            x = [K.dot(xg, kg) for xg, kg in zip(x_in, kernels)]
            if self.use_bias:
                x = [K.bias_add(xg, bg) for xg, bg in zip(x, array_ops.split(self.bias, num_or_size_splits=4,
                                                                             axis=0))]
            c, o = self._compute_carry_and_output(x, h_in, c_tm1)
        else:
            if 0. < self.dropout < 1.:
                inputs = inputs * dp_mask[0]
            z = K.dot(inputs, self.kernel)
            if 0. < self.recurrent_dropout < 1.:
                h_tm1 = h_tm1 * rec_dp_mask[0]
            z += K.dot(h_tm1, self.recurrent_kernel)
            if self.use_bias:
                z = K.bias_add(z, self.bias)
            c, o = self._compute_carry_and_output_fused(array_ops.split(z, num_or_size_splits=4, axis=1), c_tm1)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return dict(super().get_config(), **self._options_config(), unit_forget_bias=self.unit_forget_bias,
                    implementation=self.implementation)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return list(_generate_zero_filled_state_for_cell(self, inputs, batch_size, dtype))


class PeepholeLSTMCell(LSTMCell):
    """LSTMCell whose i and f gates also see c(t-1), and o sees c(t), through diagonal peephole weights."""

    def build(self, input_shape):
        super().build(input_shape)
        for gate in ('input', 'forget', 'output'):
            setattr(self, gate + '_gate_peephole_weights',
                    self.add_weight(shape=(self.units,), name=gate + '_gate_peephole_weights',
                                    initializer=self.kernel_initializer))

    def _compute_carry_and_output(self, x, h_tm1, c_tm1):
        x_i, x_f, x_c, x_o = x
        h_i, h_f, h_c, h_o = h_tm1
        u = self.units
        i = self.recurrent_activation(x_i + K.dot(h_i, self.recurrent_kernel[:, :u]) +
                                      self.input_gate_peephole_weights * c_tm1)
        f = self.recurrent_activation(x_f + K.dot(h_f, self.recurrent_kernel[:, u:2 * u]) +
                                      self.forget_gate_peephole_weights * c_tm1)
        c = f * c_tm1 + i * self.activation(x_c + K.dot(h_c, self.recurrent_kernel[:, 2 * u:3 * u]))
        o = self.recurrent_activation(x_o + K.dot(h_o, self.recurrent_kernel[:, 3 * u:]) +
                                      self.output_gate_peephole_weights * c)
        return c, o

    def _compute_carry_and_output_fused(self, z, c_tm1):
        z0, z1, z2, z3 = z
        i = self.recurrent_activation(z0 + self.input_gate_peephole_weights * c_tm1)
        f = self.recurrent_activation(z1 + self.forget_gate_peephole_weights * c_tm1)
        c = f * c_tm1 + i * self.activation(z2)
        o = self.recurrent_activation(z3 + self.output_gate_peephole_weights * c)
        return c, o


# -- the layers: an RNN over one of the cells above, its arguments readable on the layer ---------------------------
_RNN_ARGS = ('return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll')


class _CellLayer(RNN):
    """An RNN that builds its own `cell_class` from the cell's arguments (SimpleRNN, GRU, LSTM)."""

    cell_class = None
    cell_args = ()

    def __init__(self, units, **kwargs):
        if kwargs.get('implementation') == 0:
            kwargs['implementation'] = 1  # TF 1.15: implementation=0 is deprecated and means 1
        rnn_args = {name: kwargs.pop(name) for name in _RNN_ARGS if name in kwargs}
        activity_regularizer = kwargs.pop('activity_regularizer', None)
        cell_kwargs = {name: kwargs.pop(name) for name in self.cell_args if name in kwargs}
        cell = self.cell_class(units, dtype=kwargs.get('dtype'), **cell_kwargs)
        super().__init__(cell, **rnn_args, **kwargs)
        self.activity_regularizer = _get('regularizers', activity_regularizer)
        self.input_spec = [InputSpec(ndim=3)]

    def __getattr__(self, name):
        # units, activation, kernel_initializer, ... read through to the cell, as TF's properties do.
        cell = self.__dict__.get('cell')
        if cell is not None and (name in type(self).cell_args or name == 'units'):
            return getattr(cell, name)
        raise AttributeError("'%s' object has no attribute '%s'" % (type(self).__name__, name))

    def call(self, inputs, mask=None, training=None, initial_state=None):
        self.cell.reset_dropout_mask()
        self.cell.reset_recurrent_dropout_mask()
        return super().call(inputs, mask=mask, training=training, initial_state=initial_state)

    def get_config(self):
        config = super().get_config()
        del config['cell']
        config.update(self.cell._options_config())
        config['activity_regularizer'] = _serialize('regularizers', self.activity_regularizer)
        for name in self.cell_args:
            if name not in config:
                config[name] = getattr(self.cell, name)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_COMMON_CELL_ARGS = ('activation', 'use_bias', 'kernel_initializer', 'recurrent_initializer', 'bias_initializer',
                     'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'kernel_constraint',
                     'recurrent_constraint', 'bias_constraint', 'dropout', 'recurrent_dropout')


class SimpleRNN(_CellLayer):
    """Fully-connected RNN whose output is fed back as the next input's state."""

    cell_class = SimpleRNNCell
    cell_args = _COMMON_CELL_ARGS

    def __init__(self, units, **kwargs):
        kwargs.pop('implementation', None)  # deprecated for SimpleRNN in TF 1.15, ignored
        super().__init__(units, **kwargs)


class GRU(_CellLayer):
    """Gated Recurrent Unit (Cho et al. 2014), TF 1.15's v1 layer."""

    cell_class = GRUCell
    cell_args = _COMMON_CELL_ARGS + ('recurrent_activation', 'implementation', 'reset_after')


class LSTM(_CellLayer):
    """Long Short-Term Memory (Hochreiter 1997), TF 1.15's v1 layer."""

    cell_class = LSTMCell
    cell_args = _COMMON_CELL_ARGS + ('recurrent_activation', 'unit_forget_bias', 'implementation')

