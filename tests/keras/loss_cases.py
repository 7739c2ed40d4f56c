"""tf.keras.losses cases run on TensorFlow and on sluice (see keras_reference.py): every loss function,
and the Loss classes with sample weights and each reduction."""
import numpy as np

_R = np.random.RandomState(3)
PROBS = _R.dirichlet(np.ones(4), size=5).astype(np.float32)          # rows sum to 1
ONE_HOT = np.eye(4, dtype=np.float32)[_R.randint(0, 4, 5)]
SPARSE = _R.randint(0, 4, 5).astype(np.int32)
LOGITS = _R.randn(5, 4).astype(np.float32) * 2
BINARY = (_R.rand(5, 4) > 0.5).astype(np.float32)
REAL_TRUE = _R.randn(5, 4).astype(np.float32)
REAL_PRED = _R.randn(5, 4).astype(np.float32)
POSITIVE = _R.rand(5, 4).astype(np.float32) + 0.1
WEIGHTS = _R.rand(5).astype(np.float32)
SEQ_LOGITS = _R.randn(2, 3, 4).astype(np.float32)
SEQ_SPARSE = _R.randint(0, 4, (2, 3)).astype(np.int32)

_REAL = ['mean_squared_error', 'mean_absolute_error', 'mean_absolute_percentage_error', 'logcosh', 'hinge',
         'squared_hinge', 'categorical_hinge', 'cosine_proximity']


def _functions(tf, keras):
    L = keras.losses
    out = {name: getattr(L, name)(REAL_TRUE, REAL_PRED) for name in _REAL}
    out.update({
        'msle': L.msle(POSITIVE, POSITIVE[::-1].copy()),
        'poisson': L.poisson(POSITIVE, POSITIVE[::-1].copy()),
        'kld': L.kld(PROBS, PROBS[::-1].copy()),
        'hinge_binary': L.hinge(BINARY, REAL_PRED),
        'squared_hinge_binary': L.squared_hinge(BINARY, REAL_PRED),
        'cce': L.categorical_crossentropy(ONE_HOT, PROBS),
        'cce_smooth': L.categorical_crossentropy(ONE_HOT, PROBS, label_smoothing=0.2),
        'cce_logits': L.categorical_crossentropy(ONE_HOT, LOGITS, from_logits=True),
        'cce_softmax': L.categorical_crossentropy(ONE_HOT, tf.nn.softmax(LOGITS)),
        'scce': L.sparse_categorical_crossentropy(SPARSE, PROBS),
        'scce_column': L.sparse_categorical_crossentropy(SPARSE[:, None], PROBS),
        'scce_logits': L.sparse_categorical_crossentropy(SPARSE, LOGITS, from_logits=True),
        'scce_seq': L.sparse_categorical_crossentropy(SEQ_SPARSE, SEQ_LOGITS, from_logits=True),
        'bce': L.binary_crossentropy(BINARY, tf.sigmoid(REAL_PRED) * 0.999),
        'bce_sigmoid': L.binary_crossentropy(BINARY, tf.sigmoid(REAL_PRED)),
        'bce_logits': L.binary_crossentropy(BINARY, REAL_PRED, from_logits=True),
        'bce_smooth': L.binary_crossentropy(BINARY, tf.sigmoid(REAL_PRED) * 0.999, label_smoothing=0.1),
    })
    return out


def _gradients(tf, keras):
    L = keras.losses
    pred = tf.constant(PROBS)
    logits = tf.constant(LOGITS)
    out = {}
    for name, loss in (('cce', L.categorical_crossentropy(ONE_HOT, pred)),
                       ('cce_softmax', L.categorical_crossentropy(ONE_HOT, tf.nn.softmax(logits))),
                       ('bce', L.binary_crossentropy(ONE_HOT, pred)),
                       ('logcosh', L.logcosh(ONE_HOT, logits))):
        wrt = logits if name in ('cce_softmax', 'logcosh') else pred
        out[name] = tf.gradients(tf.reduce_sum(loss), [wrt])[0]
    return out


def _objects(tf, keras):
    L = keras.losses
    out = {}
    for reduction in ('auto', 'none', 'sum', 'sum_over_batch_size'):
        out['mse_' + reduction] = L.MeanSquaredError(reduction=reduction)(REAL_TRUE, REAL_PRED, WEIGHTS)
    out.update({
        'mae_unweighted': L.MeanAbsoluteError()(REAL_TRUE, REAL_PRED),
        'mape_scalar_weight': L.MeanAbsolutePercentageError()(REAL_TRUE, REAL_PRED, 2.5),
        'msle_column_weight': L.MeanSquaredLogarithmicError()(POSITIVE, POSITIVE[::-1].copy(), WEIGHTS[:, None]),
        'bce': L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)(BINARY, REAL_PRED, WEIGHTS),
        'cce': L.CategoricalCrossentropy(label_smoothing=0.1)(ONE_HOT, PROBS, WEIGHTS),
        'scce': L.SparseCategoricalCrossentropy(from_logits=True)(SPARSE, LOGITS, WEIGHTS),
        'hinge': L.Hinge()(BINARY, REAL_PRED),
        'squared_hinge': L.SquaredHinge()(BINARY, REAL_PRED),
        'categorical_hinge': L.CategoricalHinge()(ONE_HOT, REAL_PRED),
        'poisson': L.Poisson()(POSITIVE, POSITIVE[::-1].copy()),
        'logcosh': L.LogCosh()(REAL_TRUE, REAL_PRED, WEIGHTS),
        'kld': L.KLDivergence()(PROBS, PROBS[::-1].copy()),
        'huber': L.Huber(delta=0.7)(REAL_TRUE, REAL_PRED, WEIGHTS),
        'huber_none': L.Huber(reduction='none')(REAL_TRUE, REAL_PRED),
        'cosine': L.CosineSimilarity(axis=0)(REAL_TRUE, REAL_PRED),
        'elementwise_weights': L.MeanSquaredError(reduction='sum')(
            REAL_TRUE[:, :, None], REAL_PRED[:, :, None], REAL_TRUE * 0 + 0.5),
    })
    return out


KERAS_MODULES = ['losses']
CASES = {'functions': _functions, 'gradients': _gradients, 'objects': _objects}
