"""tf.estimator.experimental (TF 1.15 v1): KMeans, the k-means estimator (canned/kmeans.py). The other names
of TF's namespace raise an AttributeError saying sluice does not implement them yet."""
from sluice.estimator.canned.kmeans import KMeansClustering as KMeans  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.estimator.experimental')
