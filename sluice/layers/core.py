"""tf.layers core layers, as TF 1.15 builds them: Dense (MatMul, or Tensordot for inputs of rank > 2, then
BiasAdd and the activation; variables kernel [in, units] and bias [units]), Dropout (tf.nn.dropout when
`training` is true: a Python bool or constant picks the branch now, a bool tensor builds tf.cond over
the dropped and the unchanged inputs) and
Flatten (Reshape to [batch, -1], channels_first inputs transposed to channels_last first), with the
function forms dense, dropout and flatten.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, graph_ops, init_ops, linalg_ops, math_ops, nn_conv_pool, nn_dropout
from sluice.layers import arguments
from sluice.layers.base import InputSpec, Layer, smart_cond, static_bool


class Dense(Layer):
    """outputs = activation(inputs . kernel + bias)."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs)
        self.units = int(units)
        self.activation = arguments.activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = arguments.initializer(kernel_initializer)
        self.bias_initializer = arguments.initializer(bias_initializer)
        self.kernel_regularizer = arguments.regularizer(kernel_regularizer)
        self.bias_regularizer = arguments.regularizer(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        dtype = dtypes.as_dtype(self.dtype or dtypes.float32)
        if not (dtype.is_floating or dtype.is_complex):
            raise TypeError('Unable to build `Dense` layer with non-floating point dtype %s' % (dtype,))
        input_shape = TensorShape(input_shape)
        last_dim = input_shape.dims[-1].value if input_shape.dims else None
        if last_dim is None:
            raise ValueError('The last dimension of the inputs to `Dense` should be defined. Found `None`.')
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.kernel = self.add_weight('kernel', shape=[last_dim, self.units], initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      dtype=self.dtype, trainable=True)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight('bias', shape=[self.units], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        dtype=self.dtype, trainable=True)
        self.built = True

    def call(self, inputs):
        rank = len(inputs.shape)
        if rank > 2:
            outputs = linalg_ops.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape.as_list()[:-1] + [self.units])
        else:
            inputs = math_ops.cast(inputs, self.dtype)
            outputs = math_ops.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = nn_conv_pool.bias_add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        input_shape = TensorShape(input_shape).with_rank_at_least(2)
        if input_shape.dims[-1].value is None:
            raise ValueError('The innermost dimension of input_shape must be defined, but saw: %s' % input_shape)
        return input_shape[:-1].concatenate(self.units)


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
          reuse=None):
    """The functional form of Dense: a new layer applied once (scope `name`, reused when `reuse`)."""
    layer = Dense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                  bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, trainable=trainable,
                  name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


class Dropout(Layer):
    """Sets a fraction `rate` of the inputs to 0 (scaling the rest by 1 / (1 - rate)) when training."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        concrete = array_ops.shape(inputs)
        return convert_to_tensor([concrete[i] if v is None else v for i, v in enumerate(self.noise_shape)])

    def call(self, inputs, training=False):
        def dropped():
            return nn_dropout.dropout(inputs, noise_shape=self._get_noise_shape(inputs), seed=self.seed,
                                      rate=self.rate)
        if static_bool(training) is None:
            # The random mask is drawn outside tf.cond: sluice differentiates an If branch only when it
            # holds no stateful op, and the values are the same.
            mask_applied = dropped()
            return smart_cond(training, lambda: graph_ops.identity(mask_applied), lambda: graph_ops.identity(inputs))
        return smart_cond(training, dropped, lambda: graph_ops.identity(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """The functional form of Dropout (identity unless `training`)."""
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(inputs, training=training)


class Flatten(Layer):
    """[batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = arguments.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        ndim = inputs.shape.ndims
        if self.data_format == 'channels_first' and ndim is not None and ndim > 1:
            inputs = array_ops.transpose(inputs, perm=[0] + list(range(2, ndim)) + [1])
        batch = inputs.shape.dims[0].value if inputs.shape.dims else None
        outputs = array_ops.reshape(inputs, (batch or array_ops.shape(inputs)[0], -1))
        outputs.set_shape(self.compute_output_shape(inputs.shape))
        return outputs

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        if not dims:
            return TensorShape([1])
        rest = dims[1:]
        return TensorShape([dims[0], int(np.prod(rest)) if all(rest) else None])


def flatten(inputs, name=None, data_format='channels_last'):
    """The functional form of Flatten."""
    return Flatten(name=name, data_format=data_format).apply(inputs)


FullyConnected = Dense
fully_connected = dense
