"""tf.keras.layers merge layers and Embedding in sluice alone: output masks, shapes, function forms, configs
and TF 1.15's errors."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras import layers as L


def _masked(shape):
    x = tf.placeholder(tf.float32, shape)
    return x, L.Masking()(x)


def test_elementwise_merge_masks_are_anded():
    (a, ma), (b, mb) = _masked((None, 3, 2)), _masked((None, 3, 2))
    out = L.add([ma, mb])
    va = np.array([[[1, 1], [0, 0], [1, 0]]], np.float32)
    vb = np.array([[[1, 1], [1, 1], [0, 0]]], np.float32)
    np.testing.assert_array_equal(K.get_session().run(out._keras_mask, {a: va, b: vb}), [[True, False, False]])


def test_concatenate_masks_fill_missing_with_true():
    (a, ma) = _masked((None, 3, 2))
    b = tf.placeholder(tf.float32, (None, 3, 2))
    out = L.concatenate([ma, b])
    assert out.shape.as_list() == [None, 3, 4]
    value = np.array([[[1, 1], [0, 0], [1, 0]]], np.float32)
    np.testing.assert_array_equal(K.get_session().run(out._keras_mask, {a: value, b: value}),
                                  [[True, False, True]])


def test_function_forms_and_shapes():
    a, b = tf.placeholder(tf.float32, (None, 4)), tf.placeholder(tf.float32, (None, 4))
    va, vb = np.arange(8, dtype=np.float32).reshape(2, 4), np.ones((2, 4), np.float32) * 3
    outs = [L.add([a, b]), L.subtract([a, b]), L.multiply([a, b]), L.average([a, b]), L.maximum([a, b]),
            L.minimum([a, b]), L.dot([a, b], axes=1)]
    got = K.get_session().run(outs, {a: va, b: vb})
    for value, expected in zip(got, [va + vb, va - vb, va * vb, (va + vb) / 2, np.maximum(va, vb),
                                     np.minimum(va, vb), (va * vb).sum(1, keepdims=True)]):
        np.testing.assert_allclose(value, expected)
    assert L.Add().compute_output_shape([(None, 2, 3), (None, 1, 3)]).as_list() == [None, 2, 3]
    assert L.Dot(axes=(1, 2)).compute_output_shape([(None, 3, 2), (None, 4, 3)]).as_list() == [None, 2, 4]
    assert L.Concatenate().get_config()['axis'] == -1
    assert L.Dot(axes=(1, 2), normalize=True).get_config()['axes'] == (1, 2)


def test_lower_rank_inputs_get_unit_axes():
    a, b = tf.placeholder(tf.float32, (None, 3)), tf.placeholder(tf.float32, (None, 2, 3))
    out = L.Multiply()([a, b])
    assert out.shape.as_list() == [None, 2, 3]
    va, vb = np.ones((1, 3), np.float32) * 2, np.arange(6, dtype=np.float32).reshape(1, 2, 3)
    np.testing.assert_allclose(K.get_session().run(out, {a: va, b: vb}), va[:, None] * vb)


def test_merge_errors():
    a = tf.placeholder(tf.float32, (None, 3))
    with pytest.raises(ValueError, match='at least 2 inputs. Got 1 inputs'):
        L.Add()([a])
    with pytest.raises(ValueError, match='A `Subtract` layer should be called on exactly 2 inputs'):
        L.Subtract()([a, a, a])
    with pytest.raises(ValueError, match='Operands could not be broadcast together with shapes'):
        L.Add()([a, tf.placeholder(tf.float32, (None, 4))])
    with pytest.raises(ValueError, match='Can not merge tensors with different batch sizes'):
        L.Add()([tf.placeholder(tf.float32, (2, 3)), tf.placeholder(tf.float32, (3, 3))])
    with pytest.raises(ValueError, match='requires inputs with matching shapes except for the concat axis'):
        L.Concatenate()([tf.placeholder(tf.float32, (None, 2, 3)), tf.placeholder(tf.float32, (None, 3, 3))])
    with pytest.raises(ValueError, match='Dimension incompatibility 3 != 4'):
        L.Dot(axes=1)([a, tf.placeholder(tf.float32, (None, 4))])
    with pytest.raises(ValueError, match='Invalid format for `axes` - should contain two elements'):
        L.Dot(axes=(1, 2, 3))


def test_embedding_mask_zero_and_shapes():
    ids = tf.placeholder(tf.int32, (None, 3))
    layer = L.Embedding(5, 2, mask_zero=True)
    out = layer(ids)
    assert layer.weights[0].name == 'embedding/embeddings:0'
    table = np.arange(10, dtype=np.float32).reshape(5, 2)
    layer.set_weights([table])
    value = np.array([[1, 0, 4]], np.int32)
    got, mask = K.get_session().run([out, out._keras_mask], {ids: value})
    np.testing.assert_allclose(got, table[value])
    np.testing.assert_array_equal(mask, [[True, False, True]])
    assert L.Embedding(5, 2, input_length=3).compute_output_shape((None, 3)).as_list() == [None, 3, 2]
    with pytest.raises(ValueError, match='"input_length" is 4, but received input has shape'):
        L.Embedding(5, 2, input_length=4).compute_output_shape((None, 3))
    config = layer.get_config()
    assert config['batch_input_shape'] == (None, None) and config['dtype'] == 'float32'
    assert config['embeddings_initializer'] == {
        'class_name': 'RandomUniform', 'config': {'minval': -0.05, 'maxval': 0.05, 'seed': None,
                                                  'dtype': 'float32'}}
    float_ids = tf.placeholder(tf.float32, (None, 2))
    assert L.Embedding(5, 2)(float_ids).shape.as_list() == [None, 2, 2]
