"""Keras model cases run the same way on sluice.keras and on TF's tf.compat.v1.keras (graph mode).

`run_case(keras, name, weights)` builds the case's model in a fresh Keras session, sets `weights` (the
sluice side's initial values; None keeps the model's own), compiles, fits with shuffle=False, evaluates and
predicts, and returns (arrays, meta): the initial and final weights, predictions, and JSON-able facts (names,
history, evaluate results, metrics_names).
"""
import numpy as np


def _data(seed, n, features):
    rng = np.random.RandomState(seed)
    return rng.uniform(-1, 1, size=(n, features)).astype('float32')


def _labels(seed, n, classes):
    return np.random.RandomState(seed).randint(0, classes, size=n)


def _mlp(keras):
    model = keras.Sequential([keras.layers.Dense(8, activation='relu', input_shape=(4,)),
                              keras.layers.Dense(3, activation='softmax')])
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    y = np.eye(3, dtype='float32')[_labels(1, 20, 3)]
    y_val = np.eye(3, dtype='float32')[_labels(3, 7, 3)]
    fit = dict(x=_data(0, 20, 4), y=y, batch_size=6, epochs=3, shuffle=False, verbose=0,
               validation_data=(_data(2, 7, 4), y_val))
    return model, fit, (_data(2, 7, 4), y_val)


def _multi_output(keras):
    inputs = keras.Input((4,), name='features')
    hidden = keras.layers.Dense(5, activation='relu', name='shared')(inputs)
    out1 = keras.layers.Dense(2, name='out1')(hidden)
    out2 = keras.layers.Dense(1, activation='sigmoid', name='out2')(hidden)
    model = keras.Model(inputs, [out1, out2])
    model.compile('sgd', ['mse', 'binary_crossentropy'], loss_weights=[1., 0.5],
                  metrics={'out2': ['accuracy']})
    x = _data(4, 15, 4)
    y1 = _data(5, 15, 2)
    y2 = (_labels(6, 15, 2)).astype('float32')
    sample_weight = np.linspace(0.5, 2., 15).astype('float32')
    fit = dict(x=x, y=[y1, y2], batch_size=5, epochs=2, shuffle=False, verbose=0,
               sample_weight=[sample_weight, None])
    return model, fit, (x, [y1, y2])


def _sparse(keras):
    model = keras.Sequential([keras.layers.Dense(3, activation='softmax', input_shape=(4,))])
    model.compile('sgd', 'sparse_categorical_crossentropy', metrics=['accuracy'])
    y = _labels(8, 12, 3)
    fit = dict(x=_data(7, 12, 4), y=y, batch_size=4, epochs=2, shuffle=False, verbose=0,
               class_weight={0: 1., 1: 2., 2: 0.5})
    return model, fit, (_data(7, 12, 4), y)


def _multi_input(keras):
    a = keras.Input((3,), name='a')
    b = keras.Input((2,), name='b')
    merged = keras.layers.Concatenate()([a, b])
    out = keras.layers.Dense(1, name='out')(merged)
    model = keras.Model([a, b], out)
    model.compile('sgd', 'mse', metrics=['mae'])
    x = {'a': _data(9, 10, 3), 'b': _data(10, 10, 2)}
    y = _data(11, 10, 1)
    fit = dict(x=x, y=y, batch_size=3, epochs=2, shuffle=False, verbose=0, validation_split=0.3)
    return model, fit, (x, y)


def _nested(keras):
    inner = keras.Sequential([keras.layers.Dense(4, activation='relu', input_shape=(3,))], name='inner')
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2, name='head')(inner(inputs)))
    model.compile('sgd', 'mse', metrics=['mse'])
    x, y = _data(12, 9, 3), _data(13, 9, 2)
    return model, dict(x=x, y=y, batch_size=4, epochs=2, shuffle=False, verbose=0), (x, y)


def _subclassed(keras):
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(4, activation='relu')
            self.out = keras.layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    model = Net()
    model.compile('sgd', 'mse')
    x, y = _data(14, 8, 3), _data(15, 8, 1)
    model(keras.Input((3,)))  # builds the weights, so the sluice side's initial values can be set
    return model, dict(x=x, y=y, batch_size=4, epochs=2, shuffle=False, verbose=0), (x, y)


LAST_MODEL = [None]  # the model run_case trained last (for saving its weights)
CASES = {'mlp': _mlp, 'multi_output': _multi_output, 'sparse': _sparse, 'multi_input': _multi_input,
         'nested': _nested, 'subclassed': _subclassed}


def _floats(values):
    return [float(v) for v in (values if isinstance(values, (list, tuple)) else [values])]


def run_case(keras, name, weights=None):
    keras.backend.clear_session()
    model, fit, evaluation = CASES[name](keras)
    if weights is not None:
        model.set_weights(weights)
    LAST_MODEL[0] = model
    initial = model.get_weights()
    history = model.fit(**fit)
    arrays = {'initial_%d' % i: w for i, w in enumerate(initial)}
    arrays.update({'final_%d' % i: w for i, w in enumerate(model.get_weights())})
    predictions = model.predict(evaluation[0], batch_size=4)
    for i, p in enumerate(predictions if isinstance(predictions, list) else [predictions]):
        arrays['predict_%d' % i] = p
    meta = {
        'weight_names': [w.name for w in model.weights],
        'layer_names': [layer.name for layer in model.layers],
        'input_names': [x.name for x in model.inputs],
        'output_names': [x.name for x in model.outputs],
        'target_names': [t.name for t in model.targets if t is not None] if hasattr(model, 'targets') else
        [t.name for t in model._targets if t is not None],
        'metrics_names': list(model.metrics_names),
        'history': {k: _floats(v) for k, v in history.history.items()},
        'evaluate': _floats(model.evaluate(evaluation[0], evaluation[1], batch_size=4, verbose=0)),
    }
    return arrays, meta
