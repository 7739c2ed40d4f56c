"""tf.keras.initializers: TF 1.15's init_ops initializers under Keras's names, with Keras's own
defaults for the random ones (RandomNormal and TruncatedNormal stddev 0.05, RandomUniform in
[-0.05, 0.05]). `get` accepts None, a name ('glorot_uniform', 'zeros', ...; 'he_normal', 'he_uniform',
'lecun_normal' and 'lecun_uniform' name functions, called with no arguments), a serialized dict
({'class_name': ..., 'config': ...}) or a callable.
"""
from sluice.engine import dtypes
from sluice.keras.serialization import deserialize_keras_object, serialize_keras_object
from sluice.ops import init_ops
from sluice.ops.init_ops import (Constant, GlorotNormal, GlorotUniform, Identity, Initializer, Ones, Orthogonal,
                                 VarianceScaling, Zeros, he_normal, he_uniform, lecun_normal, lecun_uniform)

__all__ = ['Initializer', 'Zeros', 'Ones', 'Constant', 'RandomNormal', 'RandomUniform', 'TruncatedNormal',
           'VarianceScaling', 'Orthogonal', 'Identity', 'GlorotNormal', 'GlorotUniform', 'he_normal', 'he_uniform',
           'lecun_normal', 'lecun_uniform', 'get', 'serialize', 'deserialize']


class TruncatedNormal(init_ops.TruncatedNormal):
    """Normal with `mean` and `stddev` (Keras default 0.05), values beyond two stddevs redrawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


class RandomUniform(init_ops.RandomUniform):
    """Uniform in [minval, maxval) (Keras defaults -0.05 and 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(minval=minval, maxval=maxval, seed=seed, dtype=dtype)


class RandomNormal(init_ops.RandomNormal):
    """Normal with `mean` and `stddev` (Keras default 0.05)."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean=mean, stddev=stddev, seed=seed, dtype=dtype)


zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform

_INITIALIZERS = {name: globals()[name] for name in (
    'Initializer', 'Zeros', 'Ones', 'Constant', 'RandomNormal', 'RandomUniform', 'TruncatedNormal', 'VarianceScaling',
    'Orthogonal', 'Identity', 'GlorotNormal', 'GlorotUniform', 'he_normal', 'he_uniform', 'lecun_normal',
    'lecun_uniform', 'zero', 'zeros', 'one', 'ones', 'constant', 'uniform', 'random_uniform', 'normal',
    'random_normal', 'truncated_normal', 'identity', 'orthogonal', 'glorot_normal', 'glorot_uniform')}
_FUNCTIONS = ('he_normal', 'he_uniform', 'lecun_normal', 'lecun_uniform')


def serialize(initializer):
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=_INITIALIZERS, custom_objects=custom_objects,
                                    printable_module_name='initializer')


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return deserialize({'class_name': identifier, 'config': {}})
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret initializer identifier: ' + str(identifier))
