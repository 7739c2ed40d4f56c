"""tf.keras.layers pooling (TF 1.15, graph mode).

- MaxPooling1D/2D/3D and AveragePooling1D/2D/3D: windows of `pool_size` moved by `strides` (default: the
  pool size). 1-D pools add a unit width after the steps (ExpandDims), pool in 2-D and squeeze it again;
  2-D pools are MaxPool / AvgPool in the layer's data format; 3-D pools are MaxPool3D / AvgPool3D on
  channels_last data (channels_first inputs are transposed there and back, as TF 1.15 does).
- GlobalMax/AveragePooling1D/2D/3D reduce the spatial axes. GlobalAveragePooling1D honours a mask: the mean
  over the unmasked steps only.
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.core import merge_config
from sluice.keras.utils import conv_utils
from sluice.ops import array_ops, math_ops, nn_conv3d_pool3d, nn_conv_pool, reduction_ops


class Pooling(Layer):
    """Max or average pooling over `rank` spatial axes."""
    _rank = None
    _mode = None  # 'max' or 'avg'

    def __init__(self, pool_size, strides=None, padding='valid', data_format=None, **kwargs):
        super().__init__(**kwargs)
        rank = self._rank
        self.pool_size = conv_utils.normalize_tuple(pool_size, rank, 'pool_size')
        self.strides = conv_utils.normalize_tuple(pool_size if strides is None else strides, rank, 'strides')
        self.padding = conv_utils.normalize_padding(padding)
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.input_spec = InputSpec(ndim=rank + 2)

    def _pool2d(self, inputs, pool_size, strides):
        op = nn_conv_pool.max_pool if self._mode == 'max' else nn_conv_pool.avg_pool
        fmt = conv_utils.convert_data_format(self.data_format, 4)
        if fmt == 'NHWC':
            ksize, stride_list = (1,) + pool_size + (1,), (1,) + strides + (1,)
        else:
            ksize, stride_list = (1, 1) + pool_size, (1, 1) + strides
        return op(inputs, list(ksize), list(stride_list), self.padding.upper(), data_format=fmt)

    def call(self, inputs):
        if self._rank == 1:
            pad_axis = 2 if self.data_format == 'channels_last' else 3
            outputs = self._pool2d(array_ops.expand_dims(inputs, pad_axis), self.pool_size + (1,),
                                   self.strides + (1,))
            return array_ops.squeeze(outputs, [pad_axis])
        if self._rank == 2:
            return self._pool2d(inputs, self.pool_size, self.strides)
        op = nn_conv3d_pool3d.max_pool3d if self._mode == 'max' else nn_conv3d_pool3d.avg_pool3d
        first = self.data_format == 'channels_first'
        x = array_ops.transpose(inputs, (0, 2, 3, 4, 1)) if first else inputs
        outputs = op(x, [1] + list(self.pool_size) + [1], [1] + list(self.strides) + [1], self.padding.upper())
        return array_ops.transpose(outputs, (0, 4, 1, 2, 3)) if first else outputs

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        first = self.data_format == 'channels_first'
        axes = range(2, 2 + self._rank) if first else range(1, 1 + self._rank)
        for i, axis in enumerate(axes):
            dims[axis] = conv_utils.conv_output_length(dims[axis], self.pool_size[i], self.padding, self.strides[i])
        return TensorShape(dims)

    def get_config(self):
        return merge_config(super().get_config(), {'pool_size': self.pool_size, 'padding': self.padding,
                                                   'strides': self.strides, 'data_format': self.data_format})


def _pooling_class(class_name, rank, mode, default_pool, default_format):
    def __init__(self, pool_size=default_pool, strides=None, padding='valid', data_format=default_format,
                 **kwargs):
        Pooling.__init__(self, pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)
    doc = '%s pooling over %d spatial axes (tf.keras.layers.%s).' % ('Max' if mode == 'max' else 'Average',
                                                                      rank, class_name)
    return type(class_name, (Pooling,), {'__init__': __init__, '__doc__': doc, '__module__': __name__,
                                         '_rank': rank, '_mode': mode})


MaxPooling1D = _pooling_class('MaxPooling1D', 1, 'max', 2, 'channels_last')
AveragePooling1D = _pooling_class('AveragePooling1D', 1, 'avg', 2, 'channels_last')
MaxPooling2D = _pooling_class('MaxPooling2D', 2, 'max', (2, 2), None)
AveragePooling2D = _pooling_class('AveragePooling2D', 2, 'avg', (2, 2), None)
MaxPooling3D = _pooling_class('MaxPooling3D', 3, 'max', (2, 2, 2), None)
AveragePooling3D = _pooling_class('AveragePooling3D', 3, 'avg', (2, 2, 2), None)


class GlobalPooling(Layer):
    """The maximum or mean over all spatial axes: [batch, channels]."""
    _rank = None
    _mode = None

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _axes(self):
        return list(range(1, 1 + self._rank)) if self.data_format == 'channels_last' else \
            list(range(2, 2 + self._rank))

    def call(self, inputs):
        reduce = reduction_ops.reduce_max if self._mode == 'max' else reduction_ops.reduce_mean
        return reduce(inputs, axis=self._axes())

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        return TensorShape([dims[0], dims[-1] if self.data_format == 'channels_last' else dims[1]])

    def get_config(self):
        return merge_config(super().get_config(), {'data_format': self.data_format})


def _global_class(class_name, rank, mode, default_format, base=GlobalPooling):
    def __init__(self, data_format=default_format, **kwargs):
        base.__init__(self, data_format=data_format, **kwargs)
    doc = 'Global %s pooling over %d spatial axes.' % ('max' if mode == 'max' else 'average', rank)
    return type(class_name, (base,), {'__init__': __init__, '__doc__': doc, '__module__': __name__,
                                      '_rank': rank, '_mode': mode})


class _MaskedGlobalAverage1D(GlobalPooling):
    """The mean over the unmasked steps (all steps without a mask)."""

    def __init__(self, data_format='channels_last', **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        steps_axis = 1 if self.data_format == 'channels_last' else 2
        if mask is None:
            return reduction_ops.reduce_mean(inputs, axis=steps_axis)
        mask = math_ops.cast(mask, inputs.dtype)
        mask = array_ops.expand_dims(mask, 2 if self.data_format == 'channels_last' else 1)
        return reduction_ops.reduce_sum(inputs * mask, axis=steps_axis) / \
            reduction_ops.reduce_sum(mask, axis=steps_axis)

    def compute_mask(self, inputs, mask=None):
        return None


GlobalMaxPooling1D = _global_class('GlobalMaxPooling1D', 1, 'max', 'channels_last')
GlobalAveragePooling1D = _global_class('GlobalAveragePooling1D', 1, 'avg', 'channels_last',
                                       base=_MaskedGlobalAverage1D)
GlobalMaxPooling2D = _global_class('GlobalMaxPooling2D', 2, 'max', None)
GlobalAveragePooling2D = _global_class('GlobalAveragePooling2D', 2, 'avg', None)
GlobalMaxPooling3D = _global_class('GlobalMaxPooling3D', 3, 'max', None)
GlobalAveragePooling3D = _global_class('GlobalAveragePooling3D', 3, 'avg', None)

AvgPool1D, MaxPool1D = AveragePooling1D, MaxPooling1D
AvgPool2D, MaxPool2D = AveragePooling2D, MaxPooling2D
AvgPool3D, MaxPool3D = AveragePooling3D, MaxPooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D, GlobalAvgPool3D = GlobalAveragePooling2D, GlobalAveragePooling3D
