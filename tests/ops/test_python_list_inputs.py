"""Python lists as op inputs, as TF 1.x converts them (what the aymericdamien k-means example relies on):
NumPy's default scalars inside a list narrow like Python numbers (int64 -> int32 when it fits, float64 ->
float32), and a full reduction of a tuple of tensors packs it first."""
import numpy as np
import pytest

import sluice as tf


@pytest.mark.parametrize('value,dtype', [([np.int64(1), np.int64(2)], tf.int32), ([np.int64(2 ** 40)], tf.int64),
                                         ([np.float64(1.5)], tf.float32), ([[np.int64(1)]], tf.int32),
                                         ([np.int32(1), np.int64(2)], tf.int32), ([np.float32(1)], tf.float32),
                                         (np.int64(3), tf.int64), (np.array([1, 2]), tf.int64)])
def test_numpy_scalars_in_lists_convert_as_tf_does(value, dtype):
    t = tf.convert_to_tensor(value)
    assert t.dtype == dtype
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(t), np.asarray(value))


def test_full_reduction_of_a_tuple_of_tensors():
    x = tf.placeholder(tf.float32, [None])
    mean = tf.reduce_mean((x,))
    assert mean.shape.as_list() == []
    with tf.Session() as sess:
        assert sess.run(mean, {x: [1.0, 2.0, 6.0]}) == 3.0
