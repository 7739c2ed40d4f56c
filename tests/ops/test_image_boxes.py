"""non_max_suppression (V2, V3) and crop_and_resize against TF compat.v1."""
import numpy as np
import pytest

import sluice as tf
from sluice.ops import image_boxes_ops  # NonMaxSuppressionV2 has no public TF 1.15 name


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


_RNG = np.random.RandomState(5)
_CORNERS = _RNG.rand(30, 2, 2).astype(np.float32)
_BOXES = np.concatenate([_CORNERS[:, 0], _CORNERS[:, 0] + 0.3 * _CORNERS[:, 1]], 1)
_BOXES[::4] = _BOXES[::4][:, [2, 3, 0, 1]]  # corners in the other order
_SCORES = _RNG.rand(30).astype(np.float32)
_SCORES[3] = _SCORES[7]  # a tie


@pytest.mark.tf
@pytest.mark.parametrize('max_out, iou, score', [(10, 0.5, None), (30, 0.2, None), (5, 0.7, 0.4), (30, 0.0, 0.1),
                                                 (0, 0.5, None)])
def test_non_max_suppression_matches_tf(max_out, iou, score):
    tf1 = _tf1()

    def build(m):
        if score is None:
            return [m.image.non_max_suppression(_BOXES, _SCORES, max_out, iou),
                    m.raw_ops.NonMaxSuppressionV2(boxes=_BOXES, scores=_SCORES, max_output_size=max_out,
                                                  iou_threshold=iou) if m is tf1 else
                    image_boxes_ops.non_max_suppression_v2(_BOXES, _SCORES, max_out, iou)]
        return [m.image.non_max_suppression(_BOXES, _SCORES, max_out, iou, score)]
    want, got = _run(tf1, build), _run(tf, build)
    for g, w in zip(got, want):
        assert g.dtype == np.int32
        np.testing.assert_array_equal(g, w)


def test_non_max_suppression_errors():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match='Dimension must be 4'):
            tf.image.non_max_suppression(np.zeros((3, 3), np.float32), np.zeros(3, np.float32), 2)
        out = tf.image.non_max_suppression(_BOXES, _SCORES, 3, iou_threshold=1.5)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match=r'iou_threshold must be in \[0, 1\]'):
                sess.run(out)


_IMAGE = _RNG.rand(2, 7, 9, 3).astype(np.float32)
_CROP_BOXES = np.array([[0.1, 0.2, 0.8, 0.9], [0.0, 0.0, 1.0, 1.0], [0.9, 0.7, 0.2, 0.1], [-0.3, 0.4, 1.2, 1.1],
                        [0.5, 0.5, 0.5, 0.5]], np.float32)
_BOX_IND = np.array([0, 1, 1, 0, 1], np.int32)


@pytest.mark.tf
@pytest.mark.parametrize('method', ['bilinear', 'nearest'])
@pytest.mark.parametrize('crop_size', [(4, 5), (1, 3), (1, 1)])
@pytest.mark.parametrize('dtype', [np.float32, np.uint8])
def test_crop_and_resize_matches_tf(method, crop_size, dtype):
    tf1 = _tf1()
    image = (_IMAGE * 255).astype(dtype) if dtype == np.uint8 else _IMAGE

    def build(m):
        return m.image.crop_and_resize(image, _CROP_BOXES, _BOX_IND, crop_size, method=method,
                                       extrapolation_value=-1.5)
    want, got = _run(tf1, build), _run(tf, build)
    assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)


def test_crop_and_resize_shapes_and_errors():
    with tf.Graph().as_default():
        crops = tf.image.crop_and_resize(_IMAGE, _CROP_BOXES, _BOX_IND, [4, 6])
        assert crops.get_shape().as_list() == [5, 4, 6, 3]
        bad = tf.image.crop_and_resize(_IMAGE, _CROP_BOXES, [0, 1, 2, 0, 0], [2, 2])
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match='box_index'):
                sess.run(bad)
