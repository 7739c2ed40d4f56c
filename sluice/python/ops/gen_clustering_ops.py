"""`tensorflow.python.ops.gen_clustering_ops`: the clustering op wrappers (ops/clustering_ops.py)."""
from sluice.ops.clustering_ops import (kmc2_chain_initialization, kmeans_plus_plus_initialization,  # noqa: F401
                                       nearest_neighbors)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.gen_clustering_ops')
