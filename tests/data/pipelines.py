"""Helpers for the tf.data tests: run a pipeline to its end, on sluice or on TF compat.v1."""
import numpy as np
import pytest


def drain(tfm, dataset, session=None, limit=10000):
    """Every element of `dataset` (one-shot iterator), as fetched values, until OutOfRangeError."""
    nxt = tfm.data.make_one_shot_iterator(dataset).get_next() if hasattr(tfm.data, 'make_one_shot_iterator') \
        else dataset.make_one_shot_iterator().get_next()
    out = []
    sess = session or tfm.Session()
    try:
        for _ in range(limit):
            try:
                out.append(sess.run(nxt))
            except tfm.errors.OutOfRangeError:
                return out
        raise AssertionError('the dataset did not end within %d elements' % limit)
    finally:
        if session is None:
            sess.close()


def reference(build):
    """drain(build(tf1)) in a fresh TF graph (skipped when TensorFlow is missing)."""
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    g = tf1.Graph()
    with g.as_default():
        ds = build(tf1)
        with tf1.Session(graph=g) as sess:
            return drain(tf1, ds, sess)


def assert_same_elements(a, b):
    assert len(a) == len(b), (len(a), len(b))
    for x, y in zip(a, b):
        _assert_same(x, y)


def _assert_same(x, y):
    if isinstance(x, dict):
        assert sorted(x) == sorted(y)
        for k in x:
            _assert_same(x[k], y[k])
    elif isinstance(x, tuple):
        assert isinstance(y, tuple) and len(x) == len(y)
        for u, v in zip(x, y):
            _assert_same(u, v)
    else:
        x, y = np.asarray(x), np.asarray(y)
        assert x.shape == y.shape, (x.shape, y.shape)
        if x.dtype == object or y.dtype == object:
            assert x.tolist() == y.tolist()
        else:
            assert x.dtype == y.dtype, (x.dtype, y.dtype)
            np.testing.assert_array_equal(x, y)


def outcomes(tfm, dataset, limit=100):
    """Each get_next's value, or the name of its error class, until OutOfRangeError (on sluice or TF)."""
    nxt = tfm.data.make_one_shot_iterator(dataset).get_next()
    out = []
    with tfm.Session(graph=nxt.graph if hasattr(nxt, 'graph') else None) as sess:
        for _ in range(limit):
            try:
                value = sess.run(nxt)
                out.append(np.asarray(value).tolist())
            except tfm.errors.OutOfRangeError:
                return out
            except tfm.errors.OpError as e:
                out.append(type(e).__name__)
    raise AssertionError('the dataset did not end within %d elements' % limit)


def reference_outcomes(build):
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    g = tf1.Graph()
    with g.as_default():
        return outcomes(tf1, build(tf1))
