"""tf.sparse: the SparseTensor ops under their TF 1.15 names (ops/sparse_ops.py, ops/sparse_manip_ops.py)."""
from sluice.ops.sparse_manip_ops import from_dense, sparse_add as add, sparse_concat as concat  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_expand_dims as expand_dims, sparse_eye as eye  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_fill_empty_rows as fill_empty_rows  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_maximum as maximum, sparse_minimum as minimum  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_placeholder as placeholder, sparse_retain as retain  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_reset_shape as reset_shape  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_slice as slice, sparse_split as split  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_to_indicator as to_indicator  # noqa: F401
from sluice.ops.sparse_manip_ops import sparse_transpose as transpose  # noqa: F401
from sluice.ops.sparse_ops import sparse_reduce_max as reduce_max  # noqa: F401
from sluice.ops.manip_ops import sparse_mask as mask  # noqa: F401
from sluice.ops.sparse_ops import sparse_reduce_max_sparse as reduce_max_sparse  # noqa: F401
from sluice.ops.sparse_ops import sparse_reduce_sum as reduce_sum  # noqa: F401
from sluice.ops.sparse_ops import sparse_reduce_sum_sparse as reduce_sum_sparse  # noqa: F401
from sluice.ops.sparse_ops import sparse_reorder as reorder, sparse_reshape as reshape  # noqa: F401
from sluice.ops.sparse_ops import sparse_softmax as softmax, sparse_tensor_to_dense as to_dense  # noqa: F401
from sluice.ops.sparse_ops import sparse_tensor_dense_matmul as matmul  # noqa: F401
from sluice.ops.sparse_ops import sparse_tensor_dense_matmul as sparse_dense_matmul  # noqa: F401
from sluice.ops.sparse_cross_ops import sparse_cross as cross, sparse_cross_hashed as cross_hashed  # noqa: F401
from sluice.ops.sparse_tensor import SparseTensor  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.sparse')
