"""The CPU segment sums' fast path (kernels/segment_kernels._add_rows_at) gives np.add.at's bits: few long
runs are summed per run in add.at's order, other shapes fall back to add.at."""
import numpy as np
import pytest

import sluice as tf
from sluice.kernels.segment_kernels import _add_rows_at


@pytest.mark.parametrize('n,segments,width,dtype', [(3000, 7, 50, np.float32), (3000, 25, (4, 8), np.float64),
                                                    (3000, 2000, 40, np.float32), (100, 3, 40, np.float32),
                                                    (3000, 5, 40, np.int32), (3000, 5, 40, np.float16)])
def test_same_bits_as_add_at(n, segments, width, dtype):
    rng = np.random.RandomState(n + segments)
    shape = (n,) + (width if isinstance(width, tuple) else (width,))
    rows = (rng.randn(*shape) * 1000).astype(dtype)
    ids = rng.randint(0, segments, n)
    want = np.zeros((segments,) + shape[1:], dtype)
    np.add.at(want, ids, rows)
    got = np.zeros_like(want)
    _add_rows_at(got, ids, rows)
    np.testing.assert_array_equal(got, want)


def test_unsorted_segment_sum_uses_it():
    rng = np.random.RandomState(0)
    data = rng.rand(1000, 64).astype(np.float32)
    ids = rng.randint(0, 10, 1000)
    want = np.zeros((12, 64), np.float32)
    np.add.at(want, ids, data)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tf.unsorted_segment_sum(data, ids, 12)), want)
        order = np.argsort(ids, kind='stable')
        np.testing.assert_array_equal(sess.run(tf.segment_sum(data[order], ids[order])), want[:ids.max() + 1])
