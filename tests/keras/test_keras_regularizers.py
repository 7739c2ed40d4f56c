"""tf.keras.regularizers against TensorFlow (tf_keras in graph mode), and TF 1.15's configs and identifiers."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import regularizers

import keras_reference
import weight_cases

_ONLY = ('regularizers',)


@pytest.fixture(scope='module')
def values(tmp_path_factory):
    return keras_reference.both_sides('weight_cases', tmp_path_factory, _ONLY)


@pytest.mark.tf
@pytest.mark.parametrize('key', keras_reference.case_keys('weight_cases', _ONLY))
def test_against_tensorflow(values, key):
    ours, theirs = values
    np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6)


def test_written_out():
    w = weight_cases.W
    with tf.Session() as sess:
        value = sess.run(regularizers.l1_l2(0.1, 0.2)(w))
    assert value == pytest.approx(0.1 * np.abs(w).sum() + 0.2 * np.square(w).sum(), rel=1e-5)


def test_zero_factors_give_a_constant():
    assert regularizers.L1L2()(tf.constant([1.])).op.type == 'Const'


def test_config_and_identifiers():
    # TF 1.15 keeps the factors as float32 NumPy scalars: the config shows them widened to Python floats
    assert regularizers.l1_l2().get_config() == {'l1': float(np.float32(0.01)), 'l2': float(np.float32(0.01))}
    assert regularizers.l2(0.5).get_config() == {'l1': 0.0, 'l2': 0.5}
    assert regularizers.get(None) is None
    assert regularizers.get('l1').get_config() == {'l1': float(np.float32(0.01)), 'l2': 0.0}
    reg = regularizers.get({'class_name': 'L1L2', 'config': {'l1': 0.25, 'l2': 0.0}})
    assert isinstance(reg, regularizers.L1L2) and reg.get_config()['l1'] == 0.25
    assert regularizers.serialize(regularizers.l2(0.5)) == {'class_name': 'L1L2', 'config': {'l1': 0.0, 'l2': 0.5}}
    assert isinstance(regularizers.get('L1L2'), regularizers.L1L2)

    def fn(x):
        return tf.reduce_sum(x)

    assert regularizers.get(fn) is fn
    with pytest.raises(ValueError, match='Unknown regularizer:bogus'):
        regularizers.get('bogus')
    with pytest.raises(ValueError, match='Could not interpret regularizer identifier'):
        regularizers.get(3)
