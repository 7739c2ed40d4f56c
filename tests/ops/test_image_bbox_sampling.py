"""tf.image.draw_bounding_boxes against TF (deterministic), and sample_distorted_bounding_box (random: TF's
rules with sluice's stream) against its contract: shapes and dtypes as TF's, each crop inside the image,
covering the required fraction of a box, within the area range, reproducible for a seed."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors

BOXES = np.array([[[0.1, 0.2, 0.8, 0.9], [0.0, 0.0, 0.3, 0.4], [0.5, 0.5, 1.0, 1.0]]], np.float32)


@pytest.mark.tf
def test_draw_bounding_boxes_is_tensorflows():
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    images = np.random.RandomState(0).rand(1, 9, 11, 3).astype(np.float32)

    def run(t):
        with t.Graph().as_default(), t.Session() as sess:
            return sess.run([t.image.draw_bounding_boxes(images, BOXES),
                             t.image.draw_bounding_boxes(images[..., :1], BOXES)])
    for ours, theirs in zip(run(tf), run(tf1)):
        np.testing.assert_array_equal(ours, theirs)


def test_sampled_crops_obey_the_constraints():
    box = np.array([[[0.2, 0.3, 0.7, 0.8]]], np.float32)
    begin, size, crop_box = tf.image.sample_distorted_bounding_box(
        tf.constant([120, 90, 3]), tf.constant(box), min_object_covered=0.5, area_range=[0.1, 0.9],
        aspect_ratio_range=[0.5, 2.0], seed=7)
    assert begin.shape.as_list() == [3] and size.shape.as_list() == [3] and crop_box.shape.as_list() == [1, 1, 4]
    assert begin.dtype == tf.int32 and crop_box.dtype == tf.float32
    results = []
    with tf.Session() as sess:
        for _ in range(40):
            results.append(sess.run([begin, size, crop_box]))
    with tf.Session() as sess:
        again = sess.run([begin, size, crop_box])
    np.testing.assert_array_equal(again[0], results[0][0])  # same seed, same first crop
    by, bx, bh, bw = 0.2 * 120, 0.3 * 90, 0.5 * 120, 0.5 * 90
    for (y, x, _), (h, w, last), cbox in results:
        assert last == -1 and 0 <= y and y + h <= 120 and 0 <= x and x + w <= 90
        covered = max(0, min(y + h, by + bh) - max(y, by)) * max(0, min(x + w, bx + bw) - max(x, bx))
        whole = (y, x, h, w) == (0, 0, 120, 90)
        assert whole or (covered / (bh * bw) >= 0.5 - 1e-6 and 0.1 * 120 * 90 <= h * w <= 0.9 * 120 * 90)
        np.testing.assert_allclose(cbox[0, 0], [y / 120, x / 90, (y + h) / 120, (x + w) / 90], rtol=1e-6)
    assert len({tuple(r[0]) for r in results}) > 5  # the crops vary


def test_no_boxes_needs_the_whole_image_flag():
    empty = tf.zeros([1, 0, 4])
    begin, size, _ = tf.image.sample_distorted_bounding_box([10, 10, 1], empty, use_image_if_no_bounding_boxes=True,
                                                            seed=1)
    with tf.Session() as sess:
        b, s = sess.run([begin, size])
        assert b[0] + s[0] <= 10 and b[1] + s[1] <= 10
        with pytest.raises(errors.InvalidArgumentError, match='No bounding boxes provided'):
            sess.run(tf.image.sample_distorted_bounding_box([10, 10, 1], empty, seed=1)[0])
