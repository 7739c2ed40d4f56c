"""Static shape inference shared by the tf.nn op declarations: rank checks and dim merges that raise TF 1.x's
shape-inference ValueErrors, the (height, width, channel) axes of a data_format, and the window arithmetic
of convolution and pooling, which the kernels (kernels/nn_conv_pool_kernels.py) use too.

Window arithmetic (`window_geometry`) follows TF: the effective filter size is (k - 1) * dilation + 1;
VALID gives (in - eff + stride) // stride and needs in >= eff; SAME gives ceil(in / stride) and pads
max((out - 1) * stride + eff - in, 0), the smaller half before; EXPLICIT takes the pads from the
explicit_paddings attr.
"""
from sluice.ops import shape_fns
from sluice.ops.math_ops import _shape_error


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


def _same_as(index):
    return lambda op: [op._inputs[index]._shape]


def _shape_input(t):
    """A 1-D shape tensor as a TensorShape; knows ShapeN of static shapes (gradient graphs use it)."""
    if t._op._op_def.type == 'ShapeN':
        return t._op._inputs[t._value_index]._shape
    return shape_fns.constant_value_as_shape(t)


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


def explicit_pairs(op, axes):
    """The explicit (before, after) pads of the given axes ((0, 0) unless padding is EXPLICIT)."""
    pads = list(op._attrs.get('explicit_paddings') or [])
    if _text(op._attrs.get('padding')) != 'EXPLICIT' or len(pads) != 8:
        return [(0, 0) for _ in axes]
    return [(pads[2 * a], pads[2 * a + 1]) for a in axes]
