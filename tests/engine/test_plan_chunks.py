"""Big plans run as several chunk functions handing registers over in a list: same results as one."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import executor


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(executor, '_CHUNK_STEPS', 2)


def _graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name='x')
        c = tf.constant([1.0, 2.0, 3.0], name='c')
        v = tf.Variable([0.0, 0.0, 0.0], name='v')
        y = tf.negative(x) * 2.0 + c
        uniq, idx = tf.unique(tf.cast(tf.round(y), tf.int32))
        z = tf.reduce_sum(tf.square(y)) + tf.cast(tf.reduce_sum(idx), tf.float32)
        update = tf.assign_add(v, y)
        checked = tf.check_numerics(tf.log(x), 'log of x')
    return g, x, c, v, y, uniq, z, update, checked


def _run_all(feed):
    g, x, c, v, y, uniq, z, update, checked = _graph()
    with tf.Session(graph=g) as sess:
        sess.run(v.initializer)
        first = sess.run([x, c, y, uniq, z, update], {x: feed})
        second = sess.run([z, update, c], {x: feed})
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(checked, {x: -feed})
    return first + second, info.value.op.name


def _plan_source(sess, fetch):
    return [sig.plan.source for sig in sess._signatures.values() if fetch in sig.plan.fetches][0]


def test_chunked_plans_equal_one_function(tiny_chunks):
    feed = np.array([0.5, 1.5, 2.5], np.float32)
    chunked, failed_op = _run_all(feed)
    g, x, *_, z, update, checked = _graph()
    with tf.Session(graph=g) as sess:
        sess.run(z, {x: feed})
        assert 'part2(R)' in _plan_source(sess, z)
    executor._CHUNK_STEPS = 10 ** 9
    whole, failed_whole = _run_all(feed)
    for a, b in zip(chunked, whole):
        np.testing.assert_array_equal(a, b)
    assert failed_op == failed_whole == 'CheckNumerics'


def test_a_chunk_drops_the_list_copy_after_the_last_reader(tiny_chunks):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [])
        y = x
        for _ in range(9):
            y = tf.negative(y)
    with tf.Session(graph=g) as sess:
        assert sess.run(y, {x: 2.0}) == -2.0
        source = _plan_source(sess, y)
    assert 'part4(R)' in source
    assert 'def part4(R)' in source and '        R[2] = None' in source
