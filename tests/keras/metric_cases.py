"""tf.keras.metrics cases run on TensorFlow and on sluice (see keras_reference.py): each stateful metric
fed two batches (with sample weights where they apply), its result read after each, and the metric
functions on one batch."""
import numpy as np

KERAS_MODULES = ['metrics']
_R = np.random.RandomState(7)
PROBS = _R.dirichlet(np.ones(5), size=8).astype(np.float32)
PROBS_2 = _R.dirichlet(np.ones(5), size=8).astype(np.float32)
SPARSE = _R.randint(0, 5, 8).astype(np.int64)
SPARSE_2 = _R.randint(0, 5, 8).astype(np.int64)
ONE_HOT = np.eye(5, dtype=np.float32)[SPARSE]
ONE_HOT_2 = np.eye(5, dtype=np.float32)[SPARSE_2]
BIN_TRUE = (_R.rand(8, 1) > 0.5).astype(np.float32)
BIN_TRUE_2 = (_R.rand(8, 1) > 0.5).astype(np.float32)
BIN_PRED = _R.rand(8, 1).astype(np.float32)
BIN_PRED_2 = _R.rand(8, 1).astype(np.float32)
REAL = _R.randn(8, 3).astype(np.float32)
REAL_2 = _R.randn(8, 3).astype(np.float32)
W = _R.rand(8).astype(np.float32)
W_2 = _R.rand(8).astype(np.float32)

_BINARY = [(BIN_TRUE, BIN_PRED, W), (BIN_TRUE_2, BIN_PRED_2, None)]
_CATEGORICAL = [(ONE_HOT, PROBS, W), (ONE_HOT_2, PROBS_2, W_2)]
_SPARSE = [(SPARSE, PROBS, W), (SPARSE_2[:, None], PROBS_2, None)]
_REAL = [(REAL, REAL_2, W), (REAL_2, REAL, None)]
_POSITIVE = [(np.abs(REAL) + .1, np.abs(REAL_2) + .1, W), (np.abs(REAL_2) + .1, np.abs(REAL) + .1, W_2)]


def _runner(tf, metrics):
    """{key: (metric, batches)} -> callable(sess) reading each metric's result after each update."""
    steps = {}
    for key, (metric, batches) in metrics.items():
        updates = [metric.update_state(*[v for v in (y_true, y_pred) if v is not None], sample_weight=w)
                   for y_true, y_pred, w in batches]
        steps[key] = (metric, updates, metric.result())

    def run(sess):
        out = {}
        for key, (metric, updates, result) in steps.items():
            sess.run(tf.variables_initializer(metric.variables))
            for i, update in enumerate(updates):
                sess.run(update)
                out['%s/%d' % (key, i)] = sess.run(result)
        return out
    return run


def _means(tf, keras):
    M = keras.metrics
    return _runner(tf, {
        'mean': (M.Mean(), [(np.array([1., 2., 4.], np.float32), None, None)]),
        'accuracy': (M.Accuracy(), [(SPARSE, np.argmax(PROBS, -1), W), (SPARSE_2, np.argmax(PROBS_2, -1), None)]),
        'binary_accuracy': (M.BinaryAccuracy(threshold=0.4), _BINARY),
        'categorical_accuracy': (M.CategoricalAccuracy(), _CATEGORICAL),
        'sparse_categorical_accuracy': (M.SparseCategoricalAccuracy(), _SPARSE),
        'top_k': (M.TopKCategoricalAccuracy(k=2), _CATEGORICAL),
        'sparse_top_k': (M.SparseTopKCategoricalAccuracy(k=3), _SPARSE),
        'mse': (M.MeanSquaredError(), _REAL), 'mae': (M.MeanAbsoluteError(), _REAL),
        'mape': (M.MeanAbsolutePercentageError(), _REAL), 'msle': (M.MeanSquaredLogarithmicError(), _POSITIVE),
        'rmse': (M.RootMeanSquaredError(), _REAL), 'hinge': (M.Hinge(), _REAL),
        'squared_hinge': (M.SquaredHinge(), _REAL), 'categorical_hinge': (M.CategoricalHinge(), _CATEGORICAL),
        'logcosh': (M.LogCoshError(), _REAL), 'poisson': (M.Poisson(), _POSITIVE),
        'kld': (M.KLDivergence(), _CATEGORICAL), 'bce': (M.BinaryCrossentropy(label_smoothing=0.1), _BINARY),
        'cce': (M.CategoricalCrossentropy(), _CATEGORICAL),
        'scce': (M.SparseCategoricalCrossentropy(), _SPARSE),
        'mean_relative_error': (M.MeanRelativeError(normalizer=np.abs(REAL_2) + 1), _REAL),
    })


def _confusion(tf, keras):
    M = keras.metrics
    multi = [(ONE_HOT, PROBS, W[:, None]), (ONE_HOT_2, PROBS_2, None)]
    return _runner(tf, {
        'tp': (M.TruePositives(), _BINARY), 'fp': (M.FalsePositives(thresholds=[0.2, 0.7]), _BINARY),
        'tn': (M.TrueNegatives(thresholds=0.3), _BINARY), 'fn': (M.FalseNegatives(), _BINARY),
        'precision': (M.Precision(), _BINARY), 'recall': (M.Recall(thresholds=[0.1, 0.5, 0.9]), _BINARY),
        'precision_top_k': (M.Precision(top_k=2), multi),
        # TF 1.15 slices class_id after matching the weights' rank to y_pred's: only unweighted updates work
        'recall_class': (M.Recall(class_id=2), [(ONE_HOT, PROBS, None), (ONE_HOT_2, PROBS_2, None)]),
        'auc': (M.AUC(), _BINARY), 'auc_pr': (M.AUC(curve='PR', num_thresholds=50), _BINARY),
        'auc_minoring': (M.AUC(summation_method='minoring', num_thresholds=20), _BINARY),
        'auc_majoring_pr': (M.AUC(curve='PR', summation_method='majoring', thresholds=[0.25, 0.5, 0.75]), _BINARY),
        'sensitivity': (M.SensitivityAtSpecificity(0.6, num_thresholds=30), _BINARY),
        'specificity': (M.SpecificityAtSensitivity(0.4), _BINARY),
        'mean_iou': (M.MeanIoU(5), [(SPARSE, np.argmax(PROBS, -1), W), (SPARSE_2, np.argmax(PROBS_2, -1), None)]),
    })


def _functions(tf, keras):
    M = keras.metrics
    return {'binary_accuracy': M.binary_accuracy(BIN_TRUE, BIN_PRED),
            'categorical_accuracy': M.categorical_accuracy(ONE_HOT, PROBS),
            'sparse_categorical_accuracy': M.sparse_categorical_accuracy(SPARSE.astype(np.float32), PROBS),
            'sparse_categorical_accuracy_column': M.sparse_categorical_accuracy(
                SPARSE[:, None].astype(np.float32), PROBS),
            'top_k': M.top_k_categorical_accuracy(ONE_HOT, PROBS, k=2),
            'sparse_top_k': M.sparse_top_k_categorical_accuracy(SPARSE.astype(np.int32), PROBS, k=2),
            'mse': M.mse(REAL, REAL_2), 'cosine': M.cosine_proximity(REAL, REAL_2)}


def _call(tf, keras):
    M = keras.metrics
    mean = M.Mean()
    first = mean(np.array([1., 3.], np.float32), sample_weight=np.array([1., 3.], np.float32))

    def run(sess):
        sess.run(tf.variables_initializer(mean.variables))
        return {'first': sess.run(first), 'second': sess.run(first)}
    return run


CASES = {'means': _means, 'confusion': _confusion, 'functions': _functions, 'call': _call}
