"""tf.TensorSpec: a description of a Tensor (shape, dtype, optional name), as TF 1.15's.

Specs compare equal when their shapes (as tuples with None for unknown sizes), dtypes and names
agree; `is_compatible_with` accepts a spec or a Tensor whose dtype and shape are compatible;
`most_specific_compatible_type` joins two specs of one dtype. The batch/unbatch and legacy-output
helpers are what tf.data's structures use.
"""
from sluice.engine import dtypes
from sluice.engine.node import Tensor
from sluice.engine.tensor_shape import TensorShape

__all__ = ['TensorSpec']


class TensorSpec:
    """Describes a tf.Tensor: shape, dtype (float32 by default) and an optional name."""
    __slots__ = ['_shape', '_shape_tuple', '_dtype', '_name']

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self._shape = TensorShape(shape)
        self._shape_tuple = tuple(self._shape.as_list()) if self._shape.ndims is not None else None
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def from_spec(cls, spec, name=None):
        return cls(spec.shape, spec.dtype, name or spec.name)

    @classmethod
    def from_tensor(cls, tensor, name=None):
        if not isinstance(tensor, Tensor):
            raise ValueError('`tensor` should be a tf.Tensor')
        return cls(tensor.shape, tensor.dtype, name or tensor.op.name)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)
    name = property(lambda self: self._name)
    value_type = property(lambda self: Tensor)

    def is_compatible_with(self, spec_or_tensor):
        """Whether spec_or_tensor (a TensorSpec or Tensor) has a compatible dtype and shape."""
        return (isinstance(spec_or_tensor, (TensorSpec, Tensor))
                and self._dtype.is_compatible_with(spec_or_tensor.dtype)
                and self._shape.is_compatible_with(spec_or_tensor.shape))

    def most_specific_compatible_type(self, other):
        if type(self) is not type(other) or self._dtype != other.dtype:
            raise ValueError('Types are not compatible: %r vs %r' % (self, other))
        shape = self._shape.most_specific_compatible_shape(other.shape)
        return TensorSpec(shape, self._dtype, self._name if self._name == other.name else None)

    def __repr__(self):
        return 'TensorSpec(shape={}, dtype={}, name={})'.format(self._shape, repr(self._dtype), repr(self._name))

    def __hash__(self):
        return hash((self._shape_tuple, self._dtype))

    def __eq__(self, other):
        return (type(self) is type(other) and self._shape_tuple == other._shape_tuple
                and self._dtype == other._dtype and self._name == other._name)

    def __ne__(self, other):
        return not self == other

    def __reduce__(self):
        return TensorSpec, (self._shape, self._dtype, self._name)

    def _batch(self, batch_size):
        return TensorSpec(TensorShape([batch_size]).concatenate(self._shape), self._dtype)

    def _unbatch(self):
        if self._shape.ndims == 0:
            raise ValueError('Unbatching a tensor is only supported for rank >= 1')
        return TensorSpec(self._shape[1:], self._dtype)

    def _to_legacy_output_types(self):
        return self._dtype

    def _to_legacy_output_shapes(self):
        return self._shape

    def _to_legacy_output_classes(self):
        return Tensor
