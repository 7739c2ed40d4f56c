"""DNNRegressor / DNNClassifier / DNNLinearCombined* from a checkpoint of chosen weights, against the same
network trained by hand in NumPy (forward, backward and the optimizer written out)."""
import numpy as np
import pytest

import sluice as tf
from canned_reference import full_batch, sigmoid, softmax, write_checkpoint

X = np.array([[1., 2.], [-1., 0.5], [0.3, -2.], [2., 1.], [0., -1.]], np.float32)
Y = np.array([[1.5], [-0.5], [2.], [0.], [1.]], np.float32)
rng = np.random.RandomState(3)
K0, B0 = rng.randn(2, 3).astype(np.float32), rng.randn(3).astype(np.float32) * 0.1
K1, B1 = rng.randn(3, 1).astype(np.float32), np.array([0.2], np.float32)
K1_3 = rng.randn(3, 3).astype(np.float32)


def _dnn_checkpoint(model_dir, k1=K1, b1=B1, extra=None, adagrad=False):
    values = {'dnn/hiddenlayer_0/kernel': K0, 'dnn/hiddenlayer_0/bias': B0, 'dnn/logits/kernel': k1,
              'dnn/logits/bias': b1}
    if adagrad:  # the accumulators as Adagrad starts them (0.1), since the restore needs every variable
        values.update({name + '/Adagrad': np.full_like(v, 0.1) for name, v in values.items()})
    values.update(extra or {})
    write_checkpoint(model_dir, values)


def _forward(params, x=X):
    k0, b0, k1, b1 = params
    pre = x @ k0 + b0
    hidden = np.maximum(pre, 0.)
    return pre, hidden, hidden @ k1 + b1


def _grads(params, dlogits, x=X):
    k0, b0, k1, b1 = params
    pre, hidden, _ = _forward(params, x)
    dhidden = (dlogits @ k1.T) * (pre > 0)
    return [x.T @ dhidden, dhidden.sum(0), hidden.T @ dlogits, dlogits.sum(0)]


def _numpy_adagrad(params, dlogits_fn, steps, lr):
    params = [p.astype(np.float64) for p in params]
    accum = [np.full_like(p, 0.1) for p in params]
    for _ in range(steps):
        grads = _grads(params, dlogits_fn(_forward(params)[2]))
        for i, g in enumerate(grads):
            accum[i] += g * g
            params[i] = params[i] - lr * g / np.sqrt(accum[i])
    return params


def _column():
    return [tf.feature_column.numeric_column('x', shape=(2,))]


def _check(est, params):
    for name, value in zip(('dnn/hiddenlayer_0/kernel', 'dnn/hiddenlayer_0/bias', 'dnn/logits/kernel',
                            'dnn/logits/bias'), params):
        np.testing.assert_allclose(est.get_variable_value(name), value, rtol=1e-4, atol=1e-6, err_msg=name)


def test_regressor_default_adagrad_steps_equal_numpy(tmp_path):
    _dnn_checkpoint(str(tmp_path), adagrad=True)
    est = tf.estimator.DNNRegressor([3], _column(), model_dir=str(tmp_path))
    est.train(full_batch({'x': X}, Y), steps=4)
    # loss = sum((logits - y)^2): dloss/dlogits = 2 (logits - y); Adagrad with TF's canned rate 0.05.
    expected = _numpy_adagrad([K0, B0, K1, B1], lambda logits: 2 * (logits - Y), 4, 0.05)
    _check(est, expected)
    metrics = est.evaluate(full_batch({'x': X}, Y, epochs=1))
    logits = _forward(expected)[2]
    np.testing.assert_allclose(metrics['loss'], ((logits - Y) ** 2).sum(), rtol=1e-4)
    assert metrics['global_step'] == 4


def test_regressor_sum_over_batch_size_reduction(tmp_path):
    _dnn_checkpoint(str(tmp_path))
    est = tf.estimator.DNNRegressor([3], _column(), model_dir=str(tmp_path),
                                    loss_reduction=tf.losses.Reduction.SUM_OVER_BATCH_SIZE,
                                    optimizer=tf.train.GradientDescentOptimizer(0.1))
    est.train(full_batch({'x': X}, Y), steps=3)
    params = [p.astype(np.float64) for p in (K0, B0, K1, B1)]
    for _ in range(3):
        grads = _grads(params, 2 * (_forward(params)[2] - Y) / len(X))
        params = [p - 0.1 * g for p, g in zip(params, grads)]
    _check(est, params)


def test_binary_classifier_steps_and_predictions(tmp_path):
    _dnn_checkpoint(str(tmp_path), adagrad=True)
    labels = np.array([[1], [0], [0], [1], [1]], np.int64)
    est = tf.estimator.DNNClassifier([3], _column(), model_dir=str(tmp_path))
    est.train(full_batch({'x': X}, labels), steps=3)
    expected = _numpy_adagrad([K0, B0, K1, B1], lambda logits: sigmoid(logits) - labels, 3, 0.05)
    _check(est, expected)
    p = sigmoid(_forward(expected)[2])
    got = list(est.predict(full_batch({'x': X}, epochs=1)))
    np.testing.assert_allclose([g['logistic'][0] for g in got], p[:, 0], rtol=1e-4)
    assert [g['class_ids'][0] for g in got] == list((p[:, 0] > 0.5).astype(int))


def test_multi_class_classifier_with_label_vocabulary(tmp_path):
    _dnn_checkpoint(str(tmp_path), k1=K1_3, b1=np.zeros(3, np.float32))
    vocab = ['cat', 'dog', 'emu']
    ids = np.array([0, 2, 1, 1, 0])
    labels = np.array([[vocab[i]] for i in ids])
    est = tf.estimator.DNNClassifier([3], _column(), n_classes=3, label_vocabulary=vocab, model_dir=str(tmp_path),
                                     optimizer=tf.train.GradientDescentOptimizer(0.2))
    est.train(full_batch({'x': X}, labels), steps=2)
    params = [p.astype(np.float64) for p in (K0, B0, K1_3, np.zeros(3))]
    for _ in range(2):
        grads = _grads(params, softmax(_forward(params)[2]) - np.eye(3)[ids])
        params = [p - 0.2 * g for p, g in zip(params, grads)]
    _check(est, params)
    probabilities = softmax(_forward(params)[2])
    metrics = est.evaluate(full_batch({'x': X}, labels, epochs=1))
    assert set(metrics) == {'loss', 'average_loss', 'accuracy', 'global_step'}
    np.testing.assert_allclose(metrics['accuracy'], (probabilities.argmax(1) == ids).mean(), rtol=1e-6)
    np.testing.assert_allclose(metrics['average_loss'], -np.log(probabilities[range(5), ids]).mean(), rtol=1e-4)
    got = list(est.predict(full_batch({'x': X}, epochs=1)))
    assert [g['classes'][0].decode() for g in got] == [vocab[i] for i in probabilities.argmax(1)]
    np.testing.assert_allclose(np.stack([g['probabilities'] for g in got]), probabilities, rtol=1e-4)


def test_combined_regressor_two_optimizers_one_global_step(tmp_path):
    w_lin = np.array([[0.3], [-0.2]], np.float32)
    _dnn_checkpoint(str(tmp_path), extra={'linear/linear_model/x/weights': w_lin,
                                          'linear/linear_model/bias_weights': np.array([0.1], np.float32)})
    est = tf.estimator.DNNLinearCombinedRegressor(
        model_dir=str(tmp_path), linear_feature_columns=_column(), dnn_feature_columns=_column(),
        dnn_hidden_units=[3], linear_optimizer=tf.train.GradientDescentOptimizer(0.05),
        dnn_optimizer=tf.train.GradientDescentOptimizer(0.02))
    est.train(full_batch({'x': X}, Y), steps=3)
    dnn = [p.astype(np.float64) for p in (K0, B0, K1, B1)]
    w, b = w_lin.astype(np.float64), np.array([0.1])
    for _ in range(3):
        dlogits = 2 * (_forward(dnn)[2] + X @ w + b - Y)
        dnn = [p - 0.02 * g for p, g in zip(dnn, _grads(dnn, dlogits))]
        w, b = w - 0.05 * X.T @ dlogits, b - 0.05 * dlogits.sum(0)
    _check(est, dnn)
    np.testing.assert_allclose(est.get_variable_value('linear/linear_model/x/weights'), w, rtol=1e-4)
    np.testing.assert_allclose(est.get_variable_value('linear/linear_model/bias_weights'), b, rtol=1e-4)
    assert est.get_variable_value('global_step') == 3


def test_combined_classifier_default_optimizers_and_embedding_names(tmp_path):
    fc = tf.feature_column
    color = fc.categorical_column_with_hash_bucket('color', 10)
    est = tf.estimator.DNNLinearCombinedClassifier(
        model_dir=str(tmp_path), linear_feature_columns=[color],
        dnn_feature_columns=[fc.embedding_column(color, 4)] + _column(), dnn_hidden_units=[5, 2], n_classes=3)
    colors = np.array([['r'], ['g'], ['b'], ['g'], ['r']])
    est.train(full_batch({'x': X, 'color': colors}, np.array([[0], [1], [2], [1], [0]])), steps=2)
    names = set(est.get_variable_names())
    assert {'dnn/input_from_feature_columns/input_layer/color_embedding/embedding_weights',
            'dnn/hiddenlayer_1/kernel', 'dnn/logits/kernel', 'dnn/logits/kernel/Adagrad',
            'linear/linear_model/color/weights', 'linear/linear_model/color/weights/Ftrl',
            'linear/linear_model/bias_weights', 'global_step'} <= names
    assert est.get_variable_value('linear/linear_model/color/weights').shape == (10, 3)


def test_bad_arguments():
    with pytest.raises(ValueError, match='Either linear_feature_columns or dnn_feature_columns'):
        tf.estimator.DNNLinearCombinedRegressor()
    with pytest.raises(ValueError, match='dnn_hidden_units must be defined'):
        tf.estimator.DNNLinearCombinedRegressor(dnn_feature_columns=_column())
    with pytest.raises(ValueError, match='feature_columns must be specified'):
        tf.estimator.DNNRegressor([3], [])


def test_label_checks(tmp_path):
    est = tf.estimator.DNNClassifier([2], _column(), n_classes=3, model_dir=str(tmp_path / 'multi'))
    with pytest.raises(ValueError, match='Labels dtype should be integer'):
        est.train(full_batch({'x': X}, Y), steps=1)
    est = tf.estimator.DNNClassifier([2], _column(), model_dir=str(tmp_path / 'binary'))
    with pytest.raises(tf.errors.InvalidArgumentError, match='Labels must <= n_classes - 1'):
        est.train(full_batch({'x': X}, np.array([[0], [1], [2], [1], [0]])), steps=1)
