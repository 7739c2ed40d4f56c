"""tf.setdiff1d (ListDiff) and tf.sparse.mask against TensorFlow: values, positions, index dtypes,
shape checks and the kernel's error for a non-vector fed at run time."""
import numpy as np
import pytest

import sluice as tf

tf1 = pytest.importorskip('tensorflow.compat.v1')
tf1.disable_v2_behavior()
pytestmark = pytest.mark.tf


def _both(build, feed_values=None):
    results = []
    for lib in (tf, tf1):
        with lib.Graph().as_default(), lib.Session() as sess:
            results.append(sess.run(build(lib)))
    return results


@pytest.mark.parametrize('dtype', [np.int32, np.int64, np.float32])
@pytest.mark.parametrize('index_dtype', ['int32', 'int64'])
def test_setdiff1d_matches_tensorflow(dtype, index_dtype):
    x = np.array([5, 1, 7, 1, 3, 9, 7], dtype)
    y = np.array([7, 2, 5], dtype)

    def build(lib):
        out = lib.setdiff1d(x, y, index_dtype=getattr(lib, index_dtype))
        return [out.out, out.idx]
    (out, idx), (tf_out, tf_idx) = _both(build)
    np.testing.assert_array_equal(out, tf_out)
    np.testing.assert_array_equal(idx, tf_idx)
    assert out.dtype == tf_out.dtype and idx.dtype == tf_idx.dtype


def test_setdiff1d_checks_ranks_as_tensorflow():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match='Shape must be rank 1 but is rank 2'):
            tf.setdiff1d([[1, 2]], [1])
        x = tf.placeholder(tf.int32)
        out = tf.setdiff1d(x, [1])
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match='x should be a 1D vector'):
            sess.run(out, {x: [[1, 2]]})


def test_sparse_mask_matches_tensorflow():
    values = np.arange(12, dtype=np.float32).reshape(4, 3)

    def build(lib):
        a = lib.IndexedSlices(lib.constant(values), lib.constant([12, 26, 45, 26]), lib.constant([50, 3]))
        masked = lib.sparse.mask(a, [26, 3])
        return [masked.values, masked.indices, masked.dense_shape]
    for mine, theirs in zip(*_both(build)):
        np.testing.assert_array_equal(mine, theirs)
    assert tf.sparse_mask is tf.sparse.mask
