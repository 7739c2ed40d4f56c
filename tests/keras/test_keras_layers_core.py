"""tf.keras.layers core layers in sluice alone: TF 1.15's configs, names, the learning phase, masks,
Lambda's serialization, errors, and a run on each device (the TF comparisons: test_keras_layers_vs_tf.py)."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras import layers as L


def _run(fetches, feed=None):
    return K.get_session().run(fetches, feed)


def test_unnamed_layers_are_numbered_per_graph_and_weights_named_under_them():
    x = tf.placeholder(tf.float32, (None, 4))
    first, second = L.Dense(3), L.Dense(2)
    second(first(x))
    assert (first.name, second.name) == ('dense', 'dense_1')
    assert [w.name for w in second.weights] == ['dense_1/kernel:0', 'dense_1/bias:0']
    assert [w.name for w in L.Conv2D(2, 3)(tf.placeholder(tf.float32, (None, 5, 5, 1))).op.graph
            .get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)][-2:] == ['conv2d/kernel:0', 'conv2d/bias:0']


def test_dense_config_is_tf115s():
    layer = L.Dense(3, activation='relu', use_bias=False, name='d')
    assert layer.get_config() == {
        'name': 'd', 'trainable': True, 'dtype': None, 'units': 3, 'activation': 'relu', 'use_bias': False,
        'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {'seed': None, 'dtype': 'float32'}},
        'bias_initializer': {'class_name': 'Zeros', 'config': {'dtype': 'float32'}},
        'kernel_regularizer': None, 'bias_regularizer': None, 'activity_regularizer': None,
        'kernel_constraint': None, 'bias_constraint': None}
    assert L.Dense(2).get_config()['activation'] == 'linear'


def test_dense_from_config_and_input_dim_and_initial_weights():
    layer = L.Dense(2, input_dim=3, weights=[np.ones((3, 2), np.float32), np.arange(2, dtype=np.float32)])
    assert layer.get_config()['batch_input_shape'] == (None, 3)
    y = layer(tf.constant(np.ones((1, 3), np.float32)))
    np.testing.assert_allclose(_run(y), [[3., 4.]])
    clone = L.Dense.from_config(layer.get_config())
    assert clone.units == 2 and clone.name == layer.name


def test_dense_errors():
    with pytest.raises(ValueError, match='last dimension of the inputs to `Dense` should be defined'):
        L.Dense(2)(tf.placeholder(tf.float32, (None, None)))
    with pytest.raises(TypeError, match='non-floating point dtype'):
        L.Dense(2)(tf.placeholder(tf.int32, (None, 3)))
    with pytest.raises(ValueError, match='expected min_ndim=2'):
        L.Dense(2)(tf.placeholder(tf.float32, (3,)))
    layer = L.Dense(2)
    layer(tf.placeholder(tf.float32, (None, 3)))
    with pytest.raises(ValueError, match='expected axis -1 of input shape to have value 3'):
        layer(tf.placeholder(tf.float32, (None, 4)))
    with pytest.raises(ValueError, match='innermost dimension of input_shape must be defined'):
        layer.compute_output_shape((None, None))


def test_dropout_follows_the_learning_phase():
    x = tf.placeholder(tf.float32, (None, 1000))
    y = L.Dropout(0.25)(x)
    value = np.ones((4, 1000), np.float32)
    np.testing.assert_array_equal(_run(y, {x: value}), value)
    dropped = _run(y, {x: value, K.learning_phase(): True})
    assert set(np.unique(dropped)) <= {0., np.float32(1 / 0.75)}
    assert abs((dropped == 0).mean() - 0.25) < 0.03
    np.testing.assert_array_equal(_run(L.Dropout(0.25)(x, training=False), {x: value}), value)


def test_set_learning_phase_fixes_the_branch():
    K.set_learning_phase(1)
    x = tf.placeholder(tf.float32, (None, 100))
    y = L.Dropout(0.5)(x)
    assert y.op.type != 'If'
    assert (_run(y, {x: np.ones((2, 100), np.float32)}) == 0).any()


def test_spatial_dropout_drops_whole_channels():
    x = tf.placeholder(tf.float32, (None, 4, 4, 50))
    y = L.SpatialDropout2D(0.5)(x, training=True)
    out = _run(y, {x: np.ones((2, 4, 4, 50), np.float32)})
    per_channel = out.reshape(2, 16, 50)
    assert (per_channel == per_channel[:, :1]).all()
    assert set(np.unique(out)) == {0., 2.}
    first = L.SpatialDropout2D(0.5, data_format='channels_first')
    out = _run(first(x, training=True), {x: np.ones((2, 4, 4, 50), np.float32)})
    assert (out == out[:, :, :1, :1]).all()
    y1 = L.SpatialDropout1D(0.5)(tf.placeholder(tf.float32, (None, 3, 40)), training=True)
    assert y1.shape.as_list() == [None, 3, 40]
    with pytest.raises(ValueError, match='expected ndim=5'):
        L.SpatialDropout3D(0.5)(x)


def test_masking_mask_reaches_the_next_layer():
    x = tf.placeholder(tf.float32, (None, 3, 2))
    masked = L.Masking()(x)
    dense_out = L.Dense(1)(masked)
    value = np.array([[[1, 2], [0, 0], [3, 0]]], np.float32)
    mask, out_mask = _run([masked._keras_mask, dense_out._keras_mask], {x: value})
    np.testing.assert_array_equal(mask, [[True, False, True]])
    np.testing.assert_array_equal(out_mask, mask)
    with pytest.raises(TypeError, match='does not support masking'):
        L.Reshape((6,))(masked)


def test_reshape_permute_repeat_shapes_and_errors():
    assert L.Reshape((3, -1)).compute_output_shape((None, 12)).as_list() == [None, 3, 4]
    assert L.Reshape((-1, 2)).compute_output_shape((None, None)).as_list() == [None, None, 2]
    with pytest.raises(ValueError, match='total size of new array must be unchanged'):
        L.Reshape((5, -1)).compute_output_shape((None, 12))
    with pytest.raises(ValueError, match='Can only specify one unknown dimension'):
        L.Reshape((-1, -1)).compute_output_shape((None, 12))
    with pytest.raises(ValueError, match='Invalid permutation `dims` for Permute Layer'):
        L.Permute((0, 1))
    assert L.Permute((2, 1)).compute_output_shape((None, 3, 4)).as_list() == [None, 4, 3]
    assert L.RepeatVector(5).compute_output_shape((7, 3)).as_list() == [7, 5, 3]
    assert L.Reshape((2, 3)).get_config()['target_shape'] == (2, 3)


def _double(x):
    return x * 2


def test_lambda_serializes_lambdas_and_functions():
    lam = L.Lambda(lambda x, scale: x * scale, arguments={'scale': 3.0}, output_shape=(4,))
    config = lam.get_config()
    assert config['function_type'] == 'lambda' and config['output_shape_type'] == 'raw'
    assert config['arguments'] == {'scale': 3.0}
    clone = L.Lambda.from_config(config)
    x = tf.placeholder(tf.float32, (None, 4))
    np.testing.assert_allclose(_run(clone(x), {x: np.ones((1, 4))}), 3 * np.ones((1, 4)))
    assert clone.compute_output_shape((5, 4)).as_list() == [5, 4]
    named = L.Lambda(_double)
    config = named.get_config()
    assert config['function_type'] == 'lambda'  # TF 1.15 dumps the bytecode of any Python function
    x = tf.placeholder(tf.float32, (None, 2, 3))
    np.testing.assert_allclose(_run(L.Lambda.from_config(config)(x), {x: np.ones((1, 2, 3))}), 2 * np.ones((1, 2, 3)))
    by_name = dict(config, function='_double', function_type='function', module=__name__)
    assert L.Lambda.from_config(by_name).function is _double
    assert named.compute_output_shape((None, 2, 3)).as_list() == [None, 2, 3]  # traced in a scratch graph


def test_activation_and_layers_serialize_round_trip():
    layer = L.Activation('softmax', name='act')
    config = L.serialize(layer)
    assert config == {'class_name': 'Activation',
                      'config': {'name': 'act', 'trainable': True, 'dtype': None, 'activation': 'softmax'}}
    clone = L.deserialize(config)
    assert isinstance(clone, L.Activation) and clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match='Unknown layer: Nope'):
        L.deserialize({'class_name': 'Nope', 'config': {}})


def test_unimplemented_layers_say_so():
    with pytest.raises(AttributeError, match='sluice does not implement tf.keras.layers.Attention yet'):
        L.Attention  # noqa: B018


def test_dense_and_flatten_on_each_device(device):
    with tf.device(device):
        x = tf.placeholder(tf.float32, (None, 2, 3))
        y = L.Dense(2, kernel_initializer='ones', bias_initializer='ones')(L.Flatten()(x))
    np.testing.assert_allclose(_run(y, {x: np.ones((2, 2, 3), np.float32)}), np.full((2, 2), 7.))


def test_activity_regularization_adds_its_loss():
    x = tf.placeholder(tf.float32, (None, 2))
    layer = L.ActivityRegularization(l1=0.1, l2=0.2)
    layer(x)
    value = np.array([[1., -2.], [3., 0.]], np.float32)
    np.testing.assert_allclose(_run(layer.losses, {x: value})[0], (0.1 * 6 + 0.2 * 14) / 2, rtol=1e-6)
