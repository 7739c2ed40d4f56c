"""The k-means estimators: tf.compat.v1.estimator.experimental.KMeans (TF 1.15 core) and
tf.contrib.factorization.KMeansClustering, against the NumPy statement of k-means (TF 2.21 ships neither
estimator): training from given centers, cluster_centers, predict_cluster_index, transform, score, the
relative-tolerance stop and the checkpointed variables."""
import os

import numpy as np
import pytest

import sluice as tf

from kmeans_reference import assign, distances, lloyd


def _blobs(seed=0, n=30):
    rng = np.random.RandomState(seed)
    means = np.array([[4, 0], [-4, 0], [0, 6]], np.float32)
    data = np.concatenate([rng.randn(n, 2) + m for m in means]).astype(np.float32)
    return data[rng.permutation(len(data))]


def _input_fn(data, as_dict=False):
    def input_fn():
        points = tf.constant(data)
        if as_dict:
            return {'y': points[:, 1:], 'x': points[:, :1]}, None
        return tf.train.limit_epochs(points, num_epochs=1)
    return input_fn


@pytest.fixture(params=['core', 'contrib'])
def kmeans_class(request):
    if request.param == 'core':
        return tf.compat.v1.estimator.experimental.KMeans, 'seed'
    return tf.contrib.factorization.KMeansClustering, 'random_seed'


def test_full_batch_training_is_lloyd(kmeans_class, tmp_path):
    cls, seed_arg = kmeans_class
    data = _blobs()
    init = data[:3].copy()
    kmeans = cls(3, model_dir=str(tmp_path), initial_clusters=init, use_mini_batch=False, **{seed_arg: 3})
    for _ in range(3):
        kmeans.train(_input_fn(data), steps=1)
    want = lloyd(data, init, 3)
    np.testing.assert_allclose(kmeans.cluster_centers(), want, rtol=1e-5, atol=1e-5)
    assert kmeans.get_variable_value('global_step') == 3
    assert {'clusters', 'initialized', 'global_step'} <= set(kmeans.get_variable_names())

    idx, score, _ = assign(data, want, False)
    np.testing.assert_array_equal(list(kmeans.predict_cluster_index(_input_fn(data))), idx)
    np.testing.assert_allclose(kmeans.score(_input_fn(data)), score.sum(), rtol=1e-4)
    transformed = np.array(list(kmeans.transform(_input_fn(data))))
    squared = np.maximum(distances(data.astype(np.float64), want), 0)
    # TF 1.15 core's transform takes the square root of squared Euclidean distances; contrib's does not
    expected = np.sqrt(squared) if seed_arg == 'seed' else squared
    np.testing.assert_allclose(transformed, expected, rtol=1e-3, atol=1e-3)


def test_mini_batch_training_with_kmeans_plus_plus_and_dict_features(kmeans_class, tmp_path):
    cls, seed_arg = kmeans_class
    data = _blobs(1)
    kmeans = cls(3, model_dir=str(tmp_path), initial_clusters=cls.KMEANS_PLUS_PLUS_INIT, **{seed_arg: 5})
    kmeans.train(_input_fn(data, as_dict=True), steps=10)
    centers = kmeans.cluster_centers()
    # the columns come in sorted key order ('x', 'y'); kmeans++ on three blobs finds all three
    found = sorted(np.argmin(((centers[:, None] - [[4, 0], [-4, 0], [0, 6]]) ** 2).sum(-1), axis=1).tolist())
    assert found == [0, 1, 2]
    np.testing.assert_allclose(np.sort(centers[:, 0]), [-4, 0, 4], atol=0.6)


def test_relative_tolerance_stops_training(tmp_path):
    data = _blobs(2)
    kmeans = tf.compat.v1.estimator.experimental.KMeans(3, model_dir=str(tmp_path), initial_clusters=data[:3],
                                                        use_mini_batch=False, relative_tolerance=1e-4)
    kmeans.train(lambda: tf.constant(data), steps=50)
    assert kmeans.get_variable_value('global_step') < 20  # Lloyd converges on blobs in a few steps


def test_cosine_centers_and_arguments(tmp_path):
    data = _blobs(3)
    cls = tf.contrib.factorization.KMeansClustering
    kmeans = cls(3, model_dir=str(tmp_path), initial_clusters=data[:3], distance_metric=cls.COSINE_DISTANCE,
                 use_mini_batch=False)
    for _ in range(2):  # limit_epochs(1): one batch per train call
        kmeans.train(_input_fn(data))
    np.testing.assert_allclose(kmeans.cluster_centers(), lloyd(data, data[:3], 2, cosine=True), rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ValueError, match="Unsupported initialization algorithm 'kmc2'"):
        cls(3, initial_clusters='kmc2')
    with pytest.raises(ValueError, match="Unsupported distance metric 'l1'"):
        tf.estimator.experimental.KMeans(3, distance_metric='l1')
    assert os.path.isdir(str(tmp_path))
