"""`tensorflow.python.ops.sparse_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (sparse_add, sparse_concat, sparse_fill_empty_rows, sparse_maximum, sparse_minimum,  # noqa: F401
                    sparse_reduce_max, sparse_reduce_max_sparse, sparse_reduce_sum, sparse_reduce_sum_sparse,
                    sparse_reorder, sparse_reset_shape, sparse_reshape, sparse_retain, sparse_slice, sparse_softmax,
                    sparse_split, sparse_tensor_dense_matmul, sparse_tensor_to_dense, sparse_to_dense,
                    sparse_to_indicator, sparse_transpose)
from sluice.sparse import expand_dims as sparse_expand_dims, eye as sparse_eye, from_dense  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.sparse_ops')
