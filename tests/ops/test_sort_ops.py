"""tf.sort and tf.argsort (on TopKV2), and tf.cumprod.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import op_types, run_graph


def test_sort_and_argsort():
    s = tf.sort(tf.constant([3, 1, 2]))
    assert s.name == 'sort/sub_1:0' and s.shape.as_list() == [3]
    assert [t for _, t in op_types()][1:] == ['Const', 'Neg', 'Const', 'Sub', 'Const', 'Const', 'Const', 'Const',
                                            'StridedSlice', 'Const', 'TopKV2', 'Neg', 'Const', 'Sub']
    s2 = tf.sort(tf.constant([[3., 1., 2.], [0., 5., -1.]]), direction='DESCENDING', axis=0)
    assert s2.name == 'sort_1/transpose_1:0' and s2.shape.as_list() == [2, 3]
    a1 = tf.argsort(tf.constant([3., 1., 2., 1.]))
    assert a1.name == 'argsort/TopKV2:1' and a1.dtype == tf.int32 and a1.shape.as_list() == [4]
    a2 = tf.argsort(tf.constant([3., 1., 2., 1.]), direction='DESCENDING', stable=True)
    si = tf.sort(tf.constant([3, -2147483648, 2147483647], tf.int32))
    su = tf.sort(tf.constant([3, 0, 255], tf.uint8))
    sud = tf.sort(tf.constant([3, 0, 255], tf.uint8), direction='DESCENDING')
    got = run_graph([s, s2, a1, a2, si, su, sud])
    np.testing.assert_array_equal(got[0], [1, 2, 3])
    np.testing.assert_array_equal(got[1], [[3., 5., 2.], [0., 1., -1.]])
    np.testing.assert_array_equal(got[2], [1, 3, 2, 0])
    np.testing.assert_array_equal(got[3], [0, 2, 1, 3])
    np.testing.assert_array_equal(got[4], [-2147483648, 3, 2147483647])
    assert got[5].dtype == np.uint8 and list(got[5]) == [0, 3, 255] and list(got[6]) == [255, 3, 0]
    with pytest.raises(ValueError, match='Argument `direction` should be one of ASCENDING, DESCENDING. '
                                         'Received: direction=UP'):
        tf.sort(tf.constant([1]), direction='UP')
    with pytest.raises(ValueError, match='Argument `axis` must be a constant scalar'):
        tf.sort(tf.constant([1]), axis=tf.placeholder(tf.int32, []))


def test_cumprod_exists():
    np.testing.assert_array_equal(run_graph(tf.cumprod(tf.constant([1, 2, 3]))), [1, 2, 6])
    np.testing.assert_array_equal(run_graph(tf.math.cumprod(tf.constant([1, 2, 3]), exclusive=True)), [1, 1, 2])
