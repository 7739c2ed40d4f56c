"""Shape functions shared by many op definitions, and static constant folding for shapes.

A shape function takes the new Operation and returns one TensorShape per output. They see
only static information: input shapes, attrs, and the values of inputs that are known at graph
construction (`constant_value`), as TF's shape inference does.
"""
import builtins

import numpy as np

from sluice.engine import tensor_shape
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import constant_op


def unknown(op):
    return [unknown_shape() for _ in op._outputs]


def scalar(op):
    return [TensorShape([]) for _ in op._outputs]


def unchanged(op):
    """Every output has the shape of the first input."""
    return [op._inputs[0]._shape for _ in op._outputs]


def broadcast_dims(a, b, op_name='op'):
    """NumPy broadcasting of two static shapes (tuples with None, or None for unknown rank)."""
    if a is None or b is None:
        return None
    result = []
    for i in range(max(len(a), len(b))):
        x = a[len(a) - 1 - i] if i < len(a) else 1
        y = b[len(b) - 1 - i] if i < len(b) else 1
        if x == 1:
            result.append(y)
        elif y == 1:
            result.append(x)
        elif x is None:
            result.append(y)
        elif y is None or x == y:
            result.append(x)
        else:
            raise ValueError('Dimensions must be equal, but are %d and %d for \'%s\' with input shapes: %s, %s.'
                             % (x, y, op_name, _shape_str(a), _shape_str(b)))
    result.reverse()
    return result


def _shape_str(dims):
    return '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def broadcast(op):
    """Binary elementwise ops: NumPy broadcasting of the two input shapes."""
    a, b = op._inputs[0]._shape._dims, op._inputs[1]._shape._dims
    dims = broadcast_dims(a, b, op.name)
    return [unknown_shape() if dims is None else TensorShape(dims)]


def constant_value(tensor):
    """The NumPy value of `tensor` if it can be known without running the graph, else None."""
    op = tensor._op
    kind = op._op_def.type
    if kind == 'Const':
        return constant_op.known_value(op)
    if kind == 'Shape':
        dims = op._inputs[0]._shape._dims
        if dims is not None and None not in dims:
            return np.array(dims, dtype=op._attrs['out_type'].as_numpy_dtype)
    elif kind == 'Size':
        dims = op._inputs[0]._shape._dims
        if dims is not None and None not in dims:
            return np.array(int(np.prod(dims)), dtype=op._attrs['out_type'].as_numpy_dtype)
    elif kind == 'Rank':
        dims = op._inputs[0]._shape._dims
        if dims is not None:
            return np.array(len(dims), dtype=np.int32)
    elif kind in ('Identity', 'StopGradient'):
        return constant_value(op._inputs[0])
    elif kind == 'Cast':
        value = constant_value(op._inputs[0])
        if value is not None:
            return value.astype(op._attrs['DstT'].as_numpy_dtype)
    elif kind == 'Pack':
        values = [constant_value(t) for t in op._inputs]
        if all(v is not None for v in values):
            return np.stack(values, axis=op._attrs['axis'])
    elif kind == 'ConcatV2':
        values = [constant_value(t) for t in op._inputs]
        if all(v is not None for v in values):
            return np.concatenate(values[:-1], axis=int(values[-1]))
    return None


def constant_value_as_shape(tensor):
    """A TensorShape from a 1-D shape tensor, with unknown dims where values are unknown."""
    value = constant_value(tensor)
    if value is not None:
        return TensorShape([None if d == -1 else int(d) for d in np.reshape(value, [-1])])
    dims = tensor._shape._dims
    op = tensor._op
    if op._op_def.type == 'Pack':
        parts = []
        for t in op._inputs:
            v = constant_value(t)
            parts.append(None if v is None or int(v) == -1 else int(v))
        return TensorShape(parts)
    if op._op_def.type == 'Shape':
        return op._inputs[0]._shape
    if dims is not None and len(dims) == 1 and dims[0] is not None:
        return tensor_shape.unknown_shape(rank=dims[0])
    return unknown_shape()


# -- helpers of the array shape functions, and StridedSlice decoding (shared with its kernels) ------
UNKNOWN = object()  # a value not known at graph construction, in partial vectors and index specs


# Static helpers for shape functions
def _dims_str(dims):
    return '?' if dims is None else '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def _error(op, message):
    """A graph-time ValueError in TF 1.x's shape-inference form."""
    shapes = ', '.join(_dims_str(t._shape._dims) for t in op._inputs)
    return ValueError("%s for '%s' (op: '%s') with input shapes: %s." % (message, op.name, op.type, shapes))


def _dims(t):
    return t._shape._dims


def _value(t):
    """constant_value, also folding Fill and StridedSlice of known values (as TF's evaluation does)."""
    value = constant_value(t)
    if value is not None:
        return value
    op = t._op
    kind = op._op_def.type
    if kind == 'Fill':
        dims, fill_value = constant_value(op._inputs[0]), _value(op._inputs[1])
        if dims is not None and fill_value is not None:
            return np.full([int(d) for d in np.reshape(dims, [-1])], fill_value, dtype=fill_value.dtype)
    elif kind == 'Reshape':
        parts = [_value(x) for x in op._inputs]
        if all(p is not None for p in parts):
            try:
                return np.reshape(parts[0], [int(d) for d in np.reshape(parts[1], [-1])])
            except ValueError:
                return None
    elif kind == 'StridedSlice':
        parts = [_value(x) for x in op._inputs]
        if all(p is not None for p in parts):
            spec = [[int(v) for v in np.reshape(p, [-1])] for p in parts[1:]]
            masks = [op._attrs[k] for k in ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask',
                                            'shrink_axis_mask')]
            items, message = strided_slice_index(*spec, *masks)
            if message is None:
                try:
                    return np.asarray(parts[0][tuple(items)])
                except (IndexError, ValueError):
                    return None
    elif kind in ('ExpandDims', 'ConcatV2', 'Pack'):  # the shape vectors gradients assemble
        parts = [_value(x) for x in op._inputs]
        if all(p is not None for p in parts):
            try:
                if kind == 'ExpandDims':
                    return np.expand_dims(parts[0], int(parts[1]))
                if kind == 'Pack':
                    return np.stack(parts, axis=op._attrs['axis'])
                return np.concatenate(parts[:-1], axis=int(parts[-1]))
            except (ValueError, IndexError, np.exceptions.AxisError):
                return None
    return None


def _value_as_shape(t):
    """constant_value_as_shape, with _value's folding, and partially known shape vectors as TF's
    shape inference reads them: each element of a Pack, the pieces of a ConcatV2, a slice of a Shape."""
    value = _value(t)
    if value is not None and np.ndim(value) == 1:
        return TensorShape([None if d == -1 else int(d) for d in value])
    op = t._op
    kind = op._op_def.type
    if kind == 'Pack' and not op._attrs['axis']:
        parts = [_value(x) for x in op._inputs]
        return TensorShape([None if v is None or int(v) == -1 else int(v) for v in parts])
    if kind == 'ConcatV2' and _value(op._inputs[-1]) is not None and int(_value(op._inputs[-1])) in (0, -1):
        dims = []
        for x in op._inputs[:-1]:
            part = _value_as_shape(x)._dims
            if part is None:
                return constant_value_as_shape(t)
            dims.extend(part)
        return TensorShape(dims)
    if kind == 'StridedSlice' and op._inputs[0]._op._op_def.type == 'Shape':
        source = _dims(op._inputs[0]._op._inputs[0])
        spec = [_value(x) for x in op._inputs[1:]]
        simple = not any(op._attrs[k] for k in ('ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask'))
        if source is not None and simple and all(v is not None and np.shape(v) == (1,) for v in spec):
            begin, end, stride = (int(v[0]) for v in spec)
            item = builtins.slice(None if op._attrs['begin_mask'] & 1 else begin,
                                  None if op._attrs['end_mask'] & 1 else end, stride)
            return TensorShape(list(source)[item])
    return constant_value_as_shape(t)


def _const_int(t):
    value = _value(t)
    return None if value is None else int(value)


def _partial_vector(t):
    """The values of a 1-D int tensor as a list with UNKNOWN holes, or None when its length is unknown."""
    value = _value(t)
    if value is not None:
        return [int(v) for v in np.reshape(value, [-1])]
    if t._op._op_def.type == 'Pack' and not t._op._attrs['axis']:
        parts = [_value(x) for x in t._op._inputs]
        return [UNKNOWN if v is None else int(v) for v in parts]
    dims = _dims(t)
    if dims is not None and len(dims) == 1 and dims[0] is not None:
        return [UNKNOWN] * dims[0]
    return None


def _merge(op, a, b, what='Dimension'):
    """Merges two dims lists of equal length (None = unknown)."""
    out = []
    for i, (x, y) in enumerate(zip(a, b)):
        if x is not None and y is not None and x != y:
            raise _error(op, 'Dimension %d in both shapes must be equal, but are %d and %d. Shapes are %s and %s.'
                         % (i, x, y, _dims_str(a), _dims_str(b)))
        out.append(x if x is not None else y)
    return out


def _with_rank(op, dims, rank):
    if dims is not None and len(dims) != rank:
        raise _error(op, 'Shape must be rank %d but is rank %d' % (rank, len(dims)))


def _axis_in(op, axis, rank, label='axis'):
    if not -rank <= axis < rank:
        raise _error(op, 'Shape must be at least rank %d but is rank %d' % (axis + 1 if axis >= 0 else -axis, rank))
    return axis + rank if axis < 0 else axis


def strided_slice_index(begin, end, strides, begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask):
    """The NumPy index of a StridedSlice spec: a list of slices, ints (shrunk axes), None
    (new axes) and Ellipsis. Values may be UNKNOWN (shape inference). Returns (items, error)."""
    items = []
    for j in builtins.range(len(begin)):
        bit = 1 << j
        if ellipsis_mask & bit:
            if any(it is Ellipsis for it in items):
                return None, 'Multiple ellipses in slice spec not allowed'
            items.append(Ellipsis)
        elif new_axis_mask & bit:
            items.append(None)
        elif shrink_axis_mask & bit:
            items.append(begin[j])
        else:
            if strides[j] is not UNKNOWN and strides[j] == 0:
                return None, 'strides[%d] must be non-zero' % j
            items.append(builtins.slice(None if begin_mask & bit else begin[j], None if end_mask & bit else end[j],
                                        strides[j]))
    if not any(it is Ellipsis for it in items):
        items.append(Ellipsis)  # TF's implicit trailing ellipsis (also keeps NumPy results arrays)
    return items, None


def strided_slice_axes(items, rank):
    """Pairs (input axis, item) for the items that consume an input axis; or an error message."""
    consumed = sum(1 for it in items if it is not None and it is not Ellipsis)
    if consumed > rank:
        return None, 'Index out of range using input dim %d; input has only %d dims' % (rank, rank)
    pairs, axis = [], 0
    for it in items:
        if it is Ellipsis:
            axis += rank - consumed
        elif it is not None:
            pairs.append((axis, it))
            axis += 1
    return pairs, None


def shrink_error(items_axes, shape):
    """The TF message for a shrunk index out of range, else None."""
    for axis, it in items_axes:
        if not isinstance(it, builtins.slice) and it is not UNKNOWN and shape[axis] is not None:
            fwd = it + shape[axis] if it < 0 else it
            if not 0 <= fwd < shape[axis]:
                return 'slice index %d of dimension %d out of bounds.' % (fwd, axis)
    return None


def range_size(start, limit, delta, numpy_dtype):
    """TF's Range length, or an error message."""
    if delta == 0:
        return 'Requires delta != 0: %s' % delta
    if delta > 0 and start > limit:
        return 'Requires start <= limit when delta > 0: %s/%s' % (start, limit)
    if delta < 0 and start < limit:
        return 'Requires start >= limit when delta < 0: %s/%s' % (start, limit)
    if np.issubdtype(numpy_dtype, np.integer):
        return int((abs(int(limit) - int(start)) + abs(int(delta)) - 1) // abs(int(delta)))
    t = numpy_dtype.type
    return int(np.ceil(np.abs((t(limit) - t(start)) / t(delta))))
