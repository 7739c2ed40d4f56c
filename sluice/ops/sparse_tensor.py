"""tf.SparseTensor: a sparse value as three dense tensors (TF's COO form).

`indices` is an int64 [N, rank] matrix of the positions of the N non-default entries (in
row-major order), `values` the [N] entries, `dense_shape` the int64 [rank] shape of the dense
tensor they stand for. The parsers (VarLenFeature) produce them.

Session.run fetches a SparseTensor as a SparseTensorValue (its three arrays) and accepts a
SparseTensorValue (or a 3-tuple) fed for a SparseTensor (tf.sparse_placeholder's three placeholders):
the fetch and feed functions registered at the bottom split and pack them.
"""
import collections

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import session as _session
from sluice.engine import tensor_shape
from sluice.ops import shape_fns

__all__ = ['SparseTensor', 'SparseTensorValue']


class SparseTensorValue(collections.namedtuple('SparseTensorValue', ['indices', 'values', 'dense_shape'])):
    """The value of a SparseTensor: NumPy arrays indices [N, rank], values [N], dense_shape [rank]."""
    __slots__ = ()

    @property
    def shape(self):
        return self.dense_shape


class SparseTensor:
    """A sparse tensor of the graph: `indices` (int64 [N, rank]), `values` ([N]), `dense_shape` (int64 [rank])."""

    @classmethod
    def from_value(cls, sparse_tensor_value):
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        if not isinstance(sparse_tensor_value, SparseTensorValue):
            raise TypeError('Neither a SparseTensor nor SparseTensorValue: %s.' % (sparse_tensor_value,))
        return cls(indices=sparse_tensor_value.indices, values=sparse_tensor_value.values,
                   dense_shape=sparse_tensor_value.dense_shape)

    def __init__(self, indices, values, dense_shape):
        with _graph.name_scope(None, 'SparseTensor', [indices, values, dense_shape]):
            indices = _graph.convert_to_tensor(indices, name='indices', dtype=dtypes.int64)
            values = _graph.convert_to_tensor(values, name='values')
            dense_shape = _graph.convert_to_tensor(dense_shape, name='dense_shape', dtype=dtypes.int64)
        # TF's static checks: indices [N, rank], values [N], dense_shape [rank].
        indices_shape = indices.shape.with_rank(2)
        values.shape.with_rank(1)
        dense_shape.shape.with_rank(1)
        indices_shape[0].merge_with(values.shape[0])
        indices_shape[1].merge_with(dense_shape.shape[0])
        self._indices = indices
        self._values = values
        self._dense_shape = dense_shape

    indices = property(lambda self: self._indices)
    values = property(lambda self: self._values)
    dense_shape = property(lambda self: self._dense_shape)
    dtype = property(lambda self: self._values.dtype)
    op = property(lambda self: self._values.op)
    graph = property(lambda self: self._indices.graph)
    device = property(lambda self: self._values.device)

    @property
    def shape(self):
        """The static shape of the dense tensor (from a constant dense_shape, else its rank)."""
        known = shape_fns.constant_value_as_shape(self._dense_shape)
        if known.ndims is not None:
            return known
        rank = self._dense_shape.shape.with_rank(1)[0]
        return tensor_shape.unknown_shape() if rank.value is None else tensor_shape.unknown_shape(rank.value)

    def get_shape(self):
        return self.shape

    def consumers(self):
        return sorted({op for t in (self._indices, self._values, self._dense_shape) for op in t.consumers()},
                      key=lambda op: op.name)

    def eval(self, feed_dict=None, session=None):
        """The SparseTensorValue in `session` (or the default session)."""
        from sluice.engine import session as _session
        session = session or _session.get_default_session()
        if session is None:
            raise ValueError('Cannot evaluate tensor using `eval()`: No default session is registered. Use '
                             '`with sess.as_default()` or pass an explicit session to `eval(session=sess)`')
        indices, values, dense_shape = session.run([self._indices, self._values, self._dense_shape], feed_dict)
        return SparseTensorValue(indices, values, dense_shape)

    # sp * dense, sp / dense: the dense operand broadcast to sp's shape, met at sp's entries (TF's operators).
    def __mul__(self, other):
        return self._cwise('mul', other, 'mul')

    def __truediv__(self, other):
        return self._cwise('div', other, 'truediv')

    __div__ = __truediv__

    def _cwise(self, kind, other, name):
        from sluice.ops import sparse_ops
        with _graph.name_scope(None, name, [self._values, other]) as scope:
            other = _graph.convert_to_tensor(other, dtype=self.dtype, name='y')
            values = getattr(sparse_ops, 'sparse_dense_cwise_' + kind)(self, other, name=scope)
        return SparseTensor(self._indices, values, self._dense_shape)

    def __str__(self):
        return 'SparseTensor(indices=%s, values=%s, dense_shape=%s)' % (self._indices, self._values,
                                                                       self._dense_shape)

    __repr__ = __str__


def fetch_parts(fetch):
    """(indices, values, dense_shape) tensors of a fetched SparseTensor, else None (for Session.run)."""
    if isinstance(fetch, SparseTensor):
        return fetch.indices, fetch.values, fetch.dense_shape
    return None


def _split_feed(value):
    """The (indices, values, dense_shape) fed for a SparseTensor key: a SparseTensorValue or a 3-tuple."""
    if isinstance(value, SparseTensor):
        raise TypeError('The value of a feed cannot be a tf.SparseTensor object (feed a SparseTensorValue)')
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        raise TypeError('The value fed for a SparseTensor must be a SparseTensorValue or a 3-tuple '
                        '(indices, values, dense_shape), got %r' % (value,))
    indices, values, dense_shape = value
    return [np.asarray(indices, dtype=np.int64), values, np.asarray(dense_shape, dtype=np.int64)]


def is_sparse(x):
    return isinstance(x, (SparseTensor, SparseTensorValue))


# Session.run fetches a SparseTensor as its three tensors and packs them, as TF does.
_session.register_fetch_function(
    SparseTensor, lambda st: ([st.indices, st.values, st.dense_shape], lambda v: SparseTensorValue(*v)))
_session.register_feed_function(SparseTensor, lambda st: [st.indices, st.values, st.dense_shape], _split_feed)
