"""Segment and partition ops, each a block (declaration, gradient, public function): SegmentSum
(tf.segment_sum / tf.math.segment_sum), UnsortedSegmentSum (tf.math.unsorted_segment_sum), DynamicPartition (tf.dynamic_partition), DynamicStitch and
ParallelDynamicStitch (tf.dynamic_stitch). Kernels in
kernels/segment_kernels.py.
"""
import builtins

import numpy as np

from sluice.engine import dtypes
from sluice.engine import op_builder
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, math_ops, shape_fns
from sluice.ops.indexed_slices import IndexedSlices
from sluice.ops.elementwise import NUMBER
from sluice.ops.math_ops import _shape_error

__all__ = ['unsorted_segment_sum', 'segment_sum', 'dynamic_partition', 'dynamic_stitch', 'parallel_dynamic_stitch']


_INT32 = ('type', dtypes.int32)


_INDEX_TYPES = (dtypes.int32, dtypes.int64)


def _check_index_dtype(t, arg):
    if t.dtype.base_dtype not in _INDEX_TYPES:
        raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed values: int32, int64"
                        % (arg, t.dtype.base_dtype.name))


# -- SegmentSum ------------------------------------------------------------------------------------------
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


register_op('SegmentSum', ['data: T', 'segment_ids: Tindices'], ['output: T'],
            {'T': 'type', 'Tindices': 'type'}, _segment_shape)


@register_gradient('SegmentSum')
def _segment_sum_grad(op, grad):
    return [array_ops.gather(grad, op._inputs[1]), None]


def segment_sum(data, segment_ids, name=None):
    """Sums the rows of data into segments given by sorted segment_ids (output rows: max id + 1)."""
    op = op_builder.apply('SegmentSum', [data, segment_ids], None, name)
    _check_index_dtype(op._inputs[1], 'segment_ids')
    return op._outputs[0]


# -- DynamicPartition ------------------------------------------------------------------------------------
def _dynamic_partition_shape(op):
    data, parts = op._inputs[0]._shape._dims, op._inputs[1]._shape._dims
    n = op._attrs['num_partitions']
    if data is None or parts is None:
        return [unknown_shape()] * n
    for d, p in zip(data, parts):
        if d is not None and p is not None and d != p:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (d, p))
    return [TensorShape([None] + list(data[len(parts):]))] * n


register_op('DynamicPartition', ['data: T', 'partitions: int32'], ['outputs: num_partitions * T'],
            {'num_partitions': 'int', 'T': 'type'}, _dynamic_partition_shape)


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


def dynamic_partition(data, partitions, num_partitions, name=None):
    """num_partitions tensors: outputs[i] holds the rows of data whose partition is i, in order."""
    op = op_builder.apply('DynamicPartition', [data, partitions], {'num_partitions': int(num_partitions)}, name)
    return list(op._outputs)


# -- DynamicStitch, ParallelDynamicStitch ----------------------------------------------------------------
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


for _type in ('DynamicStitch', 'ParallelDynamicStitch'):
    register_op(_type, ['indices: N * int32', 'data: N * T'], ['merged: T'], {'N': 'int', 'T': 'type'},
                _dynamic_stitch_shape)


def _dynamic_stitch_grads(op, grad):
    num_values = len(op._inputs) // 2
    inputs = list(op._inputs[:num_values])
    if isinstance(grad, IndexedSlices):
        output_rows = array_ops.shape(op._outputs[0])[0]
        grad = unsorted_segment_sum(grad.values, grad.indices, output_rows)
    return [None] * num_values + [array_ops.gather(grad, inp) for inp in inputs]


register_gradient('DynamicStitch')(_dynamic_stitch_grads)


register_gradient('ParallelDynamicStitch')(_dynamic_stitch_grads)


def dynamic_stitch(indices, data, name=None):
    """merged[indices[m][i, ...], ...] = data[m][i, ...]; later entries win on duplicate indices."""
    return op_builder.apply('DynamicStitch', [list(indices), list(data)], None, name)._outputs[0]


def parallel_dynamic_stitch(indices, data, name=None):
    return op_builder.apply('ParallelDynamicStitch', [list(indices), list(data)], None, name)._outputs[0]


# -- UnsortedSegmentSum ------------------------------------------------------------------------------
def _segment_sum_shape(op):
    data, ids, num = (t._shape._dims for t in op._inputs)
    if num is not None and len(num) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(num))
    if data is None or ids is None:
        return [unknown_shape()]
    if len(ids) > len(data):
        raise _shape_error(op, 'Shape must be at least rank %d but is rank %d' % (len(ids), len(data)))
    for d, i in zip(data, ids):
        if d is not None and i is not None and d != i:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (d, i))
    n = shape_fns._value(op._inputs[2])  # folds the dense_shape[0] of IndexedSlices
    return [TensorShape([None if n is None else int(n)] + list(data[len(ids):]))]


register_op('UnsortedSegmentSum', inputs=['data: T', 'segment_ids: Tindices', 'num_segments: Tnumsegments'],
            outputs=['output: T'], attrs={'T': 'type', 'Tindices': 'type', 'Tnumsegments': ('type', dtypes.int32)},
            shape_fn=_segment_sum_shape, allowed={'T': NUMBER, 'Tindices': _INDEX_TYPES,
                                                           'Tnumsegments': _INDEX_TYPES})


@register_gradient('UnsortedSegmentSum')
def _unsorted_segment_sum_grad(op, grad):
    """Each row gets its segment's gradient (a gather); rows with a negative id get zeros."""
    ids = op.inputs[1]
    gathered = array_ops.gather(grad, math_ops.maximum(ids, 0))
    kept = math_ops.greater_equal(ids, 0)
    extra = array_ops.rank(gathered) - array_ops.rank(ids)
    mask_shape = array_ops.concat([array_ops.shape(ids), array_ops.ones(array_ops.reshape(extra, [1]),
                                                                         dtypes.int32)], 0)
    mask = array_ops.reshape(kept, mask_shape)
    return array_ops.where_v2(mask, gathered, array_ops.zeros_like(gathered)), None, None


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums the slices data[i] into row segment_ids[i] of a [num_segments, ...] result; negative ids drop."""
    return op_builder.output('UnsortedSegmentSum', [data, segment_ids, num_segments], None, name)
