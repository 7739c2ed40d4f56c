"""tf.zeros / tf.ones shapes past int32 switch to an int64 shape tensor, as TF's shape conversion does."""
import numpy as np
import pytest

import sluice as tf
from tests.conftest import run_graph


@pytest.mark.parametrize('make', [tf.zeros, tf.ones])
@pytest.mark.parametrize('shape', [[10 ** 12], tf.TensorShape([3000, 2 ** 31])])
def test_shapes_past_int32_build_with_an_int64_shape_tensor(make, shape):
    t = make(shape)
    dims = t.op.inputs[0]
    assert t.op.type == 'Fill' and dims.op.name.endswith('shape_as_tensor')
    assert dims.dtype == tf.int64
    assert t.shape.as_list() == list(shape)


def test_shapes_within_int32_keep_an_int32_shape_tensor():
    t = tf.ones([2 ** 31 - 1, 2])
    assert t.op.inputs[0].dtype == tf.int32 and t.shape.as_list() == [2 ** 31 - 1, 2]


def test_fill_runs_with_int64_dims(device):
    with tf.device(device):
        t = tf.fill(tf.constant([2, 3], tf.int64), 1.5)
    np.testing.assert_array_equal(run_graph(t), np.full((2, 3), 1.5, np.float32))
