"""tf.metrics confusion counts, precision/recall, AUC and sensitivity/specificity against TF 2.21 compat.v1.

Each case feeds three batches (some weighted) and compares every update result, the final value, the
local/metric variable names and the value/update tensor names with TensorFlow's."""
import numpy as np
import pytest

import sluice as tf
from metrics_reference import compare, run_metric
from sluice.engine import errors

RNG = np.random.RandomState(7)
BOOL_BATCHES = [(RNG.randint(0, 2, 8).astype(np.float32), RNG.randint(0, 2, 8).astype(np.float32)),
                (RNG.randint(0, 2, 5).astype(np.float32), RNG.randint(0, 2, 5).astype(np.float32),
                 RNG.rand(5).astype(np.float32)),
                (RNG.randint(0, 2, 6).astype(np.float32), RNG.randint(0, 2, 6).astype(np.float32))]
SCORE_BATCHES = [(RNG.randint(0, 2, 20).astype(np.float32), RNG.rand(20).astype(np.float32)),
                 (RNG.randint(0, 2, 15).astype(np.float32), RNG.rand(15).astype(np.float32),
                  RNG.rand(15).astype(np.float32)),
                 (RNG.randint(0, 2, 10).astype(np.float32), RNG.rand(10).astype(np.float32))]


COUNTS = ['true_positives', 'false_positives', 'true_negatives', 'false_negatives', 'precision', 'recall']


@pytest.mark.tf
@pytest.mark.parametrize('metric', COUNTS)
def test_boolean_metrics_match_tf(metric):
    batches = [b[:2] for b in BOOL_BATCHES]
    compare(lambda m, l, p, w: getattr(m.metrics, metric)(l, p), batches)
    compare(lambda m, l, p, w: getattr(m.metrics, metric)(l, p, weights=w, name='w'),
            [b if len(b) == 3 else b + (np.ones_like(b[0]),) for b in BOOL_BATCHES])


@pytest.mark.tf
@pytest.mark.parametrize('metric', ['true_positives_at_thresholds', 'false_positives_at_thresholds',
                                    'true_negatives_at_thresholds', 'false_negatives_at_thresholds',
                                    'precision_at_thresholds', 'recall_at_thresholds'])
def test_threshold_metrics_match_tf(metric):
    batches = [b if len(b) == 3 else b + (np.ones_like(b[0]),) for b in SCORE_BATCHES]
    compare(lambda m, l, p, w: getattr(m.metrics, metric)(l, p, [0.1, 0.5, 0.75], weights=w), batches)


@pytest.mark.tf
@pytest.mark.parametrize('curve,method', [('ROC', 'trapezoidal'), ('PR', 'trapezoidal'),
                                          ('PR', 'careful_interpolation'), ('ROC', 'careful_interpolation'),
                                          ('ROC', 'minoring'), ('PR', 'majoring')])
def test_auc_matches_tf(curve, method):
    got = compare(lambda m, l, p, w: m.metrics.auc(l, p, curve=curve, summation_method=method),
                  [b[:2] for b in SCORE_BATCHES], rtol=1e-4)
    assert got['locals'] == ['auc/true_positives:0', 'auc/false_negatives:0', 'auc/true_negatives:0',
                             'auc/false_positives:0']
    batches = [b if len(b) == 3 else b + (np.ones_like(b[0]),) for b in SCORE_BATCHES]
    compare(lambda m, l, p, w: m.metrics.auc(l, p, weights=w, num_thresholds=50, curve=curve,
                                             summation_method=method), batches, rtol=1e-4)


@pytest.mark.tf
def test_auc_explicit_thresholds_and_int_labels_match_tf():
    batches = [(b[0].astype(np.int64), b[1]) for b in SCORE_BATCHES]
    compare(lambda m, l, p, w: m.metrics.auc(l, p, thresholds=[0.7, 0.2, 0.4]), batches, label_dtype='int64')


@pytest.mark.tf
@pytest.mark.parametrize('target', [0.0, 0.4, 0.8, 1.0])
def test_sensitivity_specificity_match_tf(target):
    batches = [b[:2] for b in SCORE_BATCHES]
    compare(lambda m, l, p, w: m.metrics.sensitivity_at_specificity(l, p, specificity=target), batches)
    compare(lambda m, l, p, w: m.metrics.specificity_at_sensitivity(l, p, target, num_thresholds=30), batches)


def test_precision_recall_names_collections_and_values():
    labels = tf.constant([1, 0, 1, 1, 0])
    preds = tf.constant([1, 1, 0, 1, 0])
    p, p_up = tf.metrics.precision(labels, preds, metrics_collections=['m'], updates_collections=['u'])
    r, r_up = tf.metrics.recall(labels, preds)
    assert [v.name for v in tf.local_variables()] == [
        'precision/true_positives/count:0', 'precision/false_positives/count:0',
        'recall/true_positives/count:0', 'recall/false_negatives/count:0']
    assert tf.get_collection('m') == [p] and tf.get_collection('u') == [p_up]
    assert tf.global_variables() == []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert sess.run(p) == 0.0
        sess.run([p_up, r_up])
        np.testing.assert_allclose(sess.run([p, r]), [2 / 3., 2 / 3.])


def test_auc_rejects_bad_arguments_and_out_of_range_predictions():
    with pytest.raises(ValueError, match='curve must be either ROC or PR'):
        tf.metrics.auc([1, 0], [0.2, 0.3], curve='XY')
    with pytest.raises(ValueError, match='specificity'):
        tf.metrics.sensitivity_at_specificity([1, 0], [0.2, 0.3], 1.5)
    labels = tf.placeholder(tf.float32, [None])
    preds = tf.placeholder(tf.float32, [None])
    value, update = tf.metrics.auc(labels, preds)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        with pytest.raises(errors.InvalidArgumentError, match='predictions must be in'):
            sess.run(update, {labels: [1, 0], preds: [0.5, 1.5]})


def test_roc_auc_of_a_perfect_ranking_is_one():
    res = run_metric(tf, lambda m, l, p, w: m.metrics.auc(l, p),
                     [(np.array([0, 0, 1, 1], np.float32), np.array([0.1, 0.3, 0.6, 0.9], np.float32))])
    np.testing.assert_allclose(res['value'], 1.0, atol=1e-4)


TOPK_BATCHES = [(RNG.randint(0, 6, (7, 2)).astype(np.int64), RNG.rand(7, 6).astype(np.float32),
                 RNG.rand(7).astype(np.float32)) for _ in range(3)]


@pytest.mark.tf
@pytest.mark.parametrize('metric', ['precision_at_k', 'recall_at_k'])
@pytest.mark.parametrize('k,class_id', [(1, None), (3, None), (2, 4)])
def test_at_k_metrics_match_tf(metric, k, class_id):
    kw = dict(label_dtype='int64', shape=None)

    def build(m, l, p, w):
        return getattr(m.metrics, metric)(m.reshape(l, [-1, 2]), m.reshape(p, [-1, 6]), k, class_id=class_id,
                                          weights=m.reshape(w, [-1]))
    compare(build, TOPK_BATCHES, **kw)
    one_label = [(b[0][:, :1], b[1], b[2]) for b in TOPK_BATCHES]
    compare(lambda m, l, p, w: getattr(m.metrics, metric)(m.reshape(l, [-1]), m.reshape(p, [-1, 6]), k,
                                                          class_id=class_id), one_label, **kw)


@pytest.mark.tf
def test_at_top_k_with_repeated_ids_matches_tf():
    batches = [(np.array([[1, 1, 2], [0, 3, 3]], np.int64), np.array([[1, 1, 0], [3, 3, 3]], np.float32))]

    def build(m, l, p, w):
        idx = m.cast(m.reshape(p, [-1, 3]), m.int64)
        return m.metrics.precision_at_top_k(m.reshape(l, [-1, 3]), idx, k=3)
    compare(build, batches, label_dtype='int64', shape=None)
    compare(lambda m, l, p, w: m.metrics.recall_at_top_k(m.reshape(l, [-1, 3]), m.cast(m.reshape(p, [-1, 3]),
                                                                                      m.int64)),
            batches, label_dtype='int64', shape=None)


def test_at_k_refuses_sparse_labels():
    labels = tf.SparseTensor([[0, 0]], tf.constant([1], tf.int64), [1, 2])
    with pytest.raises(NotImplementedError, match='SparseTensor labels: sluice does not implement tf.sets'):
        tf.metrics.recall_at_k(labels, tf.constant([[0.1, 0.9]]), 1)


@pytest.mark.tf
@pytest.mark.parametrize('k', [1, 3, 6])
def test_average_precision_at_k_matches_tf(k):
    labels = [(np.where(b[0] == 5, 9, b[0]), b[1], b[2]) for b in TOPK_BATCHES]  # 9: out of range
    kw = dict(label_dtype='int64', shape=None)
    compare(lambda m, l, p, w: m.metrics.average_precision_at_k(m.reshape(l, [-1, 2]), m.reshape(p, [-1, 6]), k),
            labels, **kw)
    compare(lambda m, l, p, w: m.metrics.average_precision_at_k(m.reshape(l, [-1, 2]), m.reshape(p, [-1, 6]), k,
                                                                weights=m.reshape(w, [-1])), labels, **kw)
