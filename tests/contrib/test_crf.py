"""tf.contrib.crf (gone from TF 2.x) against brute force: every tag sequence of a small CRF is enumerated
in NumPy, so the scores, log Z, log-likelihoods (and their gradients, by finite differences) and the
Viterbi decodes are checked exactly, with sequences of different lengths (0, 1 and full)."""
import itertools

import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(0)
B, T, K = 4, 4, 3
X = RNG.randn(B, T, K).astype(np.float32)
TRANS = RNG.randn(K, K).astype(np.float32)
LENGTHS = np.array([4, 2, 1, 3], np.int32)
TAGS = RNG.randint(0, K, size=(B, T)).astype(np.int32)


def _score(x, trans, tags, n):
    return sum(x[t, tags[t]] for t in range(n)) + sum(trans[tags[t], tags[t + 1]] for t in range(n - 1))


def _brute(x, trans, n):
    """(log Z, best tags, best score) over every tag sequence of length n."""
    scores = {seq: _score(x, trans, seq, n) for seq in itertools.product(range(K), repeat=n)}
    values = np.array(list(scores.values()), np.float64)
    best = max(scores, key=scores.get)
    return np.log(np.exp(values - values.max()).sum()) + values.max(), list(best), scores[best]


def test_likelihood_norm_and_scores_are_brute_force():
    ll, trans_var = tf.contrib.crf.crf_log_likelihood(tf.constant(X), tf.constant(TAGS), tf.constant(LENGTHS))
    assert trans_var.op.name == 'transitions' and trans_var.shape.as_list() == [K, K]
    given = tf.constant(TRANS)
    ll2, _ = tf.contrib.crf.crf_log_likelihood(tf.constant(X), tf.constant(TAGS), tf.constant(LENGTHS), given)
    norm = tf.contrib.crf.crf_log_norm(tf.constant(X), tf.constant(LENGTHS), given)
    score = tf.contrib.crf.crf_sequence_score(tf.constant(X), tf.constant(TAGS), tf.constant(LENGTHS), given)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_ll, learned = sess.run([ll, trans_var])
        got_ll2, got_norm, got_score = sess.run([ll2, norm, score])
    for b in range(B):
        n = LENGTHS[b]
        log_z = _brute(X[b], TRANS, n)[0]
        np.testing.assert_allclose(got_norm[b], log_z, rtol=1e-5)
        np.testing.assert_allclose(got_score[b], _score(X[b], TRANS, TAGS[b], n), rtol=1e-5)
        np.testing.assert_allclose(got_ll2[b], _score(X[b], TRANS, TAGS[b], n) - log_z, rtol=1e-5)
        np.testing.assert_allclose(got_ll[b], _score(X[b], learned, TAGS[b], n) - _brute(X[b], learned, n)[0],
                                   rtol=1e-5)


def test_decoding_is_brute_force_and_viterbi():
    tags, best = tf.contrib.crf.crf_decode(tf.constant(X), tf.constant(TRANS), tf.constant(LENGTHS))
    assert tags.dtype == tf.int32
    with tf.Session() as sess:
        got_tags, got_best = sess.run([tags, best])
    for b in range(B):
        n = LENGTHS[b]
        _, want_tags, want_score = _brute(X[b], TRANS, n)
        assert got_tags[b, :n].tolist() == want_tags
        np.testing.assert_allclose(got_best[b], want_score, rtol=1e-5)
        viterbi, viterbi_score = tf.contrib.crf.viterbi_decode(X[b, :n], TRANS)
        assert [int(v) for v in viterbi] == want_tags
        np.testing.assert_allclose(viterbi_score, want_score, rtol=1e-5)


def test_single_step_and_multitag():
    x1 = tf.constant(X[:, :1])
    tags, best = tf.contrib.crf.crf_decode(x1, tf.constant(TRANS), tf.constant([1, 1, 0, 1]))
    norm = tf.contrib.crf.crf_log_norm(x1, tf.constant([1, 1, 0, 1]), tf.constant(TRANS))
    bitmap = np.ones((B, T, K), bool)
    bitmap[:, :, 0] = False  # tag 0 never allowed
    multi = tf.contrib.crf.crf_multitag_sequence_score(tf.constant(X), tf.constant(bitmap),
                                                       tf.constant(LENGTHS), tf.constant(TRANS))
    with tf.Session() as sess:
        got_tags, got_best, got_norm, got_multi = sess.run([tags, best, norm, multi])
    np.testing.assert_array_equal(got_tags[:, 0], X[:, 0].argmax(-1))
    np.testing.assert_allclose(got_best, X[:, 0].max(-1), rtol=1e-6)
    lse = np.log(np.exp(X[:, 0]).sum(-1))
    np.testing.assert_allclose(got_norm, np.where([True, True, False, True], lse, 0.0), rtol=1e-6)
    for b in range(B):
        n = LENGTHS[b]
        allowed = [s for s in itertools.product(range(1, K), repeat=n)]
        values = np.array([_score(X[b], TRANS, s, n) for s in allowed])
        np.testing.assert_allclose(got_multi[b], np.log(np.exp(values).sum()), rtol=1e-5)


def test_gradients_are_finite_differences_of_the_brute_force():
    x = tf.constant(X)
    trans = tf.constant(TRANS)
    ll, _ = tf.contrib.crf.crf_log_likelihood(x, tf.constant(TAGS), tf.constant(LENGTHS), trans)
    grads = tf.gradients(tf.reduce_sum(ll), [x, trans])
    with tf.Session() as sess:
        dx, dtrans = sess.run(grads)

    def total(xv, tv):
        return sum(_score(xv[b], tv, TAGS[b], LENGTHS[b]) - _brute(xv[b], tv, LENGTHS[b])[0] for b in range(B))
    eps = 1e-3
    for (i, j) in [(0, 1), (2, 2), (1, 0)]:
        up, down = TRANS.astype(np.float64).copy(), TRANS.astype(np.float64).copy()
        up[i, j] += eps
        down[i, j] -= eps
        np.testing.assert_allclose(dtrans[i, j], (total(X, up) - total(X, down)) / (2 * eps), rtol=1e-3, atol=1e-4)
    for idx in [(0, 0, 1), (1, 1, 2), (2, 3, 0)]:  # (2, 3, 0) lies past sequence 2's length: zero gradient
        up, down = X.astype(np.float64).copy(), X.astype(np.float64).copy()
        up[idx] += eps
        down[idx] -= eps
        np.testing.assert_allclose(dx[idx], (total(up, TRANS) - total(down, TRANS)) / (2 * eps), rtol=1e-3,
                                   atol=1e-4)


@pytest.mark.parametrize('dtype', [np.int32, np.int64])
def test_tag_dtypes(dtype):
    score = tf.contrib.crf.crf_unary_score(tf.constant(TAGS.astype(dtype)), tf.constant(LENGTHS), tf.constant(X))
    with tf.Session() as sess:
        got = sess.run(score)
    np.testing.assert_allclose(got, [sum(X[b, t, TAGS[b, t]] for t in range(LENGTHS[b])) for b in range(B)],
                               rtol=1e-6)


def test_unknown_time_length_picks_the_branch_at_run_time():
    x = tf.placeholder(tf.float32, [None, None, K])
    tags = tf.placeholder(tf.int32, [None, None])
    lengths = tf.placeholder(tf.int32, [None])
    ll, _ = tf.contrib.crf.crf_log_likelihood(x, tags, lengths, tf.constant(TRANS))
    decoded, _ = tf.contrib.crf.crf_decode(x, tf.constant(TRANS), lengths)
    with tf.Session() as sess:
        got, got_tags = sess.run([ll, decoded], {x: X, tags: TAGS, lengths: LENGTHS})
        one = sess.run(ll, {x: X[:, :1], tags: TAGS[:, :1], lengths: np.minimum(LENGTHS, 1)})
    for b in range(B):
        n = LENGTHS[b]
        np.testing.assert_allclose(got[b], _score(X[b], TRANS, TAGS[b], n) - _brute(X[b], TRANS, n)[0], rtol=1e-5)
        assert got_tags[b, :n].tolist() == _brute(X[b], TRANS, n)[1]
    np.testing.assert_allclose(one, X[np.arange(B), 0, TAGS[:, 0]] - np.log(np.exp(X[:, 0]).sum(-1)), rtol=1e-5)
