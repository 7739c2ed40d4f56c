"""contrib.layers' batch_norm and layer_norm with TF 1.15's defaults, variables and update rules.

batch_norm(decay=0.999, center=True, scale=False, epsilon=0.001, updates_collections=UPDATE_OPS,
is_training=True, fused=None -> True) makes, in variable scope 'BatchNorm', `beta` (if center), `gamma`
(if scale) and the non-trainable `moving_mean` (zeros) and `moving_variance` (ones), all model variables.
Training normalizes with the batch's mean and (biased) variance; inference with the moving statistics.
TF 1.15 routes a call one of three ways, and so does this module:
  * the core-layer way (updates_collections=UPDATE_OPS, no batch_weights, no zero_debias): rank-4 inputs
    use FusedBatchNormV3 unless fused=False (the moving variance then tracks the op's unbiased batch
    variance), others use moments; the updates  m -= (m - batch_stat) * (1 - decay)  go to UPDATE_OPS
    ('BatchNorm/AssignMovingAvg', '_1'); a tensor is_training makes the decay 1 when false;
  * the contrib fused way (fused and rank 2 or 4, with zero_debias_moving_mean or rank 2 or another
    updates_collections): FusedBatchNormV3 (rank 2 reshaped to [-1, 1, 1, C]) and assign_moving_average;
  * the contrib way otherwise (moments, optionally weighted by batch_weights).
With updates_collections=None the updates run before the output is returned (control dependencies).
layer_norm normalizes over axes begin_norm_axis.. with beta/gamma over begin_params_axis.. (epsilon 1e-12).
"""
from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.contrib.layers.layer_variables import layer_variable, smart_cond
from sluice.contrib.layers.layer_variables import static_value
from sluice.contrib.layers.named_outputs import collect_named_outputs
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.ops import array_ops, constant_op, graph_ops, init_ops, math_ops, nn_normalization, state_ops
from sluice.ops import variable_scope as vs
from sluice.ops.variables import Variable
from sluice.training.moving_averages import assign_moving_average

__all__ = ['batch_norm', 'layer_norm']


def _check_data_format(data_format):
    if data_format not in ('NCHW', 'NHWC'):
        raise ValueError('data_format has to be either NCHW or NHWC.')


class _Params(object):
    """The variables of one batch_norm call (beta/gamma None when not centered/scaled)."""

    def __init__(self, shape, dtype, center, scale, initializers, regularizers, trainable, collections,
                 gamma_first):
        initializers = initializers or {}
        regularizers = regularizers or {}

        def make(name, default, is_trainable, regularizer=None):
            return layer_variable(name, shape, dtype, initializers.get(name, default), regularizer, is_trainable,
                                  collections, core_name=name if gamma_first else None)
        self.beta = self.gamma = None
        # The core layer makes gamma first, contrib's own code beta first (the order of the collections).
        for name in (('gamma', 'beta') if gamma_first else ('beta', 'gamma')):
            if name == 'beta' and center:
                self.beta = make('beta', init_ops.zeros_initializer(), trainable, regularizers.get('beta'))
            if name == 'gamma' and scale:
                self.gamma = make('gamma', init_ops.ones_initializer(), trainable, regularizers.get('gamma'))
        self.moving_mean = make('moving_mean', init_ops.zeros_initializer(), False)
        self.moving_variance = make('moving_variance', init_ops.ones_initializer(), False)

    def offset_scale(self, shape, dtype):
        beta = self.beta if self.beta is not None else constant_op.constant(0.0, dtype, shape=shape)
        gamma = self.gamma if self.gamma is not None else constant_op.constant(1.0, dtype, shape=shape)
        return beta, gamma


def _moving_update(variable, value, decay):
    """variable -= (variable - value) * (1 - decay), as the core layer names it."""
    with _graph.name_scope(None, 'AssignMovingAvg', [variable, value, decay]) as scope:
        with _graph.get_default_graph().colocate_with(variable.op):
            rate = _graph.convert_to_tensor(1.0 - decay, name='decay') if not isinstance(decay, _graph.Tensor) \
                else math_ops.subtract(1.0, decay, name='decay')
            if rate.dtype != variable.dtype.base_dtype:
                rate = math_ops.cast(rate, variable.dtype.base_dtype)
            delta = (variable - math_ops.cast(value, variable.dtype.base_dtype)) * rate
            return state_ops.assign_sub(variable, delta, name=scope)


def _debias_state(variable):
    """The zero-debiasing state of `variable` ('<name>/biased', '<name>/local_step'), made outside any cond
    (variables cannot be made inside a branch)."""
    g = variable.graph
    dtype = variable.dtype.base_dtype
    with g.control_dependencies(None), g.name_scope(''), g.colocate_with(variable.op):
        return [Variable(lambda shape=shape: array_ops.zeros(shape, dtype=dtype), trainable=False,
                         name='%s/%s' % (variable.op.name, name))
                for name, shape in (('biased', variable.get_shape()), ('local_step', []))]


def _debiased_update(variable, value, decay, state):
    """assign_moving_average(zero_debias=True): the biased average over the step count's correction."""
    biased, local_step = state
    with _graph.name_scope(None, 'AssignMovingAvg', [variable, value]) as scope:
        rate = _graph.convert_to_tensor(1.0 - decay, dtype=variable.dtype.base_dtype, name='decay')
        update_biased = state_ops.assign_sub(biased, (biased - value) * rate)
        bias_factor = 1 - math_ops.pow(1.0 - rate, local_step.assign_add(1))
        return state_ops.assign(variable, update_biased / bias_factor, name=scope)


def _channel_axis(rank, data_format):
    return 1 if data_format == 'NCHW' else rank - 1


def _layer_way(inputs, decay, center, scale, epsilon, initializers, regularizers, is_training, trainable,
               fused, data_format, collections):
    shape = inputs.get_shape()
    rank = shape.ndims
    axis = _channel_axis(rank, data_format)
    channels = shape.dims[axis].value
    if channels is None:
        raise ValueError('Input has undefined `axis` dimension. Input shape: %s' % shape)
    param_dtype = dtypes.float32 if inputs.dtype.base_dtype == dtypes.float16 else inputs.dtype.base_dtype
    params = _Params([channels], param_dtype, center, scale, initializers, regularizers, trainable, collections,
                     gamma_first=True)
    training = static_value(is_training)
    if fused and rank == 4:
        beta, gamma = params.offset_scale([channels], param_dtype)
        outputs, mean, variance = smart_cond(
            is_training,
            lambda: nn_normalization.fused_batch_norm(inputs, gamma, beta, epsilon=epsilon,
                                                      data_format=data_format),
            lambda: nn_normalization.fused_batch_norm(inputs, gamma, beta, mean=params.moving_mean,
                                                      variance=params.moving_variance, epsilon=epsilon,
                                                      is_training=False, data_format=data_format))
    else:
        axes = [i for i in range(rank) if i != axis]
        if training is False:
            mean, variance = params.moving_mean, params.moving_variance
        else:
            batch_mean, batch_var = nn_normalization.moments(math_ops.cast(inputs, param_dtype), axes)
            mean = smart_cond(is_training, lambda: batch_mean, lambda: _graph.convert_to_tensor(params.moving_mean))
            variance = smart_cond(is_training, lambda: batch_var,
                                  lambda: _graph.convert_to_tensor(params.moving_variance))
        broadcast = [1] * rank
        broadcast[axis] = channels

        def fit(t):
            return array_ops.reshape(t, broadcast) if axis != rank - 1 and t is not None else t
        outputs = nn_normalization.batch_normalization(inputs, fit(mean), fit(variance), fit(params.beta),
                                                       fit(params.gamma), epsilon)
    if training is not False:
        momentum = decay if training is True else smart_cond(
            is_training, lambda: constant_op.constant(decay), lambda: constant_op.constant(1.0))
        for var, value in ((params.moving_mean, mean), (params.moving_variance, variance)):
            _graph.get_default_graph().add_to_collection(GraphKeys.UPDATE_OPS, _moving_update(var, value, momentum))
    return outputs


def _contrib_way(inputs, decay, center, scale, epsilon, initializers, regularizers, updates_collections,
                 is_training, trainable, fused, data_format, zero_debias, batch_weights, collections):
    original_shape = inputs.get_shape()
    original = inputs
    rank = original_shape.ndims
    if fused:
        if rank not in (2, 4):
            raise ValueError('Inputs %s has unsupported rank. Expected 2 or 4 but got %d' % (inputs.name, rank))
        if rank == 2:
            channels = original_shape.dims[-1].value
            if channels is None:
                raise ValueError('`C` dimension must be known but is None')
            inputs = array_ops.reshape(inputs, [-1, channels, 1, 1] if data_format == 'NCHW' else [-1, 1, 1, channels])
            rank = 4
    axis = _channel_axis(rank, data_format)
    shape = inputs.get_shape()
    channels = shape.dims[axis].value
    if channels is None:
        raise ValueError('Inputs %s has undefined channels dimension %s.' % (inputs.name, [channels]))
    dtype = dtypes.float32 if fused else inputs.dtype.base_dtype
    params = _Params([channels], dtype, center, scale, initializers, regularizers if fused else None, trainable,
                     collections, gamma_first=False)
    training = static_value(is_training)
    moving = (params.moving_mean, params.moving_variance)
    if fused:
        beta, gamma = params.offset_scale([channels], dtype)
        outputs, mean, variance = smart_cond(
            is_training,
            lambda: nn_normalization.fused_batch_norm(inputs, gamma, beta, epsilon=epsilon, data_format=data_format),
            lambda: nn_normalization.fused_batch_norm(inputs, gamma, beta, mean=moving[0], variance=moving[1],
                                                      epsilon=epsilon, is_training=False, data_format=data_format))
    elif training is False:
        mean, variance = moving
    else:
        axes = [i for i in range(rank) if i != axis]
        if batch_weights is None:
            mean, variance = nn_normalization.moments(inputs, axes, keep_dims=True)
        else:
            weights = array_ops.reshape(_graph.convert_to_tensor(batch_weights), [-1] + [1] * (rank - 1))
            mean, variance = nn_normalization.weighted_moments(inputs, axes, weights, keepdims=True)
        mean, variance = array_ops.reshape(mean, [-1]), array_ops.reshape(variance, [-1])

    debias = _debias_state(moving[0]) if zero_debias and training is not False else None

    def updates():
        if debias is not None:
            update_mean = _debiased_update(moving[0], mean, decay, debias)
        else:
            update_mean = assign_moving_average(moving[0], mean, decay, zero_debias=False)
        return update_mean, assign_moving_average(moving[1], variance, decay, zero_debias=False)

    if training is not False:
        if updates_collections is None:
            def forced():
                with _graph.get_default_graph().control_dependencies(list(updates())):
                    if fused:
                        return graph_ops.identity(outputs)
                    return graph_ops.identity(mean), graph_ops.identity(variance)
            if fused:
                outputs = smart_cond(is_training, forced, lambda: outputs)
            else:
                mean, variance = smart_cond(is_training, forced, lambda: moving)
        else:
            update_mean, update_variance = smart_cond(is_training, updates, lambda: moving)
            g = _graph.get_default_graph()
            g.add_to_collections(updates_collections, update_mean)
            g.add_to_collections(updates_collections, update_variance)
            if not fused:
                batch = (mean, variance)
                mean, variance = smart_cond(is_training, lambda: batch, lambda: moving)
    if not fused:
        broadcast = [1] * rank
        broadcast[axis] = channels

        def fit(t):
            return array_ops.reshape(t, broadcast) if axis != rank - 1 and t is not None else t
        outputs = nn_normalization.batch_normalization(inputs, fit(mean), fit(variance), fit(params.beta),
                                                       fit(params.gamma), epsilon)
    outputs.set_shape(shape)
    if original_shape.ndims == 2 and fused:
        outputs = array_ops.reshape(outputs, array_ops.shape(original))
    return outputs


@add_arg_scope
def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001, activation_fn=None,
               param_initializers=None, param_regularizers=None, updates_collections=GraphKeys.UPDATE_OPS,
               is_training=True, reuse=None, variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format='NHWC', zero_debias_moving_mean=False, scope=None,
               renorm=False, renorm_clipping=None, renorm_decay=0.99, adjustment=None):
    """Batch normalization (Ioffe and Szegedy, 2015); see the module docstring for the three ways."""
    if renorm or adjustment is not None:
        raise NotImplementedError('sluice does not implement batch_norm(renorm=True) or adjustment= yet')
    if fused is None:
        fused = True
    _check_data_format(data_format)
    inputs = _graph.convert_to_tensor(inputs)
    rank = inputs.get_shape().ndims
    if rank is None:
        raise ValueError('Inputs %s has undefined rank.' % inputs.name)
    layer_way = batch_weights is None and updates_collections == GraphKeys.UPDATE_OPS and not zero_debias_moving_mean
    contrib_fused = fused and batch_weights is None and rank in (2, 4) and not layer_way
    with vs.variable_scope(scope, 'BatchNorm', [inputs], reuse=reuse) as sc:
        if layer_way:
            outputs = _layer_way(inputs, decay, center, scale, epsilon, param_initializers, param_regularizers,
                                 is_training, trainable, fused, data_format, variables_collections)
        else:
            outputs = _contrib_way(inputs, decay, center, scale, epsilon, param_initializers, param_regularizers,
                                   updates_collections, is_training, trainable, contrib_fused, data_format,
                                   zero_debias_moving_mean, batch_weights, variables_collections)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)


@add_arg_scope
def layer_norm(inputs, center=True, scale=True, activation_fn=None, reuse=None, variables_collections=None,
               outputs_collections=None, trainable=True, begin_norm_axis=1, begin_params_axis=-1, scope=None):
    """Layer normalization (Ba et al., 2016): LayerNorm/beta and LayerNorm/gamma over the trailing axes."""
    with vs.variable_scope(scope, 'LayerNorm', [inputs], reuse=reuse) as sc:
        inputs = _graph.convert_to_tensor(inputs)
        shape = inputs.get_shape()
        rank = shape.ndims
        if rank is None:
            raise ValueError('Inputs %s has undefined rank.' % inputs.name)
        dtype = inputs.dtype.base_dtype
        if begin_norm_axis < 0:
            begin_norm_axis = rank + begin_norm_axis
        if begin_params_axis >= rank or begin_norm_axis >= rank:
            raise ValueError('begin_params_axis (%d) and begin_norm_axis (%d) must be < rank(inputs) (%d)'
                             % (begin_params_axis, begin_norm_axis, rank))
        params_shape = shape[begin_params_axis:]
        if not params_shape.is_fully_defined():
            raise ValueError('Inputs %s: shape(inputs)[%s:] is not fully defined: %s'
                             % (inputs.name, begin_params_axis, shape))
        beta = gamma = None
        if center:
            beta = layer_variable('beta', params_shape, dtype, init_ops.zeros_initializer(), None, trainable,
                                  variables_collections)
        if scale:
            gamma = layer_variable('gamma', params_shape, dtype, init_ops.ones_initializer(), None, trainable,
                                   variables_collections)
        mean, variance = nn_normalization.moments(inputs, list(range(begin_norm_axis, rank)), keep_dims=True)
        epsilon = 1e-12 if dtype != dtypes.float16 else 1e-3
        outputs = nn_normalization.batch_normalization(inputs, mean, variance, offset=beta, scale=gamma,
                                                       variance_epsilon=epsilon)
        outputs.set_shape(shape)
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return collect_named_outputs(outputs_collections, sc.name, outputs)

