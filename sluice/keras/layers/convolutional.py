"""tf.keras.layers convolutions (TF 1.15, graph mode).

- Conv1D/2D/3D: 'kernel' [*kernel_size, in, filters] (glorot_uniform) and 'bias' [filters] (zeros); the op is
  conv1d (ExpandDims, Conv2D, Squeeze), Conv2D or Conv3D in the layer's data format with the dilations as
  the op's attr, then BiasAdd (channels_first 1-D: a reshaped bias added) and the activation. 'causal'
  padding (Conv1D) pads the start by dilation * (k - 1) and convolves VALID.
- Conv2DTranspose/Conv3DTranspose: 'kernel' [*kernel_size, filters, in]; the op is the input-gradient of a
  convolution (Conv2DBackpropInput / Conv3DBackpropInputV2) to the size deconv_output_length gives from the
  input's dynamic shape (output_padding optional, smaller than the stride).
- SeparableConv1D/2D: 'depthwise_kernel' [*kernel_size, in, depth_multiplier] and 'pointwise_kernel'
  [(1,) * rank, in * depth_multiplier, filters] through tf.nn.separable_conv2d (1-D: a unit height added).
- DepthwiseConv2D: 'depthwise_kernel' [kh, kw, in, depth_multiplier], bias [in * depth_multiplier].
The resampling layers Keras keeps in this module (UpSampling*, ZeroPadding*, Cropping*) live in `reshaping`
and are re-exported here.
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import activations, backend as K, constraints, initializers, regularizers
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.core import merge_config
from sluice.keras.layers.reshaping import (  # noqa: F401  (Keras's module holds them)
    Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D,
    ZeroPadding3D)
from sluice.keras.utils import conv_utils
from sluice.ops import array_ops, indexing_ops, nn_conv3d_pool3d, nn_conv_pool, nn_separable_conv


class Conv(Layer):
    """N-D convolution (the shared part of Conv1D/2D/3D and the transposed and separable forms)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer='glorot_uniform', bias_initializer='zeros',
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, 'kernel_size')
        self.strides = conv_utils.normalize_tuple(strides, rank, 'strides')
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding == 'causal' and not isinstance(self, (Conv1D, SeparableConv1D)):
            raise ValueError('Causal padding is only supported for `Conv1D`and ``SeparableConv1D`.')
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, 'dilation_rate')
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _channel_axis(self):
        return 1 if self.data_format == 'channels_first' else -1

    def _input_dim(self, input_shape, message='The channel dimension of the inputs should be defined. '
                                              'Found `None`.'):
        dim = TensorShape(input_shape).dims[self._channel_axis()].value
        if dim is None:
            raise ValueError(message)
        return int(dim)

    def _add_bias(self, size):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name='bias', shape=(size,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        trainable=True, dtype=self.dtype)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.kernel = self.add_weight(name='kernel', shape=self.kernel_size + (input_dim, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True, dtype=self.dtype)
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): input_dim})
        self.built = True

    def _data_format_name(self):
        return conv_utils.convert_data_format(self.data_format, self.rank + 2)

    def _convolve(self, inputs):
        padding = 'VALID' if self.padding == 'causal' else self.padding.upper()
        fmt = self._data_format_name()
        if self.rank == 1:
            return nn_conv_pool.conv1d(inputs, self.kernel, stride=self.strides[0], padding=padding,
                                       data_format=fmt, dilations=self.dilation_rate[0])
        last = fmt.endswith('C')
        strides = (1,) + self.strides + (1,) if last else (1, 1) + self.strides
        dilations = (1,) + self.dilation_rate + (1,) if last else (1, 1) + self.dilation_rate
        op = nn_conv_pool.conv2d if self.rank == 2 else nn_conv3d_pool3d.conv3d
        return op(inputs, self.kernel, list(strides), padding, data_format=fmt, dilations=list(dilations))

    def _bias_and_activation(self, outputs):
        if self.use_bias:
            if self.data_format == 'channels_first' and self.rank == 1:
                outputs += array_ops.reshape(self.bias, (1, self.filters, 1))
            else:
                outputs = nn_conv_pool.bias_add(
                    outputs, self.bias, data_format='NCHW' if self.data_format == 'channels_first' else 'NHWC')
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def call(self, inputs):
        return self._bias_and_activation(self._convolve(inputs))

    def _spatial_dims(self, dims):
        return dims[1:-1] if self.data_format == 'channels_last' else dims[2:]

    def _with_channels(self, batch, spatial, channels):
        if self.data_format == 'channels_last':
            return TensorShape([batch] + list(spatial) + [channels])
        return TensorShape([batch, channels] + list(spatial))

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        new = [conv_utils.conv_output_length(length, self.kernel_size[i], self.padding, self.strides[i],
                                            self.dilation_rate[i])
               for i, length in enumerate(self._spatial_dims(dims))]
        return self._with_channels(dims[0], new, self.filters)

    def get_config(self):
        return merge_config(super().get_config(), {
            'filters': self.filters, 'kernel_size': self.kernel_size, 'strides': self.strides,
            'padding': self.padding, 'data_format': self.data_format, 'dilation_rate': self.dilation_rate,
            'activation': activations.serialize(self.activation), 'use_bias': self.use_bias,
            'kernel_initializer': initializers.serialize(self.kernel_initializer),
            'bias_initializer': initializers.serialize(self.bias_initializer),
            'kernel_regularizer': regularizers.serialize(self.kernel_regularizer),
            'bias_regularizer': regularizers.serialize(self.bias_regularizer),
            'activity_regularizer': regularizers.serialize(self.activity_regularizer),
            'kernel_constraint': constraints.serialize(self.kernel_constraint),
            'bias_constraint': constraints.serialize(self.bias_constraint)})


def causal_padding(layer):
    """Pads of the start of a 1-D input so that a VALID convolution sees no future step."""
    left = layer.dilation_rate[0] * (layer.kernel_size[0] - 1)
    if layer.data_format == 'channels_last':
        return [[0, 0], [left, 0], [0, 0]]
    return [[0, 0], [0, 0], [left, 0]]


class Conv1D(Conv):
    """1-D convolution over [batch, steps, channels] (or channels_first)."""

    def __init__(self, filters, kernel_size, strides=1, padding='valid', data_format='channels_last',
                 dilation_rate=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)

    def call(self, inputs):
        if self.padding == 'causal':
            inputs = indexing_ops.pad(inputs, causal_padding(self))
        return super().call(inputs)


class Conv2D(Conv):
    """2-D convolution over images."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid', data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class Conv3D(Conv):
    """3-D convolution over volumes."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding='valid', data_format=None,
                 dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)


class _ConvTranspose(Conv):
    """The transpose of a 2-D or 3-D convolution (the gradient of the convolution w.r.t. its input)."""

    def __init__(self, rank, filters, kernel_size, strides, padding='valid', output_padding=None, data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        self.output_padding = output_padding
        if output_padding is not None:
            self.output_padding = conv_utils.normalize_tuple(output_padding, rank, 'output_padding')
            for stride, out_pad in zip(self.strides, self.output_padding):
                if out_pad >= stride:
                    raise ValueError('Stride ' + str(self.strides) + ' must be greater than output padding ' +
                                     str(self.output_padding))

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        if input_shape.ndims != self.rank + 2:
            raise ValueError('Inputs should have rank %d. Received input shape: %s' % (self.rank + 2, input_shape))
        input_dim = self._input_dim(input_shape)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): input_dim})
        self.kernel = self.add_weight(name='kernel', shape=self.kernel_size + (self.filters, input_dim),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True, dtype=self.dtype)
        self._add_bias(self.filters)
        self.built = True

    def _output_length(self, length, i):
        out_pad = None if self.output_padding is None else self.output_padding[i]
        return conv_utils.deconv_output_length(length, self.kernel_size[i], self.padding, output_padding=out_pad,
                                              stride=self.strides[i], dilation=self.dilation_rate[i])

    def call(self, inputs):
        shape = array_ops.shape(inputs)
        first = 1 if self.data_format == 'channels_last' else 2
        spatial = [self._output_length(shape[first + i], i) for i in range(self.rank)]
        out_shape = array_ops.stack(self._output_shape_list(shape[0], spatial))
        fmt = self._data_format_name()
        last = fmt.endswith('C')
        strides = [1] + list(self.strides) + [1] if last else [1, 1] + list(self.strides)
        dilations = [1] + list(self.dilation_rate) + [1] if last else [1, 1] + list(self.dilation_rate)
        op = nn_conv_pool.conv2d_transpose if self.rank == 2 else nn_conv3d_pool3d.conv3d_transpose
        outputs = op(inputs, self.kernel, out_shape, strides, padding=self.padding.upper(), data_format=fmt,
                     dilations=dilations)
        outputs.set_shape(self.compute_output_shape(inputs.shape))
        return self._bias_and_activation(outputs)

    def _output_shape_list(self, batch, spatial):
        if self.data_format == 'channels_last':
            return [batch] + spatial + [self.filters]
        return [batch, self.filters] + spatial

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        spatial = [self._output_length(length, i) for i, length in enumerate(self._spatial_dims(dims))]
        return self._with_channels(dims[0], spatial, self.filters)

    def get_config(self):
        config = super().get_config()
        config['output_padding'] = self.output_padding
        return config


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution")."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid', output_padding=None,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution (no dilation, as in TF 1.15)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding='valid', output_padding=None,
                 data_format=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop('dilation_rate')
        return config


class SeparableConv(Conv):
    """Depthwise convolution per input channel, then a 1x1 convolution mixing the channels."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1,
                 depth_multiplier=1, depthwise_initializer='glorot_uniform', pointwise_initializer='glorot_uniform',
                 depthwise_regularizer=None, pointwise_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): input_dim})
        self.depthwise_kernel = self.add_weight(
            name='depthwise_kernel', shape=self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, trainable=True, dtype=self.dtype)
        self.pointwise_kernel = self.add_weight(
            name='pointwise_kernel', shape=(1,) * self.rank + (self.depth_multiplier * input_dim, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, trainable=True, dtype=self.dtype)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        last = self.data_format == 'channels_last'
        fmt = conv_utils.convert_data_format(self.data_format, 4)
        depthwise, pointwise = self.depthwise_kernel, self.pointwise_kernel
        strides, rate, padding = self.strides, self.dilation_rate, self.padding
        if self.rank == 1:  # a unit height in front of the width
            if padding == 'causal':
                inputs = indexing_ops.pad(inputs, causal_padding(self))
                padding = 'valid'
            spatial_start = 1 if last else 2
            inputs = array_ops.expand_dims(inputs, spatial_start)
            depthwise = array_ops.expand_dims(depthwise, 0)
            pointwise = array_ops.expand_dims(pointwise, 0)
            strides, rate = strides * 2, (1,) + rate  # TF 1.15 repeats the stride over the unit height
        full = (1,) + strides + (1,) if last else (1, 1) + strides
        outputs = nn_separable_conv.separable_conv2d(inputs, depthwise, pointwise, strides=full,
                                                     padding=padding.upper(), rate=rate, data_format=fmt)
        if self.use_bias:
            outputs = nn_conv_pool.bias_add(outputs, self.bias, data_format=fmt)
        if self.rank == 1:
            outputs = array_ops.squeeze(outputs, [spatial_start])
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def get_config(self):
        config = super().get_config()
        for key in ('kernel_initializer', 'kernel_regularizer', 'kernel_constraint'):
            config.pop(key)
        config.update({
            'depth_multiplier': self.depth_multiplier,
            'depthwise_initializer': initializers.serialize(self.depthwise_initializer),
            'pointwise_initializer': initializers.serialize(self.pointwise_initializer),
            'depthwise_regularizer': regularizers.serialize(self.depthwise_regularizer),
            'pointwise_regularizer': regularizers.serialize(self.pointwise_regularizer),
            'depthwise_constraint': constraints.serialize(self.depthwise_constraint),
            'pointwise_constraint': constraints.serialize(self.pointwise_constraint)})
        return config


class SeparableConv1D(SeparableConv):
    """Depthwise separable 1-D convolution."""

    def __init__(self, filters, kernel_size, strides=1, padding='valid', data_format=None, dilation_rate=1,
                 depth_multiplier=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, **kwargs)


class SeparableConv2D(SeparableConv):
    """Depthwise separable 2-D convolution."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid', data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, **kwargs)


class DepthwiseConv2D(Conv2D):
    """A 2-D convolution per input channel (depth_multiplier output channels each)."""

    def __init__(self, kernel_size, strides=(1, 1), padding='valid', depth_multiplier=1, data_format=None,
                 activation=None, use_bias=True, depthwise_initializer='glorot_uniform', bias_initializer='zeros',
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters=None, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, bias_initializer=bias_initializer, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        if len(input_shape) < 4:
            raise ValueError('Inputs to `DepthwiseConv2D` should have rank 4. Received input shape:',
                             str(input_shape))
        input_dim = self._input_dim(input_shape, 'The channel dimension of the inputs to `DepthwiseConv2D` '
                                                 'should be defined. Found `None`.')
        self.depthwise_kernel = self.add_weight(
            name='depthwise_kernel', shape=self.kernel_size + (input_dim, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._add_bias(input_dim * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=4, axes={1 if self.data_format == 'channels_first' else 3: input_dim})
        self.built = True

    def call(self, inputs):
        fmt = self._data_format_name()
        last = fmt.endswith('C')
        strides = (1,) + self.strides + (1,) if last else (1, 1) + self.strides
        outputs = nn_conv_pool.depthwise_conv2d(inputs, self.depthwise_kernel, strides=list(strides),
                                                padding=self.padding.upper(), rate=self.dilation_rate,
                                                data_format=fmt)
        if self.use_bias:
            outputs = nn_conv_pool.bias_add(outputs, self.bias, data_format=fmt)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        channels_axis = 1 if self.data_format == 'channels_first' else 3
        out_filters = None if dims[channels_axis] is None else dims[channels_axis] * self.depth_multiplier
        new = [conv_utils.conv_output_length(length, self.kernel_size[i], self.padding, self.strides[i])
               for i, length in enumerate(self._spatial_dims(dims))]
        return self._with_channels(dims[0], new, out_filters)

    def get_config(self):
        config = super().get_config()
        for key in ('filters', 'kernel_initializer', 'kernel_regularizer', 'kernel_constraint'):
            config.pop(key)
        config['depth_multiplier'] = self.depth_multiplier
        config['depthwise_initializer'] = initializers.serialize(self.depthwise_initializer)
        config['depthwise_regularizer'] = regularizers.serialize(self.depthwise_regularizer)
        config['depthwise_constraint'] = constraints.serialize(self.depthwise_constraint)
        return config


Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
Convolution2DTranspose, Convolution3DTranspose = Conv2DTranspose, Conv3DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose
