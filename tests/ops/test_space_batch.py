"""SpaceToDepth/DepthToSpace in NCHW (TF runs that layout on GPUs only, so it is checked against the NHWC
form the op records compare with TF), on CPU and the fake GPU, and the ops' shape errors."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors

X = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)


def test_nchw_is_the_transposed_nhwc(device):
    with tf.device(device):
        nchw = tf.constant(X.transpose(0, 3, 1, 2))
        to_depth = tf.space_to_depth(nchw, 2, data_format='NCHW')
        back = tf.depth_to_space(to_depth, 2, data_format='NCHW')
    with tf.Session() as sess:
        got_depth, got_back = sess.run([to_depth, back])
        want = sess.run(tf.space_to_depth(tf.constant(X), 2))
    np.testing.assert_array_equal(got_depth, want.transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(got_back, X.transpose(0, 3, 1, 2))


def test_errors():
    with pytest.raises(ValueError, match='Dimension size must be evenly divisible by 4 but is 6'):
        tf.space_to_depth(tf.zeros([1, 6, 6, 1]), 4)
    with pytest.raises(ValueError, match="Attr 'block_size' of 1 must be at least minimum 2"):
        tf.depth_to_space(tf.zeros([1, 2, 2, 4]), 1)
    x = tf.placeholder(tf.float32, [None, None, None, 1])
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match='padded_shape\\[0\\]=5 is not divisible'):
            sess.run(tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]]), {x: np.zeros((1, 5, 4, 1))})
        with pytest.raises(errors.InvalidArgumentError, match='not divisible by product of block sizes'):
            sess.run(tf.batch_to_space_nd(x, [2, 2], [[0, 0], [0, 0]]), {x: np.zeros((3, 2, 2, 1))})
