"""Const: values a program hands over become plain arrays, whatever NumPy type they came as."""
import numpy as np

import sluice as tf


def test_np_matrix_constant_computes_as_a_plain_array():
    # TF copies a np.matrix into a TensorProto: products of it are arrays, and x[0][0] is a scalar
    m = np.matrix([[1., 2.], [3., 4.]])
    c = tf.constant(m)
    with tf.Session() as sess:
        product, transposed = sess.run([tf.matmul(c, c), tf.transpose(c)])
    assert type(product) is np.ndarray and type(transposed) is np.ndarray
    np.testing.assert_allclose(product, np.asarray(m) @ np.asarray(m))
    assert np.ndim(product[0][0]) == 0
