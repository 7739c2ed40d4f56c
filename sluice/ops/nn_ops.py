"""Neural-network ops (tf.nn): activations, softmax and cross entropies, bias_add, l2_loss,
convolution, pooling and top-k, with their gradients declared beside them.

Each op type is declared with TF's name, argument and attr names and a shape function that
infers static shapes as TF's does (rank checks, window arithmetic, merged channel dims), raising
TF 1.x's shape-inference ValueErrors. The *Grad ops TF builds for gradients (ReluGrad,
Conv2DBackpropInput/Filter, MaxPoolGrad, AvgPoolGrad, BiasAddGrad, ...) are ops too, with
kernels in sluice/kernels/nn_kernels.py and conv_kernels.py.

Window arithmetic (`window_geometry`, shared with the kernels) follows TF: the effective filter
size is (k - 1) * dilation + 1; VALID gives (in - eff + stride) // stride and needs in >= eff;
SAME gives ceil(in / stride) and pads max((out - 1) * stride + eff - in, 0), the smaller half
before; EXPLICIT takes the pads from the explicit_paddings attr.

Softmax along another axis than the last transposes that axis to the end and back, building
the same Rank/Range/ConcatV2/Transpose nodes TF does. The functions built from several ops (the
cross entropies, conv2d_transpose, moments, batch_normalization, dropout, clipping, embedding
lookup, ...) live in nn_impl.py; the names TF 1.x has at top level (tf.clip_by_norm,
tf.clip_by_global_norm, tf.global_norm, tf.clip_by_average_norm) are this module's `__all__`,
re-exported from there.
"""
import collections
import numbers

import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, math_ops, shape_fns
from sluice.ops.math_ops import _shape_error

__all__ = ['clip_by_norm', 'clip_by_global_norm', 'global_norm', 'clip_by_average_norm']

_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_REAL = _FLOAT + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16,
                  dtypes.uint32, dtypes.uint64)
_NUMBER = _REAL + (dtypes.complex64, dtypes.complex128)
_CONV = _FLOAT + (dtypes.int32,)
_INDEX = (dtypes.int32, dtypes.int64)

# The activations (relu, elu, ..., leaky_relu) and their *Grad ops are rows of the elementwise table.
from sluice.ops.elementwise_ops import (  # noqa: E402,F401
    SELU_ALPHA, SELU_SCALE, elu, leaky_relu, relu, relu6, selu, softplus, softsign)


# ---------------------------------------------------------------------------------------------
# Shape helpers
# ---------------------------------------------------------------------------------------------
def _dims(t):
    return t._shape._dims


def _with_rank(op, dims, rank):
    if dims is not None and len(dims) != rank:
        raise _shape_error(op, 'Shape must be rank %d but is rank %d' % (rank, len(dims)))
    return dims if dims is not None else (None,) * rank


def _with_rank_at_least(op, dims, rank):
    if dims is not None and len(dims) < rank:
        raise _shape_error(op, 'Shape must be at least rank %d but is rank %d' % (rank, len(dims)))
    return dims


def _merge_dim(op, a, b):
    if a is not None and b is not None and a != b:
        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (a, b))
    return a if a is not None else b


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def layout(data_format):
    """(height, width, channel) axes of a 4-D tensor in `data_format` (NHWC or NCHW)."""
    return (2, 3, 1) if _text(data_format).startswith('NC') else (1, 2, 3)


def window_geometry(in_size, k, stride, dilation, padding, explicit=(0, 0)):
    """(output size, pad before, pad after) of one spatial dim; ValueError when it would be negative."""
    eff = (k - 1) * dilation + 1
    padding = _text(padding)
    if padding == 'SAME':
        out = (in_size + stride - 1) // stride
        total = max((out - 1) * stride + eff - in_size, 0)
        return out, total // 2, total - total // 2
    before, after = (0, 0) if padding == 'VALID' else explicit
    padded = in_size + before + after
    if padded < eff:
        raise ValueError('Negative dimension size caused by subtracting %d from %d' % (eff, padded))
    return (padded - eff + stride) // stride, before, after


def _out_dim(op, in_size, k, stride, dilation, padding, explicit=(0, 0)):
    if in_size is None or k is None:
        return None
    try:
        return window_geometry(in_size, k, stride, dilation, padding, explicit)[0]
    except ValueError as e:
        raise _shape_error(op, str(e)) from None


def explicit_pairs(op, axes):
    """The explicit (before, after) pads of the given axes ((0, 0) unless padding is EXPLICIT)."""
    pads = list(op._attrs.get('explicit_paddings') or [])
    if _text(op._attrs.get('padding')) != 'EXPLICIT' or len(pads) != 8:
        return [(0, 0) for _ in axes]
    return [(pads[2 * a], pads[2 * a + 1]) for a in axes]


def _shape_input(t):
    """A 1-D shape tensor as a TensorShape; knows ShapeN of static shapes (gradient graphs use it)."""
    if t._op._op_def.type == 'ShapeN':
        return t._op._inputs[t._value_index]._shape
    return shape_fns.constant_value_as_shape(t)


def _check_attr_len(op, name, what, n=4):
    values = op._attrs[name]
    if len(values) != n:
        raise _shape_error(op, '%s requires the %s attribute to contain %d values, but got: %d'
                           % (op.type, what, n, len(values)))
    return values


def _conv_output(op, x, f_hw, out_channels):
    """Output dims of a 2-D convolution or pooling over input dims x (rank 4 in data_format)."""
    h_ax, w_ax, c_ax = layout(op._attrs['data_format'])
    strides = op._attrs['strides']
    dil = op._attrs.get('dilations') or [1, 1, 1, 1]
    (ph, pw) = explicit_pairs(op, (h_ax, w_ax))
    padding = op._attrs['padding']
    oh = _out_dim(op, x[h_ax], f_hw[0], strides[h_ax], dil[h_ax], padding, ph)
    ow = _out_dim(op, x[w_ax], f_hw[1], strides[w_ax], dil[w_ax], padding, pw)
    out = [x[0], None, None, None]
    out[h_ax], out[w_ax], out[c_ax] = oh, ow, out_channels
    return TensorShape(out)


def _conv2d_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    f = _with_rank(op, _dims(op._inputs[1]), 4)
    _check_attr_len(op, 'strides', 'stride')
    _check_attr_len(op, 'dilations', 'dilation')
    c = x[layout(op._attrs['data_format'])[2]]
    if c is not None and f[2] is not None and c % f[2] != 0:
        raise _shape_error(op, 'Depth of input (%d) is not a multiple of input depth of filter (%d)' % (c, f[2]))
    return [_conv_output(op, x, f[:2], f[3])]


def _depthwise_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    f = _with_rank(op, _dims(op._inputs[1]), 4)
    _check_attr_len(op, 'strides', 'stride')
    c = _merge_dim(op, x[layout(op._attrs['data_format'])[2]], f[2])
    out_c = None if c is None or f[3] is None else c * f[3]
    return [_conv_output(op, x, f[:2], out_c)]


def _backprop_input_shape(op):
    sizes = _shape_input(op._inputs[0])
    f = _with_rank(op, _dims(op._inputs[1]), 4)
    dy = _with_rank(op, _dims(op._inputs[2]), 4)
    c_ax = layout(op._attrs['data_format'])[2]
    if op.type == 'Conv2DBackpropInput':
        _merge_dim(op, dy[c_ax], f[3])
    dims = list(_with_rank(op, sizes._dims, 4))
    if dims[0] is None:
        dims[0] = dy[0]  # the batch is the gradient's
    return [TensorShape(dims)]


def _backprop_filter_shape(op):
    sizes = _shape_input(op._inputs[1])
    _with_rank(op, _dims(op._inputs[0]), 4)
    _with_rank(op, _dims(op._inputs[2]), 4)
    return [unknown_shape(rank=4) if sizes._dims is None else TensorShape(_with_rank(op, sizes._dims, 4))]


def _pool_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    ksize, strides = op._attrs['ksize'], op._attrs['strides']
    if len(ksize) != 4:
        raise _shape_error(op, 'Sliding window ksize field must specify 4 dimensions')
    if len(strides) != 4:
        raise _shape_error(op, 'Sliding window strides field must specify 4 dimensions')
    h_ax, w_ax, c_ax = layout(op._attrs['data_format'])
    return [_conv_output(op, x, (ksize[h_ax], ksize[w_ax]), x[c_ax])]


def _bias_add_shape(op):
    value, bias = _dims(op._inputs[0]), _dims(op._inputs[1])
    nchw = _text(op._attrs['data_format']) == 'NCHW'
    _with_rank_at_least(op, value, 3 if nchw else 2)
    bias = _with_rank(op, bias, 1)
    if value is None:
        return [unknown_shape()]
    value = list(value)
    axis = 1 if nchw else -1
    value[axis] = _merge_dim(op, value[axis], bias[0])
    return [TensorShape(value)]


def _bias_add_grad_shape(op):
    dy = _dims(op._inputs[0])
    nchw = _text(op._attrs['data_format']) == 'NCHW'
    _with_rank_at_least(op, dy, 3 if nchw else 2)
    return [TensorShape([None if dy is None else dy[1 if nchw else -1]])]


def _softmax_shape(op):
    _with_rank_at_least(op, _dims(op._inputs[0]), 1)
    return [op._inputs[0]._shape]


def _xent_shape(op):
    a = _with_rank(op, _dims(op._inputs[0]), 2)
    b = _with_rank(op, _dims(op._inputs[1]), 2)
    batch, classes = _merge_dim(op, a[0], b[0]), _merge_dim(op, a[1], b[1])
    return [TensorShape([batch]), TensorShape([batch, classes])]


def _sparse_xent_shape(op):
    a = _with_rank(op, _dims(op._inputs[0]), 2)
    labels = _with_rank(op, _dims(op._inputs[1]), 1)
    batch = _merge_dim(op, a[0], labels[0])
    return [TensorShape([batch]), TensorShape([batch, a[1]])]


def _top_k_shape(op):
    x = _with_rank_at_least(op, _dims(op._inputs[0]), 1)
    k_dims = _dims(op._inputs[1])
    if k_dims is not None and len(k_dims) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(k_dims))
    value = shape_fns.constant_value(op._inputs[1])
    k = None if value is None else int(value)
    if k is not None and k < 0:
        raise _shape_error(op, 'Dimension size, given by scalar input 1, must be non-negative but is %d' % k,
                           'input[1] = <%d>' % k)
    if x is None:
        return [unknown_shape(), unknown_shape()]
    if k is not None and x[-1] is not None and x[-1] < k:
        raise _shape_error(op, 'input must have last dimension >= k = %d but is %d' % (k, x[-1]),
                           'input[1] = <%d>' % k)
    shape = TensorShape(list(x[:-1]) + [k])
    return [shape, shape]


def _in_top_k_shape(op):
    p = _with_rank(op, _dims(op._inputs[0]), 2)
    t = _with_rank(op, _dims(op._inputs[1]), 1)
    k = _dims(op._inputs[2])
    if k is not None and len(k) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(k))
    return [TensorShape([_merge_dim(op, p[0], t[0])])]


def _same_as(index):
    return lambda op: [op._inputs[index]._shape]


def _fused_bn_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    c = x[layout(op._attrs['data_format'])[2]]
    for t in op._inputs[1:3] if op._attrs['is_training'] else op._inputs[1:]:
        c = _merge_dim(op, c, _with_rank(op, _dims(t), 1)[0])
    vec = TensorShape([c])
    return [TensorShape(x)] + [vec] * 5


def _fused_bn_grad_shape(op):
    x = _with_rank(op, _dims(op._inputs[1]), 4)
    c = x[layout(op._attrs['data_format'])[2]]
    return [TensorShape(x), TensorShape([c]), TensorShape([c]), TensorShape([0]), TensorShape([0])]


# ---------------------------------------------------------------------------------------------
# Op declarations
# ---------------------------------------------------------------------------------------------
_T = {'T': 'type'}
register_op('Softmax', inputs=['logits: T'], outputs=['softmax: T'], attrs=_T, shape_fn=_softmax_shape,
            allowed={'T': _FLOAT})
register_op('LogSoftmax', inputs=['logits: T'], outputs=['logsoftmax: T'], attrs=_T, shape_fn=_softmax_shape,
            allowed={'T': _FLOAT})
register_op('SoftmaxCrossEntropyWithLogits', inputs=['features: T', 'labels: T'],
            outputs=['loss: T', 'backprop: T'], attrs=_T, shape_fn=_xent_shape, allowed={'T': _FLOAT})
register_op('SparseSoftmaxCrossEntropyWithLogits', inputs=['features: T', 'labels: Tlabels'],
            outputs=['loss: T', 'backprop: T'], attrs={'T': 'type', 'Tlabels': ('type', dtypes.int64)},
            shape_fn=_sparse_xent_shape, allowed={'T': _FLOAT, 'Tlabels': _INDEX})
register_op('L2Loss', inputs=['t: T'], outputs=['output: T'], attrs=_T, shape_fn=shape_fns.scalar,
            allowed={'T': _FLOAT})
register_op('BiasAdd', inputs=['value: T', 'bias: T'], outputs=['output: T'],
            attrs={'T': 'type', 'data_format': ('string', 'NHWC')}, shape_fn=_bias_add_shape, allowed={'T': _NUMBER})
register_op('BiasAddGrad', inputs=['out_backprop: T'], outputs=['output: T'],
            attrs={'T': 'type', 'data_format': ('string', 'NHWC')}, shape_fn=_bias_add_grad_shape)

_CONV_ATTRS = {'T': 'type', 'strides': 'list(int)', 'use_cudnn_on_gpu': ('bool', True), 'padding': 'string',
               'explicit_paddings': ('list(int)', []), 'data_format': ('string', 'NHWC'),
               'dilations': ('list(int)', [1, 1, 1, 1])}
register_op('Conv2D', inputs=['input: T', 'filter: T'], outputs=['output: T'], attrs=_CONV_ATTRS,
            shape_fn=_conv2d_shape, allowed={'T': _CONV})
register_op('Conv2DBackpropInput', inputs=['input_sizes: int32', 'filter: T', 'out_backprop: T'],
            outputs=['output: T'], attrs=_CONV_ATTRS, shape_fn=_backprop_input_shape, allowed={'T': _CONV})
register_op('Conv2DBackpropFilter', inputs=['input: T', 'filter_sizes: int32', 'out_backprop: T'],
            outputs=['output: T'], attrs=_CONV_ATTRS, shape_fn=_backprop_filter_shape, allowed={'T': _CONV})
_DEPTHWISE_ATTRS = {k: v for k, v in _CONV_ATTRS.items() if k != 'use_cudnn_on_gpu'}
register_op('DepthwiseConv2dNative', inputs=['input: T', 'filter: T'], outputs=['output: T'],
            attrs=_DEPTHWISE_ATTRS, shape_fn=_depthwise_shape, allowed={'T': _FLOAT})
register_op('DepthwiseConv2dNativeBackpropInput', inputs=['input_sizes: int32', 'filter: T', 'out_backprop: T'],
            outputs=['output: T'], attrs=_DEPTHWISE_ATTRS, shape_fn=_backprop_input_shape)
register_op('DepthwiseConv2dNativeBackpropFilter', inputs=['input: T', 'filter_sizes: int32', 'out_backprop: T'],
            outputs=['output: T'], attrs=_DEPTHWISE_ATTRS, shape_fn=_backprop_filter_shape)

_POOL_ATTRS = {'T': ('type', dtypes.float32), 'ksize': 'list(int)', 'strides': 'list(int)', 'padding': 'string',
               'explicit_paddings': ('list(int)', []), 'data_format': ('string', 'NHWC')}
_AVG_ATTRS = {k: v for k, v in _POOL_ATTRS.items() if k != 'explicit_paddings'}
_AVG_ATTRS['T'] = 'type'
register_op('MaxPool', inputs=['input: T'], outputs=['output: T'], attrs=_POOL_ATTRS, shape_fn=_pool_shape,
            allowed={'T': _REAL})
register_op('MaxPoolGrad', inputs=['orig_input: T', 'orig_output: T', 'grad: T'], outputs=['output: T'],
            attrs=_POOL_ATTRS, shape_fn=_same_as(0))
register_op('AvgPool', inputs=['value: T'], outputs=['output: T'], attrs=_AVG_ATTRS, shape_fn=_pool_shape,
            allowed={'T': _FLOAT})
register_op('AvgPoolGrad', inputs=['orig_input_shape: int32', 'grad: T'], outputs=['output: T'], attrs=_AVG_ATTRS,
            shape_fn=lambda op: [TensorShape(_with_rank(op, _shape_input(op._inputs[0])._dims, 4))])

register_op('TopKV2', inputs=['input: T', 'k: Tk'], outputs=['values: T', 'indices: index_type'],
            attrs={'sorted': ('bool', True), 'T': 'type', 'Tk': ('type', dtypes.int32),
                   'index_type': ('type', dtypes.int32)}, shape_fn=_top_k_shape, allowed={'T': _REAL, 'Tk': _INDEX})
register_op('InTopKV2', inputs=['predictions: float32', 'targets: T', 'k: T'], outputs=['precision: bool'],
            attrs={'T': ('type', dtypes.int32)}, shape_fn=_in_top_k_shape, allowed={'T': _INDEX})

_FBN_ATTRS = {'T': 'type', 'U': 'type', 'epsilon': ('float', 1e-4), 'exponential_avg_factor': ('float', 1.0),
              'data_format': ('string', 'NHWC'), 'is_training': ('bool', True)}
register_op('FusedBatchNormV3', inputs=['x: T', 'scale: U', 'offset: U', 'mean: U', 'variance: U'],
            outputs=['y: T', 'batch_mean: U', 'batch_variance: U', 'reserve_space_1: U', 'reserve_space_2: U',
                     'reserve_space_3: U'], attrs=_FBN_ATTRS, shape_fn=_fused_bn_shape,
            allowed={'T': (dtypes.float16, dtypes.bfloat16, dtypes.float32), 'U': (dtypes.float32,)})
register_op('FusedBatchNormGradV3', inputs=['y_backprop: T', 'x: T', 'scale: float32', 'reserve_space_1: U',
                                            'reserve_space_2: U', 'reserve_space_3: U'],
            outputs=['x_backprop: T', 'scale_backprop: U', 'offset_backprop: U', 'reserve_space_4: U',
                     'reserve_space_5: U'],
            attrs={k: v for k, v in _FBN_ATTRS.items() if k != 'exponential_avg_factor'},
            shape_fn=_fused_bn_grad_shape)


# ---------------------------------------------------------------------------------------------
# Softmax and cross entropies
# ---------------------------------------------------------------------------------------------
def _alias(new, new_name, old, old_name):
    if old is not None:
        if new is not None:
            raise ValueError("Cannot specify both '%s' and '%s'." % (new_name, old_name))
        return old
    return new


def _swap_axis(x, axis, last, name=None):
    """x with `axis` and `last` (a scalar tensor: rank - 1) exchanged, as TF builds it."""
    perm = array_ops.concat([array_ops.range(axis), [last], array_ops.range(axis + 1, last), [axis]], 0)
    return array_ops.transpose(x, perm, name=name)


def _along_axis(op_type, logits, axis, name):
    """op_type (Softmax or LogSoftmax) over `axis`: the last axis natively, others transposed there."""
    logits = convert_to_tensor(logits)
    rank = logits.shape.ndims
    if _graph.is_tensor(axis):
        value = shape_fns.constant_value(axis)
        if value is None:
            raise NotImplementedError('%s needs a constant axis' % op_type)
        axis = int(value)
    if axis == -1 or (rank is not None and axis == rank - 1):
        return op_builder.output(op_type, [logits], None, name)
    if rank is None:
        raise TypeError("unsupported operand type(s) for -: 'NoneType' and 'int'")
    if not -rank <= axis < rank:
        from sluice.engine import errors
        raise errors.InvalidArgumentError(
            None, None, 'Dimension (%d) must be in the range [%d, %d) where %d is the number of dimensions in the '
                        'input.' % (axis, -rank, rank, rank))
    ranks = array_ops.rank(logits)
    if axis < 0:
        axis = axis + ranks  # a tensor, as TF builds it (node 'add')
    last = array_ops.rank(logits)
    axis = axis % rank
    x = _swap_axis(logits, axis, math_ops.subtract(last, 1))
    out = op_builder.output(op_type, [x])
    out = _swap_axis(out, axis, math_ops.subtract(last, 1), name=name)
    out.set_shape(logits.shape)
    return out


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / sum(exp(logits)) along axis (default last), stable (op Softmax)."""
    axis = _alias(axis, 'axis', dim, 'dim')
    return _along_axis('Softmax', logits, -1 if axis is None else axis, name)


def log_softmax(logits, axis=None, name=None, dim=None):
    """logits - log(sum(exp(logits))) along axis (default last), stable (op LogSoftmax)."""
    axis = _alias(axis, 'axis', dim, 'dim')
    return _along_axis('LogSoftmax', logits, -1 if axis is None else axis, name)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (op L2Loss)."""
    return op_builder.output('L2Loss', [t], None, name)


def bias_add(value, bias, data_format=None, name=None):
    """value + bias along the channel axis: the last for N...C, axis 1 for NC... (op BiasAdd)."""
    with name_scope(name, 'BiasAdd', [value, bias]) as scope:
        attrs = {}
        if data_format is not None:
            data_format = _text(data_format)
            if data_format.startswith('NC'):
                attrs['data_format'] = 'NCHW'
            elif data_format.startswith('N') and data_format.endswith('C'):
                attrs['data_format'] = 'NHWC'
            else:
                raise ValueError('data_format must be of the form `N...C` or `NC...`')
        value = convert_to_tensor(value, name='input')
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name='bias')
        return op_builder.output('BiasAdd', [value, bias], attrs, scope)


# ---------------------------------------------------------------------------------------------
# Convolution and pooling
# ---------------------------------------------------------------------------------------------
def _check_choice(op_type, attr, value, choices):
    value = _text(value)
    if value not in choices:
        raise ValueError("Attr '%s' of '%s' Op passed string '%s' not in: %s."
                         % (attr, op_type, value, ', '.join('"%s"' % c for c in choices)))
    return value


def _sequence(value, n, channel_index, name):
    """An int or a list of 1, n or n + 2 ints as the n + 2 values of a 4-D attr (TF's _get_sequence)."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, numbers.Integral):
        value = [value]
    value = [int(v) for v in value]
    if len(value) == n + 2:
        return value
    if len(value) not in (1, n):
        raise ValueError('%s should be of length 1, %d or %d. Received: %s=%s of length %d'
                         % (name, n, n + 2, name, value, len(value)))
    spatial = value * n if len(value) == 1 else value
    return [1] + spatial + [1] if channel_index == 3 else [1, 1] + spatial


def _padding_attrs(op_type, padding, data_format):
    """(padding, explicit_paddings): a list of [before, after] pairs becomes EXPLICIT."""
    if isinstance(padding, (list, tuple)):
        pairs = [list(p) for p in padding]
        if len(pairs) != 4 or any(len(p) != 2 for p in pairs):
            raise ValueError('When padding is a list, it must be of size 4. Got padding of size: %d' % len(pairs))
        c_ax = layout(data_format)[2]
        if pairs[0] != [0, 0] or pairs[c_ax] != [0, 0]:
            raise ValueError('Nonzero explicit padding in the batch or depth dimensions is not supported.')
        return 'EXPLICIT', [int(v) for p in pairs for v in p]
    return _check_choice(op_type, 'padding', padding, ('SAME', 'VALID', 'EXPLICIT')), []


def _conv_attrs(op_type, strides, padding, data_format, dilations, use_cudnn=True):
    data_format = _check_choice(op_type, 'data_format', data_format or 'NHWC', ('NHWC', 'NCHW'))
    c_ax = layout(data_format)[2]
    padding, explicit = _padding_attrs(op_type, padding, data_format)
    attrs = {'strides': _sequence(strides, 2, c_ax, 'strides'), 'padding': padding, 'explicit_paddings': explicit,
             'data_format': data_format, 'dilations': _sequence(dilations, 2, c_ax, 'dilations')}
    if op_type.startswith('Conv2D'):
        attrs['use_cudnn_on_gpu'] = bool(use_cudnn)
    return attrs


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002 - TF's names
           data_format='NHWC', dilations=None, name=None, filters=None):
    """2-D convolution of input [batch, h, w, in] with filter [kh, kw, in, out] (op Conv2D).

    padding: 'SAME', 'VALID' or a list of 4 [before, after] pairs (EXPLICIT); strides and
    dilations: an int or 1, 2 or 4 ints.
    """
    filter = _alias(filters, 'filters', filter, 'filter')
    attrs = _conv_attrs('Conv2D', strides, padding, data_format, dilations, use_cudnn_on_gpu)
    return op_builder.output('Conv2D', [input, filter], attrs, name)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None, padding=None,  # noqa: A002
                          use_cudnn_on_gpu=True, data_format='NHWC', dilations=None, name=None, filters=None):
    """The gradient of conv2d with respect to its input, of shape input_sizes (op Conv2DBackpropInput)."""
    filter = _alias(filters, 'filters', filter, 'filter')
    attrs = _conv_attrs('Conv2DBackpropInput', strides, padding, data_format, dilations, use_cudnn_on_gpu)
    return op_builder.output('Conv2DBackpropInput', [input_sizes, filter, out_backprop], attrs, name)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format='NHWC', dilations=None, name=None):
    """The gradient of conv2d with respect to its filter, of shape filter_sizes (op Conv2DBackpropFilter)."""
    attrs = _conv_attrs('Conv2DBackpropFilter', strides, padding, data_format, dilations, use_cudnn_on_gpu)
    return op_builder.output('Conv2DBackpropFilter', [input, filter_sizes, out_backprop], attrs, name)


def depthwise_conv2d_native(input, filter, strides, padding, data_format='NHWC', dilations=None,  # noqa: A002
                            name=None):
    """Per-channel convolution: filter [kh, kw, in, multiplier] gives in * multiplier channels."""
    attrs = _conv_attrs('DepthwiseConv2dNative', strides, padding, data_format, dilations)
    return op_builder.output('DepthwiseConv2dNative', [input, filter], attrs, name)


def _pool(op_type, value, ksize, strides, padding, data_format, name, input_):
    value = _alias(input_, 'input', value, 'value')
    with name_scope(name, op_type, [value]) as scope:
        data_format = _check_choice(op_type, 'data_format', data_format or 'NHWC', ('NHWC', 'NCHW', 'NCHW_VECT_C'))
        c_ax = 1 if data_format.startswith('NC') else 3
        ksize = _sequence(ksize, 2, c_ax, 'ksize')
        strides = _sequence(strides, 2, c_ax, 'strides')
        if any(v == 0 for v in ksize):
            raise ValueError('ksize cannot be zero.')
        attrs = {'ksize': ksize, 'strides': strides, 'data_format': data_format}
        if op_type == 'MaxPool':
            attrs['padding'], attrs['explicit_paddings'] = _padding_attrs(op_type, padding, data_format)
        else:
            attrs['padding'] = _check_choice(op_type, 'padding', padding, ('SAME', 'VALID'))
        return op_builder.output(op_type, [value], attrs, scope)


def max_pool(value, ksize, strides, padding, data_format='NHWC', name=None, input=None):  # noqa: A002
    """The maximum of each ksize window, moved by strides (op MaxPool)."""
    return _pool('MaxPool', value, ksize, strides, padding, data_format, name, input)


def avg_pool(value, ksize, strides, padding, data_format='NHWC', name=None, input=None):  # noqa: A002
    """The mean of each ksize window; SAME windows average only the values inside the input (op AvgPool)."""
    return _pool('AvgPool', value, ksize, strides, padding, data_format, name, input)


# ---------------------------------------------------------------------------------------------
# Top-k
# ---------------------------------------------------------------------------------------------
TopKV2 = collections.namedtuple('TopKV2', ['values', 'indices'])


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TF's names
    """(values, indices): the k largest entries of the last axis and their indices, largest first;
    ties keep the lower index first (op TopKV2)."""
    return TopKV2(*op_builder.apply('TopKV2', [input, k], {'sorted': bool(sorted)}, name).outputs)


def in_top_k(predictions, targets, k, name=None):
    """Whether each target's prediction is among the k largest of its row (op InTopKV2); a non-finite
    prediction or an out-of-range target gives False."""
    with name_scope(name, 'in_top_k'):
        return op_builder.output('InTopKV2', [predictions, targets, k])


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format='NHWC',
                     is_training=True, name=None, exponential_avg_factor=1.0):
    """Batch normalization of a 4-D tensor in one op (FusedBatchNormV3): (y, mean, variance).

    Training normalizes with the batch statistics and returns them (the variance unbiased);
    inference uses the given mean and variance. epsilon is at least 1.001e-5, as in TF.
    """
    from sluice.ops import constant_op
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


# ---------------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------------
def _grad_op(op_type, inputs, attrs=None):
    g = inputs[0].graph
    return g._create_op(op_type, list(inputs), dict(attrs or {}), name=op_type)._outputs[0]


def _attrs_of(op, names):
    return {n: op._attrs[n] for n in names if n in op._attrs}


@register_gradient('Softmax')
def _softmax_grad(op, grad):
    y = op._outputs[0]
    total = math_ops.reduce_sum(grad * y, -1, keepdims=True)
    return [(grad - total) * y]


@register_gradient('LogSoftmax')
def _log_softmax_grad(op, grad):
    y = math_ops.exp(op._outputs[0])
    return [grad - math_ops.reduce_sum(grad, -1, keepdims=True) * y]


def _is_zeros(t):
    """A gradient tf.gradients filled in for an unused output (TF marks these _is_zeros_tensor)."""
    return getattr(t, '_is_zeros_tensor', False) or t._op._op_def.type == 'ZerosLike'


def _broadcast_mul(vec, mat):
    """vec [batch] times mat [batch, classes], row by row."""
    return array_ops.expand_dims(vec, -1) * mat


@register_gradient('SoftmaxCrossEntropyWithLogits')
def _softmax_xent_grad(op, grad_loss, grad_grad):
    grad = _broadcast_mul(grad_loss, op._outputs[1])
    logits = op._inputs[0]
    if grad_grad is not None and not _is_zeros(grad_grad):
        y = _grad_op('Softmax', [logits])
        inner = array_ops.squeeze(math_ops.matmul(array_ops.expand_dims(grad_grad, 1),
                                                  array_ops.expand_dims(y, 2)), axis=[1])
        grad = grad + (grad_grad - inner) * y
    return [grad, _broadcast_mul(grad_loss, math_ops.negative(_grad_op('LogSoftmax', [logits])))]


@register_gradient('SparseSoftmaxCrossEntropyWithLogits')
def _sparse_softmax_xent_grad(op, grad_loss, grad_grad):
    # TF forbids second derivatives here (PreventGradient); the backprop output is used as is.
    return [_broadcast_mul(grad_loss, op._outputs[1]), None]


@register_gradient('L2Loss')
def _l2_loss_grad(op, grad):
    return [op._inputs[0] * grad]


@register_gradient('BiasAdd')
def _bias_add_grad(op, grad):
    return [grad, _grad_op('BiasAddGrad', [grad], {'data_format': op._attrs['data_format']})]


_CONV_NAMES = ('strides', 'padding', 'explicit_paddings', 'use_cudnn_on_gpu', 'data_format', 'dilations')


@register_gradient('Conv2D')
def _conv2d_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    s0, s1 = array_ops.shape_n([op._inputs[0], op._inputs[1]])
    return [_grad_op('Conv2DBackpropInput', [s0, op._inputs[1], grad], attrs),
            _grad_op('Conv2DBackpropFilter', [op._inputs[0], s1, grad], attrs)]


@register_gradient('Conv2DBackpropInput')
def _conv2d_backprop_input_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [None, _grad_op('Conv2DBackpropFilter', [grad, array_ops.shape(op._inputs[1]), op._inputs[2]], attrs),
            _grad_op('Conv2D', [grad, op._inputs[1]], attrs)]


@register_gradient('Conv2DBackpropFilter')
def _conv2d_backprop_filter_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [_grad_op('Conv2DBackpropInput', [array_ops.shape(op._inputs[0]), grad, op._inputs[2]], attrs), None,
            _grad_op('Conv2D', [op._inputs[0], grad], attrs)]


@register_gradient('DepthwiseConv2dNative')
def _depthwise_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [_grad_op('DepthwiseConv2dNativeBackpropInput', [array_ops.shape(op._inputs[0]), op._inputs[1], grad],
                     attrs),
            _grad_op('DepthwiseConv2dNativeBackpropFilter', [op._inputs[0], array_ops.shape(op._inputs[1]), grad],
                     attrs)]


_POOL_NAMES = ('ksize', 'strides', 'padding', 'explicit_paddings', 'data_format')


@register_gradient('MaxPool')
def _max_pool_grad(op, grad):
    return [_grad_op('MaxPoolGrad', [op._inputs[0], op._outputs[0], grad], _attrs_of(op, _POOL_NAMES))]


@register_gradient('AvgPool')
def _avg_pool_grad(op, grad):
    return [_grad_op('AvgPoolGrad', [array_ops.shape(op._inputs[0]), grad], _attrs_of(op, _POOL_NAMES))]


@register_gradient('TopKV2')
def _top_k_grad(op, grad_values, grad_indices):
    """Scatters each value's gradient back to its position: one_hot(indices) weighted and summed."""
    x, indices = op._inputs[0], op._outputs[1]
    depth = array_ops.shape(x)[-1]
    hot = array_ops.one_hot(indices, depth, dtype=grad_values.dtype.base_dtype)  # [..., k, n]
    grad = math_ops.reduce_sum(array_ops.expand_dims(grad_values, -1) * hot, axis=-2)
    return [grad, None]


@register_gradient('FusedBatchNormV3')
def _fused_batch_norm_grad(op, grad_y, *unused):
    x, scale = op._inputs[0], op._inputs[1]
    attrs = _attrs_of(op, ('epsilon', 'data_format', 'is_training'))
    reserve = (op._outputs[3], op._outputs[4], op._outputs[5]) if op._attrs['is_training'] else \
        (op._inputs[3], op._inputs[4], op._outputs[5])
    outs = x.graph._create_op('FusedBatchNormGradV3', [grad_y, x, scale] + list(reserve), attrs,
                              name='FusedBatchNormGradV3')._outputs
    return [outs[0], outs[1], outs[2], None, None]


no_gradient('InTopKV2')


from sluice.ops.nn_impl import clip_by_average_norm, clip_by_global_norm, clip_by_norm, global_norm  # noqa: E402,F401
