"""tf.layers pooling, as TF 1.15 builds it: MaxPooling1D/2D/3D and AveragePooling1D/2D/3D with their
function forms. 2-D pooling is MaxPool / AvgPool in the layer's data format; 1-D pooling adds a unit
width after the steps (ExpandDims), pools in 2-D and squeezes it away; 3-D pooling runs MaxPool3D /
AvgPool3D channels-last (channels_first inputs are transposed in and out, as Keras does).
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, nn_conv_pool, nn_conv3d_pool3d
from sluice.layers import arguments
from sluice.layers.base import InputSpec, Layer


class _Pooling(Layer):
    """Pooling over `rank` spatial dims with window pool_size moved by strides."""

    rank = None
    mode = None  # 'max' or 'avg'

    def __init__(self, pool_size, strides, padding='valid', data_format='channels_last', name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if strides is None:
            strides = pool_size
        self.pool_size = arguments.normalize_tuple(pool_size, self.rank, 'pool_size')
        self.strides = arguments.normalize_tuple(strides, self.rank, 'strides')
        self.padding = arguments.normalize_padding(padding)
        self.data_format = arguments.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _pool2d(self, inputs, pool_size, strides, data_format):
        fmt = arguments.convert_data_format(data_format, 4)
        last = fmt == 'NHWC'
        ksize = (1,) + pool_size + (1,) if last else (1, 1) + pool_size
        steps = (1,) + strides + (1,) if last else (1, 1) + strides
        pool = nn_conv_pool.max_pool if self.mode == 'max' else nn_conv_pool.avg_pool
        return pool(inputs, ksize=ksize, strides=steps, padding=self.padding.upper(), data_format=fmt)

    def call(self, inputs):
        if self.rank == 1:
            axis = 2 if self.data_format == 'channels_last' else 3
            inputs = array_ops.expand_dims(inputs, axis)
            outputs = self._pool2d(inputs, self.pool_size + (1,), self.strides + (1,), self.data_format)
            return array_ops.squeeze(outputs, axis)
        if self.rank == 2:
            return self._pool2d(inputs, self.pool_size, self.strides, self.data_format)
        if self.data_format == 'channels_first':
            inputs = array_ops.transpose(inputs, (0, 2, 3, 4, 1))
        pool = nn_conv3d_pool3d.max_pool3d if self.mode == 'max' else nn_conv3d_pool3d.avg_pool3d
        outputs = pool(inputs, ksize=(1,) + self.pool_size + (1,), strides=(1,) + self.strides + (1,),
                       padding=self.padding.upper())
        if self.data_format == 'channels_first':
            outputs = array_ops.transpose(outputs, (0, 4, 1, 2, 3))
        return outputs

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        first = self.data_format == 'channels_first'
        axes = range(2, self.rank + 2) if first else range(1, self.rank + 1)
        for i, a in enumerate(axes):
            dims[a] = arguments.conv_output_length(dims[a], self.pool_size[i], self.padding, self.strides[i])
        return TensorShape(dims)


def _pool_class(rank, mode, class_name):
    def __init__(self, pool_size, strides, padding='valid', data_format='channels_last', name=None, **kwargs):
        _Pooling.__init__(self, pool_size, strides, padding=padding, data_format=data_format, name=name, **kwargs)
    what = 'Max' if mode == 'max' else 'Average'
    doc = '%s pooling over %d spatial dims (tf.layers.%s).' % (what, rank, class_name)
    return type(class_name, (_Pooling,), {'__init__': __init__, '__doc__': doc, 'rank': rank, 'mode': mode,
                                          '__module__': __name__})


def _pool_function(cls):
    def function(inputs, pool_size, strides, padding='valid', data_format='channels_last', name=None):
        return cls(pool_size=pool_size, strides=strides, padding=padding, data_format=data_format,
                   name=name).apply(inputs)
    function.__doc__ = 'The functional form of tf.layers.%s.' % cls.__name__
    return function


MaxPooling1D = _pool_class(1, 'max', 'MaxPooling1D')
MaxPooling2D = _pool_class(2, 'max', 'MaxPooling2D')
MaxPooling3D = _pool_class(3, 'max', 'MaxPooling3D')
AveragePooling1D = _pool_class(1, 'avg', 'AveragePooling1D')
AveragePooling2D = _pool_class(2, 'avg', 'AveragePooling2D')
AveragePooling3D = _pool_class(3, 'avg', 'AveragePooling3D')

max_pooling1d = _pool_function(MaxPooling1D)
max_pooling2d = _pool_function(MaxPooling2D)
max_pooling3d = _pool_function(MaxPooling3D)
average_pooling1d = _pool_function(AveragePooling1D)
average_pooling2d = _pool_function(AveragePooling2D)
average_pooling3d = _pool_function(AveragePooling3D)

AvgPool2D, MaxPool2D = AveragePooling2D, MaxPooling2D
max_pool2d, avg_pool2d = max_pooling2d, average_pooling2d
