"""tf.layers convolutions, as TF 1.15 builds them: each class is its Keras class
(sluice.keras.layers.convolutional: Conv1D/2D/3D, Conv2DTranspose/Conv3DTranspose, SeparableConv1D/2D)
with tf.layers.Layer's variable-scope semantics and the TF 1.x defaults (data_format 'channels_last',
kernel initializers None: the scope's initializer or glorot_uniform, bias_initializer zeros), and the
function forms conv1d, conv2d, ..., which make a layer per call (scope `name`, reused when `reuse`).
"""
from sluice.keras.layers import convolutional as keras_conv
from sluice.layers import base
from sluice.ops import init_ops


def _conv_class(keras_class, default_stride):
    def __init__(self, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 dilation_rate=default_stride, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        keras_class.__init__(self, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
                             data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                             use_bias=use_bias, kernel_initializer=kernel_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                             kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                             trainable=trainable, name=name, **kwargs)
    name = keras_class.__name__
    return type(name, (keras_class, base.Layer), {'__init__': __init__, '__module__': __name__,
                                                  '__doc__': '%s (tf.layers.%s).' % (keras_class.__doc__.rstrip('.'), name)})


Conv1D = _conv_class(keras_conv.Conv1D, 1)
Conv2D = _conv_class(keras_conv.Conv2D, (1, 1))
Conv3D = _conv_class(keras_conv.Conv3D, (1, 1, 1))


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


# -- transposed convolutions -----------------------------------------------------------------------------
def _transpose_class(keras_class, default_stride):
    def __init__(self, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        keras_class.__init__(self, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                             activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                             bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                             bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                             kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                             trainable=trainable, name=name, **kwargs)
    name = keras_class.__name__
    return type(name, (keras_class, base.Layer), {'__init__': __init__, '__module__': __name__,
                                                  '__doc__': '%s (tf.layers.%s).' % (keras_class.__doc__.rstrip('.'), name)})


Conv2DTranspose = _transpose_class(keras_conv.Conv2DTranspose, (1, 1))
Conv3DTranspose = _transpose_class(keras_conv.Conv3DTranspose, (1, 1, 1))


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
def _separable_class(keras_class, default_stride):
    def __init__(self, filters, kernel_size, strides=default_stride, padding='valid', data_format='channels_last',
                 dilation_rate=default_stride, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer=None, pointwise_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, trainable=True,
                 name=None, **kwargs):
        keras_class.__init__(
            self, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, depth_multiplier=depth_multiplier,
            activation=activation, use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, pointwise_regularizer=pointwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
            bias_constraint=bias_constraint, trainable=trainable, name=name, **kwargs)
    name = keras_class.__name__
    return type(name, (keras_class, base.Layer), {'__init__': __init__, '__module__': __name__,
                                                  '__doc__': '%s (tf.layers.%s).' % (keras_class.__doc__.rstrip('.'), name)})


SeparableConv1D = _separable_class(keras_conv.SeparableConv1D, 1)
SeparableConv2D = _separable_class(keras_conv.SeparableConv2D, (1, 1))


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
