"""tf.keras.layers.BatchNormalization (TF 1.15's BatchNormalizationV1) and LayerNormalization, graph mode.

BatchNormalization: weights 'gamma', 'beta' (trainable; absent when scale / center is False),
'moving_mean' and 'moving_variance' (non-trainable), each the size of the normalized axis. `training`
None reads K.learning_phase(). Training normalizes with the batch statistics and adds two updates
(through add_update, so a Model runs them with its train step):

    moving -= (moving - batch_statistic) * (1 - momentum)       ('AssignMovingAvg', an AssignSub)

Fused (TF's choice for 4-D inputs normalized over axis 1 or 3 when `fused` is None or True): FusedBatchNormV3,
whose batch variance is unbiased; with a tensor `training` the op runs under tf.cond and the momentum is
cond(training, momentum, 1.0), so inference leaves the statistics unchanged. Unfused: tf.nn.moments (biased
variance) and tf.nn.batch_normalization, the updates under smart_cond. renorm, virtual_batch_size and
adjustment are not implemented (NotImplementedError).

LayerNormalization: per-example moments over `axis` (default the last), then gamma * x_hat + beta.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import convert_to_tensor
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend as K, constraints, initializers, regularizers
from sluice.keras.engine.base_layer import InputSpec, Layer
from sluice.keras.layers.core import merge_config, training_phase
from sluice.keras.utils.tf_utils import smart_cond, static_bool
from sluice.ops import array_ops, constant_op, math_ops, nn_normalization, state_ops
from sluice.ops.variable_scope import VariableAggregation, VariableSynchronization


def _normalize_axes(axis, ndims):
    axes = [axis] if isinstance(axis, int) else list(axis)
    axes = [x + ndims if x < 0 else x for x in axes]
    for x in axes:
        if x < 0 or x >= ndims:
            raise ValueError('Invalid axis: %d' % x)
    return axes


def _read_outside_cond(*values):
    """Variables read before a tf.cond uses them: sluice differentiates an If branch only when it holds no
    stateful op, and a variable read in a branch is one (ReadVariableOp)."""
    return [convert_to_tensor(v) for v in values]


class BatchNormalization(Layer):
    """Normalizes over all axes but `axis` with batch statistics (training) or moving ones (inference)."""
    _checks_fused_arg = True  # fused=True with an axis it cannot fuse raises (tf.layers: falls back instead)

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer='zeros',
                 gamma_initializer='ones', moving_mean_initializer='zeros', moving_variance_initializer='ones',
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True,
                 virtual_batch_size=None, adjustment=None, name=None, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for value, what in ((renorm, 'renorm=True'), (virtual_batch_size, 'virtual_batch_size'),
                            (adjustment, 'adjustment')):
            if value:
                raise NotImplementedError('sluice does not implement tf.keras.layers.BatchNormalization(%s) yet'
                                          % what)
        if isinstance(axis, list):
            self.axis = axis[:]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError('axis must be int or list, type given: %s' % type(axis))
        self.momentum, self.epsilon = momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm, self.virtual_batch_size, self.adjustment = False, None, None
        self.supports_masking = True
        self.fused = True if fused is None else fused
        if self._checks_fused_arg and fused and not self._fused_can_be_used():
            raise ValueError('Passing fused=True is only supported when axis is 1 or 3')

    def _fused_can_be_used(self):
        axis = [self.axis] if isinstance(self.axis, int) else self.axis
        return len(axis) == 1 and axis[0] in (-3, -1, 1, 3)

    @property
    def _param_dtype(self):
        if self._dtype in ('float16', 'bfloat16'):
            return dtypes.float32
        return dtypes.as_dtype(self._dtype or K.floatx())

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        if not input_shape.ndims:
            raise ValueError('Input has undefined rank:', input_shape)
        ndims = len(input_shape)
        self.axis = _normalize_axes(self.axis, ndims)
        if len(self.axis) != len(set(self.axis)):
            raise ValueError('Duplicate axis: %s' % self.axis)
        if self.fused:
            self.fused = ndims == 4 and self._fused_can_be_used()
        if self.fused:
            self._data_format = 'NCHW' if self.axis == [1] else 'NHWC'
        axis_to_dim = {x: input_shape.dims[x].value for x in self.axis}
        if any(d is None for d in axis_to_dim.values()):
            raise ValueError('Input has undefined `axis` dimension. Input shape: ', input_shape)
        self.input_spec = InputSpec(ndim=ndims, axes=axis_to_dim)
        if len(axis_to_dim) == 1:
            param_shape = (list(axis_to_dim.values())[0],)
        else:
            param_shape = [axis_to_dim.get(i, 1) for i in range(ndims)]
        dtype = self._param_dtype
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(name='gamma', shape=param_shape, dtype=dtype,
                                         initializer=self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True)
        elif self.fused:
            self._gamma_const = constant_op.constant(1.0, dtype=dtype, shape=param_shape)
        if self.center:
            self.beta = self.add_weight(name='beta', shape=param_shape, dtype=dtype,
                                        initializer=self.beta_initializer, regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, trainable=True)
        elif self.fused:
            self._beta_const = constant_op.constant(0.0, dtype=dtype, shape=param_shape)
        # The moving statistics are never partitioned, even in a tf.layers scope with a partitioner (TF).
        scope = getattr(self, '_scope', None)
        partitioner = scope.partitioner if scope else None
        if partitioner:
            scope.set_partitioner(None)
        try:
            on_read, mean = VariableSynchronization.ON_READ, VariableAggregation.MEAN
            self.moving_mean = self.add_weight(name='moving_mean', shape=param_shape, dtype=dtype,
                                               initializer=self.moving_mean_initializer, synchronization=on_read,
                                               trainable=False, aggregation=mean)
            self.moving_variance = self.add_weight(name='moving_variance', shape=param_shape, dtype=dtype,
                                                   initializer=self.moving_variance_initializer,
                                                   synchronization=on_read, trainable=False, aggregation=mean)
        finally:
            if partitioner:
                scope.set_partitioner(partitioner)
        self.built = True

    def _assign_moving_average(self, variable, value, momentum):
        with K.name_scope('AssignMovingAvg') as scope:
            with _graph.get_default_graph().colocate_with(variable.op):
                decay = convert_to_tensor(1.0 - momentum, name='decay')
                if decay.dtype != variable.dtype.base_dtype:
                    decay = math_ops.cast(decay, variable.dtype.base_dtype)
                update_delta = (variable - math_ops.cast(value, variable.dtype.base_dtype)) * decay
                return state_ops.assign_sub(variable, update_delta, name=scope)

    def _fused_batch_norm(self, inputs, training):
        beta = self.beta if self.center else self._beta_const
        gamma = self.gamma if self.scale else self._gamma_const
        moving_mean, moving_variance = self.moving_mean, self.moving_variance
        if static_bool(training) is None:
            gamma, beta, moving_mean, moving_variance = _read_outside_cond(gamma, beta, moving_mean, moving_variance)

        def train():
            return nn_normalization.fused_batch_norm(inputs, gamma, beta, epsilon=self.epsilon,
                                                     data_format=self._data_format)

        def infer():
            return nn_normalization.fused_batch_norm(inputs, gamma, beta, mean=moving_mean,
                                                     variance=moving_variance, epsilon=self.epsilon,
                                                     is_training=False, data_format=self._data_format)
        output, mean, variance = smart_cond(training, train, infer)
        training_value = static_bool(training)
        if training_value is None:
            momentum = smart_cond(training, lambda: self.momentum, lambda: 1.0)
        else:
            momentum = convert_to_tensor(self.momentum)
        if training_value or training_value is None:
            self.add_update(lambda: self._assign_moving_average(self.moving_mean, mean, momentum))
            self.add_update(lambda: self._assign_moving_average(self.moving_variance, variance, momentum))
        return output

    def call(self, inputs, training=None):
        training = training_phase(training)
        if isinstance(training, int) and not _graph.is_tensor(training):
            training = bool(training)
        if self.fused:
            return self._fused_batch_norm(inputs, training)
        input_shape = inputs.shape
        ndims = len(input_shape)
        reduction_axes = [i for i in range(ndims) if i not in self.axis]
        broadcast_shape = [1] * ndims
        broadcast_shape[self.axis[0]] = input_shape.dims[self.axis[0]].value

        def _broadcast(v):
            if v is not None and len(v.shape) != ndims and reduction_axes != list(range(ndims - 1)):
                return array_ops.reshape(v, broadcast_shape)
            return v
        scale, offset = _broadcast(self.gamma), _broadcast(self.beta)
        if static_bool(training) is False:
            mean, variance = self.moving_mean, self.moving_variance
        else:
            batch_mean, batch_variance = nn_normalization.moments(
                math_ops.cast(inputs, self._param_dtype), reduction_axes, keep_dims=len(self.axis) > 1)
            moving_mean, moving_variance = self.moving_mean, self.moving_variance
            mean_value, variance_value = _read_outside_cond(moving_mean, moving_variance)
            mean = smart_cond(training, lambda: batch_mean, lambda: mean_value)
            variance = smart_cond(training, lambda: batch_variance, lambda: variance_value)
            new_mean, new_variance = mean, variance
            self.add_update(lambda: smart_cond(
                training, lambda: self._assign_moving_average(moving_mean, new_mean, self.momentum),
                lambda: moving_mean))
            self.add_update(lambda: smart_cond(
                training, lambda: self._assign_moving_average(moving_variance, new_variance, self.momentum),
                lambda: moving_variance))
        mean = math_ops.cast(mean, inputs.dtype)
        variance = math_ops.cast(variance, inputs.dtype)
        if offset is not None:
            offset = math_ops.cast(offset, inputs.dtype)
        if scale is not None:
            scale = math_ops.cast(scale, inputs.dtype)
        outputs = nn_normalization.batch_normalization(inputs, _broadcast(mean), _broadcast(variance), offset,
                                                       scale, self.epsilon)
        outputs.set_shape(input_shape)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {
            'axis': self.axis, 'momentum': self.momentum, 'epsilon': self.epsilon, 'center': self.center,
            'scale': self.scale, 'beta_initializer': initializers.serialize(self.beta_initializer),
            'gamma_initializer': initializers.serialize(self.gamma_initializer),
            'moving_mean_initializer': initializers.serialize(self.moving_mean_initializer),
            'moving_variance_initializer': initializers.serialize(self.moving_variance_initializer),
            'beta_regularizer': regularizers.serialize(self.beta_regularizer),
            'gamma_regularizer': regularizers.serialize(self.gamma_regularizer),
            'beta_constraint': constraints.serialize(self.beta_constraint),
            'gamma_constraint': constraints.serialize(self.gamma_constraint)})


class LayerNormalization(Layer):
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta, the moments taken per example over `axis`."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer='zeros',
                 gamma_initializer='ones', beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, trainable=True, name=None, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise ValueError('Expected an int or a list/tuple of ints for the argument \'axis\', but received '
                             'instead: %s' % axis)
        self.epsilon, self.center, self.scale = epsilon, center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        if input_shape.ndims is None:
            raise ValueError('Input shape %s has undefined rank.' % input_shape)
        self.axis = _normalize_axes(self.axis, input_shape.ndims)
        if len(self.axis) != len(set(self.axis)):
            raise ValueError('Duplicate axis: {}'.format(tuple(self.axis)))
        param_shape = [input_shape.dims[dim].value for dim in self.axis]
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(name='gamma', shape=param_shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         trainable=True)
        if self.center:
            self.beta = self.add_weight(name='beta', shape=param_shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        trainable=True)
        self.built = True

    def call(self, inputs):
        input_shape = inputs.shape
        ndims = len(input_shape)
        mean, variance = nn_normalization.moments(inputs, self.axis, keep_dims=True)
        broadcast_shape = [1] * ndims
        for dim in self.axis:
            broadcast_shape[dim] = input_shape.dims[dim].value

        def _broadcast(v):
            if v is not None and len(v.shape) != ndims and self.axis != [ndims - 1]:
                return array_ops.reshape(v, broadcast_shape)
            return v
        outputs = nn_normalization.batch_normalization(inputs, mean, variance, offset=_broadcast(self.beta),
                                                       scale=_broadcast(self.gamma), variance_epsilon=self.epsilon)
        outputs.set_shape(input_shape)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {
            'axis': self.axis, 'epsilon': self.epsilon, 'center': self.center, 'scale': self.scale,
            'beta_initializer': initializers.serialize(self.beta_initializer),
            'gamma_initializer': initializers.serialize(self.gamma_initializer),
            'beta_regularizer': regularizers.serialize(self.beta_regularizer),
            'gamma_regularizer': regularizers.serialize(self.gamma_regularizer),
            'beta_constraint': constraints.serialize(self.beta_constraint),
            'gamma_constraint': constraints.serialize(self.gamma_constraint)})
