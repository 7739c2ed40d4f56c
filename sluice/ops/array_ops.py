"""Array ops: shapes, reshaping, joining/splitting, slicing and indexing, padding, filling.

Each op type is declared with TF's op type, argument and attr names and a shape function that
infers static shapes as TF's does, reading constant inputs where TF does (the shape functions and
the StridedSlice decoding live in array_shape_fns.py; their gradients in array_grad.py). The public functions follow TF 1.x (compat.v1): their argument order, default node
names, and the small graph-building shortcuts TF takes (`tf.shape` of a fully defined shape is a
Const, `tf.zeros` of a small static shape is a Const, `tf.concat` of one value is an Identity).

Inputs that are Python values are converted the way TF's op builder does: inside a name scope
named after the op, each named after its argument ('Reshape/shape'), with the dtype a type attr
already has or its default as the preferred dtype; the op then takes the scope's name.

`Tensor.__getitem__` (installed here, as TF does) turns a NumPy-style index into StridedSlice
masks: one sparse spec entry per index item, an implicit trailing ellipsis.
"""
import builtins
import numbers

import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.engine.graph import Tensor
from sluice.engine.op_registry import register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import shape_fns
from sluice.ops.constant_op import _infer_dtype, constant
from sluice.ops.array_shape_fns import (  # noqa: F401  (the shape functions; decoding used by kernels)
    UNKNOWN, _concat_shape, _expand_dims_shape, _fill_shape, _gather_nd_shape, _gather_shape, _identity_n_shape,
    _linspace_shape, _one_hot_shape, _pack_shape, _pad_shape, _range_shape, _reshape_shape, _reverse_shape,
    _select_shape, _select_v2_shape, _shape_n_shape, _shape_shape, _slice_shape, _split_shape, _split_v_shape,
    _squeeze_shape, _strided_slice_shape, _tile_shape, _transpose_shape, _unpack_shape, _value, _where_shape,
    range_size, shrink_error, strided_slice_axes, strided_slice_index, _broadcast_gradient_args_shape,
    _invert_permutation_shape, _mirror_pad_grad_shape, _strided_slice_grad_shape)

__all__ = ['shape', 'shape_n', 'rank', 'size', 'reshape', 'expand_dims', 'squeeze', 'concat', 'stack',
           'unstack', 'split', 'slice', 'strided_slice', 'gather', 'gather_nd', 'transpose', 'tile', 'pad',
           'fill', 'zeros', 'ones', 'zeros_like', 'ones_like', 'range', 'linspace', 'lin_space', 'one_hot',
           'where', 'where_v2', 'reverse', 'reverse_v2', 'clip_by_value', 'identity_n', 'boolean_mask',
           'stop_gradient', 'newaxis', 'invert_permutation']

newaxis = None


# ---------------------------------------------------------------------------------------------
# Op declarations
# ---------------------------------------------------------------------------------------------
_INDEX = ('type', dtypes.int32)
register_op('Shape', ['input: T'], ['output: out_type'], {'T': 'type', 'out_type': _INDEX}, _shape_shape)
register_op('ShapeN', ['input: N * T'], ['output: N * out_type'],
            {'N': 'int', 'T': 'type', 'out_type': _INDEX}, _shape_n_shape)
register_op('Rank', ['input: T'], ['output: int32'], {'T': 'type'}, shape_fns.scalar)
register_op('Size', ['input: T'], ['output: out_type'], {'T': 'type', 'out_type': _INDEX}, shape_fns.scalar)
register_op('Reshape', ['tensor: T', 'shape: Tshape'], ['output: T'], {'T': 'type', 'Tshape': _INDEX},
            _reshape_shape)
register_op('ExpandDims', ['input: T', 'dim: Tdim'], ['output: T'], {'T': 'type', 'Tdim': _INDEX},
            _expand_dims_shape)
register_op('Squeeze', ['input: T'], ['output: T'], {'T': 'type', 'squeeze_dims': ('list(int)', [])},
            _squeeze_shape)
register_op('ConcatV2', ['values: N * T', 'axis: Tidx'], ['output: T'],
            {'N': 'int', 'T': 'type', 'Tidx': _INDEX}, _concat_shape)
register_op('Pack', ['values: N * T'], ['output: T'], {'N': 'int', 'T': 'type', 'axis': ('int', 0)},
            _pack_shape)
register_op('Unpack', ['value: T'], ['output: num * T'], {'num': 'int', 'T': 'type', 'axis': ('int', 0)},
            _unpack_shape)
register_op('Split', ['split_dim: int32', 'value: T'], ['output: num_split * T'],
            {'num_split': 'int', 'T': 'type'}, _split_shape)
register_op('SplitV', ['value: T', 'size_splits: Tlen', 'split_dim: int32'], ['output: num_split * T'],
            {'num_split': 'int', 'T': 'type', 'Tlen': ('type', dtypes.int64)}, _split_v_shape)
register_op('Slice', ['input: T', 'begin: Index', 'size: Index'], ['output: T'], {'T': 'type', 'Index': 'type'},
            _slice_shape)
register_op('StridedSlice', ['input: T', 'begin: Index', 'end: Index', 'strides: Index'], ['output: T'],
            {'T': 'type', 'Index': 'type', 'begin_mask': ('int', 0), 'end_mask': ('int', 0),
             'ellipsis_mask': ('int', 0), 'new_axis_mask': ('int', 0), 'shrink_axis_mask': ('int', 0)},
            _strided_slice_shape)
register_op('GatherV2', ['params: Tparams', 'indices: Tindices', 'axis: Taxis'], ['output: Tparams'],
            {'batch_dims': ('int', 0), 'Tparams': 'type', 'Tindices': 'type', 'Taxis': 'type'}, _gather_shape)
register_op('GatherNd', ['params: Tparams', 'indices: Tindices'], ['output: Tparams'],
            {'Tparams': 'type', 'Tindices': 'type'}, _gather_nd_shape)
for _name in ('Transpose', 'ConjugateTranspose'):
    register_op(_name, ['x: T', 'perm: Tperm'], ['y: T'], {'T': 'type', 'Tperm': _INDEX}, _transpose_shape)
register_op('Tile', ['input: T', 'multiples: Tmultiples'], ['output: T'], {'T': 'type', 'Tmultiples': _INDEX},
            _tile_shape)
register_op('Pad', ['input: T', 'paddings: Tpaddings'], ['output: T'], {'T': 'type', 'Tpaddings': _INDEX},
            _pad_shape)
register_op('PadV2', ['input: T', 'paddings: Tpaddings', 'constant_values: T'], ['output: T'],
            {'T': 'type', 'Tpaddings': _INDEX}, _pad_shape)
register_op('MirrorPad', ['input: T', 'paddings: Tpaddings'], ['output: T'],
            {'T': 'type', 'Tpaddings': _INDEX, 'mode': 'string'}, _pad_shape)
register_op('Fill', ['dims: index_type', 'value: T'], ['output: T'], {'T': 'type', 'index_type': _INDEX},
            _fill_shape)
register_op('ZerosLike', ['x: T'], ['y: T'], {'T': 'type'}, shape_fns.unchanged)
register_op('OnesLike', ['x: T'], ['y: T'], {'T': 'type'}, shape_fns.unchanged)
register_op('Range', ['start: Tidx', 'limit: Tidx', 'delta: Tidx'], ['output: Tidx'], {'Tidx': _INDEX},
            _range_shape)
register_op('LinSpace', ['start: T', 'stop: T', 'num: Tidx'], ['output: T'], {'T': 'type', 'Tidx': _INDEX},
            _linspace_shape)
register_op('OneHot', ['indices: TI', 'depth: int32', 'on_value: T', 'off_value: T'], ['output: T'],
            {'axis': ('int', -1), 'T': 'type', 'TI': ('type', dtypes.int64)}, _one_hot_shape)
register_op('Where', ['input: T'], ['index: int64'], {'T': ('type', dtypes.bool)}, _where_shape)
register_op('Select', ['condition: bool', 't: T', 'e: T'], ['output: T'], {'T': 'type'}, _select_shape)
register_op('SelectV2', ['condition: bool', 't: T', 'e: T'], ['output: T'], {'T': 'type'}, _select_v2_shape)
register_op('ReverseV2', ['tensor: T', 'axis: Tidx'], ['output: T'], {'Tidx': _INDEX, 'T': 'type'},
            _reverse_shape)
register_op('IdentityN', ['input: T'], ['output: T'], {'T': 'list(type)'}, _identity_n_shape)
register_op('StopGradient', ['input: T'], ['output: T'], {'T': 'type'}, shape_fns.unchanged)
# Ops that gradients build (declared as TF does; see array_grad.py).
register_op('BroadcastGradientArgs', ['s0: T', 's1: T'], ['r0: T', 'r1: T'], {'T': _INDEX},
            _broadcast_gradient_args_shape)
register_op('InvertPermutation', ['x: T'], ['y: T'], {'T': _INDEX}, _invert_permutation_shape)
register_op('StridedSliceGrad', ['shape: Index', 'begin: Index', 'end: Index', 'strides: Index', 'dy: T'],
            ['output: T'], {'T': 'type', 'Index': 'type', 'begin_mask': ('int', 0), 'end_mask': ('int', 0),
                            'ellipsis_mask': ('int', 0), 'new_axis_mask': ('int', 0), 'shrink_axis_mask': ('int', 0)},
            _strided_slice_grad_shape)
register_op('MirrorPadGrad', ['input: T', 'paddings: Tpaddings'], ['output: T'],
            {'T': 'type', 'Tpaddings': _INDEX, 'mode': 'string'}, _mirror_pad_grad_shape)


# ---------------------------------------------------------------------------------------------
# Building ops from Python values
# ---------------------------------------------------------------------------------------------
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


# -- automatic packing of lists that hold tensors (registered for list and tuple, as in TF) --
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


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------
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


def reshape(tensor, shape, name=None):
    return op_builder.output('Reshape', [tensor, shape], name=name)


def expand_dims(input, axis=None, name=None, dim=None):
    if axis is not None and dim is not None:
        raise ValueError("Cannot specify both 'axis' and 'dim'.")
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError('Must specify an axis argument to tf.expand_dims()')
    return op_builder.output('ExpandDims', [input, axis], name=name)


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    if axis is not None and squeeze_dims is not None:
        raise ValueError("Cannot specify both 'axis' and 'squeeze_dims'.")
    axis = squeeze_dims if axis is None else axis
    axis = [] if axis is None else [int(axis)] if np.isscalar(axis) else [int(a) for a in axis]
    return op_builder.output('Squeeze', [input], {'squeeze_dims': axis}, name=name)


def concat(values, axis, name='concat'):
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:  # TF: no ConcatV2 node, only a check that axis is a scalar
        with _scope(name, 'concat', values) as scope:
            _convert(axis, name='concat_dim', dtype=dtypes.int32).shape.assert_has_rank(0)
            return _graph.get_default_graph()._create_op(
                'Identity', [_convert(values[0])], {}, name=name or 'concat')._outputs[0]
    return op_builder.output('ConcatV2', [values, axis], name=name)


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


def slice(input_, begin, size, name=None):
    return op_builder.output('Slice', [input_, begin, size], name=name)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                  shrink_axis_mask=0, var=None, name=None):
    if strides is None:
        strides = ones_like(begin)
    attrs = {'begin_mask': begin_mask, 'end_mask': end_mask, 'ellipsis_mask': ellipsis_mask,
             'new_axis_mask': new_axis_mask, 'shrink_axis_mask': shrink_axis_mask}
    return op_builder.output('StridedSlice', [input_, begin, end, strides], attrs, name=name)


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
            packed = [stack(v) if dtype is None else _convert(v, name='stack', dtype=dtype)
                      for v in (begin, end, strides)]
        else:
            packed = [constant([], dtype=dtypes.int32)] * 3
        return strided_slice(tensor, *packed, begin_mask=begin_mask, end_mask=end_mask,
                             shrink_axis_mask=shrink_axis_mask, new_axis_mask=new_axis_mask,
                             ellipsis_mask=ellipsis_mask, var=var, name=name)


Tensor.__getitem__ = _slice_helper


def gather(params, indices, validate_indices=None, name=None, axis=None, batch_dims=0):
    if batch_dims:
        raise NotImplementedError('gather with batch_dims != 0 is not supported')
    return op_builder.output('GatherV2', [params, indices, 0 if axis is None else axis], name=name)


def gather_nd(params, indices, name=None, batch_dims=0):
    if batch_dims:
        raise NotImplementedError('gather_nd with batch_dims != 0 is not supported')
    return op_builder.output('GatherNd', [params, indices], name=name)


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


def invert_permutation(x, name=None):
    """The inverse permutation: y[x[i]] = i (op InvertPermutation)."""
    return op_builder.output('InvertPermutation', [x], name=name)


def tile(input, multiples, name=None):
    return op_builder.output('Tile', [input, multiples], name=name)


def pad(tensor, paddings, mode='CONSTANT', name=None, constant_values=0):
    mode = mode.upper()
    if mode == 'CONSTANT':
        if not isinstance(constant_values, Tensor) and np.all(np.asarray(constant_values) == 0):
            return op_builder.output('Pad', [tensor, paddings], name=name)
        return op_builder.output('PadV2', [tensor, paddings, constant_values], name=name)
    if mode in ('REFLECT', 'SYMMETRIC'):
        return op_builder.output('MirrorPad', [tensor, paddings], {'mode': mode}, name=name)
    raise ValueError('Unknown padding mode: %s' % mode)


def fill(dims, value, name=None):
    return op_builder.output('Fill', [dims, value], name=name)


def _filled(shape, dtype, name, default_name, one):
    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype == dtypes.string and one:
        raise TypeError('Expected string, got 1 of type \'int\' instead.')
    scalar = (True if one else False) if dtype == dtypes.bool else (b'' if dtype == dtypes.string else int(one))
    with _scope(name, default_name, [shape]) as scope:
        if _is_tensor_like(shape):
            shape = _convert(shape)
        elif isinstance(shape, (list, tuple)) and any(_is_tensor_like(d) for d in _flat(shape)):
            shape = _convert(shape, dtype=dtypes.int32)
        else:
            try:
                dims = shape.as_list() if isinstance(shape, TensorShape) else list(np.reshape(shape, [-1]))
                if int(np.prod(dims, dtype=np.int64)) < 1000:  # small: a Const (TF's _constant_if_small)
                    return constant(scalar, dtype=dtype, shape=dims, name=scope)
                shape = constant([int(d) for d in dims], dtype=dtypes.int32, name='shape_as_tensor')
            except (TypeError, ValueError):
                shape = _convert(shape, dtype=dtypes.int32)
        if shape._shape._dims == ():
            shape = reshape(shape, [-1])
        return fill(shape, constant(scalar, dtype=dtype), name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, name, 'zeros', 0)


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, name, 'ones', 1)


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """A Const when the shape is static, a Fill when the dtype changes, else ZerosLike."""
    with _scope(name, 'zeros_like', [tensor]) as scope:
        tensor = _convert(tensor, name='tensor')
        if optimize and tensor.shape.is_fully_defined():
            return zeros(tensor.shape, dtype=dtype or tensor.dtype, name=scope)
        if dtype is not None and dtypes.as_dtype(dtype) != tensor.dtype.base_dtype:
            return zeros(_shape_of(tensor, optimize), dtype=dtype, name=scope)
        return op_builder.output('ZerosLike', [tensor], name=scope)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Always a Fill of the tensor's shape (TF 1.x builds no OnesLike node)."""
    with _scope(name, 'ones_like', [tensor]) as scope:
        tensor = _convert(tensor, name='tensor')
        result = ones(_shape_of(tensor, optimize), dtype=dtype or tensor.dtype.base_dtype, name=scope)
        result.set_shape(tensor.shape)
        return result


def _shape_of(tensor, optimize):
    return shape(tensor) if optimize else op_builder.output('Shape', [tensor])


_RANGE_TYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


def _cast(x, dtype):
    if x.dtype.base_dtype == dtype:
        return x
    return op_builder.output('Cast', [x], {'DstT': dtype, 'Truncate': False}, name='Cast')


def range(start, limit=None, delta=1, dtype=None, name='range'):
    if limit is None:
        start, limit = 0, start
    with _scope(name, 'Range', [start, limit, delta]) as scope:
        if dtype is None:  # TF's hierarchy: the widest of the arguments' own dtypes wins
            kinds = [_convert(v).dtype.base_dtype if _is_tensor_like(v) else _infer_dtype(v)
                     for v in (start, limit, delta)]
            if any(k not in _RANGE_TYPES for k in kinds):
                raise TypeError('Range arguments must be int32, int64, float32 or float64, got %s'
                                % [k.name for k in kinds])
            dtype = builtins.max(kinds, key=_RANGE_TYPES.index)
        dtype = dtypes.as_dtype(dtype)
        args = [_cast(_convert(v), dtype) if _is_tensor_like(v) else _convert(v, name=n, dtype=dtype)
                for v, n in zip((start, limit, delta), ('start', 'limit', 'delta'))]
        return op_builder.output('Range', args, name=scope)


def linspace(start, stop, num, name=None):
    return op_builder.output('LinSpace', [start, stop, num], name=name)


lin_space = linspace


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    with _scope(name, 'one_hot', [indices, depth, on_value, off_value]) as scope:
        dtype = None if dtype is None else dtypes.as_dtype(dtype).base_dtype
        on = None if on_value is None else _convert(on_value, preferred=dtype)
        off = None if off_value is None else _convert(off_value, preferred=dtype)
        for label, t in (('on_value', on), ('off_value', off)):
            if t is not None and dtype is not None and t.dtype.base_dtype != dtype:
                raise TypeError('dtype %s of %s does not match dtype parameter %s' % (t.dtype.name, label, dtype.name))
        if on is not None and off is not None and on.dtype.base_dtype != off.dtype.base_dtype:
            raise TypeError('dtype %s of on_value does not match dtype %s of off_value'
                            % (on.dtype.name, off.dtype.name))
        if dtype is None:
            given = on if on is not None else off
            dtype = dtypes.float32 if given is None else given.dtype.base_dtype
        on = on if on is not None else _convert(1, dtype=dtype, name='on_value')
        off = off if off is not None else _convert(0, dtype=dtype, name='off_value')
        indices = _convert(indices, name='indices')
        if indices.dtype.base_dtype not in (dtypes.uint8, dtypes.int8, dtypes.int32, dtypes.int64):
            raise TypeError("Value passed to parameter 'indices' has DataType %s not in list of allowed values: "
                            "uint8, int8, int32, int64" % indices.dtype.base_dtype.name)
        return op_builder.output('OneHot', [indices, depth, on, off], {'axis': -1 if axis is None else axis}, name=scope)


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


def reverse(tensor, axis, name=None):
    return op_builder.output('ReverseV2', [tensor, axis], name=name)


reverse_v2 = reverse


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Minimum then Maximum in a 'clip_by_value' scope; the Maximum node takes the scope's name."""
    with _scope(name, 'clip_by_value', [t, clip_value_min, clip_value_max]) as scope:
        values = _convert(t, name='t')
        t_min = op_builder.output('Minimum', [values, clip_value_max], name='Minimum')
        values.shape.merge_with(t_min.shape)
        t_max = op_builder.output('Maximum', [t_min, clip_value_min], name=scope)
        values.shape.merge_with(t_max.shape)
        return t_max


def identity_n(input, name=None):
    return op_builder.apply('IdentityN', [list(input)], name=name).outputs


def stop_gradient(input, name=None):
    return op_builder.output('StopGradient', [input], name=name)


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
        full = shape(tensor)
        tensor = reshape(tensor, concat([full[:axis], [-1], full[axis + n:]], 0))
        if tdims is not None:
            lead = TensorShape(tdims[axis:axis + n]).num_elements()
            tensor.set_shape(list(tdims[:axis]) + [lead] + list(tdims[axis + n:]))
        mask = reshape(mask, [-1])
        indices = squeeze(where(mask), axis=[1])
        return gather(tensor, indices, axis=axis)


from sluice.ops import array_grad  # noqa: E402,F401  (declares the gradients of the ops above)
