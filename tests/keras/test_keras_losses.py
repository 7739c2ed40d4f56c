"""tf.keras.losses against TensorFlow (tf_keras in graph mode) on the cases of loss_cases.py, plus what
TF 1.15's source fixes and tf_keras changed since: configs, names, identifiers and errors."""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import losses
from sluice.keras.serialization import custom_object_scope

import keras_reference
import loss_cases

# tf_keras negates cosine similarity (a loss to minimise); TF 1.15's cosine_proximity returns +sum
_NEGATED_IN_TF_KERAS = {'functions/cosine_proximity', 'objects/cosine'}
# TF 1.15's huber_loss is elementwise; tf_keras's huber averages over the last axis
_ELEMENTWISE_IN_TF_1_15 = {'objects/huber_none'}


@pytest.fixture(scope='module')
def values(tmp_path_factory):
    pytest.importorskip('tensorflow')
    pytest.importorskip('tf_keras')
    theirs = keras_reference.tensorflow_values('loss_cases', tmp_path_factory.mktemp('keras_losses'))
    return keras_reference.sluice_values('loss_cases'), theirs


@pytest.mark.tf
@pytest.mark.parametrize('key', sorted(keras_reference.case_keys('loss_cases')))
def test_against_tensorflow(values, key):
    ours, theirs = values
    expected = -theirs[key] if key in _NEGATED_IN_TF_KERAS else theirs[key]
    if key in _ELEMENTWISE_IN_TF_1_15:
        ours = {key: ours[key].mean(-1)}
    assert ours[key].shape == expected.shape
    np.testing.assert_allclose(ours[key], expected, rtol=1e-5, atol=1e-6)


def _run(t):
    with tf.Session() as sess:
        return sess.run(t)


def test_mse_written_out():
    y, p = loss_cases.REAL_TRUE, loss_cases.REAL_PRED
    np.testing.assert_allclose(_run(losses.mse(y, p)), ((y - p) ** 2).mean(-1), rtol=1e-6)
    w = loss_cases.WEIGHTS
    np.testing.assert_allclose(_run(losses.MeanSquaredError()(y, p, w)), (((y - p) ** 2).mean(-1) * w).mean(),
                               rtol=1e-6)
    np.testing.assert_allclose(_run(losses.MeanSquaredError(reduction='sum')(y, p, w)),
                               (((y - p) ** 2).mean(-1) * w).sum(), rtol=1e-6)


def test_categorical_crossentropy_clips_probabilities_with_epsilon():
    y = np.array([[1., 0.]], np.float32)
    p = np.array([[0., 1.]], np.float32)
    np.testing.assert_allclose(_run(losses.categorical_crossentropy(y, p)), [-np.log(1e-7)], rtol=1e-5)


def test_loss_object_name_scope_and_reduction_ops():
    loss = losses.MeanSquaredError()(loss_cases.REAL_TRUE, loss_cases.REAL_PRED)
    assert loss.name == 'mean_squared_error/weighted_loss/Cast:0' or loss.name.startswith('mean_squared_error/')
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert 'mean_squared_error/weighted_loss/value' in names
    assert losses.LossFunctionWrapper(lambda a, b: a - b, name='<lambda>')(1., 2.).name.startswith('lambda/')


def test_configs_as_tf_1_15_writes_them():
    # TF 1.15's configs hold (reduction, name) and the function's keyword arguments; tf_keras adds 'fn'
    assert losses.MeanSquaredError().get_config() == {'reduction': 'auto', 'name': 'mean_squared_error'}
    assert losses.BinaryCrossentropy(label_smoothing=0.1).get_config() == {
        'reduction': 'auto', 'name': 'binary_crossentropy', 'from_logits': False, 'label_smoothing': 0.1}
    assert losses.Huber().get_config() == {'reduction': 'auto', 'name': 'huber_loss', 'delta': 1.0}
    assert losses.SparseCategoricalCrossentropy(True, 'sum').get_config() == {
        'reduction': 'sum', 'name': 'sparse_categorical_crossentropy', 'from_logits': True}
    assert losses.CosineSimilarity(axis=1).get_config()['axis'] == 1
    assert losses.Hinge(name='h').get_config() == {'reduction': 'auto', 'name': 'h'}


def test_label_smoothing_tensor_in_config_is_evaluated():
    config = losses.CategoricalCrossentropy(label_smoothing=tf.constant(0.25)).get_config()
    assert config['label_smoothing'] == pytest.approx(0.25)


def test_get_serialize_deserialize():
    assert losses.get('mse') is losses.mean_squared_error
    assert losses.get('categorical_crossentropy') is losses.categorical_crossentropy
    assert losses.get(None) is None
    assert losses.get(losses.hinge) is losses.hinge
    obj = losses.get({'class_name': 'Huber', 'config': {'delta': 2.0, 'reduction': 'sum', 'name': 'h'}})
    assert isinstance(obj, losses.Huber) and obj.get_config()['delta'] == 2.0 and obj.reduction == 'sum'
    assert isinstance(losses.get('MeanSquaredError'), losses.MeanSquaredError)
    assert losses.serialize(losses.mae) == 'mean_absolute_error'
    assert losses.serialize(losses.Poisson()) == {'class_name': 'Poisson',
                                                  'config': {'reduction': 'auto', 'name': 'poisson'}}
    round_trip = losses.deserialize(losses.serialize(losses.CategoricalCrossentropy(from_logits=True)))
    assert isinstance(round_trip, losses.CategoricalCrossentropy) and round_trip._fn_kwargs['from_logits']


def test_custom_objects():
    def my_loss(y_true, y_pred):
        return y_true - y_pred
    with pytest.raises(ValueError, match='Unknown loss function:my_loss'):
        losses.get('my_loss')
    with custom_object_scope({'my_loss': my_loss}):
        assert losses.get('my_loss') is my_loss
    assert losses.deserialize('my_loss', custom_objects={'my_loss': my_loss}) is my_loss


def test_errors():
    with pytest.raises(ValueError, match='Unknown loss function:foo'):
        losses.get('foo')
    with pytest.raises(ValueError, match='Unknown loss function: Foo'):
        losses.get({'class_name': 'Foo', 'config': {}})
    with pytest.raises(ValueError, match='Could not interpret loss function identifier:'):
        losses.get(3)
    with pytest.raises(ValueError, match='Invalid Reduction Key bogus.'):
        losses.MeanSquaredError(reduction='bogus')
    with pytest.raises(ValueError, match='Improper config format'):
        losses.deserialize({'config': {}})
    with pytest.raises(NotImplementedError):
        losses.Loss()(1., 2.)


def test_is_categorical_crossentropy():
    assert losses.is_categorical_crossentropy('categorical_crossentropy')
    assert losses.is_categorical_crossentropy(losses.CategoricalCrossentropy())
    assert losses.is_categorical_crossentropy(losses.categorical_crossentropy)
    assert not losses.is_categorical_crossentropy(losses.binary_crossentropy)


def test_hinge_labels_converted_at_run_time():
    y = tf.placeholder(tf.float32, [None, 2])
    value = losses.hinge(y, np.array([[0.3, -0.2]], np.float32))
    with tf.Session() as sess:
        # labels in {0, 1} become {-1, 1}; other labels are used as they are
        np.testing.assert_allclose(sess.run(value, {y: [[1., 0.]]}), [np.mean([0.7, 0.8])], rtol=1e-6)
        np.testing.assert_allclose(sess.run(value, {y: [[2., -1.]]}), [np.mean([0.4, 0.8])], rtol=1e-6)


def test_on_every_device(device):
    y, p, w = loss_cases.ONE_HOT, loss_cases.PROBS, loss_cases.WEIGHTS
    with tf.device(device):
        loss = losses.CategoricalCrossentropy(label_smoothing=0.1)(y, p, w)
        logits = tf.constant(loss_cases.LOGITS)
        grad = tf.gradients(losses.BinaryCrossentropy(from_logits=True)(y, logits), [logits])[0]
    smoothed = y * 0.9 + 0.1 / 4
    expected = (-(smoothed * np.log(np.clip(p / p.sum(-1, keepdims=True), 1e-7, 1 - 1e-7))).sum(-1) * w).mean()
    sigmoid = 1 / (1 + np.exp(-loss_cases.LOGITS))
    with tf.Session() as sess:
        got_loss, got_grad = sess.run([loss, grad])
    assert got_loss == pytest.approx(expected, rel=1e-5)
    np.testing.assert_allclose(got_grad, (sigmoid - y) / y.size, rtol=1e-5, atol=1e-7)
