"""`tensorflow.python.ops.clustering_ops`: TF 1.15 core's KMeans graph (ops/kmeans.py), its constants and the
clustering op wrappers."""
from sluice.ops.clustering_ops import (CLUSTERS_VAR_NAME, COSINE_DISTANCE, KMC2_INIT,  # noqa: F401
                                       KMEANS_PLUS_PLUS_INIT, RANDOM_INIT, SQUARED_EUCLIDEAN_DISTANCE,
                                       kmc2_chain_initialization, kmeans_plus_plus_initialization,
                                       nearest_neighbors)
from sluice.ops.kmeans import KMeans  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.clustering_ops')
