"""Normalization in tf.nn, each op a block: LRN / LRNGrad (tf.nn.lrn, local_response_normalization),
and the moment helpers sufficient_statistics, normalize_moments, weighted_moments built as TF's Python builds
them. Kernels in kernels/nn_normalization_kernels.py.
"""


from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.ops import array_ops, constant_op, math_ops
from sluice.ops.math_ops import _shape_error

__all__ = ['lrn', 'local_response_normalization', 'sufficient_statistics', 'normalize_moments', 'weighted_moments']


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


# -- moments ---------------------------------------------------------------------------------------------
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
