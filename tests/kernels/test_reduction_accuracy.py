"""Float reductions over outer axes are as accurate as TF's (pairwise or blocked accumulation),
on every device: batch norm's `tf.nn.moments` over [0, 1, 2] of NHWC must agree with TF to 1e-5.

The reference is the float64 sum; TF's float32 relative error on these inputs is 1e-6 to 2e-6,
NumPy's row-after-row float32 sum gave 9e-6.
"""
import numpy as np
import pytest

import sluice as tf
from tests.conftest import run_graph


def _nhwc(shape=(64, 28, 28, 32), dtype=np.float32):
    return (np.random.RandomState(0).randn(*shape) * 2 + 5).astype(dtype)


def _relative_error(actual, reference):
    return np.max(np.abs(actual.astype(np.float64) - reference) / np.abs(reference))


@pytest.mark.parametrize('axes', [[0, 1, 2], [1, 2], [0, 2], [0], [1, 2, 3]])
@pytest.mark.parametrize('keep_dims', [False, True])
def test_float32_mean_over_any_axes_is_within_two_ulp_scale_of_float64(device, axes, keep_dims):
    x = _nhwc()
    with tf.device(device):
        mean = tf.reduce_mean(tf.constant(x), axes, keep_dims=keep_dims)
    out = run_graph(mean)
    reference = x.astype(np.float64).mean(axis=tuple(axes), keepdims=keep_dims)
    assert out.dtype == np.float32 and out.shape == reference.shape
    assert _relative_error(out, reference) < 1e-6


def test_float32_sum_over_leading_axes_with_a_partial_block(device):
    x = _nhwc((3, 1000, 7, 5))  # 1000 rows: seven whole blocks and a remainder
    with tf.device(device):
        total = tf.reduce_sum(tf.constant(x), [1, 2])
    reference = x.astype(np.float64).sum(axis=(1, 2))
    out = run_graph(total)
    assert out.shape == (3, 5) and _relative_error(out, reference) < 1e-6


def test_float16_mean_accumulates_wider():
    x = _nhwc((256, 4, 8), np.float16)
    out = run_graph(tf.reduce_mean(tf.constant(x), [0, 1]))
    assert out.dtype == np.float16
    np.testing.assert_allclose(out, x.astype(np.float64).mean(axis=(0, 1)), rtol=1e-3)


def test_empty_inputs_keep_tf_results():
    empty = np.zeros((0, 300, 2), np.float32)
    sums, means = run_graph([tf.reduce_sum(empty, [1]), tf.reduce_mean(np.zeros((300, 0), np.float32), [0])])
    assert sums.shape == (0, 2) and means.shape == (0,)


@pytest.mark.tf
def test_batch_norm_moments_agree_with_tensorflow():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    x = _nhwc()
    g = tf1.Graph()
    with g.as_default():
        tf_mean, tf_var = tf1.nn.moments(tf1.constant(x), [0, 1, 2])
        with tf1.Session(graph=g) as sess:
            want_mean, want_var = sess.run([tf_mean, tf_var])
    mean, var = run_graph(list(tf.nn.moments(tf.constant(x), [0, 1, 2])))
    np.testing.assert_allclose(mean, want_mean, rtol=1e-5)
    np.testing.assert_allclose(var, want_var, rtol=1e-5)
