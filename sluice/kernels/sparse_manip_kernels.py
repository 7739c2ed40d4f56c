"""Kernels of the ops that make SparseTensors from SparseTensors (ops/sparse_manip_ops.py): SparseAdd and
SparseAddGrad, SparseConcat, SparseSplit, SparseSlice and SparseSliceGrad, SparseFillEmptyRows and its
grad, SparseSparseMaximum/Minimum. CPU kernels, as in TF 1.15: the work is index bookkeeping on the host.

Index rows are matched by value through `row_codes` (np.unique over the stacked rows: one code per
distinct row, codes in row-major order), so a union or a lookup is a few vector operations, not a loop.
Outputs come in row-major order where TF's do (sums, concatenations, unions); slices and splits keep
their input's order.
"""
import numpy as np

from sluice.kernels.checks import dims_text as _dims, invalid as _invalid
from sluice.kernels.registry import register_kernel
from sluice.kernels.sparse_kernels import host_index, shape_list, sparse_inputs


def row_codes(*index_arrays):
    """(distinct rows in row-major order, one code array per input: the position of each row among them)."""
    rank = next((a.shape[1] for a in index_arrays if a.ndim == 2), 0)
    stacked = np.concatenate([a.reshape(-1, rank) for a in index_arrays], axis=0)
    if stacked.shape[0] == 0 or rank == 0:
        codes = np.zeros(stacked.shape[0], np.int64)
        distinct = stacked[:min(1, stacked.shape[0])]
    else:
        distinct, codes = np.unique(stacked, axis=0, return_inverse=True)
    codes = codes.reshape(-1)
    cuts = np.cumsum([0] + [a.shape[0] for a in index_arrays])
    return distinct, [codes[cuts[i]:cuts[i + 1]] for i in range(len(index_arrays))]


def _same_shapes(op, a_shape, b_shape):
    if len(a_shape) != len(b_shape):
        raise _invalid(op, 'Operands do not have the same ranks; got shapes: %s and %s'
                       % (_dims(a_shape), _dims(b_shape)))
    for d, (x, y) in enumerate(zip(a_shape, b_shape)):
        if x != y:
            raise _invalid(op, "Operands' shapes do not match: got %d and %d for dimension %d" % (x, y, d))


def _union(a_indices, a_values, b_indices, b_values):
    """(union rows, a's values on them (0 where absent), b's, where a has the row, where b has it)."""
    distinct, (ca, cb) = row_codes(a_indices, b_indices)
    dtype = np.result_type(a_values, b_values)
    va, vb = np.zeros(distinct.shape[0], dtype), np.zeros(distinct.shape[0], dtype)
    in_a, in_b = np.zeros(distinct.shape[0], bool), np.zeros(distinct.shape[0], bool)
    va[ca], vb[cb], in_a[ca], in_b[cb] = a_values, b_values, True, True
    return distinct, va, vb, in_a, in_b


@register_kernel('SparseAdd', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_add(op, ctx):
    def run(a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh):
        a_indices, a_shape = sparse_inputs(op, a_indices, a_values, a_shape)
        b_indices, b_shape = sparse_inputs(op, b_indices, b_values, b_shape)
        _same_shapes(op, a_shape, b_shape)
        rows, va, vb, in_a, in_b = _union(a_indices, a_values, b_indices, b_values)
        total = (va + vb).astype(a_values.dtype)
        # Only the sums of entries present in both operands are held to the threshold (TF's merge).
        keep = ~(in_a & in_b) | (np.abs(total) >= thresh)
        return [rows[keep].reshape(-1, len(a_shape)), total[keep], np.array(a_shape, np.int64)]
    return run


@register_kernel('SparseAddGrad', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_add_grad(op, ctx):
    def run(grad, a_indices, b_indices, sum_indices):
        a_indices, b_indices, sum_indices = host_index(a_indices), host_index(b_indices), host_index(sum_indices)
        distinct, (cs, ca, cb) = row_codes(sum_indices, a_indices, b_indices)
        by_code = np.zeros(distinct.shape[0] + 1, grad.dtype)
        present = np.zeros(distinct.shape[0] + 1, bool)
        by_code[cs], present[cs] = grad, True
        # An entry the threshold dropped from the sum gets no gradient.
        return [np.where(present[ca], by_code[ca], 0).astype(grad.dtype),
                np.where(present[cb], by_code[cb], 0).astype(grad.dtype)]
    return run


def _ordered(indices, values):
    order = np.lexsort(indices.T[::-1]) if indices.shape[1] and indices.shape[0] else np.arange(indices.shape[0])
    return indices[order], values[order]


@register_kernel('SparseConcat', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_concat(op, ctx):
    n = op.get_attr('N')
    axis = op.get_attr('concat_dim')

    def run(*args):
        parts = [sparse_inputs(op, args[i], args[n + i], args[2 * n + i]) for i in range(n)]
        rank = len(parts[0][1])
        if not -rank <= axis < rank:
            raise _invalid(op, 'Concat dimension must be in range [%d, %d), got %d' % (-rank, rank, axis))
        dim = axis % rank
        first = parts[0][1]
        for pos, (_, shape) in enumerate(parts):
            if len(shape) != rank:
                raise _invalid(op, 'Ranks of all input tensors must match: expected %d but got %d at position %d'
                               % (rank, len(shape), pos))
            for d in range(rank):
                if d != dim and shape[d] != first[d]:
                    raise _invalid(op, 'Input shapes must match: expected %d for dimension %d but got %d at '
                                       'position %d' % (first[d], d, shape[d], pos))
        offset, pieces = 0, []
        for indices, shape in parts:
            shifted = indices.copy()
            shifted[:, dim] += offset
            pieces.append(shifted)
            offset += shape[dim]
        out_shape = list(first)
        out_shape[dim] = offset
        indices, values = _ordered(np.concatenate(pieces, axis=0).reshape(-1, rank),
                                   np.concatenate([args[n + i] for i in range(n)]))
        return [indices, values, np.array(out_shape, np.int64)]
    return run


@register_kernel('SparseSplit', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_split(op, ctx):
    num = op.get_attr('num_split')

    def run(split_dim, indices, values, shape):
        indices, shape = sparse_inputs(op, indices, values, shape)
        rank = len(shape)
        axis = int(split_dim)
        if not -rank <= axis < rank:
            raise _invalid(op, 'Input split_dim should be between %d and %d, got %d' % (-rank, rank, axis))
        axis %= rank
        if not 1 <= num <= shape[axis]:
            raise _invalid(op, 'Input num_split should be between 1 and %d, got %d' % (shape[axis], num))
        base, extra = divmod(shape[axis], num)
        sizes = [base + 1 if i < extra else base for i in range(num)]
        starts = np.cumsum([0] + sizes)
        out_i, out_v, out_s = [], [], []
        for i, size in enumerate(sizes):
            inside = (indices[:, axis] >= starts[i]) & (indices[:, axis] < starts[i + 1])
            piece = indices[inside].copy()
            piece[:, axis] -= starts[i]
            piece_shape = list(shape)
            piece_shape[axis] = size
            out_i.append(piece)
            out_v.append(values[inside])
            out_s.append(np.array(piece_shape, np.int64))
        return out_i + out_v + out_s
    return run


def _slice_box(op, shape, start, size):
    start, size = shape_list(start), shape_list(size)
    if len(start) != len(shape) or len(size) != len(shape):
        raise _invalid(op, 'Expected start and size of length %d (the rank of the input), got %d and %d'
                       % (len(shape), len(start), len(size)))
    shape, start, size = np.array(shape, np.int64), np.array(start, np.int64), np.array(size, np.int64)
    return start, np.maximum(np.minimum(start + size, shape) - start, 0)


@register_kernel('SparseSlice', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_slice(op, ctx):
    def run(indices, values, shape, start, size):
        indices, shape = sparse_inputs(op, indices, values, shape)
        start, out_shape = _slice_box(op, shape, start, size)
        inside = ((indices >= start) & (indices < start + out_shape)).all(axis=1)
        return [indices[inside] - start, values[inside], out_shape]
    return run


@register_kernel('SparseSliceGrad', devices=('CPU',), fresh_output=True)
def sparse_slice_grad(op, ctx):
    def run(grad, input_indices, input_start, output_indices):
        input_indices, output_indices = host_index(input_indices), host_index(output_indices)
        if grad.shape[0] != output_indices.shape[0]:
            raise _invalid(op, 'backprop_val_grad has %d values, output_indices %d rows'
                           % (grad.shape[0], output_indices.shape[0]))
        shifted = output_indices + host_index(input_start).reshape(1, -1)
        distinct, (c_in, c_out) = row_codes(input_indices, shifted)
        by_code = np.zeros(distinct.shape[0] + 1, grad.dtype)
        present = np.zeros(distinct.shape[0] + 1, bool)
        by_code[c_out], present[c_out] = grad, True
        return np.where(present[c_in], by_code[c_in], 0).astype(grad.dtype)
    return run


@register_kernel('SparseFillEmptyRows', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_fill_empty_rows(op, ctx):
    def run(indices, values, dense_shape, default):
        indices, shape = sparse_inputs(op, indices, values, dense_shape)
        if default.ndim != 0:
            raise _invalid(op, 'default_value must be a scalar, saw: %s' % _dims(default.shape))
        if not shape:
            raise _invalid(op, 'dense_shape must be a non-empty vector')
        rows = indices[:, 0]
        bad = np.nonzero((rows < 0) | (rows >= shape[0]))[0]
        if bad.size:
            raise _invalid(op, 'indices(%d, 0) is invalid: %d >= %d' % (bad[0], rows[bad[0]], shape[0]))
        empty = np.ones(shape[0], bool)
        empty[rows] = False
        empty_rows = np.nonzero(empty)[0]
        filler = np.zeros((empty_rows.shape[0], len(shape)), np.int64)
        filler[:, 0] = empty_rows
        all_rows = np.concatenate([rows, empty_rows])
        order = np.argsort(all_rows, kind='stable')  # by row; a row's entries keep their order
        out_indices = np.concatenate([indices, filler])[order]
        out_values = np.concatenate([values, np.full(empty_rows.shape[0], default, values.dtype)])[order]
        reverse = np.empty(order.shape[0], np.int64)
        reverse[order] = np.arange(order.shape[0])
        return [out_indices, out_values, empty, reverse[:rows.shape[0]]]
    return run


@register_kernel('SparseFillEmptyRowsGrad', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_fill_empty_rows_grad(op, ctx):
    def run(reverse_index_map, grad_values):
        reverse = host_index(reverse_index_map)
        d_values = grad_values[reverse]
        return [d_values, np.asarray(grad_values.sum() - d_values.sum(), grad_values.dtype)]
    return run


@register_kernel(('SparseSparseMaximum', 'SparseSparseMinimum'), devices=('CPU',), multi_output=True,
                 fresh_output=True)
def sparse_sparse_extremum(op, ctx):
    pick = np.maximum if op.type == 'SparseSparseMaximum' else np.minimum

    def run(a_indices, a_values, a_shape, b_indices, b_values, b_shape):
        a_indices, a_shape = sparse_inputs(op, a_indices, a_values, a_shape)
        b_indices, b_shape = sparse_inputs(op, b_indices, b_values, b_shape)
        _same_shapes(op, a_shape, b_shape)
        rows, va, vb, _, _ = _union(a_indices, a_values, b_indices, b_values)  # a missing entry counts as 0
        return [rows.reshape(-1, len(a_shape)), pick(va, vb).astype(a_values.dtype)]
    return run
