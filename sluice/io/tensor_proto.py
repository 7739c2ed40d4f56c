"""NumPy arrays <-> TensorProto, as tf.make_tensor_proto / tf.make_ndarray.

Numeric arrays travel as raw little-endian bytes in `tensor_content` (what TensorFlow writes);
strings as `string_val`. Reading accepts both `tensor_content` and the typed *_val fields, where a
shorter list than the shape asks for is padded with its last value (TF's rule: a splat constant
stores one value).
"""
import os

import numpy as np

from sluice.engine import dtypes
from sluice.engine.node import DeferredAttr
from sluice.engine.tensor_shape import TensorShape
from sluice.io.protos import TensorProto, TensorShapeProto

# The *_val field holding each dtype's values when tensor_content is empty.
_VAL_FIELD = {
    'float16': 'half_val', 'bfloat16': 'half_val', 'float32': 'float_val', 'float64': 'double_val',
    'int8': 'int_val', 'int16': 'int_val', 'int32': 'int_val', 'uint8': 'int_val', 'uint16': 'int_val',
    'int64': 'int64_val', 'uint32': 'uint32_val', 'uint64': 'uint64_val', 'bool': 'bool_val',
    'complex64': 'scomplex_val', 'complex128': 'dcomplex_val', 'string': 'string_val',
}


def shape_to_proto(shape):
    """A TensorShape (or dims list) as a TensorShapeProto (-1 for unknown dims)."""
    shape = shape if isinstance(shape, TensorShape) else TensorShape(shape)
    proto = TensorShapeProto()
    if shape._dims is None:
        proto.unknown_rank = True
    else:
        for d in shape._dims:
            proto.dim.add(size=-1 if d is None else d)
    return proto


def shape_from_proto(proto):
    if proto.unknown_rank:
        return TensorShape(None)
    return TensorShape([None if d.size == -1 else d.size for d in proto.dim])


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False, allow_broadcast=False):
    """A TensorProto holding `values` (converted like tf.constant)."""
    from sluice.ops.constant_op import to_numpy
    array, dt = to_numpy(values, dtype)
    if shape is not None:
        shape = [int(d) for d in shape]
        if array.size == 1 and int(np.prod(shape)) != 1:
            array = np.full(shape, array.reshape(-1)[0], dtype=array.dtype)
        elif verify_shape and list(array.shape) != shape:
            raise TypeError("Expected Tensor's shape: %s, got %s." % (tuple(shape), array.shape))
        else:
            array = array.reshape(shape)
    return array_to_proto(array, dt)


def array_to_proto(array, dtype=None):
    dtype = dtypes.as_dtype(dtype) if dtype is not None else _array_dtype(array)
    proto = TensorProto(dtype=dtype.as_datatype_enum)
    proto.tensor_shape.CopyFrom(shape_to_proto(list(array.shape)))
    if dtype == dtypes.string:
        proto.string_val.extend(v if isinstance(v, bytes) else str(v).encode() for v in array.reshape(-1))
    elif dtype.name == 'bfloat16':
        proto.half_val.extend(int(v) for v in np.asarray(array).view(np.uint16).reshape(-1))
    else:
        proto.tensor_content = np.ascontiguousarray(array, dtype=np.dtype(dtype.as_numpy_dtype).newbyteorder('<')) \
            .tobytes()
    return proto


def _array_dtype(array):
    return dtypes.string if array.dtype.kind in 'OSU' else dtypes.as_dtype(array.dtype)


class TensorProtoError(ValueError):
    """A TensorProto that cannot become an array (TF: 'Cannot parse tensor from proto')."""


def claimed_shape(proto):
    """The dims a TensorProto claims, checked (no dim below zero) before anything is allocated."""
    dims = [d.size for d in proto.tensor_shape.dim]
    if dims and min(dims) < 0:
        raise TensorProtoError('Shape %s is not fully defined' % ('[%s]' % ','.join(
            '?' if d == -1 else str(d) for d in dims)))
    return dims


def _memory_bytes():
    try:
        return os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE')
    except (ValueError, OSError):  # not reported: let the allocator decide
        return None


def make_ndarray(proto):
    """The NumPy array a TensorProto holds; TensorProtoError where the proto cannot hold it.

    Sizes are checked before allocating: tensor_content must be exactly the claimed bytes, and a
    splat (fewer *_val entries than elements) larger than the machine's memory is refused rather
    than attempted. The array is allocated once (a splat is filled in place)."""
    try:
        dtype = dtypes.as_dtype(proto.dtype)
    except TypeError:
        raise TensorProtoError('Invalid DataType enum %d' % proto.dtype) from None
    if dtype._is_ref_dtype or dtype.name not in _VAL_FIELD:
        raise TensorProtoError('Invalid DataType %s for a tensor' % dtype.name)
    shape = claimed_shape(proto)
    count = 1
    for d in shape:
        count *= d
    if dtype == dtypes.string:
        values = proto.string_val
        _check_splat(len(values), count, 8)
        array = np.empty(count, dtype=object)
        _fill_from(array, values, b'')
        return array.reshape(shape)
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    if proto.tensor_content:
        if len(proto.tensor_content) != count * np_dtype.itemsize:
            raise TensorProtoError('Input size was %d and expected %d'
                                   % (len(proto.tensor_content), count * np_dtype.itemsize))
        return np.frombuffer(proto.tensor_content, dtype=np_dtype.newbyteorder('<')).astype(np_dtype).reshape(shape)
    field = _VAL_FIELD[dtype.name]
    raw = getattr(proto, field)
    per_element = 2 if field in ('scomplex_val', 'dcomplex_val') else 1
    _check_splat(len(raw) // per_element, count, np_dtype.itemsize)
    raw = raw[:count * per_element]  # TF ignores values past the element count
    if field == 'half_val':
        values = np.array(raw, dtype=np.uint16).view(np_dtype)
    elif per_element == 2:
        pairs = np.array(raw, dtype=np.float64).reshape(-1, 2)
        values = (pairs[:, 0] + 1j * pairs[:, 1]).astype(np_dtype)
    else:
        values = np.array(raw, dtype=np_dtype)
    array = np.empty(count, dtype=np_dtype)
    _fill_from(array, values, 0)
    return array.reshape(shape)


def _check_splat(given, count, itemsize):
    """A short value list is padded to `count`: refuse a count no memory could hold."""
    if given >= count:
        return
    memory = _memory_bytes()
    if memory is not None and count * itemsize > memory:
        raise TensorProtoError('%d elements (%d bytes) exceed the memory of this machine (%d bytes)'
                               % (count, count * itemsize, memory))


def _fill_from(array, values, empty):
    n = min(len(values), array.size)
    if n:
        array[:n] = values[:n]
    if n < array.size:
        array[n:] = values[n - 1] if n else empty


def _tf_name(dtype):
    return {'float32': 'float', 'float64': 'double', 'float16': 'half'}.get(dtype.name, dtype.name)


def deferred_ndarray(proto, wanted_dtype=None):
    """An imported Const's value: the proto until first read (node.DeferredAttr). Cheap checks now
    (dims); building, with its size checks, when a kernel or shape function reads the value.
    `wanted_dtype`: the node's dtype attr, which the value must match (TF's Const kernel)."""
    shape = claimed_shape(proto)

    def build():
        array = make_ndarray(proto)
        if wanted_dtype is not None and _array_dtype(array) != wanted_dtype:
            raise TensorProtoError('Type mismatch between value (%s) and dtype (%s)'
                                   % (_tf_name(dtypes.as_dtype(proto.dtype)), _tf_name(wanted_dtype)))
        return array
    return DeferredAttr(build, proto, shape, wanted_dtype)
