"""tf.image: flips, rot90, transpose, per_image_standardization, convert_image_dtype, brightness / contrast,
crops and pads, resize_images (ResizeBilinear / ResizeNearestNeighbor, TF1 semantics). Expected values were
computed with TensorFlow 2.21's tf.compat.v1; a `tf`-marked test compares live where TF is installed."""
import numpy as np
import pytest

import sluice as tf
from tests.conftest import assert_allclose, run_graph

X3 = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)
X4 = np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2)


def test_namespace_exports():
    for name in ['flip_left_right', 'flip_up_down', 'random_flip_left_right', 'random_flip_up_down', 'rot90',
                 'transpose_image', 'transpose', 'per_image_standardization', 'convert_image_dtype',
                 'adjust_brightness', 'random_brightness', 'adjust_contrast', 'random_contrast', 'central_crop',
                 'crop_to_bounding_box', 'pad_to_bounding_box', 'resize_image_with_crop_or_pad', 'resize_images',
                 'resize', 'ResizeMethod']:
        assert hasattr(tf.image, name), name
    assert (tf.image.ResizeMethod.BILINEAR, tf.image.ResizeMethod.NEAREST_NEIGHBOR,
            tf.image.ResizeMethod.BICUBIC, tf.image.ResizeMethod.AREA) == (0, 1, 2, 3)


def test_flips_transpose_rot90(device):
    with tf.device(device):
        out = {'lr3': tf.image.flip_left_right(X3), 'ud3': tf.image.flip_up_down(X3),
               'lr4': tf.image.flip_left_right(X4), 'ud4': tf.image.flip_up_down(X4),
               't3': tf.image.transpose_image(X3), 't4': tf.image.transpose(X4),
               'r1': tf.image.rot90(X3), 'r2': tf.image.rot90(X3, k=2), 'r3': tf.image.rot90(X4, k=3),
               'r0': tf.image.rot90(X3, k=4), 'rneg': tf.image.rot90(X3, k=-1)}
    assert out['lr3'].shape.as_list() == [2, 3, 2] and out['t4'].shape.as_list() == [2, 4, 3, 2]
    assert out['r1'].shape.as_list() == [None, None, 2]
    assert out['r3'].shape.as_list() == [2, None, None, 2]
    r = run_graph(out)
    assert_allclose(r['lr3'], X3[:, ::-1])
    assert_allclose(r['ud3'], X3[::-1])
    assert_allclose(r['lr4'], X4[:, :, ::-1])
    assert_allclose(r['ud4'], X4[:, ::-1])
    assert_allclose(r['t3'], X3.transpose(1, 0, 2))
    assert_allclose(r['t4'], X4.transpose(0, 2, 1, 3))
    assert_allclose(r['r1'], np.rot90(X3, 1, axes=(0, 1)))
    assert_allclose(r['r2'], np.rot90(X3, 2, axes=(0, 1)))
    assert_allclose(r['r3'], np.rot90(X4, 3, axes=(1, 2)))
    assert_allclose(r['r0'], X3)
    assert_allclose(r['rneg'], np.rot90(X3, 3, axes=(0, 1)))


def test_flip_errors():
    with pytest.raises(ValueError, match='at least three-dimensional'):
        tf.image.flip_left_right(np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match='must have either 3 or 4 dimensions'):
        tf.image.flip_left_right(np.zeros((1, 2, 2, 2, 1), np.float32))


def test_unknown_rank_flip_and_static_shapes():
    x = tf.placeholder(tf.float32)
    y = tf.image.flip_left_right(x)
    assert_allclose(run_graph(y, {x: X4}), X4[:, :, ::-1])
    p = tf.placeholder(tf.float32, [None, None, 3])
    assert tf.image.flip_left_right(p).shape.as_list() == [None, None, 3]
    assert tf.image.random_flip_left_right(p).shape.as_list() == [None, None, 3]
    assert tf.image.central_crop(p, 0.5).shape.as_list() == [None, None, 3]
    assert tf.image.resize_images(p, [3, 4]).shape.as_list() == [3, 4, 3]
    q = tf.placeholder(tf.uint8, [None, 4, 6, 3])
    assert tf.image.resize_images(q, [3, 4]).dtype == tf.float32
    assert tf.image.resize_images(q, [3, 4], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR).dtype == tf.uint8
    assert tf.image.random_flip_left_right(q).shape.as_list() == [None, 4, 6, 3]
    assert tf.image.resize_image_with_crop_or_pad(q, 5, 5).shape.as_list() == [None, 5, 5, 3]
    assert tf.image.per_image_standardization(q).dtype == tf.float32


def test_random_flips(device):
    with tf.device(device):
        a = tf.image.random_flip_left_right(X3, seed=7)
        b = tf.image.random_flip_up_down(np.stack([X3] * 16), seed=3)
    assert a.shape.as_list() == [2, 3, 2] and a.dtype == tf.float32
    assert b.shape.as_list() == [16, 2, 3, 2]
    with tf.Session() as sess:
        seen = set()
        for _ in range(20):
            v = sess.run(a)
            assert np.array_equal(v, X3) or np.array_equal(v, X3[:, ::-1])
            seen.add(np.array_equal(v, X3))
        assert seen == {True, False}
        vb = sess.run(b)
    flipped = [np.array_equal(v, X3[::-1]) for v in vb]
    assert all(f or np.array_equal(v, X3) for f, v in zip(flipped, vb))
    assert 0 < sum(flipped) < 16
    # seeded: the same graph-level and op seeds give the same draws
    vals = []
    for _ in range(2):
        with tf.Graph().as_default():
            tf.set_random_seed(1)
            c = tf.image.random_flip_left_right(np.stack([X3] * 8), seed=2)
            vals.append(run_graph(c))
    assert np.array_equal(vals[0], vals[1])


def test_per_image_standardization(device):
    with tf.device(device):
        a = tf.image.per_image_standardization(X3)
        b = tf.image.per_image_standardization(np.full((2, 2, 1), 7, np.uint8))
        c = tf.image.per_image_standardization(np.stack([X3, 2 * X3]))
    assert a.dtype == tf.float32 and b.dtype == tf.float32
    r = run_graph([a, b, c])
    expected = np.array([[[-1.593255, -1.3035723], [-1.0138896, -0.7242068], [-0.4345241, -0.14484136]],
                         [[0.14484136, 0.4345241], [0.7242068, 1.0138896], [1.3035723, 1.593255]]], np.float32)
    assert_allclose(r[0], expected, rtol=1e-5, atol=1e-6)
    assert_allclose(r[1], np.zeros((2, 2, 1)))
    assert_allclose(r[2], np.stack([expected, expected]), rtol=1e-5, atol=1e-6)


def test_convert_image_dtype(device):
    with tf.device(device):
        a = tf.image.convert_image_dtype(np.array([[[0, 128, 255]]], np.uint8), tf.float32)
        b = tf.image.convert_image_dtype(np.array([[[0, 0.5, 1.0, 1.2, -0.1]]], np.float32), tf.uint8,
                                         saturate=True)
        c = tf.image.convert_image_dtype(np.array([[[0.5]]], np.float32), tf.uint8)
        d = tf.image.convert_image_dtype(np.array([[[255, 1]]], np.uint8), tf.int32)
        e = tf.image.convert_image_dtype(np.array([[[2 ** 31 - 1, 2 ** 24]]], np.int32), tf.uint8)
        f = tf.image.convert_image_dtype(np.array([[[0.25]]], np.float32), tf.float64)
    assert (a.dtype, b.dtype, d.dtype, e.dtype, f.dtype) == (tf.float32, tf.uint8, tf.int32, tf.uint8, tf.float64)
    r = run_graph([a, b, c, d, e, f])
    assert_allclose(r[0], [[[0.0, 0.5019608, 1.0]]])
    np.testing.assert_array_equal(r[1], [[[0, 127, 255, 255, 0]]])
    np.testing.assert_array_equal(r[2], [[[127]]])
    np.testing.assert_array_equal(r[3], [[[2139095040, 8388608]]])
    np.testing.assert_array_equal(r[4], [[[255, 2]]])
    assert_allclose(r[5], [[[0.25]]])
    with pytest.raises(AttributeError):
        tf.image.convert_image_dtype(np.array([True]), tf.float32)


def test_brightness_contrast(device):
    with tf.device(device):
        a = tf.image.adjust_brightness(np.array([[[10, 250]]], np.uint8), 0.1)
        b = tf.image.adjust_brightness(X3, -1.0)
        c = tf.image.adjust_contrast(X3, 2.0)
        d = tf.image.adjust_contrast(np.stack([X3, X3]), 0.5)
        e = tf.image.random_brightness(X3, 0.5, seed=1)
        f = tf.image.random_contrast(X3, 0.5, 1.5, seed=1)
    assert a.dtype == tf.uint8 and e.shape.as_list() == [2, 3, 2] and f.shape.as_list() == [2, 3, 2]
    r = run_graph([a, b, c, d, e, f])
    np.testing.assert_array_equal(r[0], [[[35, 255]]])
    assert_allclose(r[1], X3 - 1)
    assert_allclose(r[2], [[[-5., -4.], [-1., 0.], [3., 4.]], [[7., 8.], [11., 12.], [15., 16.]]])
    mean = X3.mean(axis=(0, 1), keepdims=True)
    assert_allclose(r[3], np.stack([(X3 - mean) * 0.5 + mean] * 2), atol=1e-5)
    delta = r[4] - X3
    assert np.allclose(delta, delta.flat[0], atol=1e-5) and -0.5 <= delta.flat[0] <= 0.5
    factor = (r[5] - mean) / (X3 - mean)
    assert np.allclose(factor, factor.flat[0], atol=1e-4) and 0.5 <= factor.flat[0] <= 1.5
    with pytest.raises(ValueError, match='upper must be > lower'):
        tf.image.random_contrast(X3, 1.0, 0.5)
    with pytest.raises(ValueError, match='lower must be non-negative'):
        tf.image.random_contrast(X3, -1.0, 0.5)
    with pytest.raises(ValueError, match='max_delta must be non-negative'):
        tf.image.random_brightness(X3, -1)


def test_crops_and_pads(device):
    img = np.arange(4 * 5 * 1, dtype=np.float32).reshape(4, 5, 1)
    with tf.device(device):
        out = {'cc': tf.image.central_crop(img, 0.5), 'cc4': tf.image.central_crop(X4, 0.5),
               'cc1': tf.image.central_crop(img, 1.0),
               'crop': tf.image.crop_to_bounding_box(img, 1, 2, 2, 3),
               'crop4': tf.image.crop_to_bounding_box(X4, 1, 1, 2, 2),
               'pad': tf.image.pad_to_bounding_box(img, 1, 0, 6, 7),
               'pad4': tf.image.pad_to_bounding_box(X4, 0, 1, 3, 6),
               'rcp': tf.image.resize_image_with_crop_or_pad(img, 2, 8),
               'rcp4': tf.image.resize_image_with_crop_or_pad(X4, 5, 2)}
    assert out['cc'].shape.as_list() == [2, 3, 1] and out['cc4'].shape.as_list() == [2, 3, 2, 2]
    assert out['pad'].shape.as_list() == [6, 7, 1] and out['rcp4'].shape.as_list() == [2, 5, 2, 2]
    r = run_graph(out)
    assert_allclose(r['cc'], img[1:3, 1:4])
    assert_allclose(r['cc4'], X4[:, 0:3, 1:3])
    assert_allclose(r['cc1'], img)
    assert_allclose(r['crop'], img[1:3, 2:5])
    assert_allclose(r['crop4'], X4[:, 1:3, 1:3])
    assert_allclose(r['pad'], np.pad(img, [(1, 1), (0, 2), (0, 0)]))
    assert_allclose(r['pad4'], np.pad(X4, [(0, 0), (0, 0), (1, 1), (0, 0)]))
    assert_allclose(r['rcp'], np.pad(img[1:3], [(0, 0), (1, 2), (0, 0)]))
    assert_allclose(r['rcp4'], np.pad(X4[:, :, 1:3], [(0, 0), (1, 1), (0, 0), (0, 0)]))
    with pytest.raises(ValueError, match=r'central_fraction must be within \(0, 1\]'):
        tf.image.central_crop(img, 1.5)
    with pytest.raises(ValueError, match='height must be >= target \\+ offset'):
        tf.image.crop_to_bounding_box(img, 1, 1, 4, 2)
    with pytest.raises(ValueError, match='height must be <= target - offset'):
        tf.image.pad_to_bounding_box(img, 1, 1, 4, 6)
    with pytest.raises(ValueError, match='offset_width must be >= 0'):
        tf.image.pad_to_bounding_box(img, 0, -1, 4, 6)


def test_crop_dynamic_offsets():
    img = np.arange(4 * 5 * 1, dtype=np.float32).reshape(4, 5, 1)
    oh = tf.placeholder(tf.int32, [])
    y = tf.image.crop_to_bounding_box(img, oh, 1, 2, 2)
    assert y.shape.as_list() == [2, 2, 1]
    assert_allclose(run_graph(y, {oh: 2}), img[2:4, 1:3])
    with pytest.raises(tf.errors.InvalidArgumentError):
        run_graph(y, {oh: 3})


BIL = np.array([[[0., 1.], [1.5, 2.5], [3., 4.], [4., 5.]],
                [[4., 5.], [5.5, 6.5], [7., 8.], [8., 9.]],
                [[6., 7.], [7.5, 8.5], [9., 10.], [10., 11.]]], np.float32)
NN = np.array([[[0., 1.], [0., 1.], [2., 3.], [2., 3.], [4., 5.]],
               [[0., 1.], [0., 1.], [2., 3.], [2., 3.], [4., 5.]],
               [[6., 7.], [6., 7.], [8., 9.], [8., 9.], [10., 11.]]], np.float32)


def test_resize_images(device):
    with tf.device(device):
        out = {'b': tf.image.resize_images(X3, [3, 4]),
               'n': tf.image.resize_images(X3, [3, 5], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
               'b4': tf.image.resize(np.stack([X3, X3 + 1]), [3, 4]),
               'nu8': tf.image.resize_images(X3.astype(np.uint8), [3, 5], method=1),
               'bu8': tf.image.resize_images(X3.astype(np.uint8), [3, 4]),
               'same': tf.image.resize_images(X3, [2, 3])}
    assert out['b'].shape.as_list() == [3, 4, 2] and out['b4'].shape.as_list() == [2, 3, 4, 2]
    assert out['nu8'].dtype == tf.uint8 and out['bu8'].dtype == tf.float32
    assert out['same'].op.type != 'ResizeBilinear'
    r = run_graph(out)
    assert_allclose(r['b'], BIL)
    assert_allclose(r['n'], NN)
    assert_allclose(r['b4'], np.stack([BIL, BIL + 1]))
    np.testing.assert_array_equal(r['nu8'], NN.astype(np.uint8))
    assert_allclose(r['bu8'], BIL)
    assert_allclose(r['same'], X3)
    with pytest.raises(ValueError, match='must have either 3 or 4 dimensions'):
        tf.image.resize_images(np.zeros((2, 2), np.float32), [3, 3])
    with pytest.raises(ValueError, match='1-D Tensor of 2 elements'):
        tf.image.resize_images(X3, [3, 3, 3])
    with pytest.raises(ValueError, match='Resize method is not implemented'):
        tf.image.resize_images(X3, [3, 3], method=7)


def test_resize_ops_and_gradients(device):
    with tf.device(device):
        g = tf.placeholder(tf.float32, [1, 2, 3, 1])
        y = tf.image.resize_images(g, [3, 4])
        gb = tf.gradients(y, g)[0]
        yn = tf.image.resize_images(g, [3, 5], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR)
        gn = tf.gradients(yn, g)[0]
    assert y.op.type == 'ResizeBilinear' and not y.op.get_attr('align_corners')
    assert not y.op.get_attr('half_pixel_centers')
    r = run_graph([gb, gn], {g: np.ones((1, 2, 3, 1), np.float32)})
    assert_allclose(r[0].ravel(), [1.6666666, 1.6666666, 2.0, 2.0833333, 2.0833335, 2.5], rtol=1e-5)
    assert_allclose(r[1].ravel(), [4, 4, 2, 2, 2, 1])
    with pytest.raises(ValueError, match='rank 4'):
        tf.image.resize_bilinear(X3, [3, 3])


@pytest.mark.tf
def test_resize_matches_tensorflow():
    tf1 = pytest.importorskip('tensorflow').compat.v1
    rs = np.random.RandomState(0)
    x = rs.rand(2, 5, 7, 3).astype(np.float32) * 10
    sizes = [(3, 4), (9, 13), (1, 1), (11, 2)]
    flags = [(False, False), (True, False), (False, True)]
    g = tf1.Graph()
    with g.as_default():
        xv = tf1.constant(x)
        ref = []
        for h, w in sizes:
            for a, hp in flags:
                yb = tf1.image.resize_bilinear(xv, [h, w], align_corners=a, half_pixel_centers=hp)
                yn = tf1.image.resize_nearest_neighbor(xv, [h, w], align_corners=a, half_pixel_centers=hp)
                ref += [yb, yn, tf1.gradients(yb * yb, xv)[0], tf1.gradients(yn * yn, xv)[0]]
        with tf1.Session(graph=g) as sess:
            expected = sess.run(ref)
    xv = tf.constant(x)
    ours = []
    for h, w in sizes:
        for a, hp in flags:
            yb = tf.image.resize_bilinear(xv, [h, w], align_corners=a, half_pixel_centers=hp)
            yn = tf.image.resize_nearest_neighbor(xv, [h, w], align_corners=a, half_pixel_centers=hp)
            ours += [yb, yn, tf.gradients(yb * yb, xv)[0], tf.gradients(yn * yn, xv)[0]]
    for got, want in zip(run_graph(ours), expected):
        assert got.shape == want.shape and got.dtype == want.dtype
        assert_allclose(got, want, rtol=1e-5, atol=1e-4)
