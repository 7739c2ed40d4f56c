"""tf.nn.embedding_lookup: rows of params for ids. One params tensor is a colocated gather; a list of shards
gathers from every shard and keeps, per id, the row of the shard its partition strategy ('mod' or 'div')
assigns it to (TF uses DynamicPartition/ParallelDynamicStitch for this; the values are the same).
max_norm clips each looked-up row's L2 norm (clip_ops.clip_by_norm).
"""
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import array_ops, graph_ops, math_ops
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
    """Rows of params (a tensor, a variable, or a list of shards) for ids; max_norm clips each row's L2 norm."""
    if params is None:
        raise ValueError('params must be specified')
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError('Length of params is currently 0. Need at least one param.')
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
        if partition_strategy not in ('mod', 'div'):
            raise ValueError('Unrecognized partition strategy: ' + str(partition_strategy))
        return _sharded_lookup(params, ids, partition_strategy, max_norm)


def _sharded_lookup(params, ids, strategy, max_norm):
    n = len(params)
    if strategy == 'mod':
        shard = ids % n
        local = ids // n
    else:
        sizes = [p.shape._dims[0] if p.shape._dims is not None else None for p in params]
        if None in sizes:
            total = math_ops.add_n([array_ops.shape(p)[0] for p in params])
            total = math_ops.cast(total, ids.dtype.base_dtype)
        else:
            total = sum(sizes)
        per = total // n
        extras = total % n
        shard = math_ops.maximum(ids // (per + 1), (ids - extras) // per)
        in_extras = math_ops.cast(shard < extras, ids.dtype.base_dtype)
        local = in_extras * (ids % (per + 1)) + (1 - in_extras) * ((ids - extras) % per)
    result = None
    for p, rows in enumerate(params):
        last = math_ops.cast(array_ops.shape(rows)[0] - 1, ids.dtype.base_dtype)
        safe = math_ops.minimum(math_ops.maximum(local, 0), last)
        with rows.graph.colocate_with(rows):
            got = array_ops.gather(rows, safe)
        mask = math_ops.cast(math_ops.equal(shard, p), got.dtype.base_dtype)
        rank = rows.shape.ndims
        if rank is None or rank > 1:
            mask = array_ops.reshape(mask, array_ops.concat([array_ops.shape(ids),
                                                             array_ops.ones_like(array_ops.shape(rows)[1:])], 0))
        part = got * mask
        result = part if result is None else result + part
    return _clip_rows(result, ids, max_norm)
