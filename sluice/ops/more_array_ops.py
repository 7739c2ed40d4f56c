"""More TF1 array functions: segment_sum (SegmentSum), scatter_nd (ScatterNd), roll (Roll),
reverse_sequence (ReverseSequence), dynamic_partition / dynamic_stitch (DynamicPartition, DynamicStitch,
ParallelDynamicStitch), and the compositions meshgrid, confusion_matrix and random_crop built as TF's Python
builds them. Kernels in kernels/extra_kernels.py; gradients as TF's."""
import builtins

import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, check_ops, control_flow_ops, graph_ops, math_ops, random_ops, shape_fns
from sluice.ops.indexed_slices import IndexedSlices
from sluice.ops.math_ops import _shape_error

__all__ = ['segment_sum', 'scatter_nd', 'roll', 'reverse_sequence', 'dynamic_partition', 'dynamic_stitch',
           'parallel_dynamic_stitch', 'meshgrid', 'confusion_matrix', 'random_crop']

_INT32 = ('type', dtypes.int32)
_INDEX_TYPES = (dtypes.int32, dtypes.int64)


# -- shape functions --
def _segment_shape(op):
    data, ids = (t._shape._dims for t in op._inputs)
    if ids is not None and len(ids) != 1:
        raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(ids))
    if data is None:
        return [unknown_shape()]
    if len(data) < 1:
        raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
    if ids is not None and data[0] is not None and ids[0] is not None and data[0] != ids[0]:
        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (data[0], ids[0]))
    return [TensorShape([None] + list(data[1:]))]


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


def _dynamic_partition_shape(op):
    data, parts = op._inputs[0]._shape._dims, op._inputs[1]._shape._dims
    n = op._attrs['num_partitions']
    if data is None or parts is None:
        return [unknown_shape()] * n
    for d, p in zip(data, parts):
        if d is not None and p is not None and d != p:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (d, p))
    return [TensorShape([None] + list(data[len(parts):]))] * n


def _dynamic_stitch_shape(op):
    n = op._attrs['N']
    indices, data = op._inputs[:n], op._inputs[n:]
    rest = None
    for i, d in zip(indices, data):
        idims, ddims = i._shape._dims, d._shape._dims
        if idims is None or ddims is None:
            continue
        tail = list(ddims[len(idims):])
        if rest is None:
            rest = tail
    values = [shape_fns.constant_value(i) for i in indices]
    first = None
    if all(v is not None for v in values):
        first = builtins.max([int(np.max(v)) for v in values if np.size(v)] or [-1]) + 1
    if rest is None:
        return [unknown_shape()]
    return [TensorShape([first] + rest)]


register_op('SegmentSum', ['data: T', 'segment_ids: Tindices'], ['output: T'],
            {'T': 'type', 'Tindices': 'type'}, _segment_shape)
register_op('ScatterNd', ['indices: Tindices', 'updates: T', 'shape: Tindices'], ['output: T'],
            {'T': 'type', 'Tindices': 'type'}, _scatter_nd_shape)
register_op('Roll', ['input: T', 'shift: Tshift', 'axis: Taxis'], ['output: T'],
            {'T': 'type', 'Tshift': 'type', 'Taxis': 'type'}, shape_fns.unchanged)
register_op('ReverseSequence', ['input: T', 'seq_lengths: Tlen'], ['output: T'],
            {'seq_dim': 'int', 'batch_dim': ('int', 0), 'T': 'type', 'Tlen': ('type', dtypes.int64)},
            _reverse_sequence_shape)
register_op('DynamicPartition', ['data: T', 'partitions: int32'], ['outputs: num_partitions * T'],
            {'num_partitions': 'int', 'T': 'type'}, _dynamic_partition_shape)
for _type in ('DynamicStitch', 'ParallelDynamicStitch'):
    register_op(_type, ['indices: N * int32', 'data: N * T'], ['merged: T'], {'N': 'int', 'T': 'type'},
                _dynamic_stitch_shape)


# -- gradients --
@register_gradient('SegmentSum')
def _segment_sum_grad(op, grad):
    return [array_ops.gather(grad, op._inputs[1]), None]


@register_gradient('ScatterNd')
def _scatter_nd_grad(op, grad):
    return [None, array_ops.gather_nd(grad, op._inputs[0]), None]


@register_gradient('Roll')
def _roll_grad(op, grad):
    shift, axis = op._inputs[1], op._inputs[2]
    return [roll(grad, -shift, axis), None, None]


@register_gradient('ReverseSequence')
def _reverse_sequence_grad(op, grad):
    return [reverse_sequence(grad, op._inputs[1], seq_axis=op.get_attr('seq_dim'),
                             batch_axis=op.get_attr('batch_dim')), None]


@register_gradient('DynamicPartition')
def _dynamic_partition_grads(op, *grads):
    data, indices = op._inputs
    num_partitions = op.get_attr('num_partitions')
    prefix_shape = array_ops.shape(indices)
    original_indices = array_ops.reshape(array_ops.range(math_ops.reduce_prod(prefix_shape)), prefix_shape)
    partitioned_indices = dynamic_partition(original_indices, indices, num_partitions)
    reconstructed = parallel_dynamic_stitch(partitioned_indices, list(grads))
    reconstructed = array_ops.reshape(reconstructed, array_ops.shape(data))
    return [reconstructed, None]


def _dynamic_stitch_grads(op, grad):
    num_values = len(op._inputs) // 2
    inputs = list(op._inputs[:num_values])
    if isinstance(grad, IndexedSlices):
        output_rows = array_ops.shape(op._outputs[0])[0]
        grad = math_ops.unsorted_segment_sum(grad.values, grad.indices, output_rows)
    return [None] * num_values + [array_ops.gather(grad, inp) for inp in inputs]


register_gradient('DynamicStitch')(_dynamic_stitch_grads)
register_gradient('ParallelDynamicStitch')(_dynamic_stitch_grads)


def _check_index_dtype(t, arg):
    if t.dtype.base_dtype not in _INDEX_TYPES:
        raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed values: int32, int64"
                        % (arg, t.dtype.base_dtype.name))


# -- public functions --
def segment_sum(data, segment_ids, name=None):
    """Sums the rows of data into segments given by sorted segment_ids (output rows: max id + 1)."""
    op = op_builder.apply('SegmentSum', [data, segment_ids], None, name)
    _check_index_dtype(op._inputs[1], 'segment_ids')
    return op._outputs[0]


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


def roll(input, shift, axis, name=None):  # noqa: A002 - TF's name
    """Rolls the elements of input by shift along axis (both scalars or equal-length vectors)."""
    op = op_builder.apply('Roll', [input, shift, axis], None, name)
    _check_index_dtype(op._inputs[1], 'shift')
    _check_index_dtype(op._inputs[2], 'axis')
    return op._outputs[0]


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


def dynamic_partition(data, partitions, num_partitions, name=None):
    """num_partitions tensors: outputs[i] holds the rows of data whose partition is i, in order."""
    op = op_builder.apply('DynamicPartition', [data, partitions], {'num_partitions': int(num_partitions)}, name)
    return list(op._outputs)


def dynamic_stitch(indices, data, name=None):
    """merged[indices[m][i, ...], ...] = data[m][i, ...]; later entries win on duplicate indices."""
    return op_builder.apply('DynamicStitch', [list(indices), list(data)], None, name)._outputs[0]


def parallel_dynamic_stitch(indices, data, name=None):
    return op_builder.apply('ParallelDynamicStitch', [list(indices), list(data)], None, name)._outputs[0]


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


def _with_dependencies(dependencies, tensor):
    g = _graph.get_default_graph()
    with g.name_scope('control_dependency') as scope:
        with g.colocate_with(tensor.op), g.control_dependencies(dependencies):
            return graph_ops.identity(tensor, name=scope)


def _remove_squeezable_dimensions(labels, predictions):
    """Squeezes the last dimension of labels or predictions when their ranks differ by one (static ranks)."""
    p_rank, l_rank = predictions.shape.ndims, labels.shape.ndims
    if p_rank is not None and l_rank is not None:
        if l_rank - p_rank == 1 and labels.shape._dims[-1] in (1, None):
            labels = array_ops.squeeze(labels, [-1])
        elif p_rank - l_rank == 1 and predictions.shape._dims[-1] in (1, None):
            predictions = array_ops.squeeze(predictions, [-1])
    return labels, predictions


def confusion_matrix(labels, predictions, num_classes=None, dtype=dtypes.int32, name=None, weights=None):
    """cm[i, j]: the number (or total weight) of examples with label i predicted as j (a ScatterNd)."""
    with name_scope(name, 'confusion_matrix', (predictions, labels, num_classes, weights)):
        labels, predictions = _remove_squeezable_dimensions(_graph.convert_to_tensor(labels, name='labels'),
                                                            _graph.convert_to_tensor(predictions, name='predictions'))
        predictions = math_ops.cast(predictions, dtypes.int64)
        labels = math_ops.cast(labels, dtypes.int64)
        labels = _with_dependencies(
            [check_ops.assert_non_negative(labels, message='`labels` contains negative values')], labels)
        predictions = _with_dependencies(
            [check_ops.assert_non_negative(predictions, message='`predictions` contains negative values')],
            predictions)
        if num_classes is None:
            num_classes = math_ops.maximum(math_ops.reduce_max(predictions), math_ops.reduce_max(labels)) + 1
        else:
            num_classes_int64 = math_ops.cast(num_classes, dtypes.int64)
            labels = _with_dependencies(
                [check_ops.assert_less(labels, num_classes_int64, message='`labels` out of bound')], labels)
            predictions = _with_dependencies(
                [check_ops.assert_less(predictions, num_classes_int64, message='`predictions` out of bound')],
                predictions)
        if weights is not None:
            weights = _graph.convert_to_tensor(weights, name='weights')
            predictions.shape.assert_is_compatible_with(weights.shape)
            weights = math_ops.cast(weights, dtype)
        shape = array_ops.stack([num_classes, num_classes])
        indices = array_ops.stack([labels, predictions], axis=1)
        values = array_ops.ones_like(predictions, dtype) if weights is None else weights
        result = scatter_nd(indices=indices, updates=values, shape=math_ops.cast(shape, dtypes.int64))
        if not isinstance(num_classes, Tensor):
            return result
        known = [shape_fns.constant_value(t) for t in (labels, predictions)]
        if all(k is not None and np.size(k) for k in known):  # TF's shape inference folds max(...) + 1
            n = int(builtins.max(np.max(known[0]), np.max(known[1]))) + 1
            result.set_shape([n, n])
        return result


def random_crop(value, size, seed=None, name=None):
    """A random `size` slice of value (offsets uniform over the valid range; checked at run time)."""
    with name_scope(name, 'random_crop', [value, size]) as name:
        value = _graph.convert_to_tensor(value, name='value')
        size = _graph.convert_to_tensor(size, dtype=dtypes.int32, name='size')
        shape = array_ops.shape(value)
        check = control_flow_ops.Assert(math_ops.reduce_all(math_ops.greater_equal(shape, size)),
                                        ['Need value.shape >= size, got ', shape, size], summarize=1000)
        shape = _with_dependencies([check], shape)
        limit = shape - size + 1
        offset = random_ops.random_uniform(array_ops.shape(shape), dtype=size.dtype, maxval=size.dtype.max,
                                           seed=seed) % limit
        return array_ops.slice(value, offset, size, name=name)

