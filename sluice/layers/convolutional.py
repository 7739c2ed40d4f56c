"""tf.layers convolutions, as TF 1.15 builds them, with their function forms.

- Conv1D/2D/3D: variables kernel [*kernel_size, in, filters] and bias [filters]; the op is conv1d
  (ExpandDims, Conv2D, Squeeze), Conv2D or Conv3D in the layer's data format, then BiasAdd
  (channels_first 1-D: a reshaped bias added) and the activation. 'causal' padding (Conv1D) pads the
  start of the sequence by dilation * (k - 1) and convolves VALID.
- Conv2DTranspose/Conv3DTranspose: kernel [*kernel_size, filters, in]; the op is the input-gradient
  of a convolution (Conv2DBackpropInput / Conv3DBackpropInputV2) to the output size Keras's
  deconv_output_length gives, computed from the input's dynamic shape.
- SeparableConv1D/2D: depthwise_kernel [*kernel_size, in, depth_multiplier] and pointwise_kernel
  [1, (1,) in * depth_multiplier, filters] through tf.nn.separable_conv2d (1-D: a unit height added).

Dilations go to the ops' `dilations` attrs (TF 1.15 builds SpaceToBatchND around an undilated op
instead; the values are the same).
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, indexing_ops, init_ops, nn_conv_pool
from sluice.ops import nn_conv3d_pool3d, nn_separable_conv
from sluice.layers import arguments
from sluice.layers.base import InputSpec, Layer


class _Conv(Layer):
    """N-D convolution layer (the shared part of Conv1D/2D/3D)."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding='valid', data_format='channels_last',
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = arguments.normalize_tuple(kernel_size, rank, 'kernel_size')
        self.strides = arguments.normalize_tuple(strides, rank, 'strides')
        self.padding = arguments.normalize_padding(padding)
        if self.padding == 'causal' and not isinstance(self, (Conv1D, SeparableConv1D)):
            raise ValueError('Causal padding is only supported for `Conv1D`and ``SeparableConv1D`.')
        self.data_format = arguments.normalize_data_format(data_format)
        self.dilation_rate = arguments.normalize_tuple(dilation_rate, rank, 'dilation_rate')
        self.activation = arguments.activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = arguments.initializer(kernel_initializer)
        self.bias_initializer = arguments.initializer(bias_initializer)
        self.kernel_regularizer = arguments.regularizer(kernel_regularizer)
        self.bias_regularizer = arguments.regularizer(bias_regularizer)
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.input_spec = InputSpec(ndim=rank + 2)

    def _channel_axis(self):
        return 1 if self.data_format == 'channels_first' else -1

    def _input_dim(self, input_shape):
        input_shape = TensorShape(input_shape)
        dim = input_shape.dims[self._channel_axis()].value
        if dim is None:
            raise ValueError('The channel dimension of the inputs should be defined. Found `None`.')
        return int(dim)

    def _add_bias(self, name='bias'):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name=name, shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        trainable=True, dtype=self.dtype)

    def build(self, input_shape):
        input_dim = self._input_dim(input_shape)
        self.kernel = self.add_weight(name='kernel', shape=self.kernel_size + (input_dim, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True, dtype=self.dtype)
        self._add_bias()
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): input_dim})
        self.built = True

    def _causal_padding(self):
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        if self.data_format == 'channels_last':
            return [[0, 0], [left, 0], [0, 0]]
        return [[0, 0], [0, 0], [left, 0]]

    def _convolve(self, inputs):
        padding = 'VALID' if self.padding == 'causal' else self.padding.upper()
        fmt = arguments.convert_data_format(self.data_format, self.rank + 2)
        if self.rank == 1:
            return nn_conv_pool.conv1d(inputs, self.kernel, stride=self.strides[0], padding=padding,
                                       data_format=fmt, dilations=self.dilation_rate[0])
        full = [1] + list(self.strides) + [1] if fmt.endswith('C') else [1, 1] + list(self.strides)
        dil = [1] + list(self.dilation_rate) + [1] if fmt.endswith('C') else [1, 1] + list(self.dilation_rate)
        if self.rank == 2:
            return nn_conv_pool.conv2d(inputs, self.kernel, full, padding, data_format=fmt, dilations=dil)
        return nn_conv3d_pool3d.conv3d(inputs, self.kernel, full, padding, data_format=fmt, dilations=dil)

    def call(self, inputs):
        if self.padding == 'causal':
            inputs = indexing_ops.pad(inputs, self._causal_padding())
        outputs = self._convolve(inputs)
        if self.use_bias:
            if self.data_format == 'channels_first' and self.rank == 1:
                outputs += array_ops.reshape(self.bias, (1, self.filters, 1))
            else:
                outputs = nn_conv_pool.bias_add(outputs, self.bias,
                                                data_format='NCHW' if self.data_format == 'channels_first' else 'NHWC')
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        space = dims[1:-1] if self.data_format == 'channels_last' else dims[2:]
        new = [arguments.conv_output_length(space[i], self.kernel_size[i], self.padding, self.strides[i],
                                            self.dilation_rate[i]) for i in range(len(space))]
        if self.data_format == 'channels_last':
            return TensorShape([dims[0]] + new + [self.filters])
        return TensorShape([dims[0], self.filters] + new)


def _conv_class(rank, class_name, default_stride):
    def __init__(self, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 dilation_rate=default_stride, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        _Conv.__init__(self, rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                       dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                       kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                       kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                       activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                       bias_constraint=bias_constraint, trainable=trainable, name=name, **kwargs)
    doc = '%d-D convolution layer (tf.layers.%s).' % (rank, class_name)
    return type(class_name, (_Conv,), {'__init__': __init__, '__doc__': doc, '__module__': __name__})


Conv1D = _conv_class(1, 'Conv1D', 1)
Conv2D = _conv_class(2, 'Conv2D', (1, 1))
Conv3D = _conv_class(3, 'Conv3D', (1, 1, 1))


def _conv_function(cls, default_stride):
    def function(inputs, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 dilation_rate=default_stride, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 reuse=None):
        layer = cls(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                    data_format=data_format, dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                    kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                    kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                    activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                    bias_constraint=bias_constraint, trainable=trainable, name=name, _reuse=reuse, _scope=name)
        return layer.apply(inputs)
    function.__name__ = cls.__name__.lower()
    function.__doc__ = 'The functional form of tf.layers.%s.' % cls.__name__
    return function


conv1d = _conv_function(Conv1D, 1)
conv2d = _conv_function(Conv2D, (1, 1))
conv3d = _conv_function(Conv3D, (1, 1, 1))


# -- transposed convolutions ----------------------------------------------------------------------------
class _ConvTranspose(_Conv):
    """Transposed convolution (the gradient of a convolution with respect to its input)."""

    def __init__(self, rank, filters, kernel_size, strides, padding='valid', data_format='channels_last',
                 activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 output_padding=None, dilation_rate=1, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, trainable=trainable, name=name, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = arguments.normalize_tuple(output_padding, rank, 'output_padding')
            for stride, out_pad in zip(self.strides, self.output_padding):
                if out_pad >= stride:
                    raise ValueError('Stride ' + str(self.strides) + ' must be greater than output padding ' +
                                     str(self.output_padding))

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError('Inputs should have rank %d. Received input shape: %s' % (self.rank + 2, input_shape))
        input_dim = self._input_dim(input_shape)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): input_dim})
        self.kernel = self.add_weight(name='kernel', shape=self.kernel_size + (self.filters, input_dim),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True, dtype=self.dtype)
        self._add_bias()
        self.built = True

    def _lengths(self, sizes):
        pads = self.output_padding or (None,) * self.rank
        return [arguments.deconv_output_length(sizes[i], self.kernel_size[i], self.padding, pads[i],
                                               self.strides[i], self.dilation_rate[i]) for i in range(self.rank)]

    def call(self, inputs):
        shape = array_ops.shape(inputs)
        first = self.data_format == 'channels_first'
        space = [shape[i] for i in (range(2, self.rank + 2) if first else range(1, self.rank + 1))]
        lengths = self._lengths(space)
        out = [shape[0], self.filters] + lengths if first else [shape[0]] + lengths + [self.filters]
        output_shape = array_ops.stack(out)
        fmt = arguments.convert_data_format(self.data_format, self.rank + 2)
        strides = [1, 1] + list(self.strides) if first else [1] + list(self.strides) + [1]
        dil = [1, 1] + list(self.dilation_rate) if first else [1] + list(self.dilation_rate) + [1]
        transpose = nn_conv_pool.conv2d_transpose if self.rank == 2 else nn_conv3d_pool3d.conv3d_transpose
        outputs = transpose(inputs, self.kernel, output_shape, strides, padding=self.padding.upper(),
                            data_format=fmt, dilations=dil)
        outputs.set_shape(self.compute_output_shape(inputs.shape))
        if self.use_bias:
            outputs = nn_conv_pool.bias_add(outputs, self.bias, data_format='NCHW' if first else 'NHWC')
        if self.activation is not None:
            return self.activation(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        first = self.data_format == 'channels_first'
        axes = list(range(2, self.rank + 2)) if first else list(range(1, self.rank + 1))
        lengths = self._lengths([dims[a] for a in axes])
        out = list(dims)
        for a, n in zip(axes, lengths):
            out[a] = n
        out[1 if first else -1] = self.filters
        return TensorShape(out)


def _transpose_class(rank, class_name, default_stride):
    def __init__(self, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        _ConvTranspose.__init__(self, rank, filters, kernel_size, strides, padding=padding, data_format=data_format,
                                activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                                bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                                bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                                kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                                trainable=trainable, name=name, **kwargs)
    doc = 'Transposed %d-D convolution layer (tf.layers.%s).' % (rank, class_name)
    return type(class_name, (_ConvTranspose,), {'__init__': __init__, '__doc__': doc, '__module__': __name__})


Conv2DTranspose = _transpose_class(2, 'Conv2DTranspose', (1, 1))
Conv3DTranspose = _transpose_class(3, 'Conv3DTranspose', (1, 1, 1))


def _transpose_function(cls, default_stride):
    def function(inputs, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 reuse=None):
        layer = cls(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                    activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                    bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                    bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                    kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, trainable=trainable,
                    name=name, _reuse=reuse, _scope=name)
        return layer.apply(inputs)
    function.__doc__ = 'The functional form of tf.layers.%s.' % cls.__name__
    return function


conv2d_transpose = _transpose_function(Conv2DTranspose, (1, 1))
conv3d_transpose = _transpose_function(Conv3DTranspose, (1, 1, 1))


# -- separable convolutions -----------------------------------------------------------------------------
class _SeparableConv(_Conv):
    """Depthwise convolution per input channel, then a 1x1 convolution mixing the channels."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding='valid', data_format='channels_last',
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer=None,
                 pointwise_initializer=None, bias_initializer=init_ops.zeros_initializer(),
                 depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint,
                         trainable=trainable, name=name, **kwargs)
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = arguments.initializer(depthwise_initializer)
        self.pointwise_initializer = arguments.initializer(pointwise_initializer)
        self.depthwise_regularizer = arguments.regularizer(depthwise_regularizer)
        self.pointwise_regularizer = arguments.regularizer(pointwise_regularizer)
        self.depthwise_constraint, self.pointwise_constraint = depthwise_constraint, pointwise_constraint

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
        self._add_bias()
        self.built = True

    def call(self, inputs):
        last = self.data_format == 'channels_last'
        fmt = arguments.convert_data_format(self.data_format, 4)
        depthwise, pointwise = self.depthwise_kernel, self.pointwise_kernel
        strides, rate, padding = self.strides, self.dilation_rate, self.padding
        if self.rank == 1:  # a unit height in front of the width
            if padding == 'causal':
                inputs = indexing_ops.pad(inputs, self._causal_padding())
                padding = 'valid'
            spatial_start = 1 if last else 2
            inputs = array_ops.expand_dims(inputs, spatial_start)
            depthwise = array_ops.expand_dims(depthwise, 0)
            pointwise = array_ops.expand_dims(pointwise, 0)
            strides, rate = strides * 2, (1,) + rate
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


def _separable_class(rank, class_name, default_stride):
    def __init__(self, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 dilation_rate=default_stride, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer=None, pointwise_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, trainable=True,
                 name=None, **kwargs):
        _SeparableConv.__init__(
            self, rank, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, depth_multiplier=depth_multiplier, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, trainable=trainable,
            name=name, **kwargs)
    doc = 'Depthwise separable %d-D convolution layer (tf.layers.%s).' % (rank, class_name)
    return type(class_name, (_SeparableConv,), {'__init__': __init__, '__doc__': doc, '__module__': __name__})


SeparableConv1D = _separable_class(1, 'SeparableConv1D', 1)
SeparableConv2D = _separable_class(2, 'SeparableConv2D', (1, 1))


def _separable_function(cls, default_stride):
    def function(inputs, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 dilation_rate=default_stride, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer=None, pointwise_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, trainable=True,
                 name=None, reuse=None):
        layer = cls(filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                    data_format=data_format, dilation_rate=dilation_rate, depth_multiplier=depth_multiplier,
                    activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                    pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
                    depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
                    bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                    depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
                    bias_constraint=bias_constraint, trainable=trainable, name=name, _reuse=reuse, _scope=name)
        return layer.apply(inputs)
    function.__doc__ = 'The functional form of tf.layers.%s.' % cls.__name__
    return function


separable_conv1d = _separable_function(SeparableConv1D, 1)
separable_conv2d = _separable_function(SeparableConv2D, (1, 1))

Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
SeparableConvolution2D = SeparableConv2D
Convolution2DTranspose = Deconvolution2D = Deconv2D = Conv2DTranspose
Convolution3DTranspose = Deconvolution3D = Deconv3D = Conv3DTranspose
convolution1d, convolution2d, convolution3d = conv1d, conv2d, conv3d
separable_convolution2d = separable_conv2d
convolution2d_transpose = deconvolution2d = deconv2d = conv2d_transpose
convolution3d_transpose = deconvolution3d = deconv3d = conv3d_transpose
