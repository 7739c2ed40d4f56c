"""tf.confusion_matrix and tf.random_crop.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import run_graph
from sluice.engine import errors


def test_confusion_matrix_and_random_crop():
    cm = tf.confusion_matrix([0, 1, 2, 1], [1, 1, 2, 0])
    assert cm.name == 'confusion_matrix/ScatterNd:0' and cm.dtype == tf.int32 and cm.shape.as_list() == [3, 3]
    cm2 = tf.confusion_matrix([0, 1], [1, 1], num_classes=3, weights=[1., 2.], dtype=tf.float32)
    value = np.arange(16.).reshape(4, 4).astype(np.float32)
    crop = tf.random_crop(value, [2, 3], seed=1)
    assert crop.name == 'random_crop:0' and crop.shape.as_list() == [2, 3]
    got = run_graph([cm, cm2, crop])
    np.testing.assert_array_equal(got[0], [[0, 1, 0], [1, 1, 0], [0, 0, 1]])
    np.testing.assert_allclose(got[1], [[0., 1., 0.], [0., 2., 0.], [0., 0., 0.]])
    r0, c0 = int(got[2][0, 0]) // 4, int(got[2][0, 0]) % 4
    np.testing.assert_array_equal(got[2], value[r0:r0 + 2, c0:c0 + 3])
    with pytest.raises(errors.InvalidArgumentError, match='`labels` contains negative values'):
        tf.confusion_matrix([0, -1], [0, 0])  # static values: raised while building, as TF
    with pytest.raises(errors.InvalidArgumentError, match='Need value.shape >= size'):
        run_graph(tf.random_crop(tf.zeros([2, 2]), [3, 1]))
