"""tf.image colour functions against TF compat.v1: grayscale, HSV, hue/saturation/gamma, their random forms."""
import numpy as np
import pytest

import sluice as tf


def _tf1():
    tf_ = pytest.importorskip('tensorflow')
    tf1 = tf_.compat.v1
    tf1.disable_v2_behavior()
    return tf1


def _run(module, build):
    with module.Graph().as_default():
        out = build(module)
        with module.Session() as sess:
            return sess.run(out)


_RNG = np.random.RandomState(7)
_FLOAT = _RNG.rand(2, 5, 4, 3).astype(np.float32)
_UINT8 = _RNG.randint(0, 256, size=(5, 4, 3)).astype(np.uint8)


@pytest.mark.tf
@pytest.mark.parametrize('image', [_FLOAT, _UINT8], ids=['float32', 'uint8'])
@pytest.mark.parametrize('fn', [
    lambda m, x: m.image.rgb_to_grayscale(x),
    lambda m, x: m.image.grayscale_to_rgb(m.image.rgb_to_grayscale(x)),
    lambda m, x: m.image.adjust_hue(x, 0.2),
    lambda m, x: m.image.adjust_hue(x, -0.7),
    lambda m, x: m.image.adjust_saturation(x, 0.3),
    lambda m, x: m.image.adjust_saturation(x, 3.0),
    lambda m, x: m.image.adjust_gamma(x, 0.5, 1.5),
    lambda m, x: m.image.adjust_gamma(x, 2),
], ids=['grayscale', 'gray_rgb', 'hue', 'hue_neg', 'sat_low', 'sat_high', 'gamma', 'gamma2'])
def test_matches_tf(fn, image):
    want = _run(_tf1(), lambda m: fn(m, m.constant(image)))
    got = _run(tf, lambda m: fn(m, m.constant(image)))
    assert got.dtype == want.dtype and got.shape == want.shape
    if image.dtype == np.uint8:
        assert np.abs(got.astype(int) - want.astype(int)).max() <= 1
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6)


def test_hsv_round_trip_and_known_values():
    pure = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5], [0, 0, 0]], np.float32)
    hsv = _run(tf, lambda m: m.image.rgb_to_hsv(pure))
    np.testing.assert_allclose(hsv, [[0, 1, 1], [1 / 3, 1, 1], [2 / 3, 1, 1], [0, 0, 0.5], [0, 0, 0]], atol=1e-6)
    back = _run(tf, lambda m: m.image.hsv_to_rgb(m.image.rgb_to_hsv(_FLOAT)))
    np.testing.assert_allclose(back, _FLOAT, atol=1e-6)


def test_shape_and_argument_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match='Dimension must be 3'):
            tf.image.rgb_to_hsv(np.zeros((2, 2, 4), np.float32))
        with pytest.raises(TypeError):
            tf.image.rgb_to_hsv(np.zeros((2, 2, 3), np.int32))
        with pytest.raises(ValueError, match='Last dimension of a grayscale image should be size 1'):
            tf.image.grayscale_to_rgb(np.zeros((2, 2, 3), np.float32))
        with pytest.raises(ValueError, match='max_delta must be <= 0.5'):
            tf.image.random_hue(_FLOAT, 0.6)
        with pytest.raises(ValueError, match='upper must be > lower'):
            tf.image.random_saturation(_FLOAT, 0.5, 0.5)
        with pytest.raises(ValueError, match='Gamma should be a non-negative'):
            tf.image.adjust_gamma(_FLOAT, -1)
        ph = tf.placeholder(tf.float32, [None, None, None])
        rgb = tf.image.grayscale_to_rgb(ph)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError):
                sess.run(rgb, {ph: np.zeros((2, 2, 2), np.float32)})


def test_random_hue_and_saturation_stay_in_range():
    with tf.Graph().as_default():
        image = tf.constant(_FLOAT)
        hue = tf.image.random_hue(image, 0.5, seed=3)
        sat = tf.image.random_saturation(image, 0.0, 2.0, seed=3)
        with tf.Session() as sess:
            h, s = sess.run([hue, sat])
    assert h.shape == s.shape == _FLOAT.shape
    # hue and saturation changes keep the value (max channel) of every pixel
    np.testing.assert_allclose(h.max(-1), _FLOAT.max(-1), atol=1e-6)
    np.testing.assert_allclose(s.max(-1), _FLOAT.max(-1), atol=1e-6)
