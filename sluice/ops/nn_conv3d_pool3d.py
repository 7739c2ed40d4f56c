"""3-D convolution and pooling in tf.nn, each op a block (declaration, shape function, gradient, public
function): Conv3D, Conv3DBackpropInputV2, Conv3DBackpropFilterV2 (tf.nn.conv3d, conv3d_transpose,
conv3d_backprop_filter_v2), MaxPool3D / MaxPool3DGrad (tf.nn.max_pool3d) and AvgPool3D / AvgPool3DGrad
(tf.nn.avg_pool3d). Kernels in kernels/nn_conv3d_pool3d_kernels.py.

Attrs are TF's: 5-value strides / ksize / dilations in the data_format's order (NDHWC or NCDHW), padding
SAME or VALID. Output sizes use nn_shape_fns.window_geometry per spatial dim, as the 2-D ops do. The
gradient of MaxPool3DGrad (MaxPool3DGradGrad) is not implemented: a second derivative through max
pooling raises LookupError naming it.
"""
import numbers

from sluice.engine import dtypes
from sluice.engine import op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops
from sluice.ops.deprecation import deprecated_argument_lookup
from sluice.ops.math_ops import _shape_error
from sluice.ops.nn_shape_fns import _dims, _merge_dim, _shape_input, _text, _with_rank, window_geometry

__all__ = ['conv3d', 'conv3d_transpose', 'conv3d_backprop_filter_v2', 'max_pool3d', 'avg_pool3d']

_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_POOL_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32)
_FORMATS = ('NDHWC', 'NCDHW')


def layout3d(data_format):
    """((d, h, w) axes, channel axis) of a 5-D tensor in data_format."""
    return ((2, 3, 4), 1) if _text(data_format) == 'NCDHW' else ((1, 2, 3), 4)


def _check_len(op, name, what):
    values = op._attrs[name]
    if len(values) != 5:
        raise _shape_error(op, '%s requires the %s attribute to contain 5 values, but got: %d'
                           % (op.type, what, len(values)))
    return values


def _output_dims(op, x, window, out_channels):
    """Output dims of a 3-D convolution or pooling of input dims x with window (kd, kh, kw)."""
    spatial, c_ax = layout3d(op._attrs['data_format'])
    strides = _check_len(op, 'strides', 'stride')
    dil = op._attrs.get('dilations') or [1] * 5
    out = [x[0], None, None, None, None]
    for i, ax in enumerate(spatial):
        if x[ax] is not None and window[i] is not None:
            try:
                out[ax] = window_geometry(x[ax], window[i], strides[ax], dil[ax], op._attrs['padding'])[0]
            except ValueError as e:
                raise _shape_error(op, str(e)) from None
    out[c_ax] = out_channels
    return TensorShape(out)


def _grad_op(op_type, inputs, attrs):
    return inputs[0].graph._create_op(op_type, list(inputs), dict(attrs), name=op_type)._outputs[0]


def _attrs_of(op, names):
    return {n: op._attrs[n] for n in names if n in op._attrs}


def _sequence(value, name, data_format):
    """An int or 1, 3 or 5 ints as the 5 values of a 3-D attr in data_format's order."""
    if isinstance(value, numbers.Integral):
        value = [value]
    value = [int(v) for v in value]
    if len(value) == 5:
        return value
    if len(value) not in (1, 3):
        raise ValueError('%s should be of length 1, 3 or 5. Received: %s=%s of length %d'
                         % (name, name, value, len(value)))
    spatial = value * 3 if len(value) == 1 else value
    return [1] + spatial + [1] if _text(data_format) == 'NDHWC' else [1, 1] + spatial


def _choice(op_type, attr, value, choices):
    value = _text(value)
    if value not in choices:
        raise ValueError("Attr '%s' of '%s' Op passed string '%s' not in: %s."
                         % (attr, op_type, value, ', '.join('"%s"' % c for c in choices)))
    return value


def _conv_attrs(op_type, strides, padding, data_format, dilations):
    data_format = _choice(op_type, 'data_format', data_format or 'NDHWC', _FORMATS)
    return {'strides': _sequence(strides, 'strides', data_format),
            'padding': _choice(op_type, 'padding', padding, ('SAME', 'VALID')), 'data_format': data_format,
            'dilations': _sequence(dilations if dilations is not None else 1, 'dilations', data_format)}


# -- Conv3D, Conv3DBackpropInputV2, Conv3DBackpropFilterV2 -----------------------------------------------
_CONV_ATTRS = {'T': 'type', 'strides': 'list(int)', 'padding': 'string', 'data_format': ('string', 'NDHWC'),
               'dilations': ('list(int)', [1, 1, 1, 1, 1])}
_CONV_NAMES = ('strides', 'padding', 'data_format', 'dilations')


def _conv3d_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 5)
    f = _with_rank(op, _dims(op._inputs[1]), 5)
    _check_len(op, 'dilations', 'dilation')
    c = x[layout3d(op._attrs['data_format'])[1]]
    if c is not None and f[3] is not None and c % f[3] != 0:
        raise _shape_error(op, 'Depth of input (%d) is not a multiple of input depth of filter (%d)' % (c, f[3]))
    return [_output_dims(op, x, f[:3], f[4])]


register_op('Conv3D', inputs=['input: T', 'filter: T'], outputs=['output: T'], attrs=_CONV_ATTRS,
            shape_fn=_conv3d_shape, allowed={'T': _FLOAT})


@register_gradient('Conv3D')
def _conv3d_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    s0, s1 = array_ops.shape_n([op._inputs[0], op._inputs[1]])
    return [_grad_op('Conv3DBackpropInputV2', [s0, op._inputs[1], grad], attrs),
            _grad_op('Conv3DBackpropFilterV2', [op._inputs[0], s1, grad], attrs)]


def conv3d(input, filter=None, strides=None, padding=None, data_format='NDHWC', dilations=None,  # noqa: A002
           name=None, filters=None):
    """3-D convolution of input [batch, d, h, w, in] with filter [kd, kh, kw, in, out] (op Conv3D)."""
    filter = deprecated_argument_lookup('filters', filters, 'filter', filter)  # noqa: A001
    attrs = _conv_attrs('Conv3D', strides, padding, data_format, dilations)
    return op_builder.output('Conv3D', [input, filter], attrs, name)


def _backprop_input_shape(op):
    sizes = _shape_input(op._inputs[0])
    f = _with_rank(op, _dims(op._inputs[1]), 5)
    dy = _with_rank(op, _dims(op._inputs[2]), 5)
    _merge_dim(op, dy[layout3d(op._attrs['data_format'])[1]], f[4])
    dims = list(_with_rank(op, sizes._dims, 5))
    if dims[0] is None:
        dims[0] = dy[0]
    return [TensorShape(dims)]


register_op('Conv3DBackpropInputV2', inputs=['input_sizes: Tshape', 'filter: T', 'out_backprop: T'],
            outputs=['output: T'], attrs=dict(_CONV_ATTRS, Tshape=('type', dtypes.int32)),
            shape_fn=_backprop_input_shape, allowed={'T': _FLOAT, 'Tshape': (dtypes.int32, dtypes.int64)})


@register_gradient('Conv3DBackpropInputV2')
def _conv3d_backprop_input_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [None, _grad_op('Conv3DBackpropFilterV2', [grad, array_ops.shape(op._inputs[1]), op._inputs[2]], attrs),
            _grad_op('Conv3D', [grad, op._inputs[1]], attrs)]


def conv3d_transpose(value=None, filter=None, output_shape=None, strides=None, padding='SAME',  # noqa: A002
                     data_format='NDHWC', name=None, input=None, filters=None, dilations=None):  # noqa: A002
    """The transpose of conv3d (op Conv3DBackpropInputV2): value [batch, d, h, w, in] and filter
    [kd, kh, kw, out, in] give a tensor of output_shape [batch, od, oh, ow, out]."""
    value = deprecated_argument_lookup('input', input, 'value', value)
    filter = deprecated_argument_lookup('filters', filters, 'filter', filter)  # noqa: A001
    with name_scope(name, 'conv3d_transpose', [value, filter, output_shape]) as scope:
        attrs = _conv_attrs('Conv3DBackpropInputV2', strides, padding, data_format, dilations)
        axis = layout3d(attrs['data_format'])[1]
        v, f = convert_to_tensor(value, name='value'), convert_to_tensor(filter, name='filter')
        vd, fd = v.shape._dims, f.shape._dims
        if vd is not None and fd is not None and len(vd) == 5 and len(fd) == 5 \
                and None not in (vd[axis], fd[4]) and vd[axis] != fd[4]:
            raise ValueError("input channels does not match filter's input channels, %d != %d" % (vd[axis], fd[4]))
        return op_builder.output('Conv3DBackpropInputV2', [output_shape, f, v], attrs, scope)


def _backprop_filter_shape(op):
    sizes = _shape_input(op._inputs[1])
    _with_rank(op, _dims(op._inputs[0]), 5)
    _with_rank(op, _dims(op._inputs[2]), 5)
    return [unknown_shape(rank=5) if sizes._dims is None else TensorShape(_with_rank(op, sizes._dims, 5))]


register_op('Conv3DBackpropFilterV2', inputs=['input: T', 'filter_sizes: int32', 'out_backprop: T'],
            outputs=['output: T'], attrs=_CONV_ATTRS, shape_fn=_backprop_filter_shape, allowed={'T': _FLOAT})


@register_gradient('Conv3DBackpropFilterV2')
def _conv3d_backprop_filter_grad(op, grad):
    attrs = _attrs_of(op, _CONV_NAMES)
    return [_grad_op('Conv3DBackpropInputV2', [array_ops.shape(op._inputs[0]), grad, op._inputs[2]], attrs), None,
            _grad_op('Conv3D', [op._inputs[0], grad], attrs)]


def conv3d_backprop_filter_v2(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                              data_format='NDHWC', dilations=None, name=None):
    """The gradient of conv3d with respect to its filter, of shape filter_sizes (op Conv3DBackpropFilterV2)."""
    attrs = _conv_attrs('Conv3DBackpropFilterV2', strides, padding, data_format, dilations)
    return op_builder.output('Conv3DBackpropFilterV2', [input, filter_sizes, out_backprop], attrs, name)


# -- MaxPool3D, MaxPool3DGrad, AvgPool3D, AvgPool3DGrad --------------------------------------------------
_POOL_ATTRS = {'ksize': 'list(int)', 'strides': 'list(int)', 'padding': 'string',
               'data_format': ('string', 'NDHWC'), 'T': 'type'}
_POOL_NAMES = ('ksize', 'strides', 'padding', 'data_format')


def _pool3d_shape(op):
    x = _with_rank(op, _dims(op._inputs[0]), 5)
    ksize = op._attrs['ksize']
    if len(ksize) != 5:
        raise _shape_error(op, 'Sliding window ksize field must specify 5 dimensions')
    spatial, c_ax = layout3d(op._attrs['data_format'])
    if ksize[0] != 1 or ksize[c_ax] != 1:
        raise _shape_error(op, 'Pooling is not yet supported on the batch or depth dimensions.')
    return [_output_dims(op, x, [ksize[a] for a in spatial], x[c_ax])]


register_op('MaxPool3D', inputs=['input: T'], outputs=['output: T'], attrs=_POOL_ATTRS, shape_fn=_pool3d_shape,
            allowed={'T': _POOL_FLOAT})


@register_gradient('MaxPool3D')
def _max_pool3d_grad(op, grad):
    return [_grad_op('MaxPool3DGrad', [op._inputs[0], op._outputs[0], grad], _attrs_of(op, _POOL_NAMES))]


register_op('MaxPool3DGrad', inputs=['orig_input: TInput', 'orig_output: TInput', 'grad: T'], outputs=['output: T'],
            attrs=dict(_POOL_ATTRS, T=('type', dtypes.float32), TInput=('type', dtypes.float32)),
            shape_fn=lambda op: [op._inputs[0]._shape], allowed={'T': _POOL_FLOAT, 'TInput': _POOL_FLOAT})


register_op('AvgPool3D', inputs=['input: T'], outputs=['output: T'], attrs=_POOL_ATTRS, shape_fn=_pool3d_shape,
            allowed={'T': _FLOAT})


@register_gradient('AvgPool3D')
def _avg_pool3d_grad(op, grad):
    return [_grad_op('AvgPool3DGrad', [array_ops.shape(op._inputs[0]), grad], _attrs_of(op, _POOL_NAMES))]


register_op('AvgPool3DGrad', inputs=['orig_input_shape: int32', 'grad: T'], outputs=['output: T'],
            attrs=_POOL_ATTRS, allowed={'T': _FLOAT},
            shape_fn=lambda op: [TensorShape(_with_rank(op, _shape_input(op._inputs[0])._dims, 5))])


@register_gradient('AvgPool3DGrad')
def _avg_pool3d_grad_grad(op, grad):
    return [None, _grad_op('AvgPool3D', [grad], _attrs_of(op, _POOL_NAMES))]


def _pool3d(op_type, input, ksize, strides, padding, data_format, name):  # noqa: A002
    with name_scope(name, op_type, [input]) as scope:
        data_format = _choice(op_type, 'data_format', data_format or 'NDHWC', _FORMATS)
        attrs = {'ksize': _sequence(ksize, 'ksize', data_format), 'strides': _sequence(strides, 'strides', data_format),
                 'padding': _choice(op_type, 'padding', padding, ('SAME', 'VALID')), 'data_format': data_format}
        return op_builder.output(op_type, [input], attrs, scope)


def max_pool3d(input, ksize, strides, padding, data_format='NDHWC', name=None):  # noqa: A002
    """The maximum of each ksize window of a 5-D input, moved by strides (op MaxPool3D)."""
    return _pool3d('MaxPool3D', input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format='NDHWC', name=None):  # noqa: A002
    """The mean of each ksize window of a 5-D input; SAME windows average only in-input values (op AvgPool3D)."""
    return _pool3d('AvgPool3D', input, ksize, strides, padding, data_format, name)
