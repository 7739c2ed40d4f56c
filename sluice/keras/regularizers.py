"""tf.keras.regularizers: L1L2(l1, l2)(x) = l1 * sum(|x|) + l2 * sum(x^2), the factors kept as floatx
NumPy scalars (as TF 1.15's K.cast_to_floatx does); with both factors zero, a constant 0.
`get` accepts None, 'l1'/'l2'/'l1_l2' (their default factors 0.01), a serialized dict or a callable.
"""
import numpy as np

from sluice.engine.graph import convert_to_tensor
from sluice.keras import backend as K
from sluice.keras.serialization import deserialize_keras_object, serialize_keras_object
from sluice.ops import constant_op, math_ops


class Regularizer:
    """A callable weight -> scalar penalty tensor."""

    def __call__(self, x):
        return 0.

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0., l2=0.):  # noqa: E741 - Keras's argument names
        self.l1 = np.asarray(l1, dtype=K.floatx())
        self.l2 = np.asarray(l2, dtype=K.floatx())

    def __call__(self, x):
        if not self.l1 and not self.l2:
            return constant_op.constant(0., dtype=K.floatx())
        x = convert_to_tensor(x)
        regularization = 0.
        if self.l1:
            regularization += self.l1 * math_ops.reduce_sum(math_ops.abs(x))
        if self.l2:
            regularization += self.l2 * math_ops.reduce_sum(math_ops.square(x))
        return regularization

    def get_config(self):
        return {'l1': float(self.l1), 'l2': float(self.l2)}


def l1(l=0.01):  # noqa: E741 - Keras's argument name
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741 - Keras's argument name
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811 - the arguments shadow the functions, as in Keras
    return L1L2(l1=l1, l2=l2)


_REGULARIZERS = {'Regularizer': Regularizer, 'L1L2': L1L2, 'l1': l1, 'l2': l2, 'l1_l2': l1_l2}


def serialize(regularizer):
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=_REGULARIZERS, custom_objects=custom_objects,
                                    printable_module_name='regularizer')


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in ('l1', 'l2', 'l1_l2'):
            # functions called with their defaults, not returned as functions
            return deserialize({'class_name': identifier, 'config': {}})
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret regularizer identifier:', identifier)
