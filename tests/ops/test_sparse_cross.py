"""SparseCross (tf.sparse.cross / cross_hashed): crosses written out, and hashes equal to TF's."""
import numpy as np
import pytest

import sluice as tf


def _inputs(m):
    a = m.SparseTensor([[0, 0], [0, 1], [2, 0]], ['x', 'yy', 'z'], [3, 2])
    b = m.SparseTensor([[0, 0], [1, 0], [2, 0], [2, 1]], np.array([3, -7, 1 << 40, 0], np.int64), [3, 2])
    d = m.constant([['p', 'q'], ['r', 's'], ['t', 'u']])
    return a, b, d


def _run(m, tensors):
    with m.Session() as sess:
        return sess.run(tensors)


def test_string_crosses_written_out():
    with tf.Graph().as_default():
        a, b, d = _inputs(tf)
        got = _run(tf, tf.sparse.cross([d, a, b]))  # sparse inputs first, then dense: a, b, d
    expected_rows = [[(x, y, z) for x in ('x', 'yy') for y in ('3',) for z in ('p', 'q')], [],
                     [(x, y, z) for x in ('z',) for y in (str(1 << 40), '0') for z in ('t', 'u')]]
    np.testing.assert_array_equal(got.values, [b'_X_'.join(v.encode() for v in c) for r in expected_rows for c in r])
    np.testing.assert_array_equal(got.indices, [[r, k] for r, row in enumerate(expected_rows) for k in range(len(row))])
    np.testing.assert_array_equal(got.dense_shape, [3, 4])


def test_hashes_stay_in_buckets_and_depend_on_the_key():
    with tf.Graph().as_default():
        a, b, d = _inputs(tf)
        first, second = _run(tf, [tf.sparse.cross_hashed([a, d], 10), tf.sparse.cross_hashed([a, d], 10, hash_key=1)])
    assert first.values.min() >= 0 and first.values.max() < 10
    assert not np.array_equal(first.values, second.values)


def test_batch_sizes_must_agree():
    with tf.Graph().as_default():
        a, _, _ = _inputs(tf)
        with pytest.raises(tf.errors.InvalidArgumentError, match='SparseCross'):
            _run(tf, tf.sparse.cross_hashed([a, tf.constant([['p']])], 10).values)


@pytest.mark.tf
def test_against_tensorflow():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()

    def build(m):
        a, b, d = _inputs(m)
        crosses = [m.sparse.cross_hashed([a, b, d], 1000), m.sparse.cross_hashed([a, d]), m.sparse.cross([a, b, d]),
                   m.sparse.cross_hashed([d, a], 50, hash_key=7)]
        return [[c.indices, c.values, c.dense_shape] for c in crosses]

    with tf.Graph().as_default():
        ours = _run(tf, build(tf))
    with tf1.Graph().as_default():
        theirs = _run(tf1, build(tf1))
    for our, their in zip(ours, theirs):
        for o, t in zip(our, their):
            np.testing.assert_array_equal(o, t)
