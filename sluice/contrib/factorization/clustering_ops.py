"""tf.contrib.factorization's KMeans graph: TF 1.15 core's (ops/kmeans.py) but for two details of the contrib
copy. The samplers get `random_seed` as given (core folds the graph seed in first), and the empty 'clusters'
variables start from a float32 Const [] instead of a placeholder_with_default."""
from sluice.engine import dtypes
from sluice.ops import constant_op
from sluice.ops import kmeans as _core
from sluice.ops.clustering_ops import (CLUSTERS_VAR_NAME, COSINE_DISTANCE, KMC2_INIT,  # noqa: F401
                                       KMEANS_PLUS_PLUS_INIT, RANDOM_INIT, SQUARED_EUCLIDEAN_DISTANCE,
                                       kmc2_chain_initialization, kmeans_plus_plus_initialization,
                                       nearest_neighbors)

__all__ = ['KMeans', 'SQUARED_EUCLIDEAN_DISTANCE', 'COSINE_DISTANCE', 'RANDOM_INIT', 'KMEANS_PLUS_PLUS_INIT',
           'KMC2_INIT', 'CLUSTERS_VAR_NAME']


class KMeans(_core.KMeans):
    """Creates the graph for k-means clustering (TF 1.15 contrib's arguments and variables)."""

    @staticmethod
    def _sampler_seed(random_seed):
        return random_seed

    @staticmethod
    def _initial_centers_value():
        return constant_op.constant([], dtype=dtypes.float32)
