"""tf.layers.BatchNormalization and tf.layers.batch_normalization, as TF 1.15 builds them.

Variables gamma, beta (trainable; absent when scale / center is False), moving_mean and moving_variance
(non-trainable, GLOBAL_VARIABLES only), each of the normalized axis's size. `training` is a Python bool
or a bool tensor (default False): training normalizes with the batch statistics and adds two update ops
to the layer's updates and so to GraphKeys.UPDATE_OPS:

    moving -= (moving - batch_statistic) * (1 - momentum)       ('AssignMovingAvg', an AssignSub)

The fused path (TF's default for 4-D inputs normalized over axis 1 or 3) is tf.nn.fused_batch_norm
(FusedBatchNormV3), whose batch variance is unbiased; the unfused path is tf.nn.moments (biased
variance) and tf.nn.batch_normalization. With a tensor `training`, the statistics, the momentum (fused)
and the updates go through tf.cond, so inference runs leave the moving statistics unchanged.
renorm, virtual_batch_size and adjustment are not implemented (NotImplementedError).
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, init_ops, math_ops, nn_normalization, state_ops
from sluice.ops import variable_scope as vs
from sluice.layers import arguments
from sluice.layers.base import InputSpec, Layer, smart_cond, static_bool


class BatchNormalization(Layer):
    """Normalizes over all axes but `axis` with batch statistics (training) or moving ones (inference)."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=init_ops.zeros_initializer(), gamma_initializer=init_ops.ones_initializer(),
                 moving_mean_initializer=init_ops.zeros_initializer(),
                 moving_variance_initializer=init_ops.ones_initializer(), beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, renorm=False,
                 renorm_clipping=None, renorm_momentum=0.99, fused=None, trainable=True, virtual_batch_size=None,
                 adjustment=None, name=None, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        for value, what in ((renorm, 'renorm=True'), (virtual_batch_size, 'virtual_batch_size'),
                            (adjustment, 'adjustment')):
            if value:
                raise NotImplementedError('sluice does not implement tf.layers.BatchNormalization(%s) yet' % what)
        if isinstance(axis, list):
            self.axis = axis[:]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError('axis must be int or list, type given: %s' % type(axis))
        self.momentum, self.epsilon = momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer = arguments.initializer(beta_initializer)
        self.gamma_initializer = arguments.initializer(gamma_initializer)
        self.moving_mean_initializer = arguments.initializer(moving_mean_initializer)
        self.moving_variance_initializer = arguments.initializer(moving_variance_initializer)
        self.beta_regularizer = arguments.regularizer(beta_regularizer)
        self.gamma_regularizer = arguments.regularizer(gamma_regularizer)
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.renorm = False
        self.supports_masking = True
        self.fused = True if fused is None else fused

    def _fused_can_be_used(self):
        axis = [self.axis] if isinstance(self.axis, int) else self.axis
        return len(axis) == 1 and axis[0] in (-3, -1, 1, 3)

    @property
    def _param_dtype(self):
        if self._dtype in (dtypes.float16, dtypes.bfloat16):
            return dtypes.float32
        return self._dtype or dtypes.float32

    def build(self, input_shape):
        input_shape = TensorShape(input_shape)
        if not input_shape.ndims:
            raise ValueError('Input has undefined rank:', input_shape)
        ndims = len(input_shape)
        axis = [self.axis] if isinstance(self.axis, int) else self.axis
        self.axis = [x + ndims if x < 0 else x for x in axis]
        for x in self.axis:
            if x < 0 or x >= ndims:
                raise ValueError('Invalid axis: %d' % x)
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
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(name='gamma', shape=param_shape, dtype=self._param_dtype,
                                         initializer=self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True)
        elif self.fused:
            self._gamma_const = constant_op.constant(1.0, dtype=self._param_dtype, shape=param_shape)
        if self.center:
            self.beta = self.add_weight(name='beta', shape=param_shape, dtype=self._param_dtype,
                                        initializer=self.beta_initializer, regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, trainable=True)
        elif self.fused:
            self._beta_const = constant_op.constant(0.0, dtype=self._param_dtype, shape=param_shape)
        partitioner = self._scope.partitioner if self._scope else None
        if partitioner:  # the moving statistics are never partitioned (TF)
            self._scope.set_partitioner(None)
        try:
            on_read = vs.VariableSynchronization.ON_READ
            self.moving_mean = self.add_weight(name='moving_mean', shape=param_shape, dtype=self._param_dtype,
                                               initializer=self.moving_mean_initializer, synchronization=on_read,
                                               trainable=False, aggregation=vs.VariableAggregation.MEAN)
            self.moving_variance = self.add_weight(name='moving_variance', shape=param_shape,
                                                   dtype=self._param_dtype,
                                                   initializer=self.moving_variance_initializer,
                                                   synchronization=on_read, trainable=False,
                                                   aggregation=vs.VariableAggregation.MEAN)
        finally:
            if partitioner:
                self._scope.set_partitioner(partitioner)
        self.built = True

    def _assign_moving_average(self, variable, value, momentum):
        with name_scope('AssignMovingAvg') as scope:
            with _graph.get_default_graph().colocate_with(variable.op):
                decay = convert_to_tensor(1.0 - momentum, name='decay')
                if decay.dtype != variable.dtype.base_dtype:
                    decay = math_ops.cast(decay, variable.dtype.base_dtype)
                update_delta = (variable - math_ops.cast(value, variable.dtype.base_dtype)) * decay
                return state_ops.assign_sub(variable, update_delta, name=scope)

    def _fused_batch_norm(self, inputs, training):
        beta = self.beta if self.center else self._beta_const
        gamma = self.gamma if self.scale else self._gamma_const

        def train():
            return nn_normalization.fused_batch_norm(inputs, gamma, beta, epsilon=self.epsilon,
                                                     data_format=self._data_format)

        def infer():
            return nn_normalization.fused_batch_norm(inputs, gamma, beta, mean=self.moving_mean,
                                                     variance=self.moving_variance, epsilon=self.epsilon,
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

    def call(self, inputs, training=False):
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
            keep_dims = len(self.axis) > 1
            mean, variance = nn_normalization.moments(math_ops.cast(inputs, self._param_dtype), reduction_axes,
                                                      keep_dims=keep_dims)
            moving_mean, moving_variance = self.moving_mean, self.moving_variance
            batch_mean, batch_variance = mean, variance
            mean = smart_cond(training, lambda: batch_mean, lambda: convert_to_tensor(moving_mean))
            variance = smart_cond(training, lambda: batch_variance, lambda: convert_to_tensor(moving_variance))
            new_mean, new_variance = mean, variance

            def mean_update():
                return smart_cond(training, lambda: self._assign_moving_average(moving_mean, new_mean, self.momentum),
                                  lambda: moving_mean)

            def variance_update():
                return smart_cond(training,
                                  lambda: self._assign_moving_average(moving_variance, new_variance, self.momentum),
                                  lambda: moving_variance)
            self.add_update(mean_update)
            self.add_update(variance_update)
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
