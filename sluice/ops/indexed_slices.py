"""tf.IndexedSlices: a sparse gradient, the rows `indices` of a dense tensor of shape `dense_shape`.

The gradient of a gather with respect to its params is such a value (TF's GatherV2 gradient):
`values[i]` is the slice added at row `indices[i]`; an index may repeat and then its slices add
up. Optimizers apply it row by row (scatter updates); anything else converts it to a dense
tensor, which is an UnsortedSegmentSum of the values by index into `dense_shape[0]` rows.
"""
import collections

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import session as _session
from sluice.engine.log import logger
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import shape_fns

__all__ = ['IndexedSlices', 'IndexedSlicesValue', 'convert_to_tensor_or_indexed_slices']

# Densifying more elements than this logs a warning, as TF does (the dense tensor may be huge).
_LARGE_DENSE_ELEMENTS = 100000000


class IndexedSlices:
    """values: Tensor [N, ...]; indices: int Tensor [N]; dense_shape: 1-D int Tensor or None."""

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    values = property(lambda self: self._values)
    indices = property(lambda self: self._indices)
    dense_shape = property(lambda self: self._dense_shape)
    name = property(lambda self: self._values.name)
    device = property(lambda self: self._values.device)
    op = property(lambda self: self._values.op)
    dtype = property(lambda self: self._values.dtype)
    graph = property(lambda self: self._values.graph)

    @property
    def shape(self):
        """The static shape of the dense tensor: from a known dense_shape, else values' row shape."""
        if self._dense_shape is not None:
            known = shape_fns.constant_value_as_shape(self._dense_shape)
            if known.ndims is not None:
                return known
        dims = self._values.shape.dims
        if dims is None:
            return unknown_shape()
        return TensorShape([None] + list(self._values.shape.as_list()[1:]))

    def get_shape(self):
        return self.shape

    def consumers(self):
        return self._values.consumers() + self._indices.consumers()

    def __neg__(self):
        from sluice.ops import math_ops
        return IndexedSlices(math_ops.negative(self._values), self._indices, self._dense_shape)

    def __str__(self):
        return 'IndexedSlices(indices=%s, values=%s%s)' % (
            self._indices, self._values,
            '' if self._dense_shape is None else ', dense_shape=%s' % self._dense_shape)

    __repr__ = __str__


# What Session.run gives for a fetched IndexedSlices (TF's tf.compat.v1.IndexedSlicesValue).
IndexedSlicesValue = collections.namedtuple('IndexedSlicesValue', ['values', 'indices', 'dense_shape'])


def _indexed_slices_to_tensor(value, dtype=None, name=None, as_ref=False):
    """The dense tensor: UnsortedSegmentSum(values, indices, dense_shape[0])."""
    if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
        raise ValueError('Tensor conversion requested dtype %s for IndexedSlices with dtype %s'
                         % (dtypes.as_dtype(dtype).name, value.dtype.name))
    if value.dense_shape is None:
        raise ValueError('Tensor conversion requested for IndexedSlices without dense_shape: %s' % value.name)
    known = shape_fns.constant_value(value.dense_shape)
    if known is None:
        logger.warning('Converting sparse IndexedSlices to a dense Tensor of unknown shape. This may consume a '
                       'large amount of memory.')
    elif int(np.prod(known, dtype=np.int64)) >= _LARGE_DENSE_ELEMENTS:
        logger.warning('Converting sparse IndexedSlices to a dense Tensor with %d elements. This may consume a '
                       'large amount of memory.' % int(np.prod(known, dtype=np.int64)))
    from sluice.ops import segment_ops
    return segment_ops.unsorted_segment_sum(value.values, value.indices, value.dense_shape[0], name=name)


_graph.register_tensor_conversion_function(IndexedSlices, _indexed_slices_to_tensor)


def convert_to_tensor_or_indexed_slices(value, dtype=None, name=None):
    """An IndexedSlices as it is (dtype checked), anything else through convert_to_tensor."""
    if isinstance(value, IndexedSlices):
        if dtype is not None and not dtypes.as_dtype(dtype).is_compatible_with(value.dtype):
            raise ValueError('Tensor conversion requested dtype %s for Tensor with dtype %s: %r'
                             % (dtypes.as_dtype(dtype).name, value.dtype.name, value))
        return value
    return _graph.convert_to_tensor(value, dtype=dtype, name=name)


def as_dense(value, name=None):
    """`value` as a Tensor (an IndexedSlices densified); None stays None."""
    if value is None or isinstance(value, _graph.Tensor):
        return value
    return _graph.convert_to_tensor(value, name=name)


def _fetch_parts(slices):
    """An IndexedSlices is fetched as its tensors (dense_shape None when it has none), as TF does."""
    if slices.dense_shape is None:
        return [slices.values, slices.indices], lambda v: IndexedSlicesValue(v[0], v[1], None)
    return [slices.values, slices.indices, slices.dense_shape], lambda v: IndexedSlicesValue(*v)


_session.register_fetch_function(IndexedSlices, _fetch_parts)
