"""Feeds staged for a GPU (engine/feed_staging.py): on the fake GPU the same steps run with a NumPy
staging buffer; what a copy step returns is the device's own array, never the staging buffer."""
import numpy as np

import sluice as tf
from sluice.engine import devices, feed_staging


def _fake_gpu():
    with devices.fake_gpus(1):
        return [d for d in devices.local_devices() if not d.is_host][0]


def test_each_upload_is_a_fresh_array_with_the_value():
    upload = feed_staging.FeedUploader(_fake_gpu())
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    first = upload(a)
    second = upload(a * 2)
    third = upload(np.ones(4, np.float64))  # another shape and dtype: a new staging buffer
    np.testing.assert_array_equal(first, a)  # not overwritten by the next feed
    np.testing.assert_array_equal(second, a * 2)
    np.testing.assert_array_equal(third, np.ones(4))
    assert third.dtype == np.float64
    assert not np.shares_memory(first, a) and not np.shares_memory(first, second)


def test_fed_values_reach_gpu_kernels_through_the_uploader():
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            x = tf.placeholder(tf.float32, [3])
            y = x * 2.0
        with tf.Session() as sess:
            got = [sess.run(y, {x: np.full(3, k, np.float32)}) for k in range(3)]
            copies = [s for s in sess._signature(y, (x,)).plan.steps if s.kind == 'copy']
    assert [type(s.fn) for s in copies] == [feed_staging.FeedUploader]
    np.testing.assert_array_equal(got, [[0, 0, 0], [2, 2, 2], [4, 4, 4]])
