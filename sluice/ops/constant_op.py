"""Const: values known when the graph is built, and the conversion of Python values to tensors.

TF's inference rules for Python values: float -> float32, int -> int32 (int64 when it does not
fit), bool -> bool, str/bytes -> string; NumPy arrays keep their dtype; with an explicit dtype a
value that would change (1.5 into int32) is a TypeError.
"""
import math
import numbers

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.op_builder import infer_dtype as _infer_dtype
from sluice.engine.node import DeferredAttr
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape

__all__ = ['constant']


def _const_shape(op):
    return [TensorShape(op._attrs['value'].shape)]


# Shape functions fold an imported Const's value up to this many elements; a larger one stays a
# proto until its kernel runs (TF evaluates such constants for shape inference only when small).
_FOLD_LIMIT = 1 << 20


def known_value(op):
    """A Const's array for shape functions; None for a large imported one not built yet."""
    value = op._attrs['value']
    if type(value) is DeferredAttr and math.prod(value.shape) > _FOLD_LIMIT:
        return None
    return op.get_attr('value')


register_op('Const', outputs=['output: dtype'], attrs={'value': 'tensor', 'dtype': 'type'}, shape_fn=_const_shape)
no_gradient('Const')


def _check_lossless(value, array, dtype):
    """TF refuses conversions that change a Python value: 1.5 to int32, 300 to uint8."""
    if dtype.is_integer or dtype.is_bool:
        source = np.asarray(value)
        if source.size and source.dtype.kind in 'fc':
            raise TypeError('Expected %s, got %s of type %r instead.' % (dtype.name, _short(value),
                                                                         type(value).__name__))
        if source.dtype.kind in 'iu' and source.size and not np.array_equal(source, array):
            raise TypeError('Expected %s, got %s of type %r instead.' % (dtype.name, _short(value),
                                                                         type(value).__name__))
    if dtype == dtypes.string and not isinstance(value, (str, bytes, np.ndarray, list, tuple)):
        raise TypeError('Expected string, got %s of type %r instead.' % (_short(value), type(value).__name__))


def _short(value):
    text = repr(value)
    return text if len(text) < 80 else text[:77] + '...'


def to_numpy(value, dtype=None):
    """`value` as a NumPy array of the DType it converts to (given or inferred)."""
    dtype = _infer_dtype(value) if dtype is None else dtypes.as_dtype(dtype).base_dtype
    if dtype == dtypes.string:
        array = np.array(value, dtype=object)
        flat = array.reshape(-1)
        for i, v in enumerate(flat):
            if isinstance(v, str):
                flat[i] = v.encode()
            elif not isinstance(v, bytes):
                raise TypeError('Expected string, got %s of type %r instead.' % (_short(v), type(v).__name__))
        return array, dtype
    if isinstance(value, np.ndarray) and value.dtype == dtype.as_numpy_dtype:
        return np.asarray(value), dtype  # a subclass (np.matrix) would leak into kernels' results
    if isinstance(value, (np.ndarray, np.generic)) and (value.dtype.kind in 'SUO') and dtype != dtypes.string:
        raise TypeError('Expected %s, got %s of type %r instead.' % (dtype.name, _short(value), type(value).__name__))
    try:
        with np.errstate(all='ignore'):
            array = np.array(value, dtype=dtype.as_numpy_dtype)
    except (TypeError, ValueError, OverflowError):
        raise TypeError('Expected %s, got %s of type %r instead.' % (dtype.name, _short(value),
                                                                     type(value).__name__)) from None
    if not isinstance(value, np.ndarray):
        _check_lossless(value, array, dtype)
    return array, dtype


def constant(value, dtype=None, shape=None, name='Const', verify_shape=False):
    """A Const node holding `value` (TF1 semantics: a short value is padded with its last element)."""
    array, dtype = to_numpy(value, dtype)
    if shape is not None:
        shape = [int(d) for d in (shape.as_list() if isinstance(shape, TensorShape) else np.reshape(shape, [-1]))]
        count = int(np.prod(shape)) if shape else 1
        if verify_shape and tuple(array.shape) != tuple(shape):
            raise TypeError('Expected Tensor\'s shape: %s, got %s.' % (tuple(shape), tuple(array.shape)))
        if array.size == 1:
            array = np.full(shape, array.reshape(-1)[0], dtype=array.dtype)
        elif array.size == count:
            array = array.reshape(shape)
        elif array.size > count:
            raise ValueError('Too many elements provided. Needed at most %d, but received %d' % (count, array.size))
        elif array.size == 0:
            raise ValueError('Cannot create a tensor of shape %s from an empty value' % (shape,))
        else:
            flat = array.reshape(-1)
            array = np.concatenate([flat, np.repeat(flat[-1:], count - flat.size)]).reshape(shape)
    g = _graph.get_default_graph()
    return g._create_op('Const', [], {'value': array, 'dtype': dtype}, name=name)._outputs[0]


def _constant_conversion(value, dtype=None, name=None, as_ref=False):
    return constant(value, dtype=dtype, name=name or 'Const')


for _type in (list, tuple, np.ndarray, np.generic, numbers.Number, str, bytes, bool):
    _graph.register_tensor_conversion_function(_type, _constant_conversion, priority=100)


def _shape_conversion(value, dtype=None, name=None, as_ref=False):
    if not value.is_fully_defined():
        raise ValueError('Cannot convert a partially known TensorShape to a Tensor: %s' % value)
    return constant(value.as_list(), dtype=dtype or dtypes.int32, name=name or 'Const')


_graph.register_tensor_conversion_function(TensorShape, _shape_conversion, priority=100)
