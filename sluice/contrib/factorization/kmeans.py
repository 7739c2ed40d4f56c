"""tf.contrib.factorization.KMeansClustering: the estimator of estimator/canned/kmeans.py as TF 1.15 contrib
has it: its argument is `random_seed` (default 0) rather than `seed`, it builds contrib's KMeans graph, and
transform() gives the distances as computed (squared for the squared Euclidean metric)."""
from sluice.contrib.factorization.clustering_ops import KMeans
from sluice.estimator.canned import kmeans as _core

__all__ = ['KMeansClustering']


class KMeansClustering(_core.KMeansClustering):
    """An Estimator for k-means clustering (TF 1.15 contrib)."""

    _graph_class = KMeans
    _transform_takes_sqrt = False

    def __init__(self, num_clusters, model_dir=None, initial_clusters=_core.KMeansClustering.RANDOM_INIT,
                 distance_metric=_core.KMeansClustering.SQUARED_EUCLIDEAN_DISTANCE, random_seed=0,
                 use_mini_batch=True, mini_batch_steps_per_iteration=1, kmeans_plus_plus_num_retries=2,
                 relative_tolerance=None, config=None, feature_columns=None):
        super().__init__(num_clusters, model_dir=model_dir, initial_clusters=initial_clusters,
                         distance_metric=distance_metric, seed=random_seed, use_mini_batch=use_mini_batch,
                         mini_batch_steps_per_iteration=mini_batch_steps_per_iteration,
                         kmeans_plus_plus_num_retries=kmeans_plus_plus_num_retries,
                         relative_tolerance=relative_tolerance, config=config, feature_columns=feature_columns)
