"""tf.keras.constraints: projections Keras applies to a variable after each optimizer step.

MaxNorm scales w by clip(norm, 0, max_value) / (epsilon + norm), the norm taken over `axis` (kept);
UnitNorm divides by epsilon + norm; MinMaxNorm scales to rate * clip(norm, min, max) + (1 - rate) * norm;
NonNeg zeroes negative entries. RadialConstraint (rank-4 kernels, square in their first two dimensions)
gives each 2-D kernel slice concentric rings, each filled with one diagonal element, as TF 1.15's
while-loop padding builds them: for an odd size n the centre holds element (n//2 - 1) of the diagonal
and ring i (counting outwards from 1) element n//2 + i - 1; for an even size the 2x2 centre holds
element n//2 - 1 and ring i element n//2 + i. sluice gathers those elements in one GatherNd.
"""
import numpy as np

from sluice.engine.graph import convert_to_tensor
from sluice.keras import backend as K
from sluice.keras.serialization import deserialize_keras_object, serialize_keras_object
from sluice.ops import clip_ops, constant_op, indexing_ops, math_ops


class Constraint:
    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return math_ops.sqrt(math_ops.reduce_sum(math_ops.square(w), axis=axis, keepdims=True))


def _clip(x, min_value, max_value):
    dtype = x.dtype.base_dtype
    return clip_ops.clip_by_value(x, constant_op.constant(min_value, dtype),
                                  constant_op.constant(max(max_value, min_value), dtype))


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(convert_to_tensor(w), self.axis)
        desired = _clip(norms, 0, self.max_value)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {'max_value': self.max_value, 'axis': self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return w * math_ops.cast(math_ops.greater_equal(w, 0.), K.floatx())


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (K.epsilon() + _norms(convert_to_tensor(w), self.axis))

    def get_config(self):
        return {'axis': self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(convert_to_tensor(w), self.axis)
        desired = self.rate * _clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {'min_value': self.min_value, 'max_value': self.max_value, 'rate': self.rate, 'axis': self.axis}


def _radial_source(n):
    """[n, n] int array: which diagonal element each position of an n x n kernel takes."""
    start = n // 2
    if n % 2:
        source, first_ring = np.full((1, 1), start - 1), 0
    else:
        source, first_ring = np.full((2, 2), start - 1), 1
    for i in range(first_ring, start):
        source = np.pad(source, 1, mode='constant', constant_values=start + i)
    return source


class RadialConstraint(Constraint):
    def __call__(self, w):
        w = convert_to_tensor(w)
        shape = w.shape
        if shape.ndims is None or shape.ndims != 4:
            raise ValueError('The weight tensor must be of rank 4, but is of shape: %s' % shape)
        height, width = shape.as_list()[:2]
        if height is None or height != width or height < 2:
            raise ValueError('RadialConstraint needs square kernels of a known size of at least 2, got %s' % shape)
        source = _radial_source(height)
        return indexing_ops.gather_nd(w, np.stack([source, source], axis=-1).astype(np.int32))


max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint

_CONSTRAINTS = {'Constraint': Constraint, 'MaxNorm': MaxNorm, 'NonNeg': NonNeg, 'UnitNorm': UnitNorm,
                'MinMaxNorm': MinMaxNorm, 'RadialConstraint': RadialConstraint, 'max_norm': max_norm,
                'non_neg': non_neg, 'unit_norm': unit_norm, 'min_max_norm': min_max_norm,
                'radial_constraint': radial_constraint, 'maxnorm': maxnorm, 'nonneg': nonneg, 'unitnorm': unitnorm}


def serialize(constraint):
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=_CONSTRAINTS, custom_objects=custom_objects,
                                    printable_module_name='constraint')


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({'class_name': identifier, 'config': {}})
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret constraint identifier: ' + str(identifier))
