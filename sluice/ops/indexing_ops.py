"""Selecting and placing elements, each op a block (declaration with its shape function, gradient,
public function): Slice, StridedSlice (and `Tensor.__getitem__`, installed here as TF does: a NumPy-style
index becomes StridedSlice masks, one sparse spec entry per index item, an implicit trailing ellipsis),
StridedSliceGrad, GatherV2 (its gradient an IndexedSlices along axis 0, a dense UnsortedSegmentSum
along others), GatherNd, Pad/PadV2/MirrorPad, ReverseV2, Where, Select/SelectV2 and boolean_mask.
"""
import builtins
import numbers

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine import tensor_shape
from sluice.engine.graph import Tensor
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import math_ops, segment_ops, shape_fns
from sluice.ops.constant_op import constant
from sluice.ops.indexed_slices import IndexedSlices, as_dense
from sluice.ops.shape_fns import (UNKNOWN, _axis_in, _const_int, _dims, _dims_str, _error, _merge, _partial_vector,
                                  _value, _value_as_shape, _with_rank, shrink_error, strided_slice_axes,
                                  strided_slice_index)

from sluice.ops import array_ops
from sluice.ops.array_ops import _INDEX, _convert, _scope

__all__ = ['slice', 'strided_slice', 'gather', 'gather_nd', 'pad', 'reverse', 'reverse_v2', 'where', 'where_v2',
           'boolean_mask']


# -- Slice -----------------------------------------------------------------------------------------------
def _slice_shape(op):
    x, begin_t, size_t = op._inputs
    dims = _dims(x)
    for t in (begin_t, size_t):
        _with_rank(op, _dims(t), 1)
        if dims is not None and _dims(t) is not None and _dims(t)[0] not in (None, len(dims)):
            raise _error(op, 'Shape must be rank %d but is rank %d' % (_dims(t)[0], len(dims)))
    sizes, begins = _partial_vector(size_t), _partial_vector(begin_t)
    if sizes is None:
        return [unknown_shape(rank=None if dims is None else len(dims))]
    out = []
    for i, s in enumerate(sizes):
        if s is UNKNOWN:
            out.append(None)
        elif s == -1:
            b = UNKNOWN if begins is None else begins[i]
            d = None if dims is None else dims[i]
            out.append(None if d is None or b is UNKNOWN else d - b)
        else:
            out.append(s)
    return [TensorShape(out)]


register_op('Slice', ['input: T', 'begin: Index', 'size: Index'], ['output: T'], {'T': 'type', 'Index': 'type'},
            _slice_shape)


@register_gradient('Slice')
def _slice_grad(op, grad):
    """Pads the gradient with zeros back to the input's shape: begin before, the rest after."""
    x, begin = op.inputs[0], op.inputs[1]
    index_type = begin.dtype.base_dtype
    column = array_ops.stack([array_ops.rank(x), 1])
    before = array_ops.reshape(begin, column)
    after = array_ops.reshape(array_ops.shape(x, out_type=index_type) -
                              array_ops.shape(op.outputs[0], out_type=index_type) - begin, column)
    return array_ops.pad(as_dense(grad), array_ops.concat([before, after], 1)), None, None


def slice(input_, begin, size, name=None):
    return op_builder.output('Slice', [input_, begin, size], name=name)


# -- StridedSlice, StridedSliceGrad, and Tensor.__getitem__ ----------------------------------------------
def _strided_slice_shape(op):
    x, *spec = op._inputs
    dims = _dims(x)
    values = [_partial_vector(t) for t in spec]
    if dims is None or any(v is None for v in values):
        return [unknown_shape()]
    masks = [op._attrs[k] for k in ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask')]
    items, message = strided_slice_index(*values, *masks)
    if message is None:
        pairs, message = strided_slice_axes(items, len(dims))
    if message is None:
        message = shrink_error(pairs, dims)
    if message is not None:
        raise _error(op, message)
    by_axis = dict(pairs)
    out, axis = [], 0
    for it in items:
        if it is None:
            out.append(1)
            continue
        n = len(dims) - len(pairs) if it is Ellipsis else 1
        for a in builtins.range(axis, axis + n):
            item = by_axis.get(a, builtins.slice(None))
            if isinstance(item, builtins.slice):
                parts = (item.start, item.stop, item.step)
                if dims[a] is None or any(p is UNKNOWN for p in parts):
                    out.append(None)
                else:
                    out.append(len(builtins.range(*item.indices(dims[a]))))
        axis += n
    return [TensorShape(out)]


register_op('StridedSlice', ['input: T', 'begin: Index', 'end: Index', 'strides: Index'], ['output: T'],
            {'T': 'type', 'Index': 'type', 'begin_mask': ('int', 0), 'end_mask': ('int', 0),
             'ellipsis_mask': ('int', 0), 'new_axis_mask': ('int', 0), 'shrink_axis_mask': ('int', 0)},
            _strided_slice_shape)


_SLICE_MASKS = ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask')


@register_gradient('StridedSlice')
def _strided_slice_grad(op, grad):
    x, begin, end, strides = op.inputs
    masks = {k: op.get_attr(k) for k in _SLICE_MASKS}
    shape = array_ops.shape(x, out_type=begin.dtype.base_dtype)
    dx = op_builder.output('StridedSliceGrad', [shape, begin, end, strides, as_dense(grad)], masks)
    return dx, None, None, None


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                  shrink_axis_mask=0, var=None, name=None):
    if strides is None:
        strides = array_ops.ones_like(begin)
    attrs = {'begin_mask': begin_mask, 'end_mask': end_mask, 'ellipsis_mask': ellipsis_mask,
             'new_axis_mask': new_axis_mask, 'shrink_axis_mask': shrink_axis_mask}
    return op_builder.output('StridedSlice', [input_, begin, end, strides], attrs, name=name)


def _strided_slice_grad_shape(op):
    return [_value_as_shape(op._inputs[0])]


register_op('StridedSliceGrad', ['shape: Index', 'begin: Index', 'end: Index', 'strides: Index', 'dy: T'],
            ['output: T'], {'T': 'type', 'Index': 'type', 'begin_mask': ('int', 0), 'end_mask': ('int', 0),
                            'ellipsis_mask': ('int', 0), 'new_axis_mask': ('int', 0), 'shrink_axis_mask': ('int', 0)},
            _strided_slice_grad_shape)


@register_gradient('StridedSliceGrad')
def _strided_slice_grad_grad(op, grad):
    _, begin, end, strides, _ = op.inputs
    masks = {k: op.get_attr(k) for k in _SLICE_MASKS}
    return None, None, None, None, array_ops.strided_slice(grad, begin, end, strides, **masks)


_SLICE_TYPE_ERROR = ('Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar '
                     'tf.int32/tf.int64 tensors are valid indices')


def _check_index(idx):
    if isinstance(idx, (numbers.Integral, tensor_shape.Dimension)):
        return
    dtype = getattr(idx, 'dtype', None)
    if dtype is None or dtypes.as_dtype(dtype).base_dtype not in (dtypes.int32, dtypes.int64) or \
            (isinstance(idx, Tensor) and idx._shape._dims is not None and len(idx._shape._dims) == 1):
        raise TypeError(_SLICE_TYPE_ERROR + ', got {!r}'.format(idx))


def _index_value(idx):
    return int(idx) if isinstance(idx, (tensor_shape.Dimension, np.integer)) else idx


def _plus_one(idx):
    if not isinstance(idx, Tensor):
        return idx + 1
    try:  # TF builds an 'add' node; a shrunk axis ignores `end`, so without `+` idx itself will do
        return idx + 1
    except TypeError:
        return idx


def _slice_helper(tensor, slice_spec, var=None):
    """Tensor.__getitem__: NumPy-style indexing as one StridedSlice (a bool mask: boolean_mask)."""
    if isinstance(slice_spec, bool) or (isinstance(slice_spec, Tensor) and slice_spec.dtype == dtypes.bool) or \
            (isinstance(slice_spec, np.ndarray) and slice_spec.dtype == bool):
        return boolean_mask(tensor, slice_spec)
    if not isinstance(slice_spec, (list, tuple)):
        slice_spec = [slice_spec]
    begin, end, strides = [], [], []
    begin_mask = end_mask = ellipsis_mask = new_axis_mask = shrink_axis_mask = 0
    for index, s in enumerate(slice_spec):
        bit = 1 << index
        if isinstance(s, builtins.slice):
            if s.start is not None:
                _check_index(s.start)
                begin.append(_index_value(s.start))
            else:
                begin.append(0)
                begin_mask |= bit
            if s.stop is not None:
                _check_index(s.stop)
                end.append(_index_value(s.stop))
            else:
                end.append(0)
                end_mask |= bit
            if s.step is not None:
                _check_index(s.step)
            strides.append(1 if s.step is None else _index_value(s.step))
        elif s is Ellipsis or s is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            if s is Ellipsis:
                ellipsis_mask |= bit
            else:
                new_axis_mask |= bit
        else:
            _check_index(s)
            s = _index_value(s)
            begin.append(s)
            end.append(_plus_one(s))
            strides.append(1)
            shrink_axis_mask |= bit
    index_tensors = [v for v in begin + end + strides if isinstance(v, Tensor)]
    with _graph.name_scope(None, 'strided_slice', [tensor] + index_tensors) as name:
        if begin:
            wide = any(t.dtype.base_dtype == dtypes.int64 for t in index_tensors)
            dtype = dtypes.int64 if wide else None
            packed = [array_ops.stack(v) if dtype is None else _convert(v, name='stack', dtype=dtype)
                      for v in (begin, end, strides)]
        else:
            packed = [constant([], dtype=dtypes.int32)] * 3
        return strided_slice(tensor, *packed, begin_mask=begin_mask, end_mask=end_mask,
                             shrink_axis_mask=shrink_axis_mask, new_axis_mask=new_axis_mask,
                             ellipsis_mask=ellipsis_mask, var=var, name=name)


Tensor.__getitem__ = _slice_helper


# -- GatherV2, GatherNd ----------------------------------------------------------------------------------
def _gather_shape(op):
    params, indices, axis_t = op._inputs
    pdims, idims, axis = _dims(params), _dims(indices), _const_int(axis_t)
    if pdims is None or idims is None or axis is None:
        return [unknown_shape()]
    axis = _axis_in(op, axis, len(pdims))
    return [TensorShape(pdims[:axis] + idims + pdims[axis + 1:])]


register_op('GatherV2', ['params: Tparams', 'indices: Tindices', 'axis: Taxis'], ['output: Tparams'],
            {'batch_dims': ('int', 0), 'Tparams': 'type', 'Tindices': 'type', 'Taxis': 'type'}, _gather_shape)


@register_gradient('GatherV2')
def _gather_grad(op, grad):
    """Axis 0: IndexedSlices(grad rows, indices, array_ops.shape(params)); other axes: a dense segment sum."""
    params, indices, axis_t = op.inputs
    with params.graph.colocate_with(params):
        params_shape = array_ops.shape(params)
    indices_size = array_ops.expand_dims(array_ops.size(indices), 0)
    axis = shape_fns.constant_value(axis_t)
    if axis is not None:
        axis = int(axis)
        if axis < 0 and params.shape.ndims is not None:
            axis += params.shape.ndims
    if axis == 0:
        values_shape = array_ops.concat([indices_size, params_shape[1:]], 0)
        values = array_ops.reshape(as_dense(grad), values_shape)
        return [IndexedSlices(values, array_ops.reshape(indices, indices_size), params_shape), None, None]
    if axis is None or axis < 0:
        axis = math_ops.floormod(math_ops.cast(axis_t, dtypes.int32), array_ops.rank(params))
    # Move the gathered axis to the front, sum rows by index, move it back.
    outer_shape, inner_shape = params_shape[:axis], params_shape[axis + 1:]
    values_shape = array_ops.concat([outer_shape, [-1], inner_shape], 0)
    values_rank, axis_rank = array_ops.size(values_shape), array_ops.size(outer_shape)
    outer_axes = array_ops.range(0, axis_rank)
    inner_axes = array_ops.range(axis_rank + 1, values_rank)
    values = array_ops.reshape(as_dense(grad), values_shape)
    values = array_ops.transpose(values, array_ops.concat([array_ops.reshape(axis_rank, [1]), outer_axes,
                                                           inner_axes], 0))
    flat_indices = array_ops.reshape(indices, indices_size)
    params_grad = segment_ops.unsorted_segment_sum(values, flat_indices, params_shape[axis])
    params_grad = array_ops.transpose(params_grad, array_ops.concat([outer_axes + 1, [0], inner_axes], 0))
    return [params_grad, None, None]


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    if batch_dims:
        raise NotImplementedError('gather with batch_dims != 0 is not supported')
    return op_builder.output('GatherV2', [params, indices, 0 if axis is None else axis], name=name)


def _gather_nd_shape(op):
    pdims, idims = _dims(op._inputs[0]), _dims(op._inputs[1])
    if pdims is None or idims is None or not idims or idims[-1] is None:
        return [unknown_shape()]
    if idims[-1] > len(pdims):
        raise _error(op, 'indices.shape[-1] must be <= params.rank, but saw indices shape: %s and params shape: %s'
                     % (_dims_str(idims), _dims_str(pdims)))
    return [TensorShape(idims[:-1] + pdims[idims[-1]:])]


register_op('GatherNd', ['params: Tparams', 'indices: Tindices'], ['output: Tparams'],
            {'Tparams': 'type', 'Tindices': 'type'}, _gather_nd_shape)


@register_gradient('GatherNd')
def _gather_nd_grad(op, grad):
    """Scatters the gradient back: the index tuples become row numbers of params flattened over
    its first K dims (K = indices.shape[-1]), summed by UnsortedSegmentSum."""
    params, indices = op.inputs
    index_type = indices.dtype.base_dtype
    params_shape = array_ops.shape(params, out_type=index_type)
    k = array_ops.shape(indices, out_type=index_type)[-1]
    outer = params_shape[:k]
    strides = math_ops.cumprod(outer, exclusive=True, reverse=True)
    rows = math_ops.reduce_sum(indices * strides, -1)
    values = array_ops.reshape(as_dense(grad), array_ops.concat([[-1], params_shape[k:]], 0))
    summed = segment_ops.unsorted_segment_sum(values, array_ops.reshape(rows, [-1]), math_ops.reduce_prod(outer))
    return array_ops.reshape(summed, params_shape), None


def gather_nd(params, indices, name=None, batch_dims=0):
    if batch_dims:
        raise NotImplementedError('gather_nd with batch_dims != 0 is not supported')
    return op_builder.output('GatherNd', [params, indices], name=name)


# -- Pad, PadV2, MirrorPad, MirrorPadGrad ----------------------------------------------------------------
def _pad_shape(op):
    dims, pad_t = _dims(op._inputs[0]), op._inputs[1]
    pdims = _dims(pad_t)
    if pdims is not None and (len(pdims) != 2 or pdims[1] not in (None, 2)):
        raise _error(op, 'Shape must be rank 2 with 2 columns but is %s' % _dims_str(pdims))
    if dims is not None and pdims is not None and pdims[0] not in (None, len(dims)):
        raise _error(op, 'Shape must be rank %d but is rank %d' % (pdims[0], len(dims)))
    value = _value(pad_t)
    if dims is None:
        return [unknown_shape(rank=None if pdims is None else pdims[0])]
    if value is None:
        return [unknown_shape(rank=len(dims))]
    if (value < 0).any():
        raise _error(op, 'Paddings must be non-negative')
    return [TensorShape([None if d is None else d + int(p[0]) + int(p[1]) for d, p in zip(dims, value)])]


register_op('Pad', ['input: T', 'paddings: Tpaddings'], ['output: T'], {'T': 'type', 'Tpaddings': _INDEX},
            _pad_shape)


register_op('PadV2', ['input: T', 'paddings: Tpaddings', 'constant_values: T'], ['output: T'],
            {'T': 'type', 'Tpaddings': _INDEX}, _pad_shape)


@register_gradient('Pad')
@register_gradient('PadV2')
def _pad_grad(op, grad):
    x, paddings = op.inputs[:2]
    before = array_ops.slice(paddings, [0, 0], array_ops.stack([array_ops.rank(x), 1]))
    begin = array_ops.reshape(before, [-1])
    x_grad = array_ops.slice(as_dense(grad), begin, array_ops.shape(x, out_type=begin.dtype.base_dtype))
    return (x_grad, None) if op.type == 'Pad' else (x_grad, None, None)


register_op('MirrorPad', ['input: T', 'paddings: Tpaddings'], ['output: T'],
            {'T': 'type', 'Tpaddings': _INDEX, 'mode': 'string'}, _pad_shape)


@register_gradient('MirrorPad')
def _mirror_pad_grad(op, grad):
    return op_builder.output('MirrorPadGrad', [as_dense(grad), op.inputs[1]], {'mode': op.get_attr('mode')}), None


def _mirror_pad_grad_shape(op):
    dims, value = _dims(op._inputs[0]), _value(op._inputs[1])
    if dims is None:
        return [unknown_shape()]
    if value is None:
        return [unknown_shape(rank=len(dims))]
    return [TensorShape([None if d is None else d - int(p[0]) - int(p[1]) for d, p in zip(dims, value)])]


register_op('MirrorPadGrad', ['input: T', 'paddings: Tpaddings'], ['output: T'],
            {'T': 'type', 'Tpaddings': _INDEX, 'mode': 'string'}, _mirror_pad_grad_shape)


@register_gradient('MirrorPadGrad')
def _mirror_pad_grad_grad(op, grad):
    return op_builder.output('MirrorPad', [grad, op.inputs[1]], {'mode': op.get_attr('mode')}), None


def pad(tensor, paddings, mode='CONSTANT', name=None, constant_values=0):
    mode = mode.upper()
    if mode == 'CONSTANT':
        if not isinstance(constant_values, Tensor) and np.all(np.asarray(constant_values) == 0):
            return op_builder.output('Pad', [tensor, paddings], name=name)
        return op_builder.output('PadV2', [tensor, paddings, constant_values], name=name)
    if mode in ('REFLECT', 'SYMMETRIC'):
        return op_builder.output('MirrorPad', [tensor, paddings], {'mode': mode}, name=name)
    raise ValueError('Unknown padding mode: %s' % mode)


# -- ReverseV2 -------------------------------------------------------------------------------------------
def _reverse_shape(op):
    dims, axes = _dims(op._inputs[0]), _value(op._inputs[1])
    if dims is not None and axes is not None:
        seen = set()
        for i, a in enumerate(np.reshape(axes, [-1])):
            a = int(a)
            if not -len(dims) <= a < len(dims):
                raise _error(op, "'axis'[%d] = %d is out of valid range [0, %d" % (i, a, len(dims) - 1))
            a = a + len(dims) if a < 0 else a
            if a in seen:
                raise _error(op, 'axis %d specified more than once.' % a)
            seen.add(a)
    return [op._inputs[0]._shape]


register_op('ReverseV2', ['tensor: T', 'axis: Tidx'], ['output: T'], {'Tidx': _INDEX, 'T': 'type'},
            _reverse_shape)


@register_gradient('ReverseV2')
def _reverse_grad(op, grad):
    return array_ops.reverse(as_dense(grad), op.inputs[1]), None


def reverse(tensor, axis, name=None):
    return op_builder.output('ReverseV2', [tensor, axis], name=name)


reverse_v2 = reverse


# -- Where, Select, SelectV2, boolean_mask ---------------------------------------------------------------
def _where_shape(op):
    dims = _dims(op._inputs[0])
    return [TensorShape([None, None if dims is None else len(dims)])]


register_op('Where', ['input: T'], ['index: int64'], {'T': ('type', dtypes.bool)}, _where_shape)


no_gradient('Where')


def _where(select_type, condition, x, y, name):
    if x is None and y is None:
        with _scope(name, 'Where', [condition]) as scope:
            condition = _convert(condition, name='condition', preferred=dtypes.bool)
            return op_builder.output('Where', [condition], name=scope)
    if x is not None and y is not None:
        return op_builder.output(select_type, [condition, x, y], name=name)
    raise ValueError('x and y must both be non-None or both be None.')


def where(condition, x=None, y=None, name=None):
    """TF1: coordinates of true elements (Where), or Select (cond matches x, or is a vector over x's rows)."""
    return _where('Select', condition, x, y, name)


def where_v2(condition, x=None, y=None, name=None):
    """Coordinates of true elements (Where), or SelectV2 with broadcasting of all three."""
    return _where('SelectV2', condition, x, y, name)


def _select_shape(op):
    cond, t, e = (_dims(x) for x in op._inputs)
    if t is not None and e is not None:
        if len(t) != len(e):
            raise _error(op, 'Shapes must be equal rank, but are %d and %d' % (len(t), len(e)))
        data = _merge(op, list(t), list(e))
    else:
        data = t if t is not None else e
        data = None if data is None else list(data)
    if cond is None or data is None or len(cond) == 0:
        return [unknown_shape() if data is None else TensorShape(data)]
    if len(cond) != 1 or len(data) == 0:
        _with_rank(op, cond, len(data))
        data = _merge(op, data, list(cond))
    else:
        data[0] = _merge(op, [data[0]], list(cond))[0]
    return [TensorShape(data)]


register_op('Select', ['condition: bool', 't: T', 'e: T'], ['output: T'], {'T': 'type'}, _select_shape)


@register_gradient('Select')
def _select_grad(op, grad):
    c, x = op.inputs[0], op.inputs[1]
    zeros = array_ops.zeros_like(x)
    return None, array_ops.where(c, grad, zeros), array_ops.where(c, zeros, grad)


def _select_v2_shape(op):
    dims = [_dims(t) for t in op._inputs]
    out = shape_fns.broadcast_dims(shape_fns.broadcast_dims(dims[1], dims[2], op.name), dims[0], op.name)
    return [unknown_shape() if out is None else TensorShape(out)]


register_op('SelectV2', ['condition: bool', 't: T', 'e: T'], ['output: T'], {'T': 'type'}, _select_v2_shape)


@register_gradient('SelectV2')
def _select_v2_grad(op, grad):
    c, x, y = op.inputs
    out = op.outputs[0]
    zeros = array_ops.zeros([], dtype=grad.dtype.base_dtype)
    gx = array_ops.reduce_gradient_args(x, out, array_ops.where_v2(c, grad, zeros), None)[0]
    gy = array_ops.reduce_gradient_args(y, out, array_ops.where_v2(c, zeros, grad), None)[0]
    return None, gx, gy


def boolean_mask(tensor, mask, name='boolean_mask', axis=None):
    """Elements of `tensor` where `mask` is true: reshape the masked dims into one, Where, Gather."""
    with _scope(name, 'boolean_mask', [tensor, mask]):
        tensor = _convert(tensor, name='tensor')
        mask = _convert(mask, name='mask')
        mdims, tdims = mask._shape._dims, tensor._shape._dims
        if mdims == ():
            raise ValueError('mask cannot be scalar.')
        if mdims is None:
            raise ValueError('Number of mask dimensions must be specified, even if some dimensions are None.  '
                             'E.g. shape=[None] is ok, but shape=None is not.')
        axis = 0 if axis is None else axis
        n = len(mdims)
        tensor.shape[axis:axis + n].assert_is_compatible_with(mask.shape)
        full = array_ops.shape(tensor)
        tensor = array_ops.reshape(tensor, array_ops.concat([full[:axis], [-1], full[axis + n:]], 0))
        if tdims is not None:
            lead = TensorShape(tdims[axis:axis + n]).num_elements()
            tensor.set_shape(list(tdims[:axis]) + [lead] + list(tdims[axis + n:]))
        mask = array_ops.reshape(mask, [-1])
        indices = array_ops.squeeze(where(mask), axis=[1])
        return gather(tensor, indices, axis=axis)
