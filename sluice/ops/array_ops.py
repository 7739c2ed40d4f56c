"""Array ops, each a block: declaration (TF's op, argument and attr names; the shape function that
infers static shapes as TF's does, reading constant inputs where TF does), gradient (the ops TF 1.x's
array_grad builds), public function (TF 1.x's argument order, default names and graph-building
shortcuts: `tf.shape` of a fully defined shape is a Const, `tf.zeros` of a small static shape is a
Const, `tf.concat` of one value is an Identity). Shapes and layout live here: Shape, Reshape,
ExpandDims, Squeeze, ConcatV2, Pack, Unpack, Split, Transpose, Tile, Fill, Range, OneHot, IdentityN;
selecting and placing elements (slices, gathers, pads, Where/Select) live in indexing_ops.py.

Broadcasting gradients (`reduce_gradient_args`): the gradient of an operand of a broadcasting op is
summed over the axes the operand was stretched along, then reshaped to the operand's shape. The axes
come from the static shapes when those decide them (no op then), else from BroadcastGradientArgs.
"""
import numbers

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine import tensor_shape
from sluice.engine.graph import Tensor
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import constant_op, math_ops, shape_fns
from sluice.ops.constant_op import constant
from sluice.ops.indexed_slices import as_dense
from sluice.ops.shape_fns import (UNKNOWN, _axis_in, _const_int, _dims, _dims_str, _error, _merge, _partial_vector,
                                  _value, _value_as_shape, _with_rank)

__all__ = ['shape', 'shape_n', 'rank', 'size', 'reshape', 'expand_dims', 'squeeze', 'concat', 'stack', 'unstack',
           'split', 'transpose', 'tile', 'fill', 'zeros', 'ones', 'zeros_like', 'ones_like', 'range', 'linspace',
           'lin_space', 'one_hot', 'clip_by_value', 'identity_n', 'stop_gradient', 'newaxis', 'invert_permutation',
           'slice', 'strided_slice', 'gather', 'gather_nd', 'pad', 'reverse', 'reverse_v2', 'where', 'where_v2',
           'boolean_mask']

newaxis = None
_INDEX = ('type', dtypes.int32)


# -- conversion of nested lists holding tensors (TF registers it for list and tuple) ---------------------
# Building ops from Python values
def _flat(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _convert(value, name=None, dtype=None, preferred=None):
    return _graph.convert_to_tensor(value, dtype=dtype, name=name, preferred_dtype=preferred)


def _scope(name, default, values):
    return _graph.name_scope(name, default, [v for v in _flat(values) if isinstance(v, Tensor)])


def _is_tensor_like(x):
    return isinstance(x, Tensor) or (_graph.is_tensor(x) and not isinstance(x, _graph.Operation))


def _autopack(values, dtype, name):
    must_pack, elems = False, []
    with _graph.get_default_graph().name_scope(name) as scope:
        for i, elem in enumerate(values):
            if _is_tensor_like(elem):
                elem = _graph.convert_to_tensor(elem)
                if dtype is not None and elem.dtype.base_dtype != dtype:
                    raise TypeError('Cannot convert a list containing a tensor of dtype %s to %s (Tensor is: %r)'
                                    % (elem.dtype, dtype, elem))
                must_pack = True
            elif isinstance(elem, (list, tuple)):
                elem = _autopack(elem, dtype, str(i))
                must_pack = must_pack or isinstance(elem, Tensor)
            elems.append(elem)
        if not must_pack:
            return elems
        packed = [e if isinstance(e, Tensor) else constant(e, dtype=dtype, name=str(i)) for i, e in enumerate(elems)]
        return _graph.get_default_graph()._create_op('Pack', [packed], {}, name=scope)._outputs[0]


def _autopacking_conversion(value, dtype=None, name=None, as_ref=False):
    if as_ref:
        return NotImplemented
    first = next((x for x in _flat(value) if _is_tensor_like(x)), None)
    if first is None:
        return NotImplemented
    inferred = _graph.convert_to_tensor(first).dtype.base_dtype
    dtype = inferred if dtype is None else dtypes.as_dtype(dtype).base_dtype
    return _autopack(value, dtype, name or 'packed')


_graph.register_tensor_conversion_function((list, tuple), _autopacking_conversion, priority=99)


# -- BroadcastGradientArgs, and the broadcasting helpers binary gradients share --------------------------
def _broadcast_gradient_args_shape(op):
    for t in op._inputs:
        _with_rank(op, _dims(t), 1)
    return [TensorShape([None]), TensorShape([None])]


# Ops that gradients build, declared as TF does.
register_op('BroadcastGradientArgs', ['s0: T', 's1: T'], ['r0: T', 'r1: T'], {'T': _INDEX},
            _broadcast_gradient_args_shape)


no_gradient('BroadcastGradientArgs')


def broadcast_gradient_args_op(s0, s1):
    """The BroadcastGradientArgs op: the reduction axes (r0, r1) of two run-time shapes."""
    return tuple(op_builder.apply('BroadcastGradientArgs', [s0, s1]).outputs)


def _static_reduction_axes(xs, ys):
    """The axes each of two static shapes was broadcast along, or None when unknown dims decide it."""
    if xs.ndims is None or ys.ndims is None:
        return None
    x, y = xs.as_list(), ys.as_list()
    rank = max(len(x), len(y))
    x, y = [1] * (rank - len(x)) + x, [1] * (rank - len(y)) + y
    rx, ry = [], []
    for axis, (a, b) in enumerate(zip(x, y)):
        if a == 1 and b != 1:
            rx.append(axis)
        elif b == 1 and a != 1:
            ry.append(axis)
        elif a is None or b is None:
            return None
    return rx, ry


def reduce_gradient_args(x, y, gx, gy):
    """gx and gy summed back to the shapes of x and y, the operands of a broadcasting binary op."""
    if gx is None and gy is None:
        return gx, gy
    sx, sy = shape(x), shape(y)
    static = _static_reduction_axes(x.shape, y.shape)
    if static is None:
        rx, ry = broadcast_gradient_args_op(sx, sy)
        must_x = must_y = True
    else:
        rx, ry = static
        must_x = bool(rx) or x.shape.ndims < y.shape.ndims
        must_y = bool(ry) or y.shape.ndims < x.shape.ndims
    if gx is not None and must_x:
        gx = reshape(math_ops.reduce_sum(gx, rx, keepdims=True), sx)
    if gy is not None and must_y:
        gy = reshape(math_ops.reduce_sum(gy, ry, keepdims=True), sy)
    return gx, gy


# -- Shape, ShapeN, Rank, Size ---------------------------------------------------------------------------
# Shape functions
def _shape_shape(op):
    dims = _dims(op._inputs[0])
    return [TensorShape([None if dims is None else len(dims)])]


register_op('Shape', ['input: T'], ['output: out_type'], {'T': 'type', 'out_type': _INDEX}, _shape_shape)


def _shape_n_shape(op):
    return [TensorShape([None if _dims(t) is None else len(_dims(t))]) for t in op._inputs]


register_op('ShapeN', ['input: N * T'], ['output: N * out_type'],
            {'N': 'int', 'T': 'type', 'out_type': _INDEX}, _shape_n_shape)


register_op('Rank', ['input: T'], ['output: int32'], {'T': 'type'}, shape_fns.scalar)


register_op('Size', ['input: T'], ['output: out_type'], {'T': 'type', 'out_type': _INDEX}, shape_fns.scalar)


no_gradient('Shape')
no_gradient('ShapeN')
no_gradient('Rank')
no_gradient('Size')


# Public functions
def _shape_op(op_type, input, name, out_type=None, known=None):
    """Shape/Size/Rank: a Const when the answer is static (TF's optimize=True)."""
    with _scope(name, op_type, [input]) as scope:
        x = _convert(input)
        if known is not None:
            value = known(x._shape._dims)
            if value is not None:
                return constant(value, dtype=out_type or dtypes.int32, name=scope)
        return op_builder.output(op_type, [x], {} if out_type is None else {'out_type': dtypes.as_dtype(out_type)}, name=scope)


def shape(input, name=None, out_type=dtypes.int32):
    return _shape_op('Shape', input, name, out_type,
                     lambda d: None if d is None or None in d else list(d))


def shape_n(input, out_type=dtypes.int32, name=None):
    return op_builder.apply('ShapeN', [list(input)], {'out_type': dtypes.as_dtype(out_type)}, name).outputs


def rank(input, name=None):
    return _shape_op('Rank', input, name, None, lambda d: None if d is None else len(d))


def size(input, name=None, out_type=dtypes.int32):
    return _shape_op('Size', input, name, out_type,
                     lambda d: None if d is None or None in d else int(np.prod(d, dtype=np.int64)))


# -- Reshape, ExpandDims, Squeeze ------------------------------------------------------------------------
def _reshape_shape(op):
    x, target = op._inputs
    out = _value_as_shape(target)._dims
    if out is None:
        return [unknown_shape()]
    in_dims = _dims(x)
    n_in = None if in_dims is None or None in in_dims else int(np.prod(in_dims, dtype=np.int64))
    unknown = [i for i, d in enumerate(out) if d is None]
    known = int(np.prod([d for d in out if d is not None], dtype=np.int64))
    out = list(out)
    if n_in is not None and not unknown and n_in != known:
        raise _error(op, 'Cannot reshape a tensor with %d elements to shape %s (%d elements)'
                     % (n_in, _dims_str(out), known))
    if n_in is not None and len(unknown) == 1 and known > 0:
        if n_in % known:
            raise _error(op, 'Dimension size must be evenly divisible by %d but is %d' % (known, n_in))
        out[unknown[0]] = n_in // known
    return [TensorShape(out)]


register_op('Reshape', ['tensor: T', 'shape: Tshape'], ['output: T'], {'T': 'type', 'Tshape': _INDEX},
            _reshape_shape)


def _expand_dims_shape(op):
    dims, axis = _dims(op._inputs[0]), _const_int(op._inputs[1])
    if dims is None or axis is None:
        return [unknown_shape()]
    rank = len(dims)
    if not -rank - 1 <= axis <= rank:
        raise _error(op, 'dim %d not in the interval [%d, %d].' % (axis, -rank - 1, rank))
    axis = axis + rank + 1 if axis < 0 else axis
    return [TensorShape(dims[:axis] + (1,) + dims[axis:])]


register_op('ExpandDims', ['input: T', 'dim: Tdim'], ['output: T'], {'T': 'type', 'Tdim': _INDEX},
            _expand_dims_shape)


@register_gradient('Reshape')
@register_gradient('ExpandDims')
def _reshape_grad(op, grad):
    return [reshape(as_dense(grad), shape(op.inputs[0])), None]


def reshape(tensor, shape, name=None):
    return op_builder.output('Reshape', [tensor, shape], name=name)


def expand_dims(input, axis=None, name=None, dim=None):
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError('Must specify an axis argument to tf.expand_dims()')
    return op_builder.output('ExpandDims', [input, axis], name=name)


def _squeeze_shape(op):
    dims, axes = _dims(op._inputs[0]), op._attrs['squeeze_dims']
    if dims is None:
        return [unknown_shape()]
    rank = len(dims)
    if not axes:
        if None in dims:
            return [unknown_shape()]
        return [TensorShape([d for d in dims if d != 1])]
    wanted = set()
    for i, a in enumerate(axes):
        if not -rank <= a < rank:
            raise _error(op, 'squeeze_dims[%d] not in [%d,%d).' % (i, -rank, rank))
        a = a + rank if a < 0 else a
        if dims[a] is not None and dims[a] != 1:
            raise _error(op, 'Can not squeeze dim[%d], expected a dimension of 1, got %d' % (a, dims[a]))
        wanted.add(a)
    return [TensorShape([d for i, d in enumerate(dims) if i not in wanted])]


register_op('Squeeze', ['input: T'], ['output: T'], {'T': 'type', 'squeeze_dims': ('list(int)', [])},
            _squeeze_shape)


@register_gradient('Squeeze')
def _squeeze_grad(op, grad):
    return [reshape(as_dense(grad), shape(op.inputs[0]))]


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    if axis is not None and squeeze_dims is not None:
        raise ValueError("Cannot specify both 'axis' and 'squeeze_dims'.")
    axis = squeeze_dims if axis is None else axis
    axis = [] if axis is None else [int(axis)] if np.isscalar(axis) else [int(a) for a in axis]
    return op_builder.output('Squeeze', [input], {'squeeze_dims': axis}, name=name)


# -- ConcatV2, Pack, Unpack ------------------------------------------------------------------------------
def _concat_shape(op):
    values, axis = op._inputs[:-1], _const_int(op._inputs[-1])
    ranks = [len(_dims(t)) for t in values if _dims(t) is not None]
    if not ranks:
        return [unknown_shape()]
    rank = ranks[0]
    for t in values:
        _with_rank(op, _dims(t), rank)
    if axis is None:
        return [unknown_shape(rank=rank)]
    axis = _axis_in(op, axis, rank)
    known = [_dims(t) for t in values if _dims(t) is not None]
    rest = list(known[0][:axis] + known[0][axis + 1:])
    total = 0
    for dims in known[1:]:
        rest = _merge(op, rest, list(dims[:axis] + dims[axis + 1:]))
    for t in values:
        d = None if _dims(t) is None else _dims(t)[axis]
        total = None if total is None or d is None else total + d
    return [TensorShape(rest[:axis] + [total] + rest[axis:])]


register_op('ConcatV2', ['values: N * T', 'axis: Tidx'], ['output: T'],
            {'N': 'int', 'T': 'type', 'Tidx': _INDEX}, _concat_shape)


@register_gradient('ConcatV2')
def _concat_grad(op, grad):
    values, axis = op.inputs[:-1], op.inputs[-1]
    grad = as_dense(grad)
    if len(values) == 1:
        return [grad, None]
    ndims = values[0].shape.ndims
    axis_value = shape_fns.constant_value(axis)
    if axis_value is not None and ndims is not None:
        a = int(axis_value) % ndims
        sizes = [v.shape.as_list()[a] if v.shape.ndims is not None else None for v in values]
        if None not in sizes:  # static sizes: one SplitV by constant sizes
            return split(grad, sizes, a, num=len(values)) + [None]
        a = constant_op.constant(a, dtypes.int32)
    else:
        a = math_ops.floormod(axis, rank(values[0]))
    sizes = stack([gather(s, a) for s in shape_n(values)])
    return split(grad, sizes, a, num=len(values)) + [None]


def _concat_offset_shape(op):
    return [t._shape for t in op._inputs[1:]]


# TF's ConcatV2 gradient (in TF-written graphs): each input's offset along the axis, as a shape vector
register_op('ConcatOffset', ['concat_dim: int32', 'shape: N * int32'], ['offset: N * int32'], {'N': 'int'},
            _concat_offset_shape)
no_gradient('ConcatOffset')


def concat(values, axis, name='concat'):
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:  # TF: no ConcatV2 node, only a check that axis is a scalar
        with _scope(name, 'concat', values) as scope:
            _convert(axis, name='concat_dim', dtype=dtypes.int32).shape.assert_has_rank(0)
            return _graph.get_default_graph()._create_op(
                'Identity', [_convert(values[0])], {}, name=name or 'concat')._outputs[0]
    return op_builder.output('ConcatV2', [values, axis], name=name)


def _pack_shape(op):
    merged = None
    for t in op._inputs:
        dims = _dims(t)
        if dims is None:
            continue
        if merged is not None and len(merged) != len(dims):
            raise _error(op, 'Shapes must be equal rank, but are %d and %d' % (len(merged), len(dims)))
        merged = list(dims) if merged is None else _merge(op, merged, list(dims))
    if merged is None:
        return [unknown_shape()]
    axis = op._attrs['axis']
    rank = len(merged) + 1
    if not -rank <= axis < rank:
        raise _error(op, 'Invalid axis: %d; must be in [%d,%d)' % (axis, -rank, rank))
    axis = axis + rank if axis < 0 else axis
    return [TensorShape(merged[:axis] + [len(op._inputs)] + merged[axis:])]


register_op('Pack', ['values: N * T'], ['output: T'], {'N': 'int', 'T': 'type', 'axis': ('int', 0)},
            _pack_shape)


@register_gradient('Pack')
def _pack_grad(op, grad):
    return unstack(as_dense(grad), num=op.get_attr('N'), axis=op.get_attr('axis'))


def stack(values, axis=0, name='stack'):
    if axis == 0:
        try:  # a list of constants becomes one Const
            return _convert(values, name=name)
        except (TypeError, ValueError):
            pass
    first = _convert(values[0], name=name)._shape._dims
    if first is not None and not -len(first) - 1 <= axis < len(first) + 1:
        raise ValueError('axis = %d not in [%d, %d)' % (axis, -len(first) - 1, len(first) + 1))
    return op_builder.output('Pack', [list(values)], {'axis': axis}, name=name)


def _unpack_shape(op):
    dims, axis, num = _dims(op._inputs[0]), op._attrs['axis'], op._attrs['num']
    if dims is None:
        return [unknown_shape()] * num
    rank = len(dims)
    if not -rank <= axis < rank:
        raise _error(op, 'Invalid axis: %d; must be in [%d,%d)' % (axis, -rank, rank))
    axis = axis + rank if axis < 0 else axis
    if dims[axis] is not None and dims[axis] != num:
        raise _error(op, 'Dimension must be %d but is %d' % (num, dims[axis]))
    return [TensorShape(dims[:axis] + dims[axis + 1:])] * num


register_op('Unpack', ['value: T'], ['output: num * T'], {'num': 'int', 'T': 'type', 'axis': ('int', 0)},
            _unpack_shape)


@register_gradient('Unpack')
def _unpack_grad(op, *grads):
    return [stack(list(grads), axis=op.get_attr('axis'))]


def unstack(value, num=None, axis=0, name='unstack'):
    value = _convert(value)
    if num is None:
        dims = value._shape._dims
        if dims is not None:
            if not -len(dims) <= axis < len(dims):
                raise ValueError('axis = %d not in [%d, %d)' % (axis, -len(dims), len(dims)))
            num = dims[axis]
        if num is None:
            raise ValueError('Cannot infer num from shape %s' % value.shape)
    return op_builder.apply('Unpack', [value], {'num': num, 'axis': axis}, name).outputs


# -- Split, SplitV ---------------------------------------------------------------------------------------
def _split_shape(op):
    axis, (dims, num) = _const_int(op._inputs[0]), (_dims(op._inputs[1]), op._attrs['num_split'])
    if dims is None:
        return [unknown_shape()] * num
    if axis is None:
        return [unknown_shape(rank=len(dims))] * num
    axis = _axis_in(op, axis, len(dims))
    d = dims[axis]
    if d is not None and d % num:
        raise _error(op, 'Dimension size must be evenly divisible by %d but is %d' % (num, d))
    piece = None if d is None else d // num
    return [TensorShape(dims[:axis] + (piece,) + dims[axis + 1:])] * num


register_op('Split', ['split_dim: int32', 'value: T'], ['output: num_split * T'],
            {'num_split': 'int', 'T': 'type'}, _split_shape)


@register_gradient('Split')
def _split_grad(op, *grads):
    return [None, concat(list(grads), op.inputs[0])]


def _split_v_shape(op):
    x, sizes_t, axis_t = op._inputs
    dims, num = _dims(x), op._attrs['num_split']
    axis, sizes = _const_int(axis_t), _value(sizes_t)
    if dims is None:
        return [unknown_shape()] * num
    if axis is None:
        return [unknown_shape(rank=len(dims))] * num
    axis = _axis_in(op, axis, len(dims))
    if sizes is None:
        return [TensorShape(dims[:axis] + (None,) + dims[axis + 1:])] * num
    sizes = [int(s) for s in np.reshape(sizes, [-1])]
    if sizes.count(-1) > 1:
        raise _error(op, 'size_splits can only have one -1')
    d = dims[axis]
    if d is not None:
        known = sum(s for s in sizes if s != -1)
        if (-1 in sizes and known > d) or (-1 not in sizes and known != d):
            raise _error(op, "can't split axis of size %d into pieces of size [%s]" % (d, ','.join(map(str, sizes))))
        sizes = [d - known if s == -1 else s for s in sizes]
    return [TensorShape(dims[:axis] + (None if s == -1 else s,) + dims[axis + 1:]) for s in sizes]


register_op('SplitV', ['value: T', 'size_splits: Tlen', 'split_dim: int32'], ['output: num_split * T'],
            {'num_split': 'int', 'T': 'type', 'Tlen': ('type', dtypes.int64)}, _split_v_shape)


@register_gradient('SplitV')
def _split_v_grad(op, *grads):
    return [concat(list(grads), op.inputs[2]), None, None]


def split(value, num_or_size_splits, axis=0, num=None, name='split'):
    if isinstance(num_or_size_splits, (numbers.Integral, tensor_shape.Dimension)):
        return op_builder.apply('Split', [axis, value], {'num_split': int(num_or_size_splits)}, name).outputs
    sizes = _convert(num_or_size_splits)
    if sizes._shape._dims == ():
        raise ValueError('Rank-0 tensors are not supported as the num_or_size_splits argument to split. '
                         'Argument provided: %s' % (num_or_size_splits,))
    if num is None:
        num = sizes._shape._dims[0] if sizes._shape._dims else None
        if num is None:
            raise ValueError('Cannot infer num from shape %s' % (num_or_size_splits,))
    return op_builder.apply('SplitV', [value, sizes, axis], {'num_split': num}, name).outputs


# -- Transpose, ConjugateTranspose, InvertPermutation ----------------------------------------------------
def _transpose_shape(op):
    dims, perm_t = _dims(op._inputs[0]), op._inputs[1]
    perm = _value(perm_t)
    n = _dims(perm_t)[0] if _dims(perm_t) else None
    if dims is not None and n is not None and n != len(dims):
        raise _error(op, 'Dimension must be %d but is %d' % (len(dims), n))
    if perm is None or dims is None:
        rank = len(dims) if dims is not None else n
        return [unknown_shape(rank=rank)]
    rank = len(dims)
    for p in perm:
        if not -rank <= p < rank:
            raise _error(op, 'perm dim %d is out of range of input rank %d' % (p, rank))
    return [TensorShape([dims[int(p)] for p in perm])]


for _name in ('Transpose', 'ConjugateTranspose'):
    register_op(_name, ['x: T', 'perm: Tperm'], ['y: T'], {'T': 'type', 'Tperm': _INDEX}, _transpose_shape)


@register_gradient('Transpose')
def _transpose_grad(op, grad):
    return [transpose(as_dense(grad), invert_permutation(op.inputs[1])), None]


@register_gradient('ConjugateTranspose')
def _conjugate_transpose_grad(op, grad):
    return [transpose(as_dense(grad), invert_permutation(op.inputs[1]), conjugate=True), None]


def transpose(a, perm=None, name='transpose', conjugate=False):
    with _scope(name, 'transpose', [a]) as scope:
        a = _convert(a, name='a')
        op_type = 'ConjugateTranspose' if conjugate and a.dtype.is_complex else 'Transpose'
        if perm is None:
            dims = a._shape._dims
            if dims is None:  # perm = reverse(range(rank(a)))
                perm = reverse_v2(range(0, rank(a), 1), [0])
            else:
                perm = np.arange(len(dims) - 1, -1, -1, dtype=np.int32)
        return op_builder.output(op_type, [a, perm], name=scope)


def _invert_permutation_shape(op):
    _with_rank(op, _dims(op._inputs[0]), 1)
    return [op._inputs[0]._shape]


register_op('InvertPermutation', ['x: T'], ['y: T'], {'T': _INDEX}, _invert_permutation_shape)


no_gradient('InvertPermutation')


def invert_permutation(x, name=None):
    """The inverse permutation: y[x[i]] = i (op InvertPermutation)."""
    return op_builder.output('InvertPermutation', [x], name=name)


# -- Tile ------------------------------------------------------------------------------------------------
def _tile_shape(op):
    dims, mult_t = _dims(op._inputs[0]), op._inputs[1]
    if dims is not None and _dims(mult_t) is not None and _dims(mult_t)[0] not in (None, len(dims)):
        raise _error(op, 'Shape must be rank %d but is rank %d' % (len(dims), _dims(mult_t)[0]))
    mult = _partial_vector(mult_t)
    if dims is None:
        return [unknown_shape(rank=None if mult is None else len(mult))]
    if mult is None:
        return [unknown_shape(rank=len(dims))]
    return [TensorShape([None if d is None or m is UNKNOWN else d * m for d, m in zip(dims, mult)])]


register_op('Tile', ['input: T', 'multiples: Tmultiples'], ['output: T'], {'T': 'type', 'Tmultiples': _INDEX},
            _tile_shape)


@register_gradient('Tile')
def _tile_grad(op, grad):
    """Reshapes the gradient to [m0, d0, m1, d1, ...] (multiples interleaved with the input's dims) and
    sums over the multiples' axes."""
    x, multiples = op.inputs
    input_shape = shape(x, out_type=multiples.dtype.base_dtype)
    split_shape = reshape(transpose(stack([multiples, input_shape])), [-1])
    axes = range(0, size(split_shape), 2)
    input_grad = math_ops.reduce_sum(reshape(as_dense(grad), split_shape), axes)
    input_grad.set_shape(x.shape)
    return [input_grad, None]


def tile(input, multiples, name=None):
    return op_builder.output('Tile', [input, multiples], name=name)


# -- IdentityN, StopGradient ----------------------------------------------------------------------------
def _identity_n_shape(op):
    return [t._shape for t in op._inputs]


register_op('IdentityN', ['input: T'], ['output: T'], {'T': 'list(type)'}, _identity_n_shape)


@register_gradient('IdentityN')
def _identity_n_grad(op, *grads):
    return list(grads)


def identity_n(input, name=None):
    return op_builder.apply('IdentityN', [list(input)], name=name).outputs


register_op('StopGradient', ['input: T'], ['output: T'], {'T': 'type'}, shape_fns.unchanged)


no_gradient('StopGradient')


def stop_gradient(input, name=None):
    return op_builder.output('StopGradient', [input], name=name)


# PreventGradient: an identity whose derivative is an error (TF's LookupError naming the reason), put
# where a gradient would be silently wrong, such as the second derivative of a fused op's backprop output.
register_op('PreventGradient', ['input: T'], ['output: T'], {'T': 'type', 'message': ('string', '')},
            shape_fns.unchanged)


@register_gradient('PreventGradient')
def _prevent_gradient_grad(op, grad):
    raise LookupError('Gradient explicitly disabled. Reason: %s' % op.get_attr('message'))


def prevent_gradient(input, message='', name=None):
    return op_builder.output('PreventGradient', [input], {'message': message}, name=name)


# Selecting and placing elements (indexing_ops) and tensors made from shapes and counts (filling_ops)
# build on the functions above; array_ops stays their public face, as TF's array_ops is.
from sluice.ops.indexing_ops import (boolean_mask, gather, gather_nd, pad, reverse, reverse_v2,  # noqa: E402,F401
                                     slice, strided_slice, where, where_v2)
from sluice.ops.filling_ops import (fill, lin_space, linspace, one_hot, ones, ones_like, range, zeros,  # noqa: E402,F401
                                    zeros_like)
from sluice.ops.clip_ops import clip_by_value  # noqa: E402,F401  (TF's clip_ops; tf.clip_by_value)
