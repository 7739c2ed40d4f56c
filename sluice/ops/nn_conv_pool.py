"""Convolution, pooling and bias in tf.nn, each op a block (declaration, shape function, gradient, public
function): Conv2D and its backprops (tf.nn.conv2d, conv2d_backprop_input/filter, and the compositions
conv1d and conv2d_transpose), DepthwiseConv2dNative and its backprops (depthwise_conv2d_native,
depthwise_conv2d), MaxPool/MaxPoolGrad, AvgPool/AvgPoolGrad, BiasAdd/BiasAddGrad. Kernels in
kernels/nn_conv_pool_kernels.py.

Shape functions check ranks and attr lengths and compute each spatial output size with the window
arithmetic of nn_shape_fns.window_geometry, raising TF 1.x's shape-inference ValueErrors. The public
functions normalize TF's argument forms (an int or 1, 2 or 4 strides; padding 'SAME', 'VALID' or a list of
[before, after] pairs, which becomes EXPLICIT) into the attrs. Gradients build TF's *Backprop* and *Grad
nodes with the forward node's attrs.
"""
import numbers

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops
from sluice.ops.deprecation import deprecated_argument_lookup
from sluice.ops.math_ops import _shape_error
from sluice.ops.nn_shape_fns import (_dims, _merge_dim, _same_as, _shape_input, _text, _with_rank, _with_rank_at_least,
                                     explicit_pairs, layout, window_geometry)

__all__ = ['conv2d', 'conv2d_backprop_input', 'conv2d_backprop_filter', 'conv1d', 'conv2d_transpose',
           'depthwise_conv2d_native', 'depthwise_conv2d', 'max_pool', 'avg_pool', 'bias_add']

_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_REAL = _FLOAT + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16,
                  dtypes.uint32, dtypes.uint64)
_NUMBER = _REAL + (dtypes.complex64, dtypes.complex128)
_CONV = _FLOAT + (dtypes.int32,)


# -- shared by convolution and pooling: output geometry, attrs from arguments, gradient nodes ------------
def _out_dim(op, in_size, k, stride, dilation, padding, explicit=(0, 0)):
    if in_size is None or k is None:
        return None
    try:
        return window_geometry(in_size, k, stride, dilation, padding, explicit)[0]
    except ValueError as e:
        raise _shape_error(op, str(e)) from None


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


def _grad_op(op_type, inputs, attrs=None):
    g = inputs[0].graph
    return g._create_op(op_type, list(inputs), dict(attrs or {}), name=op_type)._outputs[0]


def _attrs_of(op, names):
    return {n: op._attrs[n] for n in names if n in op._attrs}


# -- Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter ---------------------------------------------------
_CONV_ATTRS = {'T': 'type', 'strides': 'list(int)', 'use_cudnn_on_gpu': ('bool', True), 'padding': 'string',
               'explicit_paddings': ('list(int)', []), 'data_format': ('string', 'NHWC'),
               'dilations': ('list(int)', [1, 1, 1, 1])}
_CONV_NAMES = ('strides', 'padding', 'explicit_paddings', 'use_cudnn_on_gpu', 'data_format', 'dilations')


def _conv2d_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    f = _with_rank(op, _dims(op._inputs[1]), 4)
    _check_attr_len(op, 'strides', 'stride')
    _check_attr_len(op, 'dilations', 'dilation')
    c = x[layout(op._attrs['data_format'])[2]]
    if c is not None and f[2] is not None and c % f[2] != 0:
        raise _shape_error(op, 'Depth of input (%d) is not a multiple of input depth of filter (%d)' % (c, f[2]))
    return [_conv_output(op, x, f[:2], f[3])]


register_op('Conv2D', inputs=['input: T', 'filter: T'], outputs=['output: T'], attrs=_CONV_ATTRS,
            shape_fn=_conv2d_shape, allowed={'T': _CONV})


@register_gradient('Conv2D')
def _conv2d_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    s0, s1 = array_ops.shape_n([op._inputs[0], op._inputs[1]])
    return [_grad_op('Conv2DBackpropInput', [s0, op._inputs[1], grad], attrs),
            _grad_op('Conv2DBackpropFilter', [op._inputs[0], s1, grad], attrs)]


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002 - TF's names
           data_format='NHWC', dilations=None, name=None, filters=None):
    """2-D convolution of input [batch, h, w, in] with filter [kh, kw, in, out] (op Conv2D).

    padding: 'SAME', 'VALID' or a list of 4 [before, after] pairs (EXPLICIT); strides and
    dilations: an int or 1, 2 or 4 ints.
    """
    filter = deprecated_argument_lookup('filters', filters, 'filter', filter)
    attrs = _conv_attrs('Conv2D', strides, padding, data_format, dilations, use_cudnn_on_gpu)
    return op_builder.output('Conv2D', [input, filter], attrs, name)


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


register_op('Conv2DBackpropInput', inputs=['input_sizes: int32', 'filter: T', 'out_backprop: T'],
            outputs=['output: T'], attrs=_CONV_ATTRS, shape_fn=_backprop_input_shape, allowed={'T': _CONV})


@register_gradient('Conv2DBackpropInput')
def _conv2d_backprop_input_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [None, _grad_op('Conv2DBackpropFilter', [grad, array_ops.shape(op._inputs[1]), op._inputs[2]], attrs),
            _grad_op('Conv2D', [grad, op._inputs[1]], attrs)]


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None, padding=None,  # noqa: A002
                          use_cudnn_on_gpu=True, data_format='NHWC', dilations=None, name=None, filters=None):
    """The gradient of conv2d with respect to its input, of shape input_sizes (op Conv2DBackpropInput)."""
    filter = deprecated_argument_lookup('filters', filters, 'filter', filter)
    attrs = _conv_attrs('Conv2DBackpropInput', strides, padding, data_format, dilations, use_cudnn_on_gpu)
    return op_builder.output('Conv2DBackpropInput', [input_sizes, filter, out_backprop], attrs, name)


def _backprop_filter_shape(op):
    sizes = _shape_input(op._inputs[1])
    _with_rank(op, _dims(op._inputs[0]), 4)
    _with_rank(op, _dims(op._inputs[2]), 4)
    return [unknown_shape(rank=4) if sizes._dims is None else TensorShape(_with_rank(op, sizes._dims, 4))]


register_op('Conv2DBackpropFilter', inputs=['input: T', 'filter_sizes: int32', 'out_backprop: T'],
            outputs=['output: T'], attrs=_CONV_ATTRS, shape_fn=_backprop_filter_shape, allowed={'T': _CONV})


@register_gradient('Conv2DBackpropFilter')
def _conv2d_backprop_filter_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [_grad_op('Conv2DBackpropInput', [array_ops.shape(op._inputs[0]), grad, op._inputs[2]], attrs), None,
            _grad_op('Conv2D', [op._inputs[0], grad], attrs)]


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                           use_cudnn_on_gpu=True, data_format='NHWC', dilations=None, name=None):
    """The gradient of conv2d with respect to its filter, of shape filter_sizes (op Conv2DBackpropFilter)."""
    attrs = _conv_attrs('Conv2DBackpropFilter', strides, padding, data_format, dilations, use_cudnn_on_gpu)
    return op_builder.output('Conv2DBackpropFilter', [input, filter_sizes, out_backprop], attrs, name)


# -- conv1d, conv2d_transpose (compositions, as TF builds them) ------------------------------------------
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
    value = deprecated_argument_lookup('input', input, 'value', value)
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
        result = conv2d(value, filters, strides, padding,
                        use_cudnn_on_gpu=True if use_cudnn_on_gpu is None else use_cudnn_on_gpu,
                        data_format=data_format, dilations=dilations, name=name)
        return array_ops.squeeze(result, [spatial_start_dim])


def _static_dims(x):
    if _graph.is_tensor(x):
        return convert_to_tensor(x).shape._dims
    return np.shape(x)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding='SAME',  # noqa: A002
                     data_format='NHWC', name=None, input=None, filters=None, dilations=None):  # noqa: A002
    """The transpose of conv2d (op Conv2DBackpropInput): value [batch, h, w, in] and filter
    [kh, kw, out, in] give a tensor of output_shape [batch, oh, ow, out]."""
    value = deprecated_argument_lookup('input', input, 'value', value)
    filter = deprecated_argument_lookup('filters', filters, 'filter', filter)
    with name_scope(name, 'conv2d_transpose', [value, filter, output_shape]) as scope:
        data_format = _text(data_format)
        if data_format not in ('NCHW', 'NHWC'):
            raise ValueError('data_format has to be either NCHW or NHWC.')
        axis = 3 if data_format == 'NHWC' else 1
        v_dims, f_dims = _static_dims(value), _static_dims(filter)
        if v_dims is not None and f_dims is not None and len(v_dims) > axis and len(f_dims) == 4 \
                and None not in (v_dims[axis], f_dims[3]) and v_dims[axis] != f_dims[3]:
            raise ValueError("input channels does not match filter's input channels, %d != %d"
                             % (v_dims[axis], f_dims[3]))
        if isinstance(output_shape, (list, tuple, np.ndarray)):
            if len(output_shape) != 4:
                raise ValueError('output_shape must have shape (4,), got (%d,)' % len(output_shape))
            if f_dims is not None and len(f_dims) == 4 and f_dims[2] is not None \
                    and not _graph.is_tensor(output_shape[axis]) and int(output_shape[axis]) != f_dims[2]:
                raise ValueError("output_shape does not match filter's output channels, %d != %d"
                                 % (int(output_shape[axis]), f_dims[2]))
        elif _graph.is_tensor(output_shape):
            if not convert_to_tensor(output_shape).shape.is_compatible_with(TensorShape([4])):
                raise ValueError('output_shape must have shape (4,), got %s' % convert_to_tensor(output_shape).shape)
        if _text(padding) not in ('VALID', 'SAME'):
            raise ValueError('padding must be either VALID or SAME: %s' % padding)
        return conv2d_backprop_input(output_shape, filter, value, strides, padding, data_format=data_format,
                                     dilations=dilations, name=scope)


# -- DepthwiseConv2dNative and its backprops, depthwise_conv2d -------------------------------------------
_DEPTHWISE_ATTRS = {k: v for k, v in _CONV_ATTRS.items() if k != 'use_cudnn_on_gpu'}


def _depthwise_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    f = _with_rank(op, _dims(op._inputs[1]), 4)
    _check_attr_len(op, 'strides', 'stride')
    c = _merge_dim(op, x[layout(op._attrs['data_format'])[2]], f[2])
    out_c = None if c is None or f[3] is None else c * f[3]
    return [_conv_output(op, x, f[:2], out_c)]


register_op('DepthwiseConv2dNative', inputs=['input: T', 'filter: T'], outputs=['output: T'],
            attrs=_DEPTHWISE_ATTRS, shape_fn=_depthwise_shape, allowed={'T': _FLOAT})


@register_gradient('DepthwiseConv2dNative')
def _depthwise_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [_grad_op('DepthwiseConv2dNativeBackpropInput', [array_ops.shape(op._inputs[0]), op._inputs[1], grad],
                     attrs),
            _grad_op('DepthwiseConv2dNativeBackpropFilter', [op._inputs[0], array_ops.shape(op._inputs[1]), grad],
                     attrs)]


register_op('DepthwiseConv2dNativeBackpropInput', inputs=['input_sizes: int32', 'filter: T', 'out_backprop: T'],
            outputs=['output: T'], attrs=_DEPTHWISE_ATTRS, shape_fn=_backprop_input_shape)


register_op('DepthwiseConv2dNativeBackpropFilter', inputs=['input: T', 'filter_sizes: int32', 'out_backprop: T'],
            outputs=['output: T'], attrs=_DEPTHWISE_ATTRS, shape_fn=_backprop_filter_shape)


def depthwise_conv2d_native(input, filter, strides, padding, data_format='NHWC', dilations=None,  # noqa: A002
                            name=None):
    """Per-channel convolution: filter [kh, kw, in, multiplier] gives in * multiplier channels."""
    attrs = _conv_attrs('DepthwiseConv2dNative', strides, padding, data_format, dilations)
    return op_builder.output('DepthwiseConv2dNative', [input, filter], attrs, name)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,  # noqa: A002
                     dilations=None):
    """tf.nn.depthwise_conv2d: DepthwiseConv2dNative in a 'depthwise' scope (rate = dilations)."""
    dilations = deprecated_argument_lookup('dilations', dilations, 'rate', rate)
    with name_scope(name, 'depthwise', [input, filter]) as scope:
        input = convert_to_tensor(input, name='tensor_in')  # noqa: A001
        filter = convert_to_tensor(filter, name='filter_in')  # noqa: A001
        if dilations is not None and len(dilations) == 2:
            dilations = list(dilations)
        return depthwise_conv2d_native(input, filter, strides, padding, data_format or 'NHWC', dilations,
                                       name=scope)


# -- MaxPool, MaxPoolGrad, AvgPool, AvgPoolGrad ----------------------------------------------------------
_POOL_ATTRS = {'T': ('type', dtypes.float32), 'ksize': 'list(int)', 'strides': 'list(int)', 'padding': 'string',
               'explicit_paddings': ('list(int)', []), 'data_format': ('string', 'NHWC')}
_AVG_ATTRS = {k: v for k, v in _POOL_ATTRS.items() if k != 'explicit_paddings'}
_AVG_ATTRS['T'] = 'type'
_POOL_NAMES = ('ksize', 'strides', 'padding', 'explicit_paddings', 'data_format')


def _pool_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 4)
    ksize, strides = op._attrs['ksize'], op._attrs['strides']
    if len(ksize) != 4:
        raise _shape_error(op, 'Sliding window ksize field must specify 4 dimensions')
    if len(strides) != 4:
        raise _shape_error(op, 'Sliding window strides field must specify 4 dimensions')
    h_ax, w_ax, c_ax = layout(op._attrs['data_format'])
    return [_conv_output(op, x, (ksize[h_ax], ksize[w_ax]), x[c_ax])]


register_op('MaxPool', inputs=['input: T'], outputs=['output: T'], attrs=_POOL_ATTRS, shape_fn=_pool_shape,
            allowed={'T': _REAL})


@register_gradient('MaxPool')
def _max_pool_grad(op, grad):
    return [_grad_op('MaxPoolGrad', [op._inputs[0], op._outputs[0], grad], _attrs_of(op, _POOL_NAMES))]


register_op('MaxPoolGrad', inputs=['orig_input: T', 'orig_output: T', 'grad: T'], outputs=['output: T'],
            attrs=_POOL_ATTRS, shape_fn=_same_as(0))


register_op('AvgPool', inputs=['value: T'], outputs=['output: T'], attrs=_AVG_ATTRS, shape_fn=_pool_shape,
            allowed={'T': _FLOAT})


@register_gradient('AvgPool')
def _avg_pool_grad(op, grad):
    return [_grad_op('AvgPoolGrad', [array_ops.shape(op._inputs[0]), grad], _attrs_of(op, _POOL_NAMES))]


register_op('AvgPoolGrad', inputs=['orig_input_shape: int32', 'grad: T'], outputs=['output: T'], attrs=_AVG_ATTRS,
            shape_fn=lambda op: [TensorShape(_with_rank(op, _shape_input(op._inputs[0])._dims, 4))])


def _pool(op_type, value, ksize, strides, padding, data_format, name, input_):
    value = deprecated_argument_lookup('input', input_, 'value', value)
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


# -- BiasAdd, BiasAddGrad --------------------------------------------------------------------------------
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


register_op('BiasAdd', inputs=['value: T', 'bias: T'], outputs=['output: T'],
            attrs={'T': 'type', 'data_format': ('string', 'NHWC')}, shape_fn=_bias_add_shape, allowed={'T': _NUMBER})


@register_gradient('BiasAdd')
def _bias_add_grad(op, grad):
    return [grad, _grad_op('BiasAddGrad', [grad], {'data_format': op._attrs['data_format']})]


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


def _bias_add_grad_shape(op):
    dy = _dims(op._inputs[0])
    nchw = _text(op._attrs['data_format']) == 'NCHW'
    _with_rank_at_least(op, dy, 3 if nchw else 2)
    return [TensorShape([None if dy is None else dy[1 if nchw else -1]])]


register_op('BiasAddGrad', inputs=['out_backprop: T'], outputs=['output: T'],
            attrs={'T': 'type', 'data_format': ('string', 'NHWC')}, shape_fn=_bias_add_grad_shape)
