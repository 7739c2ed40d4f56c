"""tf.keras.layers that resize the spatial axes (Keras keeps them in layers/convolutional.py):
UpSampling1D/2D/3D, ZeroPadding1D/2D/3D, Cropping1D/2D/3D (TF 1.15, graph mode).

- UpSampling1D / 3D repeat each step (voxel) `size` times along each spatial axis (K.repeat_elements);
  UpSampling2D resizes to size * (height, width) with tf.image.resize's nearest or bilinear method
  (half-pixel centres), channels_first inputs transposed to channels_last and back (K.resize_images).
- ZeroPadding* pad the spatial axes with zeros (Pad); Cropping* slice them (StridedSlice).
Paddings and croppings are an int, a tuple of one int per axis (symmetric) or of (before, after) pairs.
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.core import merge_config
from sluice.keras.utils import conv_utils
from sluice.ops import array_ops, constant_op, image_ops, indexing_ops

_ORDINALS = ('1st', '2nd', '3rd')


def repeat_elements(x, rep, axis):
    """Each slice of `x` along `axis` repeated `rep` times in a row: Split and Concat when the axis length is
    known (TF 1.15's construction), else ExpandDims, Tile and Reshape."""
    dims = x.shape.as_list()
    if dims[axis] is not None:
        splits = array_ops.split(x, dims[axis], axis=axis) if dims[axis] > 1 else [x]
        return array_ops.concat([s for s in splits for _ in range(rep)], axis)
    ndim = len(dims)
    tiled = array_ops.tile(array_ops.expand_dims(x, axis + 1), [1] * (axis + 1) + [rep] + [1] * (ndim - axis - 1))
    shape = array_ops.shape(x)
    out = array_ops.reshape(tiled, array_ops.stack([shape[i] * rep if i == axis else shape[i] for i in range(ndim)]))
    out.set_shape(dims)
    return out


def _spatial_axes(data_format, rank):
    return list(range(2, 2 + rank)) if data_format == 'channels_first' else list(range(1, 1 + rank))


def _resized_shape(input_shape, data_format, rank, new_length):
    """input_shape with each spatial length L replaced by new_length(i, L) (None stays None)."""
    dims = TensorShape(input_shape).as_list()
    for i, axis in enumerate(_spatial_axes(data_format, rank)):
        dims[axis] = None if dims[axis] is None else new_length(i, dims[axis])
    return TensorShape(dims)


def _normalize_pairs(value, rank, what):
    """((before, after),) * rank from an int, `rank` ints, or `rank` pairs (Keras's messages)."""
    if isinstance(value, int):
        return ((value, value),) * rank
    if not hasattr(value, '__len__'):
        short = 'pad' if what == 'padding' else 'crop'
        raise ValueError('`%s` should be either an int, a tuple of %d ints (symmetric_..._%s), or a tuple of %d '
                         'tuples of 2 ints ((left_..._%s, right_..._%s), ...). Found: %s'
                         % (what, rank, short, rank, short, short, value))
    if len(value) != rank:
        raise ValueError('`%s` should have %s elements. Found: %s' % (what, 'two' if rank == 2 else rank, value))
    return tuple(conv_utils.normalize_tuple(v, 2, '%s entry of %s' % (_ORDINALS[i], what))
                 for i, v in enumerate(value))


class UpSampling1D(Layer):
    """Repeats each step `size` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, 'channels_last', 1, lambda i, n: n * self.size)

    def call(self, inputs):
        return repeat_elements(inputs, self.size, axis=1)

    def get_config(self):
        return merge_config(super().get_config(), {'size': self.size})


class UpSampling2D(Layer):
    """Scales height and width by `size` (nearest or bilinear)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation='nearest', **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.size = conv_utils.normalize_tuple(size, 2, 'size')
        if interpolation not in ('nearest', 'bilinear'):
            raise ValueError('`interpolation` argument should be one of `"nearest"` or `"bilinear"`.')
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.data_format, 2, lambda i, n: n * self.size[i])

    def call(self, inputs):
        first = self.data_format == 'channels_first'
        rows = 2 if first else 1
        new_shape = array_ops.shape(inputs)[rows:rows + 2] * constant_op.constant(list(self.size), dtype='int32')
        x = array_ops.transpose(inputs, [0, 2, 3, 1]) if first else inputs
        resize = image_ops.resize_nearest_neighbor if self.interpolation == 'nearest' else image_ops.resize_bilinear
        with K.name_scope('resize'):  # tf.image.resize (v2): half-pixel centres
            x = resize(x, new_shape, half_pixel_centers=True)
        if first:
            x = array_ops.transpose(x, [0, 3, 1, 2])
        x.set_shape(self.compute_output_shape(inputs.shape))
        return x

    def get_config(self):
        return merge_config(super().get_config(), {'size': self.size, 'data_format': self.data_format,
                                                   'interpolation': self.interpolation})


class UpSampling3D(Layer):
    """Repeats each voxel size[i] times along each spatial axis."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.size = conv_utils.normalize_tuple(size, 3, 'size')
        self.input_spec = InputSpec(ndim=5)

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.data_format, 3, lambda i, n: n * self.size[i])

    def call(self, inputs):
        x = inputs
        for i, axis in enumerate(_spatial_axes(self.data_format, 3)):
            x = repeat_elements(x, self.size[i], axis)
        return x

    def get_config(self):
        return merge_config(super().get_config(), {'size': self.size, 'data_format': self.data_format})


class _ZeroPadding(Layer):
    _rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.padding = _normalize_pairs(padding, self._rank, 'padding')
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.data_format, self._rank, lambda i, n: n + sum(self.padding[i]))

    def call(self, inputs):
        pads = [[0, 0]] * (self._rank + 2)
        for i, axis in enumerate(_spatial_axes(self.data_format, self._rank)):
            pads[axis] = list(self.padding[i])
        return indexing_ops.pad(inputs, pads)

    def get_config(self):
        return merge_config(super().get_config(), {'padding': self.padding, 'data_format': self.data_format})


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps of [batch, steps, features] with zeros."""
    _rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__((conv_utils.normalize_tuple(padding, 2, 'padding'),), data_format='channels_last',
                         **kwargs)
        self.padding = self.padding[0]

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, 'channels_last', 1, lambda i, n: n + sum(self.padding))

    def call(self, inputs):
        return indexing_ops.pad(inputs, [[0, 0], list(self.padding), [0, 0]])

    def get_config(self):
        config = super().get_config()
        config.pop('data_format')
        return config


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns with zeros."""
    _rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes with zeros."""
    _rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class _Cropping(Layer):
    _rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = conv_utils.normalize_data_format(data_format or K.image_data_format())
        self.cropping = _normalize_pairs(cropping, self._rank, 'cropping')
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _pairs(self):
        return self.cropping

    def compute_output_shape(self, input_shape):
        pairs = self._pairs()
        return _resized_shape(input_shape, self.data_format, self._rank, lambda i, n: n - sum(pairs[i]))

    def call(self, inputs):
        index = [slice(None)] * (self._rank + 2)
        for (start, end), axis in zip(self._pairs(), _spatial_axes(self.data_format, self._rank)):
            index[axis] = slice(start, -end if end else None)
        return inputs[tuple(index)]

    def get_config(self):
        return merge_config(super().get_config(), {'cropping': self.cropping, 'data_format': self.data_format})


class Cropping1D(_Cropping):
    """Drops cropping[0] steps at the start and cropping[1] at the end."""
    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__((conv_utils.normalize_tuple(cropping, 2, 'cropping'),), data_format='channels_last',
                         **kwargs)
        self.cropping = self.cropping[0]

    def _pairs(self):
        return (self.cropping,)

    def get_config(self):
        config = super().get_config()
        config.pop('data_format')
        return config


class Cropping2D(_Cropping):
    """Crops rows and columns."""
    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial axes."""
    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
