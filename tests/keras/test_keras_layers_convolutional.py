"""tf.keras.layers convolutions, resampling and pooling in sluice alone: channels_first equals channels_last
on transposed data (TF's CPU kernels lack NCHW, so test_keras_layers_vs_tf.py compares channels_last only),
shapes, configs and errors."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras import layers as L

_LAST_TO_FIRST = {3: (0, 2, 1), 4: (0, 3, 1, 2), 5: (0, 4, 1, 2, 3)}
_FIRST_TO_LAST = {3: (0, 2, 1), 4: (0, 2, 3, 1), 5: (0, 2, 3, 4, 1)}

_CASES = [
    ('conv1d', lambda fmt: L.Conv1D(3, 2, strides=2, padding='same', data_format=fmt), (2, 7, 2)),
    ('conv1d_causal', lambda fmt: L.Conv1D(2, 3, padding='causal', dilation_rate=2, data_format=fmt), (2, 6, 3)),
    ('conv2d', lambda fmt: L.Conv2D(3, (2, 3), strides=(1, 2), data_format=fmt), (2, 5, 6, 2)),
    ('conv3d', lambda fmt: L.Conv3D(2, 2, padding='same', data_format=fmt), (2, 3, 4, 3, 2)),
    ('conv2d_transpose', lambda fmt: L.Conv2DTranspose(2, 3, strides=2, padding='same', data_format=fmt),
     (2, 3, 3, 2)),
    ('conv3d_transpose', lambda fmt: L.Conv3DTranspose(2, 2, strides=(1, 2, 2), data_format=fmt), (2, 2, 3, 2, 3)),
    ('separable_conv1d', lambda fmt: L.SeparableConv1D(3, 3, depth_multiplier=2, data_format=fmt), (2, 6, 2)),
    ('separable_conv2d', lambda fmt: L.SeparableConv2D(3, 2, padding='same', data_format=fmt), (2, 4, 4, 2)),
    ('depthwise_conv2d', lambda fmt: L.DepthwiseConv2D(2, depth_multiplier=2, data_format=fmt), (2, 4, 5, 3)),
    ('max_pooling1d', lambda fmt: L.MaxPooling1D(2, data_format=fmt), (2, 6, 3)),
    ('average_pooling2d', lambda fmt: L.AveragePooling2D(2, padding='same', data_format=fmt), (2, 5, 5, 2)),
    ('max_pooling3d', lambda fmt: L.MaxPooling3D(2, data_format=fmt), (2, 4, 2, 4, 2)),
    ('average_pooling3d', lambda fmt: L.AveragePooling3D((1, 2, 2), data_format=fmt), (2, 2, 4, 4, 2)),
    ('upsampling2d', lambda fmt: L.UpSampling2D((2, 3), data_format=fmt), (2, 2, 3, 2)),
    ('upsampling2d_bilinear', lambda fmt: L.UpSampling2D(2, data_format=fmt, interpolation='bilinear'),
     (2, 2, 3, 2)),
    ('upsampling3d', lambda fmt: L.UpSampling3D(2, data_format=fmt), (2, 2, 1, 2, 3)),
    ('zero_padding2d', lambda fmt: L.ZeroPadding2D((1, 2), data_format=fmt), (2, 2, 3, 2)),
    ('zero_padding3d', lambda fmt: L.ZeroPadding3D(((0, 1), (1, 0), (1, 1)), data_format=fmt), (2, 2, 2, 2, 1)),
    ('cropping2d', lambda fmt: L.Cropping2D(1, data_format=fmt), (2, 4, 4, 2)),
    ('cropping3d', lambda fmt: L.Cropping3D(((0, 1), (1, 0), (1, 1)), data_format=fmt), (2, 3, 3, 4, 2)),
    ('global_average_pooling3d', lambda fmt: L.GlobalAveragePooling3D(data_format=fmt), (2, 2, 3, 2, 2)),
    ('global_max_pooling2d', lambda fmt: L.GlobalMaxPooling2D(data_format=fmt), (2, 3, 3, 2)),
]


@pytest.mark.parametrize('name,make,shape', _CASES, ids=[c[0] for c in _CASES])
def test_channels_first_matches_channels_last(name, make, shape):
    rng = np.random.RandomState(3)
    value = rng.uniform(-1, 1, shape).astype(np.float32)
    ndim = len(shape)
    last_x = tf.placeholder(tf.float32, shape)
    first_x = tf.placeholder(tf.float32, tuple(shape[i] for i in _LAST_TO_FIRST[ndim]))
    last, first = make('channels_last'), make('channels_first')
    last_y, first_y = last(last_x), first(first_x)
    first.set_weights(last.get_weights())
    ours_last, ours_first = K.get_session().run([last_y, first_y], {last_x: value,
                                                                   first_x: value.transpose(_LAST_TO_FIRST[ndim])})
    if ours_first.ndim > 2:
        ours_first = ours_first.transpose(_FIRST_TO_LAST[ours_first.ndim])
    np.testing.assert_allclose(ours_first, ours_last, rtol=1e-5, atol=1e-6)
    assert first_y.shape.as_list() == list(first.compute_output_shape(first_x.shape).as_list())
    assert last_y.shape.as_list() == list(last.compute_output_shape(last_x.shape).as_list())


def test_unknown_spatial_sizes_keep_unknown_shapes():
    x = tf.placeholder(tf.float32, (None, None, None, 2))
    y = L.Conv2DTranspose(3, 3, strides=2)(x)
    assert y.shape.as_list() == [None, None, None, 3]
    out = K.get_session().run(y, {x: np.ones((1, 2, 3, 2), np.float32)})
    assert out.shape == (1, 5, 7, 3)
    up = L.UpSampling1D(2)(tf.placeholder(tf.float32, (None, None, 3)))
    assert up.shape.as_list() == [None, None, 3] and up.op.type == 'Reshape'


def test_conv2d_config_is_tf115s():
    layer = L.Conv2D(4, 3, name='c')
    config = layer.get_config()
    assert config['kernel_size'] == (3, 3) and config['strides'] == (1, 1) and config['dilation_rate'] == (1, 1)
    assert config['padding'] == 'valid' and config['data_format'] == 'channels_last'
    assert config['kernel_initializer']['class_name'] == 'GlorotUniform'
    assert L.Conv2D.from_config(config).get_config() == config
    transpose = L.Conv3DTranspose(2, 2, strides=2, output_padding=(0, 1, 0)).get_config()
    assert 'dilation_rate' not in transpose and transpose['output_padding'] == (0, 1, 0)
    depthwise = L.DepthwiseConv2D(3).get_config()
    assert 'filters' not in depthwise and depthwise['depth_multiplier'] == 1
    assert depthwise['depthwise_initializer']['class_name'] == 'GlorotUniform'
    separable = L.SeparableConv2D(2, 3).get_config()
    assert 'kernel_initializer' not in separable and separable['pointwise_initializer'] is not None


def test_resampling_configs():
    assert L.ZeroPadding2D(1).get_config()['padding'] == ((1, 1), (1, 1))
    assert L.ZeroPadding1D(2).get_config() == {'name': 'zero_padding1d', 'trainable': True, 'dtype': None,
                                               'padding': (2, 2)}
    assert L.Cropping1D().get_config()['cropping'] == (1, 1)
    assert L.Cropping3D(2).get_config()['cropping'] == ((2, 2), (2, 2), (2, 2))
    assert L.UpSampling2D().get_config()['interpolation'] == 'nearest'
    assert L.MaxPooling1D().get_config()['strides'] == (2,)
    assert L.AveragePooling2D(3, strides=1).get_config()['strides'] == (1, 1)
    assert L.GlobalAveragePooling2D().get_config()['data_format'] == 'channels_last'
    assert L.MaxPool2D is L.MaxPooling2D and L.GlobalAvgPool1D is L.GlobalAveragePooling1D


def test_errors():
    with pytest.raises(ValueError, match='Causal padding is only supported for `Conv1D`'):
        L.Conv2D(2, 2, padding='causal')
    with pytest.raises(ValueError, match='must be greater than output padding'):
        L.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match='The `kernel_size` argument must be a tuple of 2 integers'):
        L.Conv2D(2, (1, 2, 3))
    with pytest.raises(ValueError, match='channel dimension of the inputs should be defined'):
        L.Conv2D(2, 2)(tf.placeholder(tf.float32, (None, 4, 4, None)))
    with pytest.raises(ValueError, match='expected ndim=4, found ndim=3'):
        L.Conv2D(2, 2)(tf.placeholder(tf.float32, (None, 4, 4)))
    with pytest.raises(ValueError, match='`padding` should have two elements'):
        L.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match='`cropping` should have 3 elements'):
        L.Cropping3D((1, 2))
    with pytest.raises(ValueError, match='`interpolation` argument should be one of'):
        L.UpSampling2D(interpolation='bicubic')
    with pytest.raises(ValueError, match='The `data_format` argument must be one of'):
        L.MaxPooling2D(data_format='NHWC')


def test_locally_connected_weights_config_and_errors():
    layer = L.LocallyConnected2D(3, 2, strides=2)
    y = layer(tf.placeholder(tf.float32, (None, 5, 4, 2)))
    assert y.shape.as_list() == [None, 2, 2, 3]
    assert [w.shape.as_list() for w in layer.weights] == [[4, 8, 3], [2, 2, 3]]
    assert [w.name for w in layer.weights] == ['locally_connected2d/kernel:0', 'locally_connected2d/bias:0']
    config = layer.get_config()
    assert config['implementation'] == 1 and config['kernel_size'] == (2, 2) and config['padding'] == 'valid'
    with pytest.raises(ValueError, match='only "valid" is supported if implementation is 1'):
        L.LocallyConnected1D(2, 2, padding='same')
    with pytest.raises(NotImplementedError, match=r'LocallyConnected1D\(implementation=2\)'):
        L.LocallyConnected1D(2, 2, implementation=2)
    with pytest.raises(ValueError, match='should be fully-defined'):
        L.LocallyConnected2D(2, 2)(tf.placeholder(tf.float32, (None, None, 3, 1)))
