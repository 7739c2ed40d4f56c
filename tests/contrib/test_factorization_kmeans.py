"""tf.contrib.factorization.KMeans and TF 1.15 core's clustering_ops.KMeans: the training graph's variables,
initialization and Lloyd steps against TensorFlow's own KMeans class (TF 2.21 still has it), and mini-batch
steps against the NumPy statement of the algorithm (kmeans_reference.py: TF's graph leaves the order of
the count update and its read to the executor, so TF's own mini-batch results vary from run to run)."""
import numpy as np
import pytest

import sluice as tf
from sluice.contrib import factorization
from sluice.ops import kmeans as core

from kmeans_reference import assign, lloyd, mini_batch, normalize


def _blobs(seed=0, n=40, dims=3):
    rng = np.random.RandomState(seed)
    means = np.array([[5, 0, 0], [-5, 0, 0], [0, 5, 5]], np.float32)[:, :dims]
    data = np.concatenate([rng.randn(n, dims) + m for m in means]).astype(np.float32)
    return data[rng.permutation(len(data))]


def _build(module, kmeans_class, data_shape, **kwargs):
    x = module.placeholder(module.float32, data_shape)
    graph = kmeans_class(x, 3, **kwargs).training_graph()
    return x, graph


def _clusters(module):
    return [v for v in module.global_variables() if v.op.name == 'clusters'][0]


def _run_steps(module, kmeans_class, data, batches, **kwargs):
    """(centers, [scores of each step], [cluster_idx of each step]) after init and one train run per batch."""
    with module.Graph().as_default():
        x, (_, idx, scores, initialized, init_op, train_op) = _build(module, kmeans_class, [None, data.shape[1]],
                                                                     **kwargs)
        with module.Session() as sess:
            sess.run(module.global_variables_initializer(), {x: data})
            while not sess.run(initialized):
                sess.run(init_op, {x: data})
            got_scores, got_idx = [], []
            for batch in batches:
                _, s, i = sess.run([train_op, scores[0], idx[0]], {x: data[batch]})
                got_scores.append(s)
                got_idx.append(i)
            return sess.run(_clusters(module)), got_scores, got_idx


def _tf1():
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    return tf1


def _tf_kmeans():
    pytest.importorskip('tensorflow')
    from tensorflow.python.ops import clustering_ops
    return clustering_ops.KMeans


@pytest.mark.tf
@pytest.mark.parametrize('metric', ['squared_euclidean', 'cosine'])
def test_full_batch_lloyd_matches_tensorflow_and_numpy(metric):
    data = _blobs()
    init = data[:3].copy()
    batches = [slice(None)] * 4
    got, got_scores, got_idx = _run_steps(tf, core.KMeans, data, batches, initial_clusters=init,
                                          distance_metric=metric)
    want, want_scores, want_idx = _run_steps(_tf1(), _tf_kmeans(), data, batches, initial_clusters=init,
                                             distance_metric=metric)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    for s, ws, i, wi in zip(got_scores, want_scores, got_idx, want_idx):
        np.testing.assert_array_equal(i, wi)
        np.testing.assert_allclose(s, ws, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got, lloyd(data, init, 4, cosine=metric == 'cosine'), rtol=1e-5, atol=1e-5)


@pytest.mark.tf
@pytest.mark.parametrize('kwargs', [dict(), dict(use_mini_batch=True),
                                    dict(use_mini_batch=True, mini_batch_steps_per_iteration=3),
                                    dict(distance_metric='cosine', use_mini_batch=True)])
def test_variables_and_outputs_are_tensorflows(kwargs):
    def describe(module, kmeans_class):
        with module.Graph().as_default():
            x, graph = _build(module, kmeans_class, [None, 3], **kwargs)
            names = sorted((v.op.name, v.dtype.base_dtype.name) for v in module.global_variables())
            kinds = [type(item).__name__ for item in graph[:3]] + [len(graph)]
            shapes = [t.shape.as_list() if t.shape.dims is not None else None for t in graph[0] + graph[1] + graph[2]]
            return names, kinds, shapes
    assert describe(tf, core.KMeans) == describe(_tf1(), _tf_kmeans())
    assert len(_build(tf, factorization.KMeans, [None, 3], **kwargs)[1]) == 6  # TF 1.15's 6-tuple


@pytest.mark.parametrize('metric', ['squared_euclidean', 'cosine'])
@pytest.mark.parametrize('steps', [1, 3])
def test_mini_batch_steps_follow_the_update_rule(metric, steps):
    data = _blobs(1)
    init = data[:3].copy()
    batches = [slice(s * 20, s * 20 + 50) for s in range(6)]
    got, got_scores, _ = _run_steps(tf, factorization.KMeans, data, batches, initial_clusters=init,
                                    distance_metric=metric, use_mini_batch=True,
                                    mini_batch_steps_per_iteration=steps)
    want, _ = mini_batch(data, init, batches, cosine=metric == 'cosine', steps_per_iteration=steps)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_sharded_inputs_full_batch():
    data = _blobs(2)
    init = data[:3].copy()
    with tf.Graph().as_default():
        shards = [tf.constant(data[:50]), tf.constant(data[50:])]
        all_scores, idx, scores, initialized, init_op, train_op = factorization.KMeans(
            shards, 3, initial_clusters=init).training_graph()
        assert len(idx) == len(scores) == len(all_scores) == 2
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(init_op)
            for _ in range(3):
                sess.run(train_op)
            np.testing.assert_allclose(sess.run(_clusters(tf)), lloyd(data, init, 3), rtol=1e-5, atol=1e-5)
            ref_idx, ref_scores, _ = assign(data, lloyd(data, init, 3), False)
            got_idx = np.concatenate(sess.run(list(idx)))
            np.testing.assert_array_equal(got_idx, ref_idx)
            np.testing.assert_allclose(np.concatenate(sess.run(list(scores))), ref_scores, rtol=1e-4, atol=1e-4)


def _initialize(data, batches=None, num_clusters=3, **kwargs):
    """The centers chosen by init_op (run once per batch, until initialized) and the number of runs."""
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, data.shape[1]])
        _, _, _, initialized, init_op, _ = factorization.KMeans(x, num_clusters, **kwargs).training_graph()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer(), {x: data})
            runs = 0
            for batch in batches or [slice(None)] * 50:
                if sess.run(initialized):
                    break
                sess.run(init_op, {x: data[batch]})
                runs += 1
            assert sess.run(initialized)
            sess.run(init_op, {x: data})  # once initialized, init_op only checks
            return sess.run(_clusters(tf)), runs


def _rows_of(centers, data):
    return [int(np.flatnonzero((data == c).all(1))[0]) for c in centers]


@pytest.mark.parametrize('init', ['random', 'kmeans_plus_plus', 'kmc2'])
def test_string_initializations_choose_rows_of_the_data(init):
    data = _blobs(3, n=200)
    centers, runs = _initialize(data, initial_clusters=init, random_seed=5, kmc2_chain_length=100)
    assert centers.shape == (3, 3)
    rows = _rows_of(centers, data)
    if init == 'kmeans_plus_plus':  # well separated blobs: one center in each
        assert len({np.argmin(((data[r] - [[5, 0, 0], [-5, 0, 0], [0, 5, 5]]) ** 2).sum(1)) for r in rows}) == 3
    if init == 'kmc2':
        assert rows[0] == 0  # the first center is the batch's first row
    centers_again, _ = _initialize(data, initial_clusters=init, random_seed=5, kmc2_chain_length=100)
    np.testing.assert_array_equal(centers, centers_again)  # seeded


def test_cosine_initial_centers_are_normalized():
    data = _blobs(4)
    centers, _ = _initialize(data, initial_clusters='kmeans_plus_plus', distance_metric='cosine')
    np.testing.assert_allclose(np.linalg.norm(centers, axis=1), 1, rtol=1e-5)
    rows = [int(np.argmax(normalize(data) @ c)) for c in centers]
    np.testing.assert_allclose(centers, normalize(data[rows]), rtol=1e-5, atol=1e-6)


def test_small_batches_add_centers_over_several_runs():
    data = _blobs(5)
    batches = [slice(0, 2), slice(2, 4), slice(4, 6)]
    centers, runs = _initialize(data, batches, num_clusters=5, initial_clusters='random')
    assert runs == 3
    np.testing.assert_array_equal(centers[:4], data[:4])  # a batch no larger than what is missing is taken whole
    assert _rows_of(centers[4:], data) in ([4], [5])  # then one of the last batch's rows


def test_function_and_tensor_initial_clusters():
    data = _blobs(6)
    centers, runs = _initialize(data, [slice(0, 10)] * 5, initial_clusters=lambda inputs, k: inputs[0][:1])
    assert runs == 3
    np.testing.assert_array_equal(centers, np.repeat(data[:1], 3, 0))
    given = data[7:10] * 2
    centers, _ = _initialize(data, initial_clusters=given, num_clusters=99)  # the tensor fixes the number
    np.testing.assert_array_equal(centers, given)


def test_bad_arguments_and_a_batch_too_small_for_kmeans_plus_plus():
    with pytest.raises(ValueError, match="Unsupported initialization algorithm 'kmeans'"):
        factorization.KMeans(tf.zeros([4, 2]), 3, initial_clusters='kmeans')
    with pytest.raises(ValueError, match="Unsupported distance metric 'manhattan'"):
        factorization.KMeans(tf.zeros([4, 2]), 3, distance_metric='manhattan')
    with pytest.raises(tf.errors.InvalidArgumentError):
        _initialize(_blobs(7)[:2], initial_clusters='kmeans_plus_plus')


def test_core_seed_folds_in_the_graph_seed_and_contrib_keeps_it():
    with tf.Graph().as_default():
        tf.set_random_seed(11)
        assert core.KMeans(tf.zeros([4, 2]), 3, random_seed=2)._seed == 11
        assert factorization.KMeans(tf.zeros([4, 2]), 3, random_seed=2)._seed == 2
