"""LinearRegressor / LinearClassifier against the same model trained by hand in NumPy."""
import numpy as np
import pytest

import sluice as tf
from canned_reference import full_batch, sigmoid, write_checkpoint

X = np.array([[1., 2.], [-1., 0.5], [0.3, -2.], [2., 1.]], np.float32)
COLOR = np.array([['r'], ['g'], ['b'], ['g']])
Y = np.array([[1.5], [-0.5], [2.], [0.]], np.float32)


def _columns():
    fc = tf.feature_column
    return [fc.numeric_column('x', shape=(2,)), fc.categorical_column_with_vocabulary_list('color', ['r', 'g', 'b'])]


def test_regressor_sgd_steps_equal_numpy(tmp_path):
    est = tf.estimator.LinearRegressor(_columns(), model_dir=str(tmp_path),
                                       optimizer=lambda: tf.train.GradientDescentOptimizer(0.01))
    est.train(full_batch({'x': X, 'color': COLOR}, Y), steps=5)
    w, v, b = np.zeros((2, 1)), np.zeros((3, 1)), np.zeros(1)
    onehot = np.eye(3)[[0, 1, 2, 1]]
    for _ in range(5):
        residual = X @ w + onehot @ v + b - Y  # loss = sum(residual^2) (Reduction.SUM, TF 1.15's default)
        w, v, b = w - 0.01 * 2 * X.T @ residual, v - 0.01 * 2 * onehot.T @ residual, b - 0.01 * 2 * residual.sum(0)
    np.testing.assert_allclose(est.get_variable_value('linear/linear_model/x/weights'), w, rtol=1e-5)
    np.testing.assert_allclose(est.get_variable_value('linear/linear_model/color/weights'), v, rtol=1e-5)
    np.testing.assert_allclose(est.get_variable_value('linear/linear_model/bias_weights'), b, rtol=1e-5)
    metrics = est.evaluate(full_batch({'x': X, 'color': COLOR}, Y, epochs=1))
    predictions = X @ w + onehot @ v + b
    assert metrics['global_step'] == 5
    np.testing.assert_allclose(metrics['loss'], ((predictions - Y) ** 2).sum(), rtol=1e-5)
    np.testing.assert_allclose(metrics['average_loss'], ((predictions - Y) ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(metrics['prediction/mean'], predictions.mean(), rtol=1e-5)
    np.testing.assert_allclose(metrics['label/mean'], Y.mean(), rtol=1e-6)
    got = [p['predictions'] for p in est.predict(full_batch({'x': X, 'color': COLOR}, epochs=1))]
    np.testing.assert_allclose(np.array(got), predictions, rtol=1e-5)


def test_default_optimizer_is_ftrl_with_rate_min_02_and_one_over_sqrt_columns(tmp_path):
    est = tf.estimator.LinearRegressor([tf.feature_column.numeric_column('x', shape=(2,))], model_dir=str(tmp_path))
    est.train(full_batch({'x': X}, Y), steps=1)
    # Ftrl's first step from zero weights (initial accumulator 0.1, power -0.5, no regularization):
    # n = 0.1 + g^2, z = g - (sqrt(n) - sqrt(0.1)) / lr * 0, w = -z / (sqrt(n) / lr) = -lr * g / sqrt(n).
    lr = min(0.2, 1.)
    g = 2 * X.T @ (-Y)
    np.testing.assert_allclose(est.get_variable_value('linear/linear_model/x/weights'),
                               -lr * g / np.sqrt(0.1 + g * g), rtol=1e-5)
    assert 'linear/linear_model/x/weights/Ftrl' in est.get_variable_names()


def test_classifier_weighted_loss_metrics_and_predictions(tmp_path):
    w0 = np.array([[0.5], [-1.]], np.float32)
    write_checkpoint(str(tmp_path), {'linear/linear_model/x/weights': w0,
                                     'linear/linear_model/bias_weights': np.array([0.25], np.float32)})
    labels = np.array([[1], [0], [1], [1]], np.int64)
    weight = np.array([[1.], [2.], [0.5], [1.]], np.float32)
    est = tf.estimator.LinearClassifier([tf.feature_column.numeric_column('x', shape=(2,))],
                                        model_dir=str(tmp_path), weight_column='w')
    metrics = est.evaluate(full_batch({'x': X, 'w': weight}, labels, epochs=1))
    logits = X @ w0 + 0.25
    p = sigmoid(logits)
    ce = -(labels * np.log(p) + (1 - labels) * np.log(1 - p))
    np.testing.assert_allclose(metrics['loss'], (ce * weight).sum(), rtol=1e-5)
    np.testing.assert_allclose(metrics['average_loss'], (ce * weight).sum() / weight.sum(), rtol=1e-5)
    predicted = (logits > 0).astype(np.int64)
    np.testing.assert_allclose(metrics['accuracy'], ((predicted == labels) * weight).sum() / weight.sum(),
                               rtol=1e-6)
    label_mean = (labels * weight).sum() / weight.sum()
    np.testing.assert_allclose(metrics['label/mean'], label_mean, rtol=1e-6)
    np.testing.assert_allclose(metrics['accuracy_baseline'], max(label_mean, 1 - label_mean), rtol=1e-6)
    np.testing.assert_allclose(metrics['prediction/mean'], (p * weight).sum() / weight.sum(), rtol=1e-5)
    assert set(metrics) == {'loss', 'average_loss', 'accuracy', 'precision', 'recall', 'prediction/mean',
                            'label/mean', 'accuracy_baseline', 'auc', 'auc_precision_recall', 'global_step'}
    first = next(est.predict(full_batch({'x': X, 'w': weight}, epochs=1)))
    assert set(first) == {'logits', 'logistic', 'probabilities', 'class_ids', 'classes', 'all_class_ids',
                          'all_classes'}
    np.testing.assert_allclose(first['probabilities'], [1 - p[0, 0], p[0, 0]], rtol=1e-5)
    assert first['class_ids'][0] == predicted[0, 0] and first['classes'][0] == str(predicted[0, 0]).encode()


def test_bad_arguments():
    with pytest.raises(ValueError, match='sparse_combiner'):
        tf.estimator.LinearRegressor(_columns(), sparse_combiner='max')
    with pytest.raises(ValueError, match='Unsupported optimizer name'):
        est = tf.estimator.LinearRegressor(_columns(), optimizer='Nope')
        est.train(full_batch({'x': X, 'color': COLOR}, Y), steps=1)
    with pytest.raises(ValueError, match='n_classes must be > 2'):
        tf.estimator.LinearClassifier(_columns(), n_classes=1)


def test_parse_example_specs():
    fc = tf.feature_column
    spec = tf.estimator.classifier_parse_example_spec([fc.categorical_column_with_hash_bucket('h', 5)], 'y',
                                                      weight_column='w')
    assert spec == {'h': tf.VarLenFeature(tf.string), 'y': tf.FixedLenFeature((1,), tf.int64),
                    'w': tf.FixedLenFeature((1,), tf.float32)}
    spec = tf.estimator.regressor_parse_example_spec([fc.numeric_column('x', shape=(2,))], 'y', label_dimension=3)
    assert spec == {'x': tf.FixedLenFeature((2,), tf.float32), 'y': tf.FixedLenFeature((3,), tf.float32)}
    with pytest.raises(ValueError, match='label should not be used as feature'):
        tf.estimator.classifier_parse_example_spec([fc.numeric_column('y')], 'y')


def test_binary_head_keeps_soft_float_labels(tmp_path):
    write_checkpoint(str(tmp_path), {'linear/linear_model/x/weights': np.array([[0.5], [-1.]], np.float32),
                                     'linear/linear_model/bias_weights': np.array([0.], np.float32)})
    est = tf.estimator.LinearClassifier([tf.feature_column.numeric_column('x', shape=(2,))], model_dir=str(tmp_path))
    soft = np.array([[0.25], [1.], [0.], [0.5]], np.float32)
    metrics = est.evaluate(full_batch({'x': X}, soft, epochs=1))
    p = sigmoid(X @ np.array([[0.5], [-1.]]))
    np.testing.assert_allclose(metrics['loss'], -(soft * np.log(p) + (1 - soft) * np.log(1 - p)).sum(), rtol=1e-5)
