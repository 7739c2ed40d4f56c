"""Array manipulation beyond array_ops, each op a block (declaration, gradient, public function):
Unique (tf.unique), ListDiff (tf.setdiff1d, tf.sparse.mask), BroadcastTo (tf.broadcast_to), BroadcastArgs
(tf.broadcast_dynamic_shape), ScatterNd (tf.scatter_nd), Roll (tf.roll, TF's manip_ops), ReverseSequence
(tf.reverse_sequence), and the compositions tf.sequence_mask and tf.meshgrid built as TF's Python builds
them. Kernels in kernels/manip_kernels.py.
"""
import builtins

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import Tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, math_ops, shape_fns
from sluice.ops.math_ops import _shape_error
from sluice.ops.segment_ops import _check_index_dtype

__all__ = ['unique', 'setdiff1d', 'sparse_mask', 'broadcast_to', 'broadcast_dynamic_shape', 'scatter_nd', 'roll',
           'reverse_sequence', 'sequence_mask', 'meshgrid']


# -- Unique ----------------------------------------------------------------------------------------------
def _unique_shape(op):
    x = op._inputs[0]._shape
    if x._dims is not None and len(x._dims) != 1:
        raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(x._dims))
    return [TensorShape([None]), x if x._dims is not None else TensorShape([None])]


register_op('Unique', ['x: T'], ['y: T', 'idx: out_idx'], {'T': 'type', 'out_idx': ('type', dtypes.int32)},
            _unique_shape)


no_gradient('Unique')


def unique(x, out_idx=dtypes.int32, name=None):
    """(y, idx): the distinct elements of the 1-D x in order of first occurrence, and x's index into y."""
    op = op_builder.apply('Unique', [x], {'out_idx': dtypes.as_dtype(out_idx)}, name)
    return _UniqueOutput(*op._outputs)


class _UniqueOutput(builtins.tuple):
    __slots__ = ()
    _fields = ('y', 'idx')

    def __new__(cls, y, idx):
        return builtins.tuple.__new__(cls, (y, idx))

    y = property(lambda self: self[0])
    idx = property(lambda self: self[1])

    def __repr__(self):
        return 'Unique(y=%r, idx=%r)' % builtins.tuple(self)


# -- ListDiff --------------------------------------------------------------------------------------------------
def _list_diff_shape(op):
    for t in op._inputs:
        if t._shape._dims is not None and len(t._shape._dims) != 1:
            raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(t._shape._dims))
    return [TensorShape([None]), TensorShape([None])]


register_op('ListDiff', ['x: T', 'y: T'], ['out: T', 'idx: out_idx'], {'T': 'type', 'out_idx': ('type', dtypes.int32)},
            _list_diff_shape, allowed={'out_idx': (dtypes.int32, dtypes.int64)})
no_gradient('ListDiff')


class _ListDiffOutput(builtins.tuple):
    __slots__ = ()
    _fields = ('out', 'idx')

    def __new__(cls, out, idx):
        return builtins.tuple.__new__(cls, (out, idx))

    out = property(lambda self: self[0])
    idx = property(lambda self: self[1])

    def __repr__(self):
        return 'ListDiff(out=%r, idx=%r)' % builtins.tuple(self)


def setdiff1d(x, y, index_dtype=dtypes.int32, name=None):
    """(out, idx): the elements of the 1-D x that are not in y, in x's order, and their positions in x."""
    op = op_builder.apply('ListDiff', [x, y], {'out_idx': dtypes.as_dtype(index_dtype)}, name)
    return _ListDiffOutput(*op._outputs)


def sparse_mask(a, mask_indices, name=None):
    """The IndexedSlices `a` without the slices whose indices are in mask_indices."""
    from sluice.ops.indexed_slices import IndexedSlices
    with name_scope(name, 'sparse_mask', [a, mask_indices]) as scope:
        out_indices, to_gather = setdiff1d(a.indices, mask_indices)
        return IndexedSlices(array_ops.gather(a.values, to_gather, name=scope), out_indices, a.dense_shape)


# -- BroadcastTo -----------------------------------------------------------------------------------------
def _broadcast_to_shape(op):
    x = op._inputs[0]._shape._dims
    target = shape_fns.constant_value_as_shape(op._inputs[1])
    tdims = target._dims
    if x is None or tdims is None:
        return [target]
    if len(x) > len(tdims):
        raise _shape_error(op, 'Rank of input (%d) must be no greater than rank of output shape (%d)'
                           % (len(x), len(tdims)))
    out = list(tdims)
    for i in builtins.range(1, len(x) + 1):
        a, b = x[-i], tdims[-i]
        if a is None or a == 1:
            continue
        if b is None:
            out[-i] = a
        elif a != b:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (a, b))
    return [TensorShape(out)]


register_op('BroadcastTo', ['input: T', 'shape: Tidx'], ['output: T'], {'T': 'type', 'Tidx': ('type', dtypes.int32)},
            _broadcast_to_shape)


@register_gradient('BroadcastTo')
def _broadcast_to_grad(op, grad):
    x, target = op._inputs
    input_shape = array_ops.shape(x, out_type=target.dtype.base_dtype)
    _, axes = op_builder.apply('BroadcastGradientArgs', [target, input_shape])._outputs
    summed = math_ops.reduce_sum(grad, axis=axes, keepdims=True)
    return [array_ops.reshape(summed, input_shape), None]


def broadcast_to(input, shape, name=None):  # noqa: A002 - TF's name
    return op_builder.apply('BroadcastTo', [input, shape], None, name)._outputs[0]


def _broadcast_args_shape(op):
    sizes = []
    for t in op._inputs:
        dims = t._shape._dims
        if dims is not None and len(dims) != 1:
            raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(dims))
        sizes.append(None if dims is None else dims[0])
    return [TensorShape([None if None in sizes else max(sizes)])]


register_op('BroadcastArgs', ['s0: T', 's1: T'], ['r0: T'], {'T': ('type', dtypes.int32)}, _broadcast_args_shape)


no_gradient('BroadcastArgs')


def broadcast_dynamic_shape(shape_x, shape_y):
    """The shape two run-time shapes broadcast to (op BroadcastArgs)."""
    return op_builder.apply('BroadcastArgs', [shape_x, shape_y])._outputs[0]


# -- ScatterNd -------------------------------------------------------------------------------------------
def _scatter_nd_shape(op):
    indices, updates = op._inputs[0]._shape._dims, op._inputs[1]._shape._dims
    out = shape_fns.constant_value_as_shape(op._inputs[2])
    if indices is not None and len(indices) < 1:
        raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
    if indices is not None and updates is not None and out._dims is not None and indices[-1] is not None:
        outer = len(indices) - 1
        expected = list(indices[:-1]) + list(out._dims[indices[-1]:])
        if len(updates) != len(expected) or any(a is not None and b is not None and a != b
                                                for a, b in zip(updates, expected)):
            raise _shape_error(op, 'Dimensions [%d,%d) of indices[shape=%s] = %s must match dimensions [%d,%d) of '
                               'updates[shape=%s] = %s' % (
                                   0, outer, _text(indices), _text(indices[:outer]), 0, outer, _text(updates),
                                   _text(updates[:outer])))
    return [out]


register_op('ScatterNd', ['indices: Tindices', 'updates: T', 'shape: Tindices'], ['output: T'],
            {'T': 'type', 'Tindices': 'type'}, _scatter_nd_shape)


@register_gradient('ScatterNd')
def _scatter_nd_grad(op, grad):
    return [None, array_ops.gather_nd(grad, op._inputs[0]), None]


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of `shape` with `updates` added at `indices` (duplicates sum)."""
    with name_scope(name, 'ScatterNd', [indices, updates, shape]) as scope:
        if not isinstance(indices, Tensor):
            indices = _graph.convert_to_tensor(indices, name='indices')
        _check_index_dtype(indices, 'indices')
        if not isinstance(shape, Tensor):
            shape = _graph.convert_to_tensor(shape, dtype=indices.dtype.base_dtype, name='shape')
        if not isinstance(updates, Tensor):
            updates = _graph.convert_to_tensor(updates, name='updates')
        return _graph.get_default_graph()._create_op('ScatterNd', [indices, updates, shape], {},
                                                     name=scope)._outputs[0]


# -- Roll ------------------------------------------------------------------------------------------------
register_op('Roll', ['input: T', 'shift: Tshift', 'axis: Taxis'], ['output: T'],
            {'T': 'type', 'Tshift': 'type', 'Taxis': 'type'}, shape_fns.unchanged)


@register_gradient('Roll')
def _roll_grad(op, grad):
    shift, axis = op._inputs[1], op._inputs[2]
    return [roll(grad, -shift, axis), None, None]


def roll(input, shift, axis, name=None):  # noqa: A002 - TF's name
    """Rolls the elements of input by shift along axis (both scalars or equal-length vectors)."""
    op = op_builder.apply('Roll', [input, shift, axis], None, name)
    _check_index_dtype(op._inputs[1], 'shift')
    _check_index_dtype(op._inputs[2], 'axis')
    return op._outputs[0]


# -- ReverseSequence -------------------------------------------------------------------------------------
def _text(dims):
    return '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def _reverse_sequence_shape(op):
    x, lens = op._inputs[0]._shape, op._inputs[1]._shape._dims
    seq_dim, batch_dim = op._attrs['seq_dim'], op._attrs['batch_dim']
    if lens is not None and len(lens) != 1:
        raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(lens))
    if x._dims is not None:
        rank = len(x._dims)
        if batch_dim >= rank:
            raise _shape_error(op, 'batch_dim must be < input rank: %d vs. %d' % (batch_dim, rank))
        if seq_dim >= rank:
            raise _shape_error(op, 'seq_dim must be < input rank: %d vs. %d' % (seq_dim, rank))
        b = x._dims[batch_dim]
        if lens is not None and b is not None and lens[0] is not None and b != lens[0]:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (b, lens[0]))
    return [x]


register_op('ReverseSequence', ['input: T', 'seq_lengths: Tlen'], ['output: T'],
            {'seq_dim': 'int', 'batch_dim': ('int', 0), 'T': 'type', 'Tlen': ('type', dtypes.int64)},
            _reverse_sequence_shape)


@register_gradient('ReverseSequence')
def _reverse_sequence_grad(op, grad):
    return [reverse_sequence(grad, op._inputs[1], seq_axis=op.get_attr('seq_dim'),
                             batch_axis=op.get_attr('batch_dim')), None]


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None, seq_dim=None,  # noqa: A002
                     batch_dim=None):
    """Reverses the first seq_lengths[b] elements along seq_axis of each batch entry b."""
    if seq_axis is not None and seq_dim is not None:
        raise ValueError("Cannot specify both 'seq_axis' and 'seq_dim'.")
    if batch_axis is not None and batch_dim is not None:
        raise ValueError("Cannot specify both 'batch_axis' and 'batch_dim'.")
    seq_axis = seq_axis if seq_axis is not None else seq_dim
    batch_axis = batch_axis if batch_axis is not None else batch_dim
    attrs = {'seq_dim': int(seq_axis)}
    if batch_axis is not None:
        attrs['batch_dim'] = int(batch_axis)
    return op_builder.apply('ReverseSequence', [input, seq_lengths], attrs, name)._outputs[0]


# -- compositions ----------------------------------------------------------------------------------------
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[i..., j] = j < lengths[i...]: range(maxlen) < expand_dims(lengths, -1), cast to dtype."""
    with name_scope(name, 'SequenceMask', [lengths, maxlen]):
        lengths = _graph.convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = math_ops.reduce_max(lengths, None, name='Max')
            maxlen = math_ops.maximum(constant_op.constant(0, maxlen.dtype), maxlen)
        else:
            maxlen = _graph.convert_to_tensor(maxlen)
        if maxlen.shape.ndims is not None and maxlen.shape.ndims != 0:
            raise ValueError('maxlen must be scalar for sequence_mask')
        row_vector = op_builder.output('Range', [constant_op.constant(0, maxlen.dtype), maxlen,
                                                 constant_op.constant(1, maxlen.dtype)], name='Range')
        matrix = op_builder.output('Cast', [array_ops.expand_dims(lengths, -1)],
                                   {'DstT': maxlen.dtype.base_dtype, 'Truncate': False}, name='Cast')
        result = math_ops.less(row_vector, matrix)
        static_max = shape_fns.constant_value(maxlen) if maxlen.op.type != 'Maximum' else None
        if static_max is None and maxlen.op.type == 'Maximum':  # TF's shape inference folds max(lengths)
            known = shape_fns.constant_value(lengths)
            static_max = None if known is None or known.size == 0 else max(0, int(np.max(known)))
        if static_max is not None:
            result.set_shape(lengths.shape.concatenate([int(static_max)]))
        dtype = dtypes.as_dtype(dtype)
        if dtype is None or result.dtype.base_dtype == dtype:
            return result
        return op_builder.output('Cast', [result], {'DstT': dtype, 'Truncate': False}, name='Cast')


def meshgrid(*args, **kwargs):
    """N-D coordinate grids from N 1-D tensors ('xy' Cartesian or 'ij' matrix indexing)."""
    indexing = kwargs.pop('indexing', 'xy')
    name = kwargs.pop('name', 'meshgrid')
    if kwargs:
        key = list(kwargs.keys())[0]
        raise TypeError("'{}' is an invalid keyword argument for this function".format(key))
    if indexing not in ('xy', 'ij'):
        raise ValueError("Argument `indexing` parameter must be either 'xy' or 'ij', got '%s'" % indexing)
    with name_scope(name, 'meshgrid', [a for a in args if isinstance(a, Tensor)]):
        ndim = len(args)
        s0 = (1,) * ndim
        if not ndim:
            return []
        output = []
        for i, x in enumerate(args):
            x = x if isinstance(x, Tensor) else _graph.convert_to_tensor(x, name='stack')
            output.append(array_ops.reshape(x, s0[:i] + (-1,) + s0[i + 1:]))
        shapes = [array_ops.size(_graph.convert_to_tensor(x) if not isinstance(x, Tensor) else x) for x in args]
        output_dtype = output[0].dtype.base_dtype
        if indexing == 'xy' and ndim > 1:
            output[0] = array_ops.reshape(output[0], (1, -1) + (1,) * (ndim - 2))
            output[1] = array_ops.reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
            shapes[0], shapes[1] = shapes[1], shapes[0]
        mult_fact = array_ops.ones(shapes, output_dtype)
        return [x * mult_fact for x in output]
