"""Stand-ins for the tf.keras modules other engineers are building (losses, metrics, optimizers, callbacks,
layers), installed into sys.modules only while the real module is absent, so the engine's tests run before
those land and run against the real ones after. Each is the minimum the engine's contract uses.
"""
import importlib.util
import sys
import types

import numpy as np

import sluice as tf
from sluice.keras import backend as K
from sluice.keras.engine.base_layer import Layer


def _module(name):
    module = types.ModuleType('sluice.keras.' + name)
    module.__standin__ = True
    return module


def _missing(name):
    full = 'sluice.keras.' + name
    if full in sys.modules:
        return False
    return importlib.util.find_spec(full) is None


# -- losses -------------------------------------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    return tf.reduce_mean(tf.square(y_pred - tf.cast(y_true, y_pred.dtype)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    return tf.reduce_mean(tf.abs(y_pred - tf.cast(y_true, y_pred.dtype)), axis=-1)


def categorical_crossentropy(y_true, y_pred):
    y_pred = y_pred / tf.reduce_sum(y_pred, axis=-1, keepdims=True)
    y_pred = tf.clip_by_value(y_pred, 1e-7, 1 - 1e-7)
    return -tf.reduce_sum(tf.cast(y_true, y_pred.dtype) * tf.log(y_pred), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred):
    depth = y_pred.shape.as_list()[-1]
    labels = tf.cast(tf.reshape(y_true, [-1]), 'int32')
    return categorical_crossentropy(tf.one_hot(labels, depth), y_pred)


def binary_crossentropy(y_true, y_pred):
    y_pred = tf.clip_by_value(y_pred, 1e-7, 1 - 1e-7)
    y_true = tf.cast(y_true, y_pred.dtype)
    return tf.reduce_mean(-(y_true * tf.log(y_pred) + (1 - y_true) * tf.log(1 - y_pred)), axis=-1)


_LOSSES = {'mean_squared_error': mean_squared_error, 'mse': mean_squared_error,
           'mean_absolute_error': mean_absolute_error, 'mae': mean_absolute_error,
           'categorical_crossentropy': categorical_crossentropy,
           'sparse_categorical_crossentropy': sparse_categorical_crossentropy,
           'binary_crossentropy': binary_crossentropy}


def _get_loss(identifier):
    return _LOSSES[identifier] if isinstance(identifier, str) else identifier


# -- metrics ------------------------------------------------------------------------------------------------------
def categorical_accuracy(y_true, y_pred):
    return tf.cast(tf.equal(tf.argmax(y_true, -1), tf.argmax(y_pred, -1)), K.floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    labels = tf.cast(tf.reshape(y_true, [-1]), 'int64')
    return tf.cast(tf.equal(labels, tf.argmax(y_pred, -1)), K.floatx())


def binary_accuracy(y_true, y_pred):
    return tf.reduce_mean(tf.cast(tf.equal(tf.cast(y_true, K.floatx()), tf.round(y_pred)), K.floatx()), axis=-1)


class Mean:
    """A running (weighted) mean in two variables, 'total' and 'count'."""

    def __init__(self, name='mean', dtype=None):
        self.name = name
        with tf.control_dependencies(None):
            self.total = K.variable(0., name='total')
            self.count = K.variable(0., name='count')

    def update_state(self, values, sample_weight=None):
        values = tf.cast(values, K.floatx())
        if sample_weight is None:
            weights = tf.ones_like(values)
        else:
            weights = tf.cast(sample_weight, K.floatx())
            while weights.shape.ndims < values.shape.ndims:
                weights = tf.expand_dims(weights, -1)
            weights = weights * tf.ones_like(values)
        return tf.group(self.total.assign_add(tf.reduce_sum(values * weights)),
                        self.count.assign_add(tf.reduce_sum(weights)))

    def result(self):
        return tf.div_no_nan(self.total.read_value(), self.count.read_value())

    def reset_states(self):
        K.batch_set_value([(self.total, 0.), (self.count, 0.)])

    def __call__(self, *args, **kwargs):
        with tf.control_dependencies([self.update_state(*args, **kwargs)]):
            return tf.identity(self.result())


class MeanMetricWrapper(Mean):
    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name)
        self.fn, self._fn_kwargs = fn, kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        return super().update_state(self.fn(y_true, y_pred, **self._fn_kwargs), sample_weight)


_METRICS = dict(_LOSSES, categorical_accuracy=categorical_accuracy, binary_accuracy=binary_accuracy,
                sparse_categorical_accuracy=sparse_categorical_accuracy)


# -- optimizers ---------------------------------------------------------------------------------------------------
class SGD:
    """Plain gradient descent: p -= lr * g, lr a variable readable with get_value."""

    def __init__(self, lr=0.01):
        with tf.control_dependencies(None), tf.name_scope(None):
            self.lr = K.variable(lr, name='lr')
            self.iterations = K.variable(0, dtype='int64', name='iterations')

    learning_rate = property(lambda self: self.lr)

    def get_updates(self, loss, params):
        grads = tf.gradients(loss, params)
        updates = [p.assign_sub(self.lr * g) for p, g in zip(params, grads)]
        return updates + [self.iterations.assign_add(1)]

    def get_config(self):
        return {'lr': float(K.get_value(self.lr))}


def _get_optimizer(identifier):
    if identifier in ('sgd', 'SGD'):
        return SGD()
    if isinstance(identifier, dict):
        return SGD(**identifier.get('config', {}))
    return identifier


# -- callbacks ----------------------------------------------------------------------------------------------------
class Callback:
    def __init__(self):
        self.model, self.params = None, {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def __getattr__(self, name):
        if name.startswith('on_'):
            return lambda *args, **kwargs: None
        raise AttributeError(name)


class CallbackList:
    def __init__(self, callbacks=None):
        self.callbacks = list(callbacks or [])

    def set_model(self, model):
        for c in self.callbacks:
            c.set_model(model)

    def set_params(self, params):
        for c in self.callbacks:
            c.set_params(params)

    def __getattr__(self, name):
        if not name.startswith('on_'):
            raise AttributeError(name)

        def hook(*args, **kwargs):
            for c in self.callbacks:
                getattr(c, name)(*args, **kwargs)
        return hook


class BaseLogger(Callback):
    """Epoch logs: 'loss' (and non-stateful names) averaged over samples, stateful metrics' last values."""

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])

    def on_epoch_begin(self, epoch, logs=None):
        self.seen, self.totals = 0, {}

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get('size', 0)
        self.seen += size
        for k, v in logs.items():
            if k in ('batch', 'size'):
                continue
            self.totals[k] = v if k in self.stateful_metrics else self.totals.get(k, 0.) + v * size

    def on_epoch_end(self, epoch, logs=None):
        for k in self.params.get('metrics', []):
            if k in self.totals:
                logs[k] = self.totals[k] if k in self.stateful_metrics else self.totals[k] / self.seen


class History(Callback):
    def on_train_begin(self, logs=None):
        self.epoch, self.history = [], {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    def __init__(self, count_mode='samples', stateful_metrics=None):
        super().__init__()
        self.count_mode = count_mode


# -- layers -------------------------------------------------------------------------------------------------------
class Dense(Layer):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', **kwargs):
        super().__init__(**kwargs)
        self.units, self.activation, self.use_bias = int(units), activation, use_bias
        self.kernel_initializer = kernel_initializer

    def build(self, input_shape):
        input_shape = tf.TensorShape(input_shape)
        self.kernel = self.add_weight('kernel', shape=[input_shape[-1].value, self.units],
                                      initializer=self.kernel_initializer)
        if self.use_bias:
            self.bias = self.add_weight('bias', shape=[self.units], initializer='zeros')
        self.built = True

    def call(self, inputs):
        outputs = tf.matmul(inputs, self.kernel)
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, self.bias)
        if self.activation == 'relu':
            outputs = tf.nn.relu(outputs)
        elif self.activation == 'softmax':
            outputs = tf.nn.softmax(outputs)
        elif self.activation == 'sigmoid':
            outputs = tf.sigmoid(outputs)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=self.activation, use_bias=self.use_bias)
        return config


class Concatenate(Layer):
    def call(self, inputs):
        return tf.concat(inputs, axis=-1)


class Dropout(Layer):
    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs, training=None):
        training = K.learning_phase() if training is None else training
        return tf.cond(tf.convert_to_tensor(training), lambda: tf.nn.dropout(inputs, rate=self.rate),
                       lambda: tf.identity(inputs))

    def get_config(self):
        config = super().get_config()
        config['rate'] = self.rate
        return config


def install():
    """Puts a stand-in into sys.modules for each of the modules that does not exist yet."""
    if _missing('losses'):
        m = _module('losses')
        m.get = _get_loss
        m.__dict__.update({k: v for k, v in _LOSSES.items() if k == v.__name__})
        sys.modules[m.__name__] = m
    if _missing('metrics'):
        m = _module('metrics')
        m.get = lambda identifier: _METRICS[identifier] if isinstance(identifier, str) else identifier
        m.Mean, m.MeanMetricWrapper = Mean, MeanMetricWrapper
        m.__dict__.update({k: v for k, v in _METRICS.items() if k == v.__name__})
        sys.modules[m.__name__] = m
    if _missing('optimizers'):
        m = _module('optimizers')
        m.get, m.SGD = _get_optimizer, SGD
        sys.modules[m.__name__] = m
    if _missing('callbacks'):
        m = _module('callbacks')
        m.Callback, m.CallbackList, m.BaseLogger, m.History, m.ProgbarLogger = \
            Callback, CallbackList, BaseLogger, History, ProgbarLogger
        sys.modules[m.__name__] = m
    if _missing('layers'):
        m = _module('layers')
        m.Dense, m.Concatenate, m.Dropout = Dense, Concatenate, Dropout
        m.Input = __import__('sluice.keras.engine.input_layer', fromlist=['Input']).Input
        sys.modules[m.__name__] = m
    import sluice.keras
    for name in ('losses', 'metrics', 'optimizers', 'callbacks', 'layers'):
        setattr(sluice.keras, name, sys.modules.get('sluice.keras.' + name) or importlib.import_module(
            'sluice.keras.' + name))


def standin_names():
    return sorted(n for n in ('losses', 'metrics', 'optimizers', 'callbacks', 'layers')
                  if getattr(sys.modules.get('sluice.keras.' + n), '__standin__', False))


def one_hot(labels, depth):
    return np.eye(depth, dtype='float32')[labels]
