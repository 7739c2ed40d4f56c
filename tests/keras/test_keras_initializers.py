"""tf.keras.initializers: deterministic ones against TensorFlow (tf_keras in graph mode); Keras's
defaults, configs and identifiers as TF 1.15's source gives them; random ones by their statistics."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import initializers
from sluice.ops import init_ops

import keras_reference

_ONLY = ('initializers',)


@pytest.fixture(scope='module')
def values(tmp_path_factory):
    return keras_reference.both_sides('weight_cases', tmp_path_factory, _ONLY)


@pytest.mark.tf
@pytest.mark.parametrize('key', keras_reference.case_keys('weight_cases', _ONLY))
def test_against_tensorflow(values, key):
    ours, theirs = values
    np.testing.assert_array_equal(ours[key], theirs[key])


def test_keras_defaults():
    assert initializers.RandomNormal().get_config() == {'mean': 0.0, 'stddev': 0.05, 'seed': None,
                                                        'dtype': 'float32'}
    assert initializers.TruncatedNormal().get_config()['stddev'] == 0.05
    assert initializers.RandomUniform().get_config() == {'minval': -0.05, 'maxval': 0.05, 'seed': None,
                                                         'dtype': 'float32'}


def test_random_statistics():
    with tf.Session() as sess:
        normal = sess.run(initializers.RandomNormal(seed=1)([200, 100]))
        uniform = sess.run(initializers.get('uniform')([200, 100]))
        truncated = sess.run(initializers.TruncatedNormal(seed=2)([200, 100]))
        glorot = sess.run(initializers.get('glorot_uniform')([300, 200]))
    assert abs(normal.std() - 0.05) < 0.002 and abs(normal.mean()) < 0.002
    assert uniform.min() >= -0.05 and uniform.max() < 0.05
    assert np.abs(truncated).max() <= 0.1
    limit = np.sqrt(6. / 500)
    assert np.abs(glorot).max() <= limit and np.abs(glorot).max() > 0.95 * limit


def test_identifiers():
    for name, cls in (('zeros', init_ops.Zeros), ('zero', init_ops.Zeros), ('ones', init_ops.Ones),
                      ('glorot_uniform', init_ops.GlorotUniform), ('glorot_normal', init_ops.GlorotNormal),
                      ('orthogonal', init_ops.Orthogonal), ('normal', initializers.RandomNormal),
                      ('truncated_normal', initializers.TruncatedNormal),
                      ('VarianceScaling', init_ops.VarianceScaling)):
        assert type(initializers.get(name)) is cls, name
    he = initializers.get('he_normal')
    assert type(he) is init_ops.VarianceScaling and he.get_config()['scale'] == 2.0
    assert initializers.get('lecun_uniform').get_config()['distribution'] == 'uniform'
    assert initializers.get(None) is None
    const = initializers.get({'class_name': 'Constant', 'config': {'value': 3.0}})
    assert isinstance(const, init_ops.Constant) and const.value == 3.0
    assert initializers.serialize(initializers.Zeros()) == {'class_name': 'Zeros', 'config': {'dtype': 'float32'}}
    config = initializers.serialize(initializers.VarianceScaling(scale=3., mode='fan_out'))
    round_trip = initializers.deserialize(config)
    assert round_trip.get_config()['scale'] == 3. and round_trip.get_config()['mode'] == 'fan_out'

    def fn(shape, dtype=None, partition_info=None):
        return tf.zeros(shape)

    assert initializers.get(fn) is fn
    with pytest.raises(ValueError, match='Unknown initializer:bogus'):
        initializers.get('bogus')
    with pytest.raises(ValueError, match='Could not interpret initializer identifier: 3'):
        initializers.get(3)
