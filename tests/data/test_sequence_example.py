"""tf.io.parse_single_sequence_example: context and sequence features of one SequenceExample, against
TF compat.v1 (the same serialized proto, the same feature specs), and TF's errors for bad input."""
import numpy as np
import pytest

import sluice as tf
from sluice.io.protos import SequenceExample


def _serialized():
    se = SequenceExample()
    se.context.feature['len'].int64_list.value[:] = [3]
    se.context.feature['w'].float_list.value[:] = [0.5, 1.5]
    se.context.feature['name'].bytes_list.value[:] = [b'seq']
    for v in ([1, 2], [3, 4], [5, 6]):
        se.feature_lists.feature_list['tok'].feature.add().int64_list.value[:] = v
    for v in ([b'a'], [], [b'b', b'c']):
        se.feature_lists.feature_list['sp'].feature.add().bytes_list.value[:] = v
    for v in ([0.25], [0.5]):
        se.feature_lists.feature_list['f'].feature.add().float_list.value[:] = v
    return se.SerializeToString()


def _specs(t):
    context = {'len': t.FixedLenFeature([], t.int64), 'w': t.VarLenFeature(t.float32),
               'name': t.FixedLenFeature([], t.string),
               'miss': t.FixedLenFeature([2], t.float32, default_value=[1.0, 2.0])}
    sequence = {'tok': t.FixedLenSequenceFeature([2], t.int64), 'sp': t.VarLenFeature(t.string),
                'f': t.FixedLenSequenceFeature([], t.float32),
                'absent': t.FixedLenSequenceFeature([3], t.float32, allow_missing=True)}
    return context, sequence


def _run(t, session_cls, graph):
    with graph.as_default():
        context, sequence = _specs(t)
        parsed = t.io.parse_single_sequence_example(_serialized(), context, sequence)
        with session_cls(graph=graph) as sess:
            return parsed, sess.run(parsed)


def _same(a, b):
    if hasattr(a, 'indices'):
        for x, y in zip((a.indices, a.values, a.dense_shape), (b.indices, b.values, b.dense_shape)):
            _same(x, y)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.tolist() == b.tolist()
    if a.dtype != object:
        assert a.dtype == b.dtype


@pytest.mark.tf
def test_matches_tensorflow():
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    want_t, want = _run(tf1, tf1.Session, tf1.Graph())
    got_t, got = _run(tf, tf.Session, tf.Graph())
    for w, g, wt, gt in zip(want, got, want_t, got_t):
        assert sorted(w) == sorted(g)
        for key in w:
            _same(g[key], w[key])
            if not hasattr(wt[key], 'indices'):
                assert gt[key].shape.as_list() == wt[key].shape.as_list(), key


def _parse(serialized, context=None, sequence=None):
    with tf.Graph().as_default():
        parsed = tf.io.parse_single_sequence_example(serialized, context, sequence)
        with tf.Session() as sess:
            return sess.run(parsed)


def test_errors():
    with pytest.raises(ValueError, match='Missing features'):
        tf.io.parse_single_sequence_example(_serialized())
    with pytest.raises(ValueError, match='must be None'):
        tf.io.parse_single_sequence_example(
            _serialized(), sequence_features={'f': tf.FixedLenSequenceFeature([], tf.float32, default_value=0.0)})
    with pytest.raises(ValueError, match='Unsupported'):
        tf.io.parse_single_sequence_example(
            _serialized(), sequence_features={'f': tf.FixedLenFeature([], tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Feature list 'nope' is required"):
        _parse(_serialized(), sequence={'nope': tf.FixedLenSequenceFeature([], tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match='Number of int64 values != expected'):
        _parse(_serialized(), sequence={'tok': tf.FixedLenSequenceFeature([3], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Data types don't match"):
        _parse(_serialized(), sequence={'tok': tf.FixedLenSequenceFeature([2], tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match='is required but could not be found'):
        _parse(_serialized(), context={'nope': tf.FixedLenFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match='Could not parse example input'):
        _parse(b'\xff\xff', context={'len': tf.FixedLenFeature([], tf.int64)})
