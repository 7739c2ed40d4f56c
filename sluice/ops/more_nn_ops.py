"""More tf.nn functions, built the way TF's Python builds them: conv1d (ExpandDims + Conv2D + Squeeze),
swish, relu_layer, sufficient_statistics, normalize_moments, weighted_moments, and lrn /
local_response_normalization (ops LRN and LRNGrad; kernels in kernels/extra_kernels.py)."""
import numbers

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.ops import array_ops, constant_op, math_ops, nn_ops
from sluice.ops.math_ops import _shape_error

__all__ = ['conv1d', 'swish', 'relu_layer', 'sufficient_statistics', 'normalize_moments', 'weighted_moments', 'lrn',
           'local_response_normalization']

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


def _conv1d_sequence(value, channel_index, arg):
    if value is None:
        return [1, 1, 1]
    if isinstance(value, numbers.Integral):
        value = [value]
    value = [int(v) for v in value]
    if len(value) == 3:
        return value
    if len(value) != 1:
        raise ValueError('%s should be of length 1, 1 or 3. Received: %s=%s of length %d'
                         % (arg, arg, value, len(value)))
    return [1, value[0], 1] if channel_index == 2 else [1, 1, value[0]]


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None, data_format=None,
           name=None, input=None, dilations=None):  # noqa: A002 - TF's names
    """1-D convolution of value [batch, width, in] with filters [width, in, out]: the input and filter
    get a unit height (ExpandDims), Conv2D convolves, Squeeze drops the height again (TF's construction)."""
    value = nn_ops._alias(input, 'input', value, 'value')
    with name_scope(name, 'conv1d', [value, filters]) as name:
        if data_format is None or data_format in ('NHWC', 'NWC'):
            data_format, spatial_start_dim, channel_index = 'NHWC', -3, 2
        elif data_format in ('NCHW', 'NCW'):
            data_format, spatial_start_dim, channel_index = 'NCHW', -2, 1
        else:
            raise ValueError('`data_format` must be \'NWC\' or \'NCW\'. Received: data_format=%s' % data_format)
        strides = [1] + _conv1d_sequence(stride, channel_index, 'stride')
        dilations = [1] + _conv1d_sequence(dilations, channel_index, 'dilations')
        value = array_ops.expand_dims(value, spatial_start_dim)
        filters = array_ops.expand_dims(filters, 0)
        result = nn_ops.conv2d(value, filters, strides, padding,
                               use_cudnn_on_gpu=True if use_cudnn_on_gpu is None else use_cudnn_on_gpu,
                               data_format=data_format, dilations=dilations, name=name)
        return array_ops.squeeze(result, [spatial_start_dim])


def swish(features, beta=1.0, name=None):
    """features * sigmoid(beta * features)."""
    with name_scope(name, 'swish', [features]):
        features = _graph.convert_to_tensor(features, name='features')
        beta = _graph.convert_to_tensor(beta, dtype=features.dtype.base_dtype, name='beta')
        return features * math_ops.sigmoid(beta * features)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, 'relu_layer', [x, weights, biases]) as name:
        x = _graph.convert_to_tensor(x, name='x')
        weights = _graph.convert_to_tensor(weights, name='weights')
        biases = _graph.convert_to_tensor(biases, name='biases')
        xw_plus_b = nn_ops.bias_add(math_ops.matmul(x, weights), biases)
        return nn_ops.relu(xw_plus_b, name=name)


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


