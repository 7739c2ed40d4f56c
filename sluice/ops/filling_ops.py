"""Tensors made from shapes and counts rather than from an input's elements, each op a block
(declaration with its shape function, gradient, public function): Fill (tf.fill, and tf.zeros / tf.ones,
a Const when the shape is small and static, as TF builds them), ZerosLike, OnesLike, Range (tf.range),
LinSpace (tf.linspace) and OneHot (tf.one_hot).
"""
import builtins

import numpy as np

from sluice.engine import dtypes
from sluice.engine import op_builder
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import math_ops, shape_fns
from sluice.ops.constant_op import _infer_dtype, constant
from sluice.ops.shape_fns import _const_int, _dims, _error, _value, _value_as_shape, _with_rank, range_size

from sluice.ops.array_ops import _INDEX, _convert, _flat, _is_tensor_like, _scope, reshape, shape

__all__ = ['fill', 'zeros', 'ones', 'zeros_like', 'ones_like', 'range', 'linspace', 'lin_space', 'one_hot']


# -- Fill, ZerosLike, OnesLike ---------------------------------------------------------------------------
def _fill_shape(op):
    dims_t, value_t = op._inputs
    _with_rank(op, _dims(value_t), 0)
    value = _value(dims_t)
    if value is not None and (np.reshape(value, [-1]) < 0).any():
        raise _error(op, 'Fill dimensions must be >= 0')
    return [_value_as_shape(dims_t)]


register_op('Fill', ['dims: index_type', 'value: T'], ['output: T'], {'T': 'type', 'index_type': _INDEX},
            _fill_shape)


@register_gradient('Fill')
def _fill_grad(op, grad):
    return None, math_ops.reduce_sum(grad)


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
                dims = [int(d) for d in dims]
                wide = any(d >= 2 ** 31 for d in dims)  # TF's shape conversion switches to int64 here
                shape = constant(dims, dtype=dtypes.int64 if wide else dtypes.int32, name='shape_as_tensor')
            except (TypeError, ValueError):
                shape = _convert(shape, dtype=dtypes.int32)
        if shape._shape._dims == ():
            shape = reshape(shape, [-1])
        return fill(shape, constant(scalar, dtype=dtype), name=scope)


def zeros(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, name, 'zeros', 0)


def ones(shape, dtype=dtypes.float32, name=None):
    return _filled(shape, dtype, name, 'ones', 1)


register_op('ZerosLike', ['x: T'], ['y: T'], {'T': 'type'}, shape_fns.unchanged)


register_op('OnesLike', ['x: T'], ['y: T'], {'T': 'type'}, shape_fns.unchanged)


no_gradient('ZerosLike')
no_gradient('OnesLike')


def _shape_of(tensor, optimize):
    return shape(tensor) if optimize else op_builder.output('Shape', [tensor])


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """A Const when the shape is static, a Fill when the dtype changes, else ZerosLike."""
    with _scope(name, 'zeros_like', [tensor]) as scope:
        tensor = _convert(tensor, name='tensor')
        # A variant (a TensorList) has no constant form: its ZerosLike is a list of zeros.
        if optimize and tensor.shape.is_fully_defined() and tensor.dtype.base_dtype != dtypes.variant:
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


# -- Range, LinSpace -------------------------------------------------------------------------------------
def _range_shape(op):
    values = [_value(t) for t in op._inputs]
    if any(v is None for v in values):
        return [TensorShape([None])]
    n = range_size(*[v.item() for v in values], np.dtype(op._attrs['Tidx'].as_numpy_dtype))
    if isinstance(n, str):
        raise _error(op, n)
    return [TensorShape([n])]


register_op('Range', ['start: Tidx', 'limit: Tidx', 'delta: Tidx'], ['output: Tidx'], {'Tidx': _INDEX},
            _range_shape)


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


def _linspace_shape(op):
    num = _const_int(op._inputs[2])
    if num is not None and num <= 0:
        raise _error(op, 'Requires num > 0: %d' % num)
    return [TensorShape([num])]


register_op('LinSpace', ['start: T', 'stop: T', 'num: Tidx'], ['output: T'], {'T': 'type', 'Tidx': _INDEX},
            _linspace_shape)


def linspace(start, stop, num, name=None):
    return op_builder.output('LinSpace', [start, stop, num], name=name)


lin_space = linspace


# -- OneHot ----------------------------------------------------------------------------------------------
def _one_hot_shape(op):
    axis, dims, depth = op._attrs['axis'], _dims(op._inputs[0]), _const_int(op._inputs[1])
    if axis < -1:
        raise _error(op, 'axis must be >= -1')
    if depth is not None and depth < 0:
        raise _error(op, 'Dimension size, given by scalar input 1, must be non-negative but is %d' % depth)
    if dims is None:
        return [unknown_shape()]
    axis = len(dims) if axis == -1 else axis
    if axis > len(dims):
        raise _error(op, 'axis %d is out of range for indices of rank %d' % (axis, len(dims)))
    return [TensorShape(dims[:axis] + (depth,) + dims[axis:])]


register_op('OneHot', ['indices: TI', 'depth: int32', 'on_value: T', 'off_value: T'], ['output: T'],
            {'axis': ('int', -1), 'T': 'type', 'TI': ('type', dtypes.int64)}, _one_hot_shape)


no_gradient('OneHot')


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
