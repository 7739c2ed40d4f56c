"""SparseCross (TF 1.15's sparse_ops.sparse_cross / sparse_cross_hashed): the per-row cartesian product of
several sparse or dense features.

Row b's features of an input are the values of a SparseTensor in row b (in index order) or the whole row
b of a dense [batch, k] tensor; the sparse inputs come first, then the dense ones, in the given order.
Every combination (the last input varies fastest) is one output value at [b, k]; a row where any input
has no feature gets none. Hashed: start from hash_key, fold in each feature with FarmHash's
FingerprintCat64 (a string feature as its Fingerprint64, an integer as its own 64 bits), then modulo
num_buckets. Not hashed: the features' text joined by '_X_'.
"""
from sluice.engine import dtypes, op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import math_ops
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['sparse_cross', 'sparse_cross_hashed']

_DEFAULT_HASH_KEY = 0xDECAFCAFFE


def _cross_shape(op):
    return [TensorShape([None, 2]), TensorShape([None]), TensorShape([2])]


register_op('SparseCross', ['indices: N * int64', 'values: sparse_types', 'shapes: N * int64',
                            'dense_inputs: dense_types'],
            ['output_indices: int64', 'output_values: out_type', 'output_shape: int64'],
            {'N': 'int', 'hashed_output': 'bool', 'num_buckets': 'int', 'hash_key': 'int',
             'sparse_types': 'list(type)', 'dense_types': 'list(type)', 'out_type': 'type', 'internal_type': 'type'},
            _cross_shape)
no_gradient('SparseCross')


def _cross(inputs, hashed_output, num_buckets, hash_key, name):
    if not isinstance(inputs, list):
        raise TypeError('Inputs must be a list')
    inputs = [i if isinstance(i, SparseTensor) else convert_to_tensor(i) for i in inputs]
    sparse_inputs = [i for i in inputs if isinstance(i, SparseTensor)]
    dense_inputs = [i for i in inputs if not isinstance(i, SparseTensor)]
    for tensor in [i.values for i in sparse_inputs] + dense_inputs:
        if tensor.dtype != dtypes.string and not tensor.dtype.is_integer:
            raise TypeError('SparseCross: inputs must be string or integer, got {}'.format(tensor.dtype))
    with name_scope(name, 'SparseCross' if not hashed_output else 'SparseCrossHashed', []):
        values = [v.values if v.values.dtype == dtypes.string else math_ops.cast(v.values, dtypes.int64)
                  for v in sparse_inputs]
        dense = [d if d.dtype == dtypes.string else math_ops.cast(d, dtypes.int64) for d in dense_inputs]
        internal_type = dtypes.int64 if any(t.dtype != dtypes.string for t in values + dense) else dtypes.string
        out = op_builder.apply('SparseCross', [[s.indices for s in sparse_inputs], values,
                                               [s.dense_shape for s in sparse_inputs], dense],
                               {'N': len(sparse_inputs), 'hashed_output': hashed_output, 'num_buckets': num_buckets,
                                'hash_key': hash_key, 'sparse_types': [v.dtype for v in values],
                                'dense_types': [d.dtype for d in dense],
                                'out_type': dtypes.int64 if hashed_output else dtypes.string,
                                'internal_type': internal_type})
        return SparseTensor(*out.outputs)


def sparse_cross(inputs, name=None):
    """String crosses 'a_X_b' of the features of each row (module docstring)."""
    return _cross(inputs, False, 0, 0, name)


def sparse_cross_hashed(inputs, num_buckets=0, hash_key=None, name=None):
    """Hashed crosses of the features of each row, in [0, num_buckets) when num_buckets > 0."""
    return _cross(inputs, True, num_buckets, _DEFAULT_HASH_KEY if hash_key is None else hash_key, name)
