"""tf.nn.embedding_lookup: rows of params for ids. One params tensor is a colocated gather. A list of shards
(or a PartitionedVariable's) is TF's graph: each id goes to one shard by the partition strategy ('mod': id %
shards, row id // shards; 'div': contiguous blocks, the first total % shards of them a row longer),
DynamicPartition splits ids and their positions by shard, each shard gathers its rows (colocated with it, so
each shard's gradient is IndexedSlices of just its ids), and ParallelDynamicStitch puts the rows back in order.
max_norm clips each looked-up row's L2 norm (clip_ops.clip_by_norm). embedding_lookup_sparse combines the
rows of each row of a SparseTensor of ids (below).
"""
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import array_ops, constant_op, graph_ops, math_ops, segment_ops
from sluice.ops.clip_ops import clip_by_norm

__all__ = ['embedding_lookup']


def _clip_rows(params, ids, max_norm):
    if max_norm is None:
        return params
    ids_rank, params_rank = ids.shape.ndims, params.shape.ndims
    if ids_rank is not None and params_rank is not None:
        axes = list(range(ids_rank, params_rank))
    else:
        axes = array_ops.range(array_ops.rank(ids), array_ops.rank(params))
    return clip_by_norm(params, max_norm, axes=axes)


def embedding_lookup(params, ids, partition_strategy='mod', name=None, validate_indices=True, max_norm=None):
    """Rows of params (a tensor, a variable, a list of shards or a PartitionedVariable) for ids; max_norm
    clips each row's L2 norm."""
    if params is None:
        raise ValueError('params must be specified')
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError('Need at least one param')
    if hasattr(params, '_get_variable_list'):  # a PartitionedVariable: look up in its shards
        params = list(params)
    if not isinstance(params, (list, tuple)):
        params = [params]
    params = list(params)
    with name_scope(name, 'embedding_lookup', params + [ids]) as scope:
        params = [convert_to_tensor(p, name='params_%d' % i) for i, p in enumerate(params)]
        ids = convert_to_tensor(ids, name='ids')
        if len(params) == 1:
            with params[0].graph.colocate_with(params[0]):
                result = _clip_rows(array_ops.gather(params[0], ids, name=scope), ids, max_norm)
            return graph_ops.identity(result)
        return _sharded_lookup(params, ids, partition_strategy, max_norm, scope)


def _assign_ids(params, flat_ids, strategy):
    """(shard of each id, row of the id in its shard), by TF's 'mod' or 'div' rule."""
    n = len(params)
    if strategy == 'mod':
        return flat_ids % n, flat_ids // n
    if strategy != 'div':
        raise ValueError('Unrecognized partition strategy: ' + str(strategy))
    sizes = [p.shape.as_list()[0] if p.shape.ndims is not None else None for p in params]
    if None not in sizes:
        total = constant_op.constant(sum(sizes), flat_ids.dtype.base_dtype)
    else:
        dims = []
        for p, size in zip(params, sizes):
            if size is not None:
                dims.append(size)
            else:
                with p.graph.colocate_with(p):
                    dims.append(array_ops.shape(p)[0])
        total = math_ops.reduce_sum(math_ops.cast(array_ops.stack(dims), flat_ids.dtype.base_dtype))
    per_shard = total // n
    extras = total % n
    shard = math_ops.maximum(flat_ids // (per_shard + 1), (flat_ids - extras) // per_shard)
    rows = array_ops.where(shard < extras, flat_ids % (per_shard + 1), (flat_ids - extras) % per_shard)
    return shard, rows


def _sharded_lookup(params, ids, strategy, max_norm, scope):
    """TF's graph: DynamicPartition the ids by shard, gather in each shard, ParallelDynamicStitch back."""
    flat_ids = array_ops.reshape(ids, [-1])
    original_indices = array_ops.range(array_ops.size(flat_ids))
    shard, rows = _assign_ids(params, flat_ids, strategy)
    shard = math_ops.cast(shard, dtypes.int32)
    gather_ids = segment_ops.dynamic_partition(rows, shard, len(params))
    positions = segment_ops.dynamic_partition(original_indices, shard, len(params))
    gathered = []
    for p, pids in zip(params, gather_ids):
        with p.graph.colocate_with(p):
            gathered.append(array_ops.gather(p, pids))
    ret = segment_ops.parallel_dynamic_stitch(positions, gathered, name=scope)
    element_shape = params[0].shape[1:]
    for p in params[1:]:
        element_shape = element_shape.merge_with(p.shape[1:])
    if element_shape.is_fully_defined():
        element_dims = element_shape.as_list()
    else:
        with params[0].graph.colocate_with(params[0]):
            element_dims = array_ops.shape(params[0])[1:]
    ret = array_ops.reshape(ret, array_ops.concat([array_ops.shape(ids), element_dims], 0))
    ret.set_shape(ids.shape.concatenate(element_shape))
    return _clip_rows(ret, ids, max_norm)
