"""The clustering ops of TF 1.15 (`gen_clustering_ops`): NearestNeighbors, KmeansPlusPlusInitialization and
KMC2ChainInitialization, with TF's op names, inputs (all float32 / int64, no attrs) and unknown output shapes
(KMC2's index is a scalar). Kernels in kernels/clustering_kernels.py; none of them has a gradient (TF
registers none, so tf.gradients raises LookupError through them).

NearestNeighbors(points [n, d], centers [m, d], k) gives, per point, the min(k, m) nearest centers by squared
Euclidean distance, ||p||^2 - 2 p.c + ||c||^2, nearest first (ties to the lower index).
KmeansPlusPlusInitialization(points, num_to_sample, seed, num_retries_per_sample) draws the first center
uniformly, then each next one from D^2 weights (D the distance to the nearest chosen center), keeping among
1 + num_retries draws the one that leaves the smallest sum of D^2 (a negative count means 2 + log(n)).
KMC2ChainInitialization(distances, seed) runs one k-MC^2 Markov chain over the candidates: it starts at the
first and moves to candidate i with probability min(1, distances[i] / distances[current]).
The seeded ops are deterministic in their inputs (a fresh stream from `seed` on each call, as TF's).
"""
from sluice.engine import op_builder
from sluice.engine.op_registry import register_op
from sluice.ops import shape_fns

__all__ = ['nearest_neighbors', 'kmeans_plus_plus_initialization', 'kmc2_chain_initialization']

# the names TF 1.15's clustering_ops gives the distance metrics, the ways to choose initial centers and the
# centers' variable (which the estimator reads back)
SQUARED_EUCLIDEAN_DISTANCE = 'squared_euclidean'
COSINE_DISTANCE = 'cosine'
RANDOM_INIT = 'random'
KMEANS_PLUS_PLUS_INIT = 'kmeans_plus_plus'
KMC2_INIT = 'kmc2'
CLUSTERS_VAR_NAME = 'clusters'

register_op('NearestNeighbors', ['points: float', 'centers: float', 'k: int64'],
            ['nearest_center_indices: int64', 'nearest_center_distances: float'], {},
            shape_fns.unknown)
register_op('KmeansPlusPlusInitialization',
            ['points: float', 'num_to_sample: int64', 'seed: int64', 'num_retries_per_sample: int64'],
            ['samples: float'], {}, shape_fns.unknown)
register_op('KMC2ChainInitialization', ['distances: float', 'seed: int64'], ['index: int64'], {}, shape_fns.scalar)


def nearest_neighbors(points, centers, k, name=None):
    """(nearest_center_indices, nearest_center_distances): the k nearest centers of each point."""
    return tuple(op_builder.apply('NearestNeighbors', [points, centers, k], name=name)._outputs)


def kmeans_plus_plus_initialization(points, num_to_sample, seed, num_retries_per_sample, name=None):
    """num_to_sample rows of points chosen by k-means++."""
    return op_builder.output('KmeansPlusPlusInitialization', [points, num_to_sample, seed, num_retries_per_sample],
                             name=name)


def kmc2_chain_initialization(distances, seed, name=None):
    """The index of the candidate a k-MC^2 chain over `distances` ends on."""
    return op_builder.output('KMC2ChainInitialization', [distances, seed], name=name)
