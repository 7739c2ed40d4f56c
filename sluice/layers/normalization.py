"""tf.layers.BatchNormalization and tf.layers.batch_normalization, as TF 1.15 builds them: Keras's
BatchNormalization (sluice.keras.layers.normalization: variables gamma, beta, moving_mean, moving_variance;
fused FusedBatchNormV3 for 4-D inputs over axis 1 or 3, else moments and batch_normalization) with
tf.layers.Layer's variable-scope semantics and the v1 differences:

- `training` defaults to False (not the Keras learning phase); the two moving-average updates
  ('AssignMovingAvg') go to the layer's updates and so to GraphKeys.UPDATE_OPS, to run with the train op;
- `fused=True` with an axis the fused kernel cannot take falls back to the unfused path (Keras raises);
- initializers default to init_ops objects (zeros, ones).
renorm, virtual_batch_size and adjustment are not implemented (NotImplementedError).
"""
from sluice.keras.layers import normalization as keras_normalization
from sluice.layers import base
from sluice.ops import init_ops


class BatchNormalization(keras_normalization.BatchNormalization, base.Layer):
    """Normalizes over all axes but `axis` with batch statistics (training) or moving ones (inference)."""
    _checks_fused_arg = False

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=init_ops.zeros_initializer(), gamma_initializer=init_ops.ones_initializer(),
                 moving_mean_initializer=init_ops.zeros_initializer(),
                 moving_variance_initializer=init_ops.ones_initializer(), beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, name=None, **kwargs):
        for value, what in ((renorm, 'renorm=True'), (virtual_batch_size, 'virtual_batch_size'),
                            (adjustment, 'adjustment')):
            if value:
                raise NotImplementedError('sluice does not implement tf.layers.BatchNormalization(%s) yet' % what)
        super().__init__(axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                         beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                         moving_mean_initializer=moving_mean_initializer,
                         moving_variance_initializer=moving_variance_initializer, beta_regularizer=beta_regularizer,
                         gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint,
                         gamma_constraint=gamma_constraint, fused=fused, trainable=trainable, name=name, **kwargs)

    def call(self, inputs, training=False):
        return super().call(inputs, training=training)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=init_ops.zeros_initializer(), gamma_initializer=init_ops.ones_initializer(),
                        moving_mean_initializer=init_ops.zeros_initializer(),
                        moving_variance_initializer=init_ops.ones_initializer(), beta_regularizer=None,
                        gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, training=False,
                        trainable=True, name=None, reuse=None, renorm=False, renorm_clipping=None,
                        renorm_momentum=0.99, fused=None, virtual_batch_size=None, adjustment=None):
    """The functional form of BatchNormalization; run tf.GraphKeys.UPDATE_OPS with the train op."""
    layer = BatchNormalization(
        axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale, beta_initializer=beta_initializer,
        gamma_initializer=gamma_initializer, moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer, beta_regularizer=beta_regularizer,
        gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
        renorm=renorm, renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused,
        trainable=trainable, virtual_batch_size=virtual_batch_size, adjustment=adjustment, name=name, _reuse=reuse,
        _scope=name)
    return layer.apply(inputs, training=training)


BatchNorm = BatchNormalization
batch_norm = batch_normalization
