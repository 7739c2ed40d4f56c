"""tf.nn.embedding_lookup_sparse and tf.nn.safe_embedding_lookup_sparse (TF 1.15's v1 functions).

embedding_lookup_sparse: each row r of the SparseTensor sp_ids is a bag of ids; the result's row r
combines their embeddings (looked up once per distinct id, then gathered back), weighted by
sp_weights' values when given: 'sum' adds, 'mean' divides by the weights' sum (the count without
weights), 'sqrtn' by the root of the squared weights' sum. Rows are the segments of sp_ids.indices[:, 0]
(which must be sorted), so the result has max row + 1 rows. Without weights TF uses the
SparseSegmentSum/Mean/SqrtN ops; sluice computes the same values with SegmentSum and a division.

safe_embedding_lookup_sparse: the ids (and weights) of any rank are reshaped to a matrix; invalid ids
(< 0) and, unless combiner is 'sum', non-positive weights are dropped; empty rows get default_id's
embedding, or zeros when default_id is None; the result is reshaped back to the ids' leading shape.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.tensor_shape import Dimension, unknown_shape
from sluice.ops import (array_ops, filling_ops, indexing_ops, manip_ops, math_ops, reduction_ops, segment_ops,
                        shape_fns)
from sluice.ops.nn_embedding import embedding_lookup
from sluice.ops.sparse_manip_ops import sparse_fill_empty_rows, sparse_retain
from sluice.ops.sparse_ops import sparse_reshape
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['embedding_lookup_sparse', 'safe_embedding_lookup_sparse']

_COMBINERS = ('mean', 'sqrtn', 'sum')


def _as_list(params):
    if hasattr(params, '_get_variable_list'):  # a PartitionedVariable
        return list(params)
    return list(params) if isinstance(params, (list, tuple)) else [params]


def _check_weights(sp_ids, sp_weights):
    if not isinstance(sp_ids, SparseTensor):
        raise TypeError('sp_ids must be SparseTensor')
    if sp_weights is None:
        return
    if not isinstance(sp_weights, SparseTensor):
        raise TypeError('sp_weights must be either None or SparseTensor')
    sp_ids.values.shape.assert_is_compatible_with(sp_weights.values.shape)
    sp_ids.indices.shape.assert_is_compatible_with(sp_weights.indices.shape)
    sp_ids.dense_shape.shape.assert_is_compatible_with(sp_weights.dense_shape.shape)


def _broadcast_weights(weights, embeddings):
    """weights [n] reshaped to [n, 1, ...] to scale embeddings [n, d, ...]."""
    ones = filling_ops.fill(array_ops.expand_dims(array_ops.rank(embeddings) - 1, 0), 1)
    static = weights.shape
    weights = array_ops.reshape(weights, array_ops.concat([array_ops.shape(weights), ones], 0))
    if embeddings.shape.ndims is not None:
        weights.set_shape(static.concatenate([1] * (embeddings.shape.ndims - 1)))
    return weights


def _combine(embeddings, weights, segment_ids, combiner, name, floor=None):
    """The per-row combination of weighted embeddings (weights [n, 1, ...] already applied); `floor`
    bounds the divisor from below (the unweighted form's empty rows)."""
    if combiner == 'sum':
        return segment_ops.segment_sum(embeddings, segment_ids, name=name)
    summed = segment_ops.segment_sum(embeddings, segment_ids)
    power = weights if combiner == 'mean' else math_ops.pow(weights, 2)
    divisor = segment_ops.segment_sum(power, segment_ids)
    if floor is not None:
        divisor = math_ops.maximum(divisor, floor)
    if combiner == 'sqrtn':
        divisor = math_ops.sqrt(divisor)
    return math_ops.truediv(summed, divisor, name=name)


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy='mod', name=None, combiner=None,
                            max_norm=None):
    """One combined embedding per row of sp_ids (see the module docstring)."""
    if combiner is None:
        combiner = 'mean'
    if combiner not in _COMBINERS:
        raise ValueError("combiner must be one of 'mean', 'sqrtn' or 'sum'")
    params = _as_list(params)
    _check_weights(sp_ids, sp_weights)
    with _graph.name_scope(name, 'embedding_lookup_sparse', params + [sp_ids.values]) as name:
        segment_ids = math_ops.cast(sp_ids.indices[:, 0], dtypes.int32)
        ids, idx = manip_ops.unique(sp_ids.values)
        embeddings = embedding_lookup(params, ids, partition_strategy=partition_strategy, max_norm=max_norm)
        if embeddings.dtype in (dtypes.float16, dtypes.bfloat16):
            embeddings = math_ops.cast(embeddings, dtypes.float32)
        embeddings = indexing_ops.gather(embeddings, idx)
        if sp_weights is None:
            # TF's SparseSegment* ops: every id weighs 1, and a row without ids is 0 (not 0 / 0).
            weights = _broadcast_weights(array_ops.ones_like(math_ops.cast(sp_ids.values, embeddings.dtype)),
                                         embeddings)
            return _combine(embeddings, weights, segment_ids, combiner, name, floor=1)
        weights = _broadcast_weights(math_ops.cast(sp_weights.values, embeddings.dtype), embeddings)
        return _combine(embeddings * weights, weights, segment_ids, combiner, name)


def _prune(sparse_ids, sparse_weights, keep):
    sparse_ids = sparse_retain(sparse_ids, keep)
    return sparse_ids, None if sparse_weights is None else sparse_retain(sparse_weights, keep)


def safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights=None, combiner='mean',
                                 default_id=None, name=None, partition_strategy='div', max_norm=None):
    """embedding_lookup_sparse for ids of any rank, robust to invalid ids and empty rows (module docstring)."""
    if embedding_weights is None:
        raise ValueError('Missing embedding_weights %s.' % embedding_weights)
    embedding_weights = _as_list(embedding_weights)
    if not embedding_weights:
        raise ValueError('Missing embedding_weights %s.' % embedding_weights)
    dtype = sparse_weights.dtype if sparse_weights is not None else None
    embedding_weights = [w if hasattr(w, 'initializer') else _graph.convert_to_tensor(w, dtype=dtype)
                         for w in embedding_weights]
    with _graph.name_scope(name, 'embedding_lookup', [sparse_ids.values]) as scope:
        original_shape = sparse_ids.dense_shape
        rank_dim = sparse_ids.dense_shape.shape[0].value
        rank = array_ops.size(original_shape) if rank_dim is None else rank_dim
        sparse_ids = sparse_reshape(sparse_ids, [
            reduction_ops.reduce_prod(array_ops.slice(original_shape, [0], [rank - 1])),
            indexing_ops.gather(original_shape, rank - 1)])
        if sparse_weights is not None:
            sparse_weights = SparseTensor(sparse_ids.indices, sparse_weights.values, sparse_ids.dense_shape)
        sparse_ids, sparse_weights = _prune(sparse_ids, sparse_weights,
                                            math_ops.greater_equal(sparse_ids.values, 0))
        if combiner != 'sum' and sparse_weights is not None:
            sparse_ids, sparse_weights = _prune(sparse_ids, sparse_weights,
                                                math_ops.greater(sparse_weights.values, 0))
        sparse_ids, is_row_empty = sparse_fill_empty_rows(sparse_ids, default_id or 0)
        if sparse_weights is not None:
            sparse_weights, _ = sparse_fill_empty_rows(sparse_weights, 1.0)
        result = embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights, combiner=combiner,
                                         partition_strategy=partition_strategy,
                                         name=None if default_id is None else scope, max_norm=max_norm)
        if default_id is None:
            # Empty rows got id 0's embedding as a placeholder: zero them.
            is_row_empty = array_ops.tile(array_ops.reshape(is_row_empty, [-1, 1]),
                                          array_ops.stack([1, array_ops.shape(result)[1]]))
            result = indexing_ops.where(is_row_empty, array_ops.zeros_like(result), result, name=scope)
        final = array_ops.reshape(result, array_ops.concat([
            array_ops.slice(math_ops.cast(original_shape, dtypes.int32), [0], [rank - 1]),
            array_ops.slice(array_ops.shape(result), [1], [-1])], 0))
        leading = None if rank_dim is None else (Dimension(rank_dim) - 1).value
        known = shape_fns.constant_value_as_shape(original_shape)
        leading_shape = known[:-1] if known.ndims else unknown_shape(leading)
        final.set_shape(leading_shape.concatenate(result.shape[1:]))
        return final
