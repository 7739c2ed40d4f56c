"""Normalization in tf.nn, each op a block (declaration, shape function, gradient, public function):
FusedBatchNormV3 / FusedBatchNormGradV3 (tf.nn.fused_batch_norm), LRN / LRNGrad (tf.nn.lrn,
local_response_normalization), and the compositions moments, batch_normalization, l2_normalize,
sufficient_statistics, normalize_moments and weighted_moments, built as TF's Python builds them (same ops,
same name scopes: 'moments/mean', 'batchnorm/Rsqrt'). Kernels in kernels/nn_normalization_kernels.py.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, math_ops
from sluice.ops.deprecation import deprecated_argument_lookup
from sluice.ops.math_ops import _shape_error
from sluice.ops.nn_shape_fns import _dims, _merge_dim, _text, _with_rank, layout

__all__ = ['fused_batch_norm', 'lrn', 'local_response_normalization', 'moments', 'batch_normalization',
           'l2_normalize', 'sufficient_statistics', 'normalize_moments', 'weighted_moments']


# -- FusedBatchNormV3, FusedBatchNormGradV3 --------------------------------------------------------------
_FBN_ATTRS = {'T': 'type', 'U': 'type', 'epsilon': ('float', 1e-4), 'exponential_avg_factor': ('float', 1.0),
              'data_format': ('string', 'NHWC'), 'is_training': ('bool', True)}


def _fused_bn_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    c = x[layout(op._attrs['data_format'])[2]]
    for t in op._inputs[1:3] if op._attrs['is_training'] else op._inputs[1:]:
        c = _merge_dim(op, c, _with_rank(op, _dims(t), 1)[0])
    vec = TensorShape([c])
    return [TensorShape(x)] + [vec] * 5


register_op('FusedBatchNormV3', inputs=['x: T', 'scale: U', 'offset: U', 'mean: U', 'variance: U'],
            outputs=['y: T', 'batch_mean: U', 'batch_variance: U', 'reserve_space_1: U', 'reserve_space_2: U',
                     'reserve_space_3: U'], attrs=_FBN_ATTRS, shape_fn=_fused_bn_shape,
            allowed={'T': (dtypes.float16, dtypes.bfloat16, dtypes.float32), 'U': (dtypes.float32,)})


@register_gradient('FusedBatchNormV3')
def _fused_batch_norm_grad(op, grad_y, *unused):
    x, scale = op._inputs[0], op._inputs[1]
    attrs = {n: op._attrs[n] for n in ('epsilon', 'data_format', 'is_training')}
    reserve = (op._outputs[3], op._outputs[4], op._outputs[5]) if op._attrs['is_training'] else \
        (op._inputs[3], op._inputs[4], op._outputs[5])
    outs = x.graph._create_op('FusedBatchNormGradV3', [grad_y, x, scale] + list(reserve), attrs,
                              name='FusedBatchNormGradV3')._outputs
    return [outs[0], outs[1], outs[2], None, None]


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format='NHWC',
                     is_training=True, name=None, exponential_avg_factor=1.0):
    """Batch normalization of a 4-D tensor in one op (FusedBatchNormV3): (y, mean, variance).

    Training normalizes with the batch statistics and returns them (the variance unbiased);
    inference uses the given mean and variance. epsilon is at least 1.001e-5, as in TF.
    """
    if is_training and exponential_avg_factor == 1.0:
        if mean is not None or variance is not None:
            raise ValueError("Both 'mean' and 'variance' must be None when is_training is True and "
                             'exponential_avg_factor == 1.0.')
    elif mean is None or variance is None:
        raise ValueError("Both 'mean' and 'variance' must be a 1D tensor when is_training is False or "
                         'exponential_avg_factor != 1.0.')
    x = convert_to_tensor(x, name='input')
    scale = convert_to_tensor(scale, name='scale')
    offset = convert_to_tensor(offset, name='offset')
    if mean is None:
        mean = constant_op.constant([])
    if variance is None:
        variance = constant_op.constant([])
    epsilon = max(float(epsilon), 1.001e-5)
    attrs = {'epsilon': epsilon, 'data_format': _text(data_format), 'is_training': bool(is_training),
             'exponential_avg_factor': float(exponential_avg_factor)}
    outs = op_builder.apply('FusedBatchNormV3', [x, scale, offset, mean, variance], attrs, name).outputs
    return outs[0], outs[1], outs[2]


def _fused_bn_grad_shape(op):
    x = _with_rank(op, _dims(op._inputs[1]), 4)
    c = x[layout(op._attrs['data_format'])[2]]
    return [TensorShape(x), TensorShape([c]), TensorShape([c]), TensorShape([0]), TensorShape([0])]


register_op('FusedBatchNormGradV3', inputs=['y_backprop: T', 'x: T', 'scale: float32', 'reserve_space_1: U',
                                            'reserve_space_2: U', 'reserve_space_3: U'],
            outputs=['x_backprop: T', 'scale_backprop: U', 'offset_backprop: U', 'reserve_space_4: U',
                     'reserve_space_5: U'],
            attrs={k: v for k, v in _FBN_ATTRS.items() if k != 'exponential_avg_factor'},
            shape_fn=_fused_bn_grad_shape)


def _composed_batch_norm_grad(grad_y, x, scale, pop_mean, pop_var, epsilon, data_format, is_training):
    """FusedBatchNormGrad's (dx, dscale, doffset) built of differentiable ops, for its own gradient.
    Training recomputes the batch mean and variance from x (the variance's mean held constant, which
    changes nothing at the mean); inference uses the population statistics."""
    channels_first = data_format.startswith('NC')
    axes = [0, 2, 3] if channels_first else [0, 1, 2]

    def per_channel(v):  # broadcastable against x
        return array_ops.reshape(v, [1, -1, 1, 1]) if channels_first else v
    x_dtype = x.dtype.base_dtype
    if x_dtype != dtypes.float32:  # half inputs: the statistics in float32, as the kernels keep them
        grad_y, x = math_ops.cast(grad_y, dtypes.float32), math_ops.cast(x, dtypes.float32)
    scale = per_channel(scale)
    grad_offset = math_ops.reduce_sum(grad_y, axes)
    if is_training:
        mean = math_ops.reduce_mean(x, axes, keepdims=True)
        var_eps = math_ops.reduce_mean(math_ops.squared_difference(x, array_ops.stop_gradient(mean)), axes,
                                       keepdims=True) + epsilon
        centered = x - mean
        inv_std = math_ops.rsqrt(var_eps)
        mean_gy = math_ops.reduce_mean(grad_y, axes, keepdims=True)
        mean_gy_centered = math_ops.reduce_mean(grad_y * centered, axes, keepdims=True)
        grad_x = scale * inv_std * ((grad_y - mean_gy) - math_ops.reciprocal(var_eps) * mean_gy_centered * centered)
        grad_scale = array_ops.reshape(inv_std * math_ops.reduce_sum(grad_y * centered, axes, keepdims=True), [-1])
    else:
        inv_std = math_ops.rsqrt(per_channel(pop_var) + epsilon)
        grad_scale = math_ops.reduce_sum(grad_y * (x - per_channel(pop_mean)) * inv_std, axes)
        grad_x = grad_y * scale * inv_std
    return math_ops.cast(grad_x, x_dtype), grad_scale, grad_offset


def fused_batch_norm_grad_grad(op, *grads):
    """The gradient of FusedBatchNormGrad (V1-V3): the incoming gradients of its dx, dscale and doffset
    taken back through their composition (a gradient penalty through batch norm: WGAN-GP, DRAGAN)."""
    from sluice.ops.gradients_impl import gradients
    grad_y, x, scale, pop_mean, pop_var = op._inputs[:5]
    outs = _composed_batch_norm_grad(grad_y, x, scale, pop_mean, pop_var, op._attrs['epsilon'],
                                     _text(op._attrs['data_format']), op._attrs['is_training'])
    pairs = [(out, grad) for out, grad in zip(outs, grads[:3]) if grad is not None]
    if not pairs:
        return [None] * len(op._inputs)
    # grad_y, x and scale are the leaves here: grad_y may itself depend on x (tanh(y) upstream), a path
    # the outer backward pass takes through grad_y; following it here too would count it twice
    back = gradients([out for out, _ in pairs], [grad_y, x, scale], grad_ys=[grad for _, grad in pairs],
                     stop_gradients=[grad_y, x, scale])
    return list(back) + [None] * (len(op._inputs) - 3)


register_gradient('FusedBatchNormGradV3')(fused_batch_norm_grad_grad)

# -- LRN, LRNGrad ----------------------------------------------------------------------------------------
_LRN_ATTRS = {'T': ('type', dtypes.float32), 'depth_radius': ('int', 5), 'bias': ('float', 1.0),
              'alpha': ('float', 1.0), 'beta': ('float', 0.5)}


_LRN_TYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32) if hasattr(dtypes, 'bfloat16') else (
    dtypes.float16, dtypes.float32)


def _lrn_shape(op):
    x = op._inputs[0]._shape
    if x._dims is not None and len(x._dims) != 4:
        raise _shape_error(op, 'Shape must be rank 4 but is rank %d' % len(x._dims))
    return [x]


def _lrn_grad_shape(op):
    for t in op._inputs:
        if t._shape._dims is not None and len(t._shape._dims) != 4:
            raise _shape_error(op, 'Shape must be rank 4 but is rank %d' % len(t._shape._dims))
    return [op._inputs[0]._shape]


register_op('LRN', ['input: T'], ['output: T'], dict(_LRN_ATTRS), _lrn_shape)


register_op('LRNGrad', ['input_grads: T', 'input_image: T', 'output_image: T'], ['output: T'], dict(_LRN_ATTRS),
            _lrn_grad_shape)


@register_gradient('LRN')
def _lrn_grad(op, grad):
    attrs = {k: op.get_attr(k) for k in ('depth_radius', 'bias', 'alpha', 'beta')}
    return [op_builder.apply('LRNGrad', [grad, op._inputs[0], op._outputs[0]], attrs)._outputs[0]]


def lrn(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002 - TF's name
    """Local response normalization over the last axis of a 4-D input:
    input / (bias + alpha * sum(input[..., d - r: d + r + 1] ** 2)) ** beta (op LRN)."""
    x = _graph.convert_to_tensor(input, name='input') if _graph.is_tensor(input) else input
    if _graph.is_tensor(x) and x.dtype.base_dtype not in _LRN_TYPES:
        raise TypeError("Value passed to parameter 'input' has DataType %s not in list of allowed values: %s"
                        % (x.dtype.base_dtype.name, ', '.join(d.name for d in _LRN_TYPES)))
    attrs = {'depth_radius': int(depth_radius), 'bias': float(bias), 'alpha': float(alpha), 'beta': float(beta)}
    return op_builder.apply('LRN', [input], attrs, name)._outputs[0]


local_response_normalization = lrn


# -- moments, batch_normalization, l2_normalize ----------------------------------------------------------
def _dtype_of(x):
    """The dtype x has or will have as a tensor, without adding a node (TF reads x.dtype as is)."""
    if _graph.is_tensor(x):
        return convert_to_tensor(x).dtype.base_dtype
    return constant_op._infer_dtype(x)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of x over axes; the variance is the mean squared deviation (biased)."""
    keep = deprecated_argument_lookup('keepdims', keepdims, 'keep_dims', keep_dims)
    keep = bool(keep)
    with name_scope(name, 'moments', [x, axes]):
        half = _dtype_of(x) == dtypes.float16
        y = math_ops.cast(x, dtypes.float32) if half else x
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name='mean')
        variance = math_ops.reduce_mean(math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes,
                                        keepdims=True, name='variance')
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if half:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset, as x * inv + (offset - mean * inv)."""
    with name_scope(name, 'batchnorm', [x, mean, variance, scale, offset]):
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv = inv * scale
        dt = _dtype_of(x)
        shift = offset - mean * inv if offset is not None else -mean * inv
        return x * math_ops.cast(inv, dt) + math_ops.cast(shift, dt)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon))."""
    with name_scope(name, 'l2_normalize', [x]) as scope:
        axis = deprecated_argument_lookup('axis', axis, 'dim', dim)
        x = convert_to_tensor(x, name='x')
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, inv_norm, name=scope)


# -- sufficient statistics and weighted moments ----------------------------------------------------------
def _keep(keepdims, keep_dims):
    if keepdims is not None and keep_dims is not None:
        raise ValueError('Cannot specify both keep_dims and keepdims')
    value = keepdims if keepdims is not None else keep_dims
    return bool(value) if value is not None else False


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """(count, sum(x - shift), sum((x - shift) ** 2), shift) over axes."""
    axes = list(set(axes))
    keep = _keep(keepdims, keep_dims)
    with name_scope(name, 'sufficient_statistics', [x, shift]):
        x = _graph.convert_to_tensor(x, name='x')
        dims = x.shape._dims
        if dims is not None and all(dims[d] is not None for d in axes):
            counts = 1
            for d in axes:
                counts *= dims[d]
            counts = constant_op.constant(counts, dtype=x.dtype)
        else:
            rank = array_ops.rank(x)
            positive_axes = [axis + rank if axis < 0 else axis for axis in axes]
            x_dims = array_ops.gather(math_ops.cast(array_ops.shape(x), x.dtype), positive_axes)
            counts = math_ops.reduce_prod(x_dims, name='count')
        if shift is not None:
            shift = _graph.convert_to_tensor(shift, name='shift')
            m_ss = math_ops.subtract(x, shift)
            v_ss = math_ops.squared_difference(x, shift)
        else:
            m_ss = x
            v_ss = math_ops.square(x)
        m_ss = math_ops.reduce_sum(m_ss, axes, keepdims=keep, name='mean_ss')
        v_ss = math_ops.reduce_sum(v_ss, axes, keepdims=keep, name='var_ss')
    return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """(mean, variance) from sufficient statistics."""
    with name_scope(name, 'normalize', [counts, mean_ss, variance_ss, shift]):
        divisor = math_ops.reciprocal(counts, name='divisor')
        if shift is not None:
            shifted_mean = math_ops.multiply(mean_ss, divisor, name='shifted_mean')
            mean = math_ops.add(shifted_mean, shift, name='mean')
        else:
            shifted_mean = math_ops.multiply(mean_ss, divisor, name='mean')
            mean = shifted_mean
        variance = math_ops.subtract(math_ops.multiply(variance_ss, divisor), math_ops.square(shifted_mean),
                                     name='variance')
    return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """(weighted mean, weighted variance) of x over axes with frequency weights (div_no_nan by their sum)."""
    keep = _keep(keepdims, keep_dims)
    with name_scope(name, 'weighted_moments', [x, frequency_weights, axes]):
        x = _graph.convert_to_tensor(x, name='x')
        frequency_weights = _graph.convert_to_tensor(frequency_weights, name='frequency_weights')
        needs_cast = x.dtype.base_dtype == dtypes.float16
        if needs_cast:
            x = math_ops.cast(x, dtypes.float32)
        if frequency_weights.dtype.base_dtype != x.dtype.base_dtype:
            frequency_weights = math_ops.cast(frequency_weights, x.dtype.base_dtype)
        weighted_input_sum = math_ops.reduce_sum(frequency_weights * x, axes, name='weighted_input_sum',
                                                 keepdims=True)
        broadcasted_weights = frequency_weights + array_ops.zeros_like(x)
        sum_of_weights = math_ops.reduce_sum(broadcasted_weights, axes, name='sum_of_weights', keepdims=True)
        weighted_mean = math_ops.div_no_nan(weighted_input_sum, sum_of_weights)
        weighted_distsq = math_ops.reduce_sum(frequency_weights * math_ops.squared_difference(x, weighted_mean),
                                              axes, name='weighted_distsq', keepdims=True)
        weighted_variance = math_ops.div_no_nan(weighted_distsq, sum_of_weights)
        if not keep:
            weighted_mean = array_ops.squeeze(weighted_mean, axis=axes)
            weighted_variance = array_ops.squeeze(weighted_variance, axis=axes)
        if needs_cast:
            weighted_mean = math_ops.cast(weighted_mean, dtypes.float16)
            weighted_variance = math_ops.cast(weighted_variance, dtypes.float16)
        return weighted_mean, weighted_variance
