"""tf.contrib.factorization: k-means (TF 1.15's contrib KMeans graph and KMeansClustering estimator).

The contrib classes are the core ones (ops/kmeans.py, estimator/canned/kmeans.py) with TF 1.15 contrib's
differences, in clustering_ops.py and kmeans.py here. WALS and GMM (WALSModel, WALSMatrixFactorization,
GMM, gmm, GmmAlgorithm) are not implemented: using them raises an AttributeError that says so.
"""
from sluice.contrib.factorization.clustering_ops import (COSINE_DISTANCE, KMC2_INIT,  # noqa: F401
                                                         KMEANS_PLUS_PLUS_INIT, RANDOM_INIT,
                                                         SQUARED_EUCLIDEAN_DISTANCE, KMeans)
from sluice.contrib.factorization.kmeans import KMeansClustering  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.factorization')
