"""Counting, binning and searching (TF 1.15): tf.unique_with_counts (UniqueWithCounts), tf.math.bincount
(Bincount), tf.histogram_fixed_width (HistogramFixedWidth) and its bins, tf.searchsorted (LowerBound /
UpperBound over the last axis of sorted rows), tf.tensor_scatter_update/add/sub (TensorScatterUpdate/Add/Sub:
scatter_nd into a copy of a tensor, duplicates summed for add/sub) and tf.batch_gather. Counts have no
gradient; the tensor scatters are differentiable as in TF.
"""
from sluice.engine import dtypes, op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, clip_ops, constant_op, math_ops, reduction_ops, shape_fns
from sluice.ops.filling_ops import range as _range

__all__ = ['unique_with_counts', 'bincount', 'histogram_fixed_width', 'histogram_fixed_width_bins', 'searchsorted',
           'tensor_scatter_update', 'tensor_scatter_add', 'tensor_scatter_sub', 'tensor_scatter_nd_update',
           'tensor_scatter_nd_add', 'tensor_scatter_nd_sub', 'batch_gather']


def _vector_outputs(op):
    return [TensorShape([None]), op._inputs[0]._shape, TensorShape([None])]


register_op('UniqueWithCounts', ['x: T'], ['y: T', 'idx: out_idx', 'count: out_idx'],
            {'T': 'type', 'out_idx': ('type', dtypes.int32)}, _vector_outputs)
register_op('Bincount', ['arr: int32', 'size: int32', 'weights: T'], ['bins: T'], {'T': 'type'},
            lambda op: [TensorShape([None])])


def _histogram_shape(op):
    nbins = shape_fns.constant_value(op._inputs[2])
    return [TensorShape([None if nbins is None else int(nbins)])]


register_op('HistogramFixedWidth', ['values: T', 'value_range: T', 'nbins: int32'], ['out: dtype'],
            {'T': 'type', 'dtype': ('type', dtypes.int32)}, _histogram_shape)
for _bound in ('LowerBound', 'UpperBound'):
    register_op(_bound, ['sorted_inputs: T', 'values: T'], ['output: out_type'],
                {'T': 'type', 'out_type': ('type', dtypes.int32)}, lambda op: [op._inputs[1]._shape])
for _scatter in ('TensorScatterUpdate', 'TensorScatterAdd', 'TensorScatterSub'):
    register_op(_scatter, ['tensor: T', 'indices: Tindices', 'updates: T'], ['output: T'],
                {'T': 'type', 'Tindices': 'type'}, shape_fns.unchanged)
for _op in ('UniqueWithCounts', 'Bincount', 'HistogramFixedWidth', 'LowerBound', 'UpperBound'):
    no_gradient(_op)


@register_gradient('TensorScatterUpdate')
def _tensor_scatter_update_grad(op, grad):
    indices = op._inputs[1]
    cleared = tensor_scatter_update(grad, indices, array_ops.zeros_like(op._inputs[2]))
    return [cleared, None, array_ops.gather_nd(grad, indices)]


@register_gradient('TensorScatterAdd')
def _tensor_scatter_add_grad(op, grad):
    return [grad, None, array_ops.gather_nd(grad, op._inputs[1])]


@register_gradient('TensorScatterSub')
def _tensor_scatter_sub_grad(op, grad):
    return [grad, None, -array_ops.gather_nd(grad, op._inputs[1])]


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """(y, idx, count): the distinct elements in order of first occurrence, x's index into y, and counts."""
    return tuple(op_builder.apply('UniqueWithCounts', [x], {'out_idx': dtypes.as_dtype(out_idx)}, name)._outputs)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None):
    """Counts (or summed weights) of each value 0 .. max(arr) of the int32 `arr`, clipped to
    [minlength, maxlength] bins."""
    with name_scope(name, 'bincount', [arr, weights, minlength, maxlength]):
        arr = convert_to_tensor(arr, name='arr', dtype=dtypes.int32)
        nonempty = math_ops.cast(reduction_ops.reduce_prod(array_ops.shape(arr)) > 0, dtypes.int32)
        output_size = nonempty * (reduction_ops.reduce_max(arr) + 1)
        if minlength is not None:
            output_size = math_ops.maximum(convert_to_tensor(minlength, dtype=dtypes.int32), output_size)
        if maxlength is not None:
            output_size = math_ops.minimum(convert_to_tensor(maxlength, dtype=dtypes.int32), output_size)
        if weights is not None:  # TF 1.15 sums weights per value with UnsortedSegmentSum
            from sluice.ops.segment_ops import unsorted_segment_sum
            return unsorted_segment_sum(convert_to_tensor(weights, name='weights'), arr, output_size)
        weights = constant_op.constant([], dtype)
        return op_builder.output('Bincount', [arr, output_size, weights])


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """Counts of `values` in nbins equal bins over value_range (outside values go to the end bins)."""
    with name_scope(name, 'histogram_fixed_width', [values, value_range, nbins]) as scope:
        return op_builder.output('HistogramFixedWidth', [values, value_range, convert_to_tensor(nbins, dtypes.int32)],
                                 {'dtype': dtypes.as_dtype(dtype)}, scope)


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bin index of each value (TF 1.15's composition)."""
    with name_scope(name, 'histogram_fixed_width_bins', [values, value_range, nbins]):
        values = convert_to_tensor(values, name='values')
        shape = array_ops.shape(values)
        values = array_ops.reshape(values, [-1])
        value_range = convert_to_tensor(value_range, name='value_range')
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name='nbins')
        nbins_float = math_ops.cast(nbins, values.dtype)
        scaled = math_ops.truediv(values - value_range[0], value_range[1] - value_range[0], name='scaled_values')
        indices = math_ops.floor(nbins_float * scaled, name='indices')
        indices = math_ops.cast(clip_ops.clip_by_value(indices, 0, nbins_float - 1), dtypes.int32)
        return array_ops.reshape(indices, shape)


def searchsorted(sorted_sequence, values, side='left', out_type=dtypes.int32, name=None):
    """For each value, its insertion index into the sorted last axis ('left': before equal entries)."""
    if side not in ('left', 'right'):
        raise ValueError("side must be either 'right' or 'left'.  Saw: %s." % side)
    sorted_sequence, values = convert_to_tensor(sorted_sequence), convert_to_tensor(values)
    shape = array_ops.shape(values)
    rows = array_ops.reshape(sorted_sequence, [-1, array_ops.shape(sorted_sequence)[-1]])
    flat = array_ops.reshape(values, [-1, array_ops.shape(values)[-1]])
    output = op_builder.output('LowerBound' if side == 'left' else 'UpperBound', [rows, flat],
                               {'out_type': dtypes.as_dtype(out_type)}, name)
    return array_ops.reshape(output, shape)


def tensor_scatter_update(tensor, indices, updates, name=None):
    return op_builder.output('TensorScatterUpdate', [tensor, indices, updates], {}, name)


def tensor_scatter_add(tensor, indices, updates, name=None):
    return op_builder.output('TensorScatterAdd', [tensor, indices, updates], {}, name)


def tensor_scatter_sub(tensor, indices, updates, name=None):
    return op_builder.output('TensorScatterSub', [tensor, indices, updates], {}, name)


tensor_scatter_nd_update, tensor_scatter_nd_add, tensor_scatter_nd_sub = (tensor_scatter_update, tensor_scatter_add,
                                                                          tensor_scatter_sub)


def batch_gather(params, indices, name=None):
    """params[b..., indices[b..., j]]: a gather per leading batch entry (TF 1.15's composition)."""
    with name_scope(name, 'BatchGather', [params, indices]):
        indices, params = convert_to_tensor(indices, name='indices'), convert_to_tensor(params, name='params')
        if indices.shape.ndims is None:
            raise ValueError('batch_gather does not allow indices with unknown shape.')
        ndims = indices.shape.ndims
        if ndims < 1:
            raise ValueError('batch_gather does not allow indices with rank < 1.')
        if ndims == 1:
            return array_ops.gather(params, indices)
        casted = math_ops.cast(array_ops.shape(params), indices.dtype)
        accum = None
        offsets = array_ops.zeros_like(indices)
        for dim in range(ndims - 1, 0, -1):
            dim_value = casted[dim - 1]
            accum = casted[dim] if accum is None else accum * casted[dim]
            steps = _range(0, dim_value, 1, dtype=indices.dtype)
            shape = [1] * ndims
            shape[dim - 1] = -1
            offsets += array_ops.reshape(steps, shape) * accum
        flat_params = array_ops.reshape(params, array_ops.concat([[-1], array_ops.shape(params)[ndims:]], 0))
        gathered = array_ops.gather(flat_params, indices + offsets)
        return gathered
