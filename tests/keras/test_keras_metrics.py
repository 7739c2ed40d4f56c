"""tf.keras.metrics against TensorFlow (tf_keras in graph mode) on metric_cases.py, and what TF 1.15's
source fixes where tf_keras changed: sensitivity/specificity at a target, cosine's sign, configs."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K
from sluice.keras import metrics

import keras_reference
import metric_cases

# tf_keras negates cosine similarity; TF 1.15's cosine_proximity returns +sum
_NEGATED_IN_TF_KERAS = {'functions/cosine'}
# tf_keras picks the best rate among thresholds meeting the target; TF 1.15 takes the threshold whose
# other rate is closest to the target (checked against NumPy below)
_CHANGED_IN_TF_KERAS = {'confusion/sensitivity/0', 'confusion/sensitivity/1', 'confusion/specificity/0',
                        'confusion/specificity/1'}


@pytest.fixture(scope='module')
def values(tmp_path_factory):
    return keras_reference.both_sides('metric_cases', tmp_path_factory)


@pytest.mark.tf
@pytest.mark.parametrize('key', [k for k in keras_reference.case_keys('metric_cases') if k not in _CHANGED_IN_TF_KERAS])
def test_against_tensorflow(values, key):
    ours, theirs = values
    expected = -theirs[key] if key in _NEGATED_IN_TF_KERAS else theirs[key]
    assert ours[key].shape == expected.shape
    np.testing.assert_allclose(ours[key], expected, rtol=1e-5, atol=1e-6)


def _counts(y_true, y_pred, weights, thresholds):
    y_true, y_pred = y_true.ravel().astype(bool), y_pred.ravel()
    weights = np.ones_like(y_pred) if weights is None else weights.ravel()
    pos = y_pred[None, :] > np.asarray(thresholds)[:, None]
    return {'tp': (pos & y_true) @ weights, 'fp': (pos & ~y_true) @ weights,
            'tn': (~pos & ~y_true) @ weights, 'fn': (~pos & y_true) @ weights}


def _tf_1_15_rate_at(batches, target, num_thresholds, sensitivity_at):
    thresholds = [0.0] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]
    total = {k: 0 for k in ('tp', 'fp', 'tn', 'fn')}
    out = []
    for y_true, y_pred, w in batches:
        for k, v in _counts(y_true, y_pred, w, thresholds).items():
            total[k] = total[k] + v
        tp, fp, tn, fn = (total[k] for k in ('tp', 'fp', 'tn', 'fn'))
        with np.errstate(invalid='ignore', divide='ignore'):
            spec, sens = np.nan_to_num(tn / (tn + fp)), np.nan_to_num(tp / (tp + fn))
        i = np.argmin(np.abs((spec if sensitivity_at else sens) - target))
        out.append(sens[i] if sensitivity_at else spec[i])
    return out


def test_sensitivity_and_specificity_as_tf_1_15():
    ours = keras_reference.sluice_values('metric_cases', ('confusion',))
    batches = metric_cases._BINARY
    for i, want in enumerate(_tf_1_15_rate_at(batches, 0.6, 30, True)):
        assert ours['confusion/sensitivity/%d' % i] == pytest.approx(want, rel=1e-5)
    for i, want in enumerate(_tf_1_15_rate_at(batches, 0.4, 200, False)):
        assert ours['confusion/specificity/%d' % i] == pytest.approx(want, rel=1e-5)


def test_variables_updates_and_reset():
    mean = metrics.Mean()
    assert mean.name == 'mean' and [v.name for v in mean.variables] == ['total:0', 'count:0']
    assert not mean.trainable_weights and mean.stateful
    assert tf.global_variables() == []  # Keras's session initializes metric variables, not a collection
    result = mean([1., 2., 3.], sample_weight=[1., 0., 1.])
    assert metrics.metric_for_result(result) is mean
    assert len(mean.updates) == 1
    assert K.eval(result) == 2.0
    assert K.eval(result) == 2.0  # each run folds the batch in again: (2 + 2) / 2
    assert K.eval(mean.update_state([8.])) == 5.0  # the update returns the new count (weights 2 + 2 + 1)
    assert K.eval(mean.result()) == pytest.approx((8. + 8.) / 5)
    mean.reset_states()
    assert K.eval(mean.result()) == 0.0
    auc = metrics.AUC(num_thresholds=3)
    assert [v.name for v in auc.variables] == ['true_positives:0', 'true_negatives:0', 'false_positives:0',
                                               'false_negatives:0']
    K.get_session().run(auc.update_state([0., 1.], [0.2, 0.9]))
    auc.reset_states()
    assert K.batch_get_value(auc.variables)[0].tolist() == [0., 0., 0.]
    iou = metrics.MeanIoU(2)
    assert iou.variables[0].dtype.base_dtype == tf.float64
    K.get_session().run(iou.update_state([0, 1], [0, 0]))
    iou.reset_states()
    assert K.eval(iou.result()) == 0.0


def test_mean_tensor():
    m = metrics.MeanTensor()
    with pytest.raises(ValueError, match='MeanTensor does not have any result yet'):
        m.result()
    first = m(np.ones((2, 3), np.float32), sample_weight=np.array([1., 0.], np.float32))
    np.testing.assert_array_equal(K.eval(first), [[1, 1, 1], [0, 0, 0]])
    np.testing.assert_array_equal(K.eval(m(np.full((2, 3), 3., np.float32))), [[2, 2, 2], [3, 3, 3]])
    with pytest.raises(ValueError, match='MeanTensor input values must always have the same shape'):
        m.update_state(np.ones((3,), np.float32))


def test_sum_and_unbroadcastable_weights():
    s = metrics.Sum()
    assert [v.name for v in s.variables] == ['total:0']
    # weights of shape [2, 1] broadcast over [2, 3]
    assert K.eval(s(np.ones((2, 3), np.float32), sample_weight=np.array([[1.], [2.]], np.float32))) == 9.0
    m = metrics.Mean()
    # weights [2, 2] cannot broadcast to [2, 2, 3]: the values are first averaged over the last axis
    values = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    weights = np.array([[1., 0.], [0., 1.]], np.float32)
    assert K.eval(m(values, sample_weight=weights)) == pytest.approx((1. + 10.) / 2)


def test_configs_as_tf_1_15_writes_them():
    assert metrics.Mean().get_config() == {'name': 'mean', 'dtype': 'float32'}
    assert metrics.BinaryAccuracy().get_config() == {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.5}
    assert metrics.TopKCategoricalAccuracy(k=3).get_config()['k'] == 3
    assert metrics.SparseCategoricalCrossentropy().get_config() == {
        'name': 'sparse_categorical_crossentropy', 'dtype': 'float32', 'from_logits': False, 'axis': -1}
    assert metrics.Precision(thresholds=[0.3, 0.6], name='p').get_config() == {
        'name': 'p', 'dtype': 'float32', 'thresholds': [0.3, 0.6], 'top_k': None, 'class_id': None}
    assert metrics.TruePositives().get_config() == {'name': 'true_positives', 'dtype': 'float32',
                                                    'thresholds': None}
    auc = metrics.AUC(num_thresholds=4, curve='PR').get_config()
    assert auc['curve'] == 'PR' and auc['summation_method'] == 'interpolation' and auc['num_thresholds'] == 4
    assert auc['thresholds'] == pytest.approx([1. / 3, 2. / 3]) and 'multi_label' not in auc
    assert metrics.MeanIoU(3).get_config() == {'name': 'mean_io_u', 'dtype': 'float32', 'num_classes': 3}
    assert metrics.MeanRelativeError(normalizer=[2., 4.]).get_config()['normalizer'].tolist() == [2., 4.]
    assert metrics.SensitivityAtSpecificity(0.5).get_config() == {
        'name': 'sensitivity_at_specificity', 'dtype': 'float32', 'num_thresholds': 200, 'specificity': 0.5}


def test_get_serialize_deserialize_clone():
    assert metrics.get('accuracy') is metrics.accuracy
    assert metrics.get('mse') is metrics.mean_squared_error
    assert metrics.get('categorical_crossentropy') is metrics.categorical_crossentropy
    assert isinstance(metrics.get('AUC'), metrics.AUC)
    p = metrics.get({'class_name': 'Precision', 'config': {'thresholds': 0.7, 'name': 'p7'}})
    assert isinstance(p, metrics.Precision) and p.thresholds == [0.7] and p.name == 'p7'
    assert metrics.serialize(metrics.Recall(name='r')) == {
        'class_name': 'Recall', 'config': {'name': 'r', 'dtype': 'float32', 'thresholds': None, 'top_k': None,
                                           'class_id': None}}
    original = metrics.CategoricalAccuracy(name='acc')
    copy = metrics.clone_metric(original)
    assert type(copy) is metrics.CategoricalAccuracy and copy.name == 'acc' and copy is not original
    assert copy.variables[0] is not original.variables[0]
    assert metrics.clone_metrics({'out': metrics.accuracy}) == {'out': metrics.accuracy}
    assert metrics.clone_metrics(None) is None


def test_errors():
    with pytest.raises(ValueError, match='Unknown metric function:bogus'):
        metrics.get('bogus')
    with pytest.raises(ValueError, match='Could not interpret metric function identifier: 3'):
        metrics.get(3)
    with pytest.raises(ValueError, match=r'Threshold values must be in \[0, 1\]. Invalid values: \[1.5\]'):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match='Invalid AUC curve value "XY"'):
        metrics.AUC(curve='XY')
    with pytest.raises(ValueError, match='Invalid AUC summation method value "mid"'):
        metrics.AUC(summation_method='mid')
    with pytest.raises(ValueError, match='`num_thresholds` must be > 1.'):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match=r'`specificity` must be in the range \[0, 1\].'):
        metrics.SensitivityAtSpecificity(2.)
    with pytest.raises(TypeError, match='unexpected keyword arguments'):
        metrics.Accuracy(threshold=0.3)
    auc = metrics.AUC()
    with pytest.raises(tf.errors.InvalidArgumentError, match='predictions must be <= 1'):
        auc.update_state(np.array([1., 0.], np.float32), np.array([1.5, 0.2], np.float32))  # known now
    # the run-time range checks guard the ops matching the weights' rank to the predictions' (in TF 1.15 they
    # are control dependencies of those ops: with nothing to reshape, they do not run)
    predictions = tf.placeholder(tf.float32, [2, 1])
    update = auc.update_state(np.array([[1.], [0.]], np.float32), predictions, sample_weight=[1., 2.])
    with pytest.raises(tf.errors.InvalidArgumentError, match='predictions must be >= 0'):
        K.get_session().run(update, {predictions: [[-0.5], [0.2]]})


def test_custom_metric_subclass():
    class CountPositives(metrics.Metric):
        def __init__(self, name='count_positives', dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.positives = self.add_weight('positives', initializer='zeros')

        def update_state(self, values):
            return self.positives.assign_add(tf.reduce_sum(tf.cast(values > 0, self.dtype)))

        def result(self):
            return self.positives.read_value()
    m = CountPositives()
    result = m(np.array([1., -1., 2.], np.float32))
    assert result.op.type == 'Identity' and len(m.updates) == 1
    assert K.eval(result) == 2.0


def test_on_every_device(device):
    y_true, y_pred, w = metric_cases.BIN_TRUE, metric_cases.BIN_PRED, metric_cases.W
    with tf.device(device):
        auc = metrics.AUC(num_thresholds=10)
        accuracy = metrics.BinaryAccuracy()
        results = [auc(y_true, y_pred, sample_weight=w), accuracy(y_true, y_pred, sample_weight=w)]
    got = K.get_session().run(results)
    matches = ((y_pred > 0.5) == y_true).astype(np.float32)[:, 0]
    assert got[1] == pytest.approx((matches * w).sum() / w.sum(), rel=1e-6)
    thresholds = [-1e-7] + [(i + 1) / 9. for i in range(8)] + [1 + 1e-7]
    c = _counts(y_true, y_pred, w, thresholds)
    fpr, tpr = c['fp'] / (c['fp'] + c['tn']), c['tp'] / (c['tp'] + c['fn'])
    assert got[0] == pytest.approx(((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2).sum(), rel=1e-5)
