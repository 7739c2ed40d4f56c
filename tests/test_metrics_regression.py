"""tf.metrics means, regression errors, per-class accuracy and mean IoU against TF 2.21 compat.v1."""
import numpy as np
import pytest

import sluice as tf
from metrics_reference import compare

RNG = np.random.RandomState(3)
FLOAT_BATCHES = [(RNG.randn(6).astype(np.float32), RNG.randn(6).astype(np.float32), RNG.rand(6).astype(np.float32))
                 for _ in range(3)]
CLASS_BATCHES = [(RNG.randint(0, 4, 9).astype(np.int64), RNG.randint(0, 4, 9).astype(np.int64),
                  RNG.rand(9).astype(np.float32)) for _ in range(3)]


@pytest.mark.tf
@pytest.mark.parametrize('metric', ['mean_absolute_error', 'mean_squared_error', 'root_mean_squared_error'])
def test_errors_match_tf(metric):
    compare(lambda m, l, p, w: getattr(m.metrics, metric)(l, p), [b[:2] for b in FLOAT_BATCHES])
    compare(lambda m, l, p, w: getattr(m.metrics, metric)(l, p, weights=w), FLOAT_BATCHES)


@pytest.mark.tf
def test_mean_relative_error_and_percentage_below_match_tf():
    compare(lambda m, l, p, w: m.metrics.mean_relative_error(l, p, normalizer=w), FLOAT_BATCHES)
    compare(lambda m, l, p, w: m.metrics.mean_relative_error(l, p, m.zeros_like(l)), FLOAT_BATCHES)
    compare(lambda m, l, p, w: m.metrics.percentage_below(p, 0.25, weights=w), FLOAT_BATCHES)


@pytest.mark.tf
def test_mean_tensor_and_cosine_distance_match_tf():
    batches = [(RNG.randn(2, 3).astype(np.float32), RNG.randn(2, 3).astype(np.float32),
                RNG.rand(2, 3).astype(np.float32)) for _ in range(3)]
    compare(lambda m, l, p, w: m.metrics.mean_tensor(p, weights=w), batches, shape=(2, 3))
    compare(lambda m, l, p, w: m.metrics.mean_tensor(p), batches, shape=(2, 3))
    compare(lambda m, l, p, w: m.metrics.mean_cosine_distance(l, p, dim=1), batches, shape=(2, 3))


@pytest.mark.tf
def test_mean_per_class_accuracy_and_mean_iou_match_tf():
    kw = dict(label_dtype='int64', pred_dtype='int64')
    compare(lambda m, l, p, w: m.metrics.mean_per_class_accuracy(l, p, 4), [b[:2] for b in CLASS_BATCHES], **kw)
    compare(lambda m, l, p, w: m.metrics.mean_per_class_accuracy(l, p, 4, weights=w), CLASS_BATCHES, **kw)
    compare(lambda m, l, p, w: m.metrics.mean_iou(l, p, 4), [b[:2] for b in CLASS_BATCHES], **kw)
    compare(lambda m, l, p, w: m.metrics.mean_iou(l, p, 5, weights=w), CLASS_BATCHES, **kw)


def test_mean_iou_of_worked_example():
    labels = tf.constant([0, 1, 1, 2])
    preds = tf.constant([0, 1, 2, 2])
    value, update = tf.metrics.mean_iou(labels, preds, 3)
    assert [v.name for v in tf.local_variables()] == ['mean_iou/total_confusion_matrix:0']
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        sess.run(update)
        # per class IoU: 1/1, 1/2, 1/2
        np.testing.assert_allclose(sess.run(value), 2 / 3., rtol=1e-6)
