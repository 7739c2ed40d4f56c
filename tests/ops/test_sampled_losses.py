"""tf.nn.nce_loss, sampled_softmax_loss and the candidate samplers against TF compat.v1: both graphs get the
same sampled_values (TF's sampler draws other numbers), so losses and gradients must agree."""
import numpy as np
import pytest

import sluice as tf


def _tf1():
    tf_ = pytest.importorskip('tensorflow')
    tf1 = tf_.compat.v1
    tf1.disable_v2_behavior()
    return tf1


_RNG = np.random.RandomState(11)
_CLASSES, _DIM, _BATCH = 13, 4, 5
_W = _RNG.randn(_CLASSES, _DIM).astype(np.float32)
_B = _RNG.randn(_CLASSES).astype(np.float32)
_X = _RNG.randn(_BATCH, _DIM).astype(np.float32)
_LABELS1 = _RNG.randint(0, _CLASSES, size=(_BATCH, 1)).astype(np.int64)
_LABELS2 = np.array([[0, 1], [2, 2], [3, 7], [12, 4], [5, 6]], np.int64)


def _sampled(labels, num_sampled):
    # candidates that include some true classes, so accidental hits happen
    sampled = np.array([labels[0, 0], 9, labels[2, -1], 11, 2, 8][:num_sampled], np.int64)
    true_count = (0.1 + labels / 20.0).astype(np.float32)
    sampled_count = (0.2 + np.arange(num_sampled) / 10.0).astype(np.float32)
    return sampled, true_count, sampled_count


def _loss(m, fn, labels, num_true, shards, strategy, remove):
    num_sampled = 6
    values = [m.constant(v) for v in _sampled(labels, num_sampled)]
    w = m.Variable(_W) if shards == 1 else [m.Variable(s) for s in _shard(_W, shards, strategy)]
    b = m.Variable(_B)
    x = m.constant(_X)
    kw = dict(num_true=num_true, sampled_values=values, remove_accidental_hits=remove, partition_strategy=strategy)
    loss = fn(m)(w, b, labels, x, num_sampled, _CLASSES, **kw)
    wrt = (w if isinstance(w, list) else [w]) + [b, x]
    grads = m.gradients(m.reduce_sum(loss), wrt)
    grads = [m.convert_to_tensor(g) if not hasattr(g, 'indices') else m.convert_to_tensor(g) for g in grads]
    with m.Session() as sess:
        sess.run(m.global_variables_initializer())
        return sess.run([loss] + grads)


def _shard(params, n, strategy):
    if strategy == 'mod':
        return [params[i::n] for i in range(n)]
    sizes = [len(params) // n + (1 if i < len(params) % n else 0) for i in range(n)]
    return np.split(params, np.cumsum(sizes)[:-1])


@pytest.mark.tf
@pytest.mark.parametrize('fn', [lambda m: m.nn.nce_loss, lambda m: m.nn.sampled_softmax_loss], ids=['nce', 'softmax'])
@pytest.mark.parametrize('labels, num_true', [(_LABELS1, 1), (_LABELS2, 2)], ids=['true1', 'true2'])
@pytest.mark.parametrize('remove', [False, True])
@pytest.mark.parametrize('shards, strategy', [(1, 'mod'), (3, 'mod'), (3, 'div')])
def test_loss_and_gradients_match_tf(fn, labels, num_true, remove, shards, strategy):
    tf1 = _tf1()
    with tf1.Graph().as_default():
        want = _loss(tf1, fn, labels, num_true, shards, strategy, remove)
    with tf.Graph().as_default():
        got = _loss(tf, fn, labels, num_true, shards, strategy, remove)
    assert got[0].shape == want[0].shape == (_BATCH,)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.tf
def test_accidental_hits_match_tf():
    tf1 = _tf1()
    sampled = np.array([2, 5, 7, 2, 0, 12], np.int64)

    def run(m):
        with m.Graph().as_default():
            out = m.nn.compute_accidental_hits(_LABELS2, sampled, num_true=2)
            with m.Session() as sess:
                return sess.run(out)
    want, got = run(tf1), run(tf)
    assert [g.dtype for g in got] == [w.dtype for w in want]
    key = lambda r: sorted(zip(r[0].tolist(), r[1].tolist(), r[2].tolist()))  # noqa: E731
    assert key(got) == key(want)


@pytest.mark.parametrize('sampler, probability', [
    ('log_uniform_candidate_sampler', lambda k, n: np.log((k + 2.0) / (k + 1.0)) / np.log(n + 1.0)),
    ('uniform_candidate_sampler', lambda k, n: np.full(np.shape(k), 1.0 / n))])
@pytest.mark.parametrize('unique', [False, True])
def test_sampler_distribution_and_expected_counts(sampler, probability, unique):
    n, num_sampled = 20, 8
    with tf.Graph().as_default():
        out = getattr(tf.nn, sampler)(_LABELS2, 2, num_sampled, unique, n, seed=5)
        assert [t.get_shape().as_list() for t in out] == [[num_sampled], [_BATCH, 2], [num_sampled]]
        assert [t.dtype for t in out] == [tf.int64, tf.float32, tf.float32]
        with tf.Session() as sess:
            draws = [sess.run(out) for _ in range(400)]
    for sampled, true_count, sampled_count in draws[:20]:
        assert sampled.min() >= 0 and sampled.max() < n
        if unique:
            assert len(set(sampled.tolist())) == num_sampled
            # 1 - (1 - p)^tries for some tries > num_sampled, the same for every id (p * num_sampled when no
            # draw was rejected)
            p = probability(sampled, n)
            if np.allclose(sampled_count, p * num_sampled, rtol=1e-5):
                continue
            keep = sampled_count < 0.99  # float32 counts near 1 lose the number of tries
            tries = (np.log1p(-sampled_count.astype(np.float64)) / np.log1p(-p))[keep]
            assert keep.any() and np.all(tries > num_sampled - 1e-2) and np.ptp(tries) < 1e-2 * tries.max()
        else:
            np.testing.assert_allclose(sampled_count, probability(sampled, n) * num_sampled, rtol=1e-5)
            np.testing.assert_allclose(true_count, probability(_LABELS2, n) * num_sampled, rtol=1e-5)
    if not unique:
        counts = np.bincount(np.concatenate([d[0] for d in draws]), minlength=n) / (400.0 * num_sampled)
        np.testing.assert_allclose(counts, probability(np.arange(n), n), atol=0.02)


def test_sampler_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match='Dimension 1'):
            tf.nn.uniform_candidate_sampler(_LABELS2, 1, 3, True, 10)
        out = tf.nn.uniform_candidate_sampler(_LABELS2, 2, 11, True, 10)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="range is too small"):
                sess.run(out)


def test_default_sampler_trains():
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        w = tf.Variable(_W)
        b = tf.Variable(_B)
        loss = tf.reduce_mean(tf.nn.sampled_softmax_loss(w, b, _LABELS1, _X, 4, _CLASSES))
        nce = tf.reduce_mean(tf.nn.nce_loss(w, b, _LABELS1, _X, 4, _CLASSES))
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss + nce)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            first = np.mean([sess.run(loss + nce) for _ in range(20)])
            for _ in range(200):
                sess.run(step)
            last = np.mean([sess.run(loss + nce) for _ in range(20)])
    assert np.isfinite(first) and last < first
