"""Kernels of the SparseTensor ops that read or make dense tensors (ops/sparse_ops.py).

Indices and dense shapes are host inputs: the index work (bounds and order checks, row-major linear
ids, grouping) runs in NumPy, and only the values and dense operands live on the device (ctx.xp).
As in TF 1.15, SparseTensorDenseMatMul, SparseToDense, SparseTensorDenseAdd, SparseReduceSum and
SparseDenseCwise* also run on GPUs (the sums scatter through cupyx.scatter_add there); the reorder,
reshape, softmax and max reductions are CPU kernels. Entries are in row-major order when a kernel
relies on it (SparseSoftmax's rows), as TF requires.
"""
import numpy as np

from sluice.kernels.checks import dims_text as _dims, invalid as _invalid
from sluice.kernels.gpu_registration import cupyx_scatter_add, register_cupy_kernel, register_scatter_kernel
from sluice.kernels.registry import register_kernel


def host_index(a):
    """A host int64 copy of an index or shape array (CuPy arrays come back through .get())."""
    return np.asarray(a.get() if hasattr(a, 'get') else a).astype(np.int64, copy=False)


def shape_list(a):
    return [int(d) for d in host_index(a).reshape(-1)]


def linear_ids(indices, shape):
    """Row-major linear positions of index rows [N, rank] in a dense tensor of `shape`."""
    if not len(shape):
        return np.zeros(indices.shape[0], np.int64)
    strides = np.cumprod([1] + list(shape[:0:-1]), dtype=np.int64)[::-1]
    return indices @ strides


def unravel(ids, shape):
    """Index rows [N, rank] of row-major linear positions `ids` in `shape`."""
    if not len(shape):
        return np.zeros((ids.shape[0], 0), np.int64)
    return np.stack(np.unravel_index(ids, shape), axis=1).astype(np.int64) if ids.size else \
        np.zeros((0, len(shape)), np.int64)


def row_text(row):
    return ','.join(str(int(v)) for v in row)


def validate_indices(op, indices, shape):
    """TF's SparseTensor::IndicesValid: the first row out of bounds, out of order or repeated fails."""
    bound = np.asarray(shape, np.int64)
    outside = ((indices < 0) | (indices >= bound)).any(axis=1)
    first_outside = int(np.argmax(outside)) if outside.any() else indices.shape[0]
    inside = indices[:first_outside]
    step = np.diff(linear_ids(inside, shape)) if first_outside > 1 else np.zeros(0, np.int64)
    bad = np.nonzero(step <= 0)[0]
    if bad.size:
        n = int(bad[0]) + 1
        if step[bad[0]] == 0:
            raise _invalid(op, 'indices[%d] = [%s] is repeated' % (n, row_text(indices[n])))
        raise _invalid(op, 'indices[%d] = [%s] is out of order. Many sparse ops require sorted indices.\n'
                           '    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n'
                       % (n, row_text(indices[n])))
    if first_outside < indices.shape[0]:
        raise _invalid(op, 'indices[%d] = [%s] is out of bounds: need 0 <= index < [%s]'
                       % (first_outside, row_text(indices[first_outside]), row_text(bound)))


def sparse_inputs(op, indices, values, shape):
    """The host indices [N, rank] and shape list of a SparseTensor input, its three parts checked."""
    indices = host_index(indices)
    shape = shape_list(shape)
    if indices.ndim != 2:
        raise _invalid(op, 'Input indices should be a matrix but received shape %s' % _dims(indices.shape))
    if values.ndim != 1 or values.shape[0] != indices.shape[0]:
        raise _invalid(op, 'Input values should be a vector of %d entries but received shape %s'
                       % (indices.shape[0], _dims(values.shape)))
    if indices.shape[1] != len(shape):
        raise _invalid(op, 'Input indices of rank %d do not match the %d dimensions of the dense shape %s'
                       % (indices.shape[1], len(shape), _dims(shape)))
    return indices, shape


# -- SparseToDense ---------------------------------------------------------------------------------------
@register_kernel('SparseToDense', host_inputs=(0, 1), fresh_output=True)
def sparse_to_dense(op, ctx):
    xp = ctx.xp
    validate = op.get_attr('validate_indices')

    def run(indices, output_shape, values, default):
        shape = shape_list(output_shape)
        indices = host_index(indices)
        if indices.ndim > 2:
            raise _invalid(op, 'sparse_indices should be a scalar, vector, or matrix, got shape %s'
                           % _dims(indices.shape))
        indices = indices.reshape(-1, 1) if indices.ndim < 2 else indices
        n = indices.shape[0]
        if indices.shape[1] != len(shape):
            raise _invalid(op, 'sparse_indices[0].size (%d) does not match output_shape.size (%d)'
                           % (indices.shape[1], len(shape)))
        if values.ndim > 1 or (values.ndim == 1 and values.shape[0] != n):
            raise _invalid(op, 'sparse_values has incorrect shape %s, should be [] or [%d]' % (_dims(values.shape), n))
        if default.ndim != 0:
            raise _invalid(op, 'default_value should be a scalar.')
        if validate:
            validate_indices(op, indices, shape)
        elif n and ((indices < 0) | (indices >= np.asarray(shape, np.int64))).any():
            raise _invalid(op, 'Indices are not valid (out of bounds).  Shape: [%s]' % row_text(shape))
        out = xp.full(shape, default, dtype=default.dtype)
        if n:
            out[tuple(xp.asarray(c) for c in indices.T)] = values
        return out
    return run


# -- SparseTensorDenseMatMul --------------------------------------------------------------------------------
def _sparse_dense_matmul(scatter_add):
    """The builder: rows of the product gather rows of b scaled by the values (scatter-added per row)."""
    def build(op, ctx):
        xp = ctx.xp
        adj_a, adj_b = op.get_attr('adjoint_a'), op.get_attr('adjoint_b')
        lhs, rhs = (1, 0) if adj_a else (0, 1)

        def run(a_indices, a_values, a_shape, b):
            indices = host_index(a_indices)
            shape = shape_list(a_shape)
            if len(shape) != 2 or b.ndim != 2:
                raise _invalid(op, 'Tensor a_shape and b should be of rank 2, got a_shape %s and b %s'
                               % (_dims(shape), _dims(b.shape)))
            m, k = shape[lhs], shape[rhs]
            bb = b.conj().T if adj_b else b
            if bb.shape[0] != k:
                raise _invalid(op, 'Cannot multiply A and B because inner dimension does not match: %d vs. %d.  '
                                   'Did you forget a transpose?  Dimensions of A: [%d, %d).  Dimensions of B: %s'
                               % (k, bb.shape[0], m, k, _dims(b.shape)))
            for side, limit, label in ((rhs, k, 'k'), (lhs, m, 'm')):
                bad = np.nonzero((indices[:, side] < 0) | (indices[:, side] >= limit))[0]
                if bad.size:
                    i = int(bad[0])
                    raise _invalid(op, '%s (%d) from index[%d,%d] out of bounds (>=%d)'
                                   % (label, indices[i, side], i, side, limit))
            values = a_values.conj() if adj_a else a_values
            out = xp.zeros((m, bb.shape[1]), dtype=b.dtype)
            if indices.shape[0]:
                rows = values[:, None] * bb[xp.asarray(indices[:, rhs])]
                scatter_add(out, xp.asarray(indices[:, lhs]), rows)
            return out
        return run
    return build


def rows_add(out, ids, rows):
    """out[ids] += rows with repeated ids adding up in order, as np.add.at, about 7x faster on CPUs: the
    rows are sorted by id (a stable sort), and step j adds the j-th row of every id that has one, the ids
    ordered by their row count so that those are a prefix. Steps: the largest count of one id."""
    if not ids.size:
        return
    if ids.size > 1 and bool((ids[1:] < ids[:-1]).any()):
        order = np.argsort(ids, kind='stable')
        ids, rows = ids[order], rows[order]
    starts = np.flatnonzero(np.concatenate([[True], ids[1:] != ids[:-1]]))
    counts = np.diff(np.append(starts, ids.size))
    by_count = np.argsort(-counts, kind='stable')
    starts, counts = starts[by_count], counts[by_count]
    longest = int(counts[0])
    having = np.searchsorted(-counts, -np.arange(longest), side='left')  # having[j]: ids with > j rows
    acc = rows[starts]
    for j in range(1, longest):
        k = having[j]
        acc[:k] += rows[starts[:k] + j]
    out[ids[starts]] += acc


register_kernel('SparseTensorDenseMatMul', devices=('CPU',), host_inputs=(0, 2), fresh_output=True)(
    _sparse_dense_matmul(rows_add))
register_cupy_kernel('SparseTensorDenseMatMul', host_inputs=(0, 2), fresh_output=True)(
    _sparse_dense_matmul(cupyx_scatter_add))


# -- SparseReduceSum, SparseReduceMax and the *Sparse forms ---------------------------------------------------
def reduction_plan(op, indices, shape, axes):
    """(kept dims, output linear ids of each entry, kept sizes, keep_dims shape) of a sparse reduction."""
    rank = len(shape)
    chosen = set()
    for a in host_index(axes).reshape(-1):
        if not -rank <= a < rank:
            raise _invalid(op, 'Invalid reduction dimension %d, for input with %d dimensions.' % (a, rank))
        chosen.add(int(a) % rank)
    kept = [i for i in range(rank) if i not in chosen]
    kept_sizes = [shape[i] for i in kept]
    ids = linear_ids(indices[:, kept], kept_sizes)
    kept_dims_shape = [1 if i in chosen else shape[i] for i in range(rank)]
    return kept, ids, kept_sizes, kept_dims_shape


def _sparse_reduce_sum(scatter_add):
    def build(op, ctx):
        xp = ctx.xp
        keep = op.get_attr('keep_dims')

        def run(indices, values, shape, axes):
            indices, shape = sparse_inputs(op, indices, values, shape)
            _, ids, sizes, kept_dims_shape = reduction_plan(op, indices, shape, axes)
            out = xp.zeros(int(np.prod(sizes, dtype=np.int64)), dtype=values.dtype)
            if ids.size:
                scatter_add(out, xp.asarray(ids), values)
            return out.reshape(kept_dims_shape if keep else sizes)
        return run
    return build


register_scatter_kernel('SparseReduceSum', _sparse_reduce_sum, host_inputs=(0, 2, 3), fresh_output=True)


def grouped(ids, values, kind):
    """(sorted unique ids, the sum or max of the values of each id)."""
    order = np.argsort(ids, kind='stable')
    ids, values = ids[order], values[order]
    starts = np.concatenate([[0], np.nonzero(np.diff(ids))[0] + 1]) if ids.size else np.zeros(0, np.int64)
    ufunc = np.add if kind == 'Sum' else np.maximum
    reduced = ufunc.reduceat(values, starts) if ids.size else values[:0]
    return ids[starts], reduced


@register_kernel('SparseReduceMax', devices=('CPU',), host_inputs=(0, 2, 3), fresh_output=True)
def sparse_reduce_max(op, ctx):
    keep = op.get_attr('keep_dims')

    def run(indices, values, shape, axes):
        indices, shape = sparse_inputs(op, indices, values, shape)
        _, ids, sizes, kept_dims_shape = reduction_plan(op, indices, shape, axes)
        out = np.zeros(int(np.prod(sizes, dtype=np.int64)), dtype=values.dtype)  # cells without entries: 0
        cells, maxima = grouped(ids, values, 'Max')
        out[cells] = maxima
        return out.reshape(kept_dims_shape if keep else sizes)
    return run


@register_kernel(('SparseReduceSumSparse', 'SparseReduceMaxSparse'), devices=('CPU',), host_inputs=(0, 2, 3),
                 multi_output=True, fresh_output=True)
def sparse_reduce_sparse(op, ctx):
    keep = op.get_attr('keep_dims')
    kind = 'Sum' if op.type == 'SparseReduceSumSparse' else 'Max'

    def run(indices, values, shape, axes):
        indices, shape = sparse_inputs(op, indices, values, shape)
        kept, ids, sizes, kept_dims_shape = reduction_plan(op, indices, shape, axes)
        cells, reduced = grouped(ids, values, kind)
        rows = unravel(cells, sizes)
        if keep:
            full = np.zeros((rows.shape[0], len(shape)), np.int64)
            full[:, kept] = rows
            return [full, reduced, np.array(kept_dims_shape, np.int64)]
        return [rows, reduced, np.array(sizes, np.int64)]
    return run


# -- SparseTensorDenseAdd and SparseDenseCwise{Add,Mul,Div} -------------------------------------------------
def _sparse_tensor_dense_add(scatter_add):
    def build(op, ctx):
        def run(indices, values, shape, dense):
            indices, shape = sparse_inputs(op, indices, values, shape)
            if tuple(shape) != tuple(dense.shape):
                raise _invalid(op, 'Dimensions must be equal: a_shape %s and b.shape %s'
                               % (_dims(shape), _dims(dense.shape)))
            out = dense.copy()
            if indices.shape[0]:
                bad = ((indices < 0) | (indices >= np.asarray(shape, np.int64))).any(axis=1)
                if bad.any():
                    i = int(np.argmax(bad))
                    raise _invalid(op, 'Index [%s] of a_indices row %d is out of bounds of a_shape %s'
                                   % (row_text(indices[i]), i, _dims(shape)))
                scatter_add(out.reshape(-1), ctx.xp.asarray(linear_ids(indices, shape)), values)
            return out
        return run
    return build


register_scatter_kernel('SparseTensorDenseAdd', _sparse_tensor_dense_add, host_inputs=(0, 2), fresh_output=True)


def _cwise(combine):
    def build(op, ctx):
        xp = ctx.xp

        def run(indices, values, shape, dense):
            indices, shape = sparse_inputs(op, indices, values, shape)
            dims = dense.shape
            lead = len(shape) - len(dims)
            if lead < 0 or any(d not in (1, s) for d, s in zip(dims, shape[lead:])):
                raise _invalid(op, 'SparseDenseBinaryOpShared broadcasts dense to sparse only; got incompatible '
                                   'shapes: %s vs. %s' % (_dims(shape), _dims(dims)))
            cols = [np.zeros_like(indices[:, lead + j]) if d == 1 else indices[:, lead + j]
                    for j, d in enumerate(dims)]
            met = dense[tuple(xp.asarray(c) for c in cols)] if dims else xp.broadcast_to(dense, values.shape)
            return combine(xp, values, met)
        return run
    return build


def _divide(xp, x, y):
    if x.dtype.kind in 'iu':
        return xp.trunc(x / y).astype(x.dtype)  # C++'s integer division truncates
    return x / y


register_kernel('SparseDenseCwiseAdd', host_inputs=(0, 2), fresh_output=True)(_cwise(lambda xp, x, y: x + y))
register_kernel('SparseDenseCwiseMul', host_inputs=(0, 2), fresh_output=True)(_cwise(lambda xp, x, y: x * y))
register_kernel('SparseDenseCwiseDiv', host_inputs=(0, 2), fresh_output=True)(_cwise(_divide))


# -- SparseSoftmax, SparseReorder, SparseReshape ------------------------------------------------------------
@register_kernel('SparseSoftmax', devices=('CPU',), fresh_output=True)
def sparse_softmax(op, ctx):
    def run(indices, values, shape):
        indices, shape = sparse_inputs(op, indices, values, shape)
        if len(shape) < 2:
            raise _invalid(op, 'Input should have rank >= 2, but received shape: %s' % row_text(shape))
        if not values.size:
            return values.copy()
        # A row is a run of entries that agree on every index but the last (the input is row-major ordered).
        starts = np.concatenate([[0], np.nonzero((np.diff(indices[:, :-1], axis=0) != 0).any(axis=1))[0] + 1])
        row = np.cumsum(np.isin(np.arange(values.shape[0]), starts)) - 1
        shifted = np.exp(values - np.maximum.reduceat(values, starts)[row])
        return shifted / np.add.reduceat(shifted, starts)[row]
    return run


@register_kernel('SparseReorder', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_reorder(op, ctx):
    def run(indices, values, shape):
        indices, shape = sparse_inputs(op, indices, values, shape)
        order = np.lexsort(indices.T[::-1]) if indices.shape[1] else np.arange(indices.shape[0])
        return [indices[order], values[order]]
    return run


@register_kernel('SparseReshape', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_reshape(op, ctx):
    def run(indices, shape, new_shape):
        indices, shape = host_index(indices), shape_list(shape)
        new = shape_list(new_shape)
        total = int(np.prod(shape, dtype=np.int64))
        unknown = [i for i, d in enumerate(new) if d == -1]
        if len(unknown) > 1:
            raise _invalid(op, 'only one output dimension may be -1, not both %d and %d' % tuple(unknown[:2]))
        known = int(np.prod([d for d in new if d != -1], dtype=np.int64))
        if unknown:
            if known == 0 or total % known:
                raise _invalid(op, 'Input to reshape is a SparseTensor with %d dense values, but the requested '
                                   'shape requires a multiple of %d. inputs_shape=%s' % (total, known, _dims(shape)))
            new[unknown[0]] = total // known
        elif known != total:
            raise _invalid(op, 'Input to reshape is a tensor with %d dense values, but the requested shape has %d. '
                               'inputs_shape=%s' % (total, known, _dims(shape)))
        return [unravel(linear_ids(indices, shape), new), np.array(new, np.int64)]
    return run
