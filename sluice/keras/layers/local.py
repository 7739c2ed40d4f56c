"""tf.keras.layers.LocallyConnected1D / 2D (TF 1.15, graph mode, implementation=1): a convolution whose
weights are not shared between output positions.

'kernel' is [output positions, prod(kernel_size) * in, filters] and 'bias' [*output spatial shape, filters].
K.local_conv: for each output position (row-major) the input patch is sliced and reshaped to
[1, batch, features] (patch axes in the input's order, so channels_first patches are channel-major), the
patches are concatenated to [positions, batch, features] and multiplied by the kernel position by position
(BatchMatMul); the result is reshaped to the output grid and permuted to the data format. The bias is added
reshaped, as K.bias_add does (channels_first: [filters] + spatial shape read from the bias's memory order).
Only padding 'valid' (TF 1.15's rule for implementation 1); implementations 2 and 3 are not implemented.
"""
import itertools

from sluice.engine.tensor_shape import TensorShape
from sluice.keras import activations, backend as K, constraints, initializers, regularizers
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.core import merge_config
from sluice.keras.utils import conv_utils
from sluice.ops import array_ops, math_ops


class _LocallyConnected(Layer):
    _rank = None

    def __init__(self, filters, kernel_size, strides=1, padding='valid', data_format=None, activation=None,
                 use_bias=True, kernel_initializer='glorot_uniform', bias_initializer='zeros',
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(**kwargs)
        rank = self._rank
        self.filters = filters
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, 'kernel_size')
        self.strides = conv_utils.normalize_tuple(strides, rank, 'strides')
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding != 'valid' and implementation == 1:
            raise ValueError('Invalid border mode for %s (only "valid" is supported if implementation is 1): %s'
                             % (type(self).__name__, padding))
        if implementation != 1:
            raise NotImplementedError('sluice does not implement %s(implementation=%s) yet'
                                      % (type(self).__name__, implementation))
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.implementation = implementation
        self.input_spec = InputSpec(ndim=rank + 2)

    def _split_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        if self.data_format == 'channels_first':
            return dims[1], dims[2:]
        return dims[-1], dims[1:-1]

    def _output_spatial(self, spatial):
        return [conv_utils.conv_output_length(length, self.kernel_size[i], self.padding, self.strides[i])
                for i, length in enumerate(spatial)]

    def build(self, input_shape):
        input_dim, spatial = self._split_shape(input_shape)
        if self._rank == 1 and input_dim is None:
            raise ValueError('Axis 2 of input should be fully-defined. Found shape:', input_shape)
        if None in spatial or input_dim is None:
            raise ValueError('The spatial dimensions of the inputs to a LocallyConnected2D layer should be '
                             'fully-defined, but layer received the inputs shape ' + str(input_shape))
        self.output_spatial = self._output_spatial(spatial)
        positions = 1
        for length in self.output_spatial:
            positions *= length
        patch = input_dim
        for k in self.kernel_size:
            patch *= k
        self.kernel_shape = (positions, patch, self.filters)
        self.kernel = self.add_weight(shape=self.kernel_shape, initializer=self.kernel_initializer, name='kernel',
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=tuple(self.output_spatial) + (self.filters,),
                                        initializer=self.bias_initializer, name='bias',
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        channel_axis = 1 if self.data_format == 'channels_first' else -1
        self.input_spec = InputSpec(ndim=self._rank + 2, axes={channel_axis: input_dim})
        self.built = True

    def _local_conv(self, inputs):
        first = self.data_format == 'channels_first'
        patches = []
        for position in itertools.product(*[range(n) for n in self.output_spatial]):
            index = [slice(None)] * (2 if first else 1)
            index += [slice(p * s, p * s + k) for p, s, k in zip(position, self.strides, self.kernel_size)]
            if not first:
                index.append(slice(None))
            patches.append(array_ops.reshape(inputs[tuple(index)], (1, -1, self.kernel_shape[1])))
        output = math_ops.matmul(array_ops.concat(patches, axis=0), self.kernel)
        output = array_ops.reshape(output, tuple(self.output_spatial) + (-1, self.filters))
        spatial = list(range(self._rank))
        perm = [self._rank, self._rank + 1] + spatial if first else [self._rank] + spatial + [self._rank + 1]
        return array_ops.transpose(output, perm)

    def call(self, inputs):
        output = self._local_conv(inputs)
        if self.use_bias:
            bias_shape = tuple(self.output_spatial) + (self.filters,)
            if self.data_format == 'channels_first':
                output = output + array_ops.reshape(self.bias, (1, bias_shape[-1]) + bias_shape[:-1])
            else:
                output = output + array_ops.reshape(self.bias, (1,) + bias_shape)
        return self.activation(output)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        _, spatial = self._split_shape(input_shape)
        new = self._output_spatial(spatial)
        if self.data_format == 'channels_first':
            return TensorShape([dims[0], self.filters] + new)
        return TensorShape([dims[0]] + new + [self.filters])

    def get_config(self):
        return merge_config(super().get_config(), {
            'filters': self.filters, 'kernel_size': self.kernel_size, 'strides': self.strides,
            'padding': self.padding, 'data_format': self.data_format,
            'activation': activations.serialize(self.activation), 'use_bias': self.use_bias,
            'kernel_initializer': initializers.serialize(self.kernel_initializer),
            'bias_initializer': initializers.serialize(self.bias_initializer),
            'kernel_regularizer': regularizers.serialize(self.kernel_regularizer),
            'bias_regularizer': regularizers.serialize(self.bias_regularizer),
            'activity_regularizer': regularizers.serialize(self.activity_regularizer),
            'kernel_constraint': constraints.serialize(self.kernel_constraint),
            'bias_constraint': constraints.serialize(self.bias_constraint),
            'implementation': self.implementation})


class LocallyConnected1D(_LocallyConnected):
    """Unshared 1-D convolution."""
    _rank = 1


class LocallyConnected2D(_LocallyConnected):
    """Unshared 2-D convolution."""
    _rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid', data_format=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         **kwargs)
