"""Array manipulation: sequence_mask, unique, broadcast_to, scatter_nd, roll, reverse_sequence, meshgrid.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import op_types, run_graph
from sluice.engine import errors


def test_sequence_mask():
    m = tf.sequence_mask([1, 3, 2], 5)
    assert m.name == 'SequenceMask/Less:0' and m.dtype == tf.bool and m.shape.as_list() == [3, 5]
    assert [t for _, t in op_types()] == ['Const'] * 4 + ['Range', 'Const', 'ExpandDims', 'Cast', 'Less']
    m2 = tf.sequence_mask(tf.constant([[1, 2]]), dtype=tf.float32)
    assert m2.name == 'SequenceMask_1/Cast_1:0' and m2.dtype == tf.float32 and m2.shape.as_list() == [1, 2, 2]
    a, b = run_graph([m, m2])
    np.testing.assert_array_equal(a, [[1, 0, 0, 0, 0], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]])
    np.testing.assert_array_equal(b, [[[1., 0.], [1., 1.]]])
    with pytest.raises(ValueError, match='maxlen must be scalar'):
        tf.sequence_mask([1], [2, 3])


def test_unique():
    u = tf.unique(tf.constant([3, 1, 3, 2, 1]))
    assert u.y.name == 'Unique:0' and u.idx.name == 'Unique:1'
    assert u.y.shape.as_list() == [None] and u.idx.shape.as_list() == [5] and u.idx.dtype == tf.int32
    u2 = tf.unique(tf.constant([1.5, 1.5]), out_idx=tf.int64)
    u3 = tf.unique(tf.constant(['b', 'a', 'b']))
    y, idx = tf.unique(tf.constant([], tf.float32))
    a, b, c, (ey, eidx) = run_graph([u, u2, u3, (y, idx)])
    np.testing.assert_array_equal(a[0], [3, 1, 2])
    np.testing.assert_array_equal(a[1], [0, 1, 0, 2, 1])
    np.testing.assert_array_equal(b[0], [1.5])
    assert b[1].dtype == np.int64 and list(b[1]) == [0, 0]
    assert list(c[0]) == [b'b', b'a'] and list(c[1]) == [0, 1, 0]
    assert ey.shape == (0,) and eidx.shape == (0,)
    with pytest.raises(ValueError, match='Shape must be rank 1 but is rank 2'):
        tf.unique(tf.constant([[1]]))


def test_broadcast_to():
    b = tf.broadcast_to(tf.constant([1, 2]), [3, 2])
    assert b.name == 'BroadcastTo:0' and b.shape.as_list() == [3, 2] and b.dtype == tf.int32
    assert b.op.inputs[1].name == 'BroadcastTo/shape:0'
    b2 = tf.broadcast_to(tf.constant([1, 2]), tf.placeholder(tf.int32, [2]))
    assert b2.shape.as_list() == [None, 2]
    np.testing.assert_array_equal(run_graph(b), [[1, 2]] * 3)
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 2 and 3'):
        tf.broadcast_to(tf.constant([1, 2]), [3, 3])
    b3 = tf.broadcast_to(tf.constant([1, 2]), tf.constant([3, 3]) + tf.constant(0))
    with pytest.raises(errors.InvalidArgumentError, match=r'Incompatible shapes: \[2\] vs. \[3,3\]'):
        run_graph(b3)
    x = tf.constant([[1.], [2.]])
    (g,) = tf.gradients(tf.reduce_sum(tf.broadcast_to(x, [3, 2, 4])), [x])
    np.testing.assert_array_equal(run_graph(g), [[12.], [12.]])


# -- BroadcastArgs (tf.broadcast_dynamic_shape; random_gamma builds one) ----------------------------------

def test_broadcast_dynamic_shape(device):
    p = tf.placeholder(tf.int32, [None])
    with tf.device(device):
        known = tf.broadcast_dynamic_shape([2, 1, 3], [4, 1])
        fed = tf.broadcast_dynamic_shape(p, [4, 1])
        wide = tf.broadcast_dynamic_shape(tf.constant([2, 3], tf.int64), tf.constant([1], tf.int64))
        bad = tf.broadcast_dynamic_shape([2, 3], [4])
    assert known.op.type == 'BroadcastArgs' and known.shape.as_list() == [3]
    assert fed.shape.as_list() == [None] and wide.dtype == tf.int64 and wide.shape.as_list() == [2]
    with tf.Session() as sess:
        a, b, c = sess.run([known, fed, wide], {p: [5, 1, 1]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'Incompatible shapes: \[2,3\] vs. \[4\]'):
            sess.run(bad)
    assert a.tolist() == [2, 4, 3] and b.tolist() == [5, 4, 1] and c.tolist() == [2, 3] and c.dtype == np.int64
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2 for 'BroadcastArgs_4'"):
        tf.broadcast_dynamic_shape([[2]], [4])
