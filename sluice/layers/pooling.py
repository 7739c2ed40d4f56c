"""tf.layers pooling, as TF 1.15 builds it: MaxPooling1D/2D/3D and AveragePooling1D/2D/3D are their Keras
classes (sluice.keras.layers.pooling) with tf.layers.Layer's variable-scope semantics, `strides` required
and data_format 'channels_last' by default, and the function forms max_pooling2d, ... (a layer per call).
"""
from sluice.keras.layers import pooling as keras_pooling
from sluice.layers import base


def _pool_class(keras_class):
    def __init__(self, pool_size, strides, padding='valid', data_format='channels_last', name=None, **kwargs):
        keras_class.__init__(self, pool_size=pool_size, strides=strides, padding=padding, data_format=data_format,
                             name=name, **kwargs)
    name = keras_class.__name__
    return type(name, (keras_class, base.Layer), {'__init__': __init__, '__module__': __name__,
                                                  '__doc__': '%s (tf.layers.%s).' % (keras_class.__doc__.rstrip('.'),
                                                                                     name)})


def _pool_function(cls):
    def function(inputs, pool_size, strides, padding='valid', data_format='channels_last', name=None):
        return cls(pool_size=pool_size, strides=strides, padding=padding, data_format=data_format,
                   name=name).apply(inputs)
    function.__doc__ = 'The functional form of tf.layers.%s.' % cls.__name__
    return function


MaxPooling1D = _pool_class(keras_pooling.MaxPooling1D)
MaxPooling2D = _pool_class(keras_pooling.MaxPooling2D)
MaxPooling3D = _pool_class(keras_pooling.MaxPooling3D)
AveragePooling1D = _pool_class(keras_pooling.AveragePooling1D)
AveragePooling2D = _pool_class(keras_pooling.AveragePooling2D)
AveragePooling3D = _pool_class(keras_pooling.AveragePooling3D)

max_pooling1d = _pool_function(MaxPooling1D)
max_pooling2d = _pool_function(MaxPooling2D)
max_pooling3d = _pool_function(MaxPooling3D)
average_pooling1d = _pool_function(AveragePooling1D)
average_pooling2d = _pool_function(AveragePooling2D)
average_pooling3d = _pool_function(AveragePooling3D)

AvgPool2D, MaxPool2D = AveragePooling2D, MaxPooling2D
max_pool2d, avg_pool2d = max_pooling2d, average_pooling2d
