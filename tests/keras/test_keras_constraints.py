"""tf.keras.constraints against TensorFlow (tf_keras in graph mode), and TF 1.15's configs and identifiers."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import constraints

import keras_reference
import weight_cases

_ONLY = ('constraints',)


@pytest.fixture(scope='module')
def values(tmp_path_factory):
    return keras_reference.both_sides('weight_cases', tmp_path_factory, _ONLY)


@pytest.mark.tf
@pytest.mark.parametrize('key', keras_reference.case_keys('weight_cases', _ONLY))
def test_against_tensorflow(values, key):
    ours, theirs = values
    assert ours[key].shape == theirs[key].shape
    np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, atol=1e-6)


def test_max_norm_written_out():
    w = weight_cases.W
    norms = np.sqrt((w ** 2).sum(0, keepdims=True))
    with tf.Session() as sess:
        got = sess.run(constraints.MaxNorm(1.5)(w))
    np.testing.assert_allclose(got, w * np.clip(norms, 0, 1.5) / (1e-7 + norms), rtol=1e-5)


def test_radial_constraint_rings():
    kernel = np.arange(16, dtype=np.float32).reshape(4, 4, 1, 1)
    with tf.Session() as sess:
        got = sess.run(constraints.RadialConstraint()(kernel))[:, :, 0, 0]
    # as TF 1.15's loop pads: the 2x2 centre takes kernel[1, 1], the outer ring kernel[3, 3]
    expected = np.full((4, 4), 15.)
    expected[1:3, 1:3] = 5.
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match='The weight tensor must be of rank 4'):
        constraints.RadialConstraint()(np.zeros((3, 3), np.float32))


def test_configs_and_identifiers():
    assert constraints.MaxNorm().get_config() == {'max_value': 2, 'axis': 0}
    assert constraints.MinMaxNorm().get_config() == {'min_value': 0.0, 'max_value': 1.0, 'rate': 1.0, 'axis': 0}
    assert constraints.UnitNorm(axis=[0, 1]).get_config() == {'axis': [0, 1]}
    assert constraints.NonNeg().get_config() == {}
    assert constraints.get(None) is None
    for name, cls in (('max_norm', constraints.MaxNorm), ('nonneg', constraints.NonNeg),
                      ('UnitNorm', constraints.UnitNorm), ('radial_constraint', constraints.RadialConstraint)):
        assert isinstance(constraints.get(name), cls)
    got = constraints.get({'class_name': 'MaxNorm', 'config': {'max_value': 3, 'axis': 1}})
    assert got.get_config() == {'max_value': 3, 'axis': 1}
    assert constraints.serialize(constraints.NonNeg()) == {'class_name': 'NonNeg', 'config': {}}
    with pytest.raises(ValueError, match='Unknown constraint: bogus'):
        constraints.get('bogus')
    with pytest.raises(ValueError, match='Could not interpret constraint identifier: 3'):
        constraints.get(3)
