"""tf.io.parse_single_sequence_example (TF 1.15): one serialized SequenceExample into (context dict,
sequence dict), through TF's ParseSingleSequenceExample op.

Context features are FixedLenFeature (a tensor of its shape, or its default) or VarLenFeature (a
1-D SparseTensor). Sequence features are FixedLenSequenceFeature (a [time] + shape tensor, one row
per Feature of the feature list; allow_missing makes an absent list empty, otherwise it is an
error) or VarLenFeature (a 2-D SparseTensor indexed by (time step, value)). The kernel is in
sluice/kernels/sequence_parsing_kernels.py.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine import tensor_shape
from sluice.engine.op_registry import no_gradient, register_op
from sluice.ops import parsing_ops
from sluice.ops.parsing_ops import FixedLenFeature, FixedLenSequenceFeature, VarLenFeature

__all__ = ['parse_single_sequence_example']


def _shape_fn(op):
    a = op._attrs
    n_cs, n_fs = len(a['context_sparse_types']), len(a['feature_list_sparse_types'])
    vec = tensor_shape.TensorShape([None])
    return ([tensor_shape.TensorShape([None, 1])] * n_cs + [vec] * n_cs + [tensor_shape.TensorShape([1])] * n_cs
            + [tensor_shape.as_shape(s) for s in a['context_dense_shapes']]
            + [tensor_shape.TensorShape([None, 2])] * n_fs + [vec] * n_fs + [tensor_shape.TensorShape([2])] * n_fs
            + [tensor_shape.TensorShape([None]).concatenate(tensor_shape.as_shape(s))
               for s in a['feature_list_dense_shapes']])


register_op('ParseSingleSequenceExample',
            inputs=['serialized: string', 'feature_list_dense_missing_assumed_empty: string',
                    'context_sparse_keys: Ncontext_sparse * string', 'context_dense_keys: Ncontext_dense * string',
                    'feature_list_sparse_keys: Nfeature_list_sparse * string',
                    'feature_list_dense_keys: Nfeature_list_dense * string',
                    'context_dense_defaults: Tcontext_dense', 'debug_name: string'],
            outputs=['context_sparse_indices: Ncontext_sparse * int64',
                     'context_sparse_values: context_sparse_types',
                     'context_sparse_shapes: Ncontext_sparse * int64', 'context_dense_values: Tcontext_dense',
                     'feature_list_sparse_indices: Nfeature_list_sparse * int64',
                     'feature_list_sparse_values: feature_list_sparse_types',
                     'feature_list_sparse_shapes: Nfeature_list_sparse * int64',
                     'feature_list_dense_values: feature_list_dense_types'],
            attrs={'Ncontext_sparse': ('int', 0), 'Ncontext_dense': ('int', 0),
                   'Nfeature_list_sparse': ('int', 0), 'Nfeature_list_dense': ('int', 0),
                   'context_sparse_types': ('list(type)', []), 'Tcontext_dense': ('list(type)', []),
                   'feature_list_dense_types': ('list(type)', []), 'context_dense_shapes': ('list(shape)', []),
                   'feature_list_sparse_types': ('list(type)', []),
                   'feature_list_dense_shapes': ('list(shape)', [])},
            shape_fn=_shape_fn)
no_gradient('ParseSingleSequenceExample')


def _split(features, allowed, what):
    sparse, dense = [], []
    for key in sorted(features or {}):
        feature = features[key]
        if not isinstance(feature, allowed):
            raise ValueError('Unsupported %s %s for key \'%s\' in %s.' % (type(feature).__name__, feature, key, what))
        (sparse if isinstance(feature, VarLenFeature) else dense).append((key, feature))
    return sparse, dense


def parse_single_sequence_example(serialized, context_features=None, sequence_features=None, example_name=None,
                                  name=None):
    """(context dict, sequence dict) of Tensors and SparseTensors parsed from one SequenceExample."""
    if not (context_features or sequence_features):
        raise ValueError('Missing features.')
    _split(context_features, (VarLenFeature, FixedLenFeature), 'context_features')
    context = parsing_ops._ParseParams(dict(context_features or {}))
    seq_sparse, seq_dense = _split(sequence_features, (VarLenFeature, FixedLenSequenceFeature), 'sequence_features')
    for key, feature in seq_sparse:
        parsing_ops._check_example_type(dtypes.as_dtype(feature.dtype))
    for key, feature in seq_dense:
        parsing_ops._check_example_type(dtypes.as_dtype(feature.dtype))
        if feature.default_value is not None:
            raise ValueError('Value feature_list_dense_defaults[%s] must be None' % key)
    with _graph.name_scope(name, 'ParseSingleSequenceExample', [serialized]):
        serialized = _graph.convert_to_tensor(serialized, dtype=dtypes.string, name='serialized')
        if serialized.shape.ndims not in (None, 0):
            raise ValueError('Shape must be rank 0 but is rank %d for \'ParseSingleSequenceExample\''
                             % serialized.shape.ndims)
        missing_ok = [k for k, f in seq_dense if f.allow_missing]
        attrs = {'Ncontext_sparse': len(context.sparse_keys), 'Ncontext_dense': len(context.dense_keys),
                 'Nfeature_list_sparse': len(seq_sparse), 'Nfeature_list_dense': len(seq_dense),
                 'context_sparse_types': list(context.sparse_types), 'Tcontext_dense': list(context.dense_types),
                 'context_dense_shapes': list(context.dense_shapes),
                 'feature_list_sparse_types': [dtypes.as_dtype(f.dtype) for _, f in seq_sparse],
                 'feature_list_dense_types': [dtypes.as_dtype(f.dtype) for _, f in seq_dense],
                 'feature_list_dense_shapes': [tensor_shape.as_shape(f.shape) for _, f in seq_dense]}
        keys = [[_graph.convert_to_tensor(k, dtype=dtypes.string) for k in group] for group in (
            context.sparse_keys, context.dense_keys, [k for k, _ in seq_sparse], [k for k, _ in seq_dense])]
        debug = _graph.convert_to_tensor(example_name or '', dtype=dtypes.string, name='debug_name')
        op = op_builder.apply('ParseSingleSequenceExample',
                              [serialized, parsing_ops._string_list(missing_ok)] + keys
                              + [context.dense_default_tensors(), debug], attrs)
    from sluice.ops.sparse_tensor import SparseTensor
    out = iter(op._outputs)

    def take(n):
        return [next(out) for _ in range(n)]
    cs = len(context.sparse_keys)
    ci, cv, csh, cd = take(cs), take(cs), take(cs), take(len(context.dense_keys))
    fi, fv, fsh, fd = take(len(seq_sparse)), take(len(seq_sparse)), take(len(seq_sparse)), take(len(seq_dense))
    context_out = {k: SparseTensor(i, v, s) for k, i, v, s in zip(context.sparse_keys, ci, cv, csh)}
    context_out.update(zip(context.dense_keys, cd))
    sequence_out = {k: SparseTensor(i, v, s) for (k, _), i, v, s in zip(seq_sparse, fi, fv, fsh)}
    sequence_out.update((k, t) for (k, _), t in zip(seq_dense, fd))
    return context_out, sequence_out
