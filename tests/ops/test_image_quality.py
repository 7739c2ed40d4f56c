"""tf.image.total_variation, psnr, ssim, image_gradients and sobel_edges, built on sluice and on
tf.compat.v1 from the same program: values and gradients."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(0)
A = RNG.rand(2, 16, 14, 3).astype(np.float32)
B = np.clip(A + 0.1 * RNG.randn(*A.shape), 0, 1).astype(np.float32)
U8 = (A * 255).astype(np.uint8)


@pytest.fixture
def tf1():
    tf_real = pytest.importorskip('tensorflow')
    v1 = tf_real.compat.v1
    v1.disable_v2_behavior()
    return v1


def _program(t):
    a, b = t.constant(A), t.constant(B)
    dy, dx = t.image.image_gradients(a)
    outputs = [t.image.total_variation(a), t.image.total_variation(a[0]), t.image.psnr(a, b, 1.0),
               t.image.psnr(t.constant(U8), t.constant((B * 255).astype(np.uint8)), 255),
               t.image.ssim(a, b, 1.0), t.image.ssim(a, b, 1.0, filter_size=5, filter_sigma=1.0), dy, dx,
               t.image.sobel_edges(a)]
    grads = t.gradients(t.reduce_sum(outputs[4]) + t.reduce_sum(outputs[2]) + t.reduce_sum(outputs[0]), [b])
    with t.Session() as sess:
        return sess.run(outputs + grads)


@pytest.mark.tf
def test_quality_measures_are_tensorflows(tf1):
    for ours, theirs in zip(_program(tf), _program(tf1)):
        np.testing.assert_allclose(ours, theirs, rtol=2e-5, atol=1e-5)
