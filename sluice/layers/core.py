"""tf.layers core layers, as TF 1.15 builds them: each class is its Keras class (sluice.keras.layers.core)
with tf.layers.Layer's variable-scope semantics and the TF 1.x defaults (kernel_initializer None: the
scope's initializer or glorot_uniform; Dropout's `training` False), and the function forms dense, dropout
and flatten, which make a layer per call (dense's scope is `name`, reused when `reuse`).
"""
from sluice.keras.layers import core as keras_core
from sluice.layers import base
from sluice.ops import init_ops


class Dense(keras_core.Dense, base.Layer):
    """outputs = activation(inputs . kernel + bias)."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(units=units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, trainable=trainable, name=name, **kwargs)


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=init_ops.zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
          reuse=None):
    """The functional form of Dense: a new layer applied once (scope `name`, reused when `reuse`)."""
    layer = Dense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                  bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                  bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                  kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, trainable=trainable,
                  name=name, _scope=name, _reuse=reuse)
    return layer.apply(inputs)


class Dropout(keras_core.Dropout, base.Layer):
    """Sets a fraction `rate` of the inputs to 0 (scaling the rest by 1 / (1 - rate)) when training."""

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs):
        super().__init__(rate=rate, noise_shape=noise_shape, seed=seed, name=name, **kwargs)

    def call(self, inputs, training=False):
        return super().call(inputs, training=training)


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """The functional form of Dropout (identity unless `training`)."""
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(inputs, training=training)


class Flatten(keras_core.Flatten, base.Layer):
    """[batch, d1, d2, ...] -> [batch, d1 * d2 * ...]."""


def flatten(inputs, name=None, data_format='channels_last'):
    """The functional form of Flatten."""
    return Flatten(name=name, data_format=data_format).apply(inputs)


FullyConnected = Dense
fully_connected = dense
