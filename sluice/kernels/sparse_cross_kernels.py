"""Kernel of SparseCross (ops/sparse_cross_ops.py), CPU only as in TF: per-row feature lists, their
cartesian product (itertools.product: the last input varies fastest), each combination hashed by FarmHash
FingerprintCat64 or joined with '_X_'."""
import itertools

import numpy as np

from sluice.kernels import string_hashes
from sluice.kernels.checks import invalid as _invalid
from sluice.kernels.registry import register_kernel

_MASK = (1 << 64) - 1
_KMUL = 0xc6a4a7935bd1e995


def _shift_mix(v):
    return v ^ (v >> np.uint64(47))


def fingerprint_cat64(fp1, fp2):
    """FarmHash's FingerprintCat64 of uint64 arrays (elementwise; uint64 products wrap as in C)."""
    kmul = np.uint64(_KMUL)
    result = fp1 ^ kmul
    result ^= _shift_mix(fp2 * kmul) * kmul
    result = result * kmul
    result = _shift_mix(result) * kmul
    return _shift_mix(result)


def _hash_crosses(crosses, num_columns, hash_key, num_buckets):
    """hash_key folded with each column's feature hash by FingerprintCat64, then bucketed, as int64."""
    features = np.array(crosses, dtype=np.uint64).reshape(len(crosses), num_columns)
    hashes = np.full(len(crosses), hash_key, dtype=np.uint64)
    for column in range(num_columns):
        hashes = fingerprint_cat64(hashes, features[:, column])
    modulus = np.uint64(num_buckets if num_buckets > 0 else (1 << 63) - 1)
    return (hashes % modulus).astype(np.int64)


def _row_features(indices, values, shape, batch_size):
    rows = [[] for _ in range(batch_size)]
    for position, row in enumerate(np.asarray(indices)[:, 0] if len(indices) else ()):
        rows[row].append(values[position])
    return rows


def _as_hash(feature):
    if isinstance(feature, (bytes, str)):
        return string_hashes.fingerprint64(feature if isinstance(feature, bytes) else feature.encode())
    return int(feature) & _MASK


def _as_text(feature):
    return feature if isinstance(feature, bytes) else str(feature).encode() if not isinstance(feature, str) \
        else feature.encode()


def _batch_size(op, sparse_shapes, dense):
    sizes = {int(s[0]) for s in sparse_shapes} | {int(d.shape[0]) for d in dense}
    if len(sizes) > 1:
        raise _invalid(op, 'SparseCross: expected batch size %d, got %s' % (min(sizes), sorted(sizes)))
    return sizes.pop() if sizes else 0


@register_kernel('SparseCross', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_cross(op, ctx):
    n = op.get_attr('N')
    hashed = op.get_attr('hashed_output')
    num_buckets = op.get_attr('num_buckets')
    hash_key = op.get_attr('hash_key') & _MASK

    def encode(values):
        # Each distinct feature is hashed (or written as text) once per run, not once per cross.
        values = np.asarray(values)
        if values.size == 0:
            return values.astype(object)
        unique, inverse = np.unique(values, return_inverse=True)
        encoded = np.empty(len(unique), dtype=object)
        encoded[:] = [(_as_hash if hashed else _as_text)(v) for v in unique]
        return encoded[inverse.reshape(values.shape)]

    def run(*xs):
        indices, values, shapes, dense = xs[:n], xs[n:2 * n], xs[2 * n:3 * n], xs[3 * n:]
        for d in dense:
            if np.ndim(d) != 2:
                raise _invalid(op, 'SparseCross: dense inputs should be a matrix but received shape %s'
                               % (np.shape(d),))
        batch_size = _batch_size(op, shapes, dense)
        columns = [_row_features(i, encode(v), s, batch_size) for i, v, s in zip(indices, values, shapes)]
        columns += [[list(row) for row in encode(d)] for d in dense]
        out_indices, crosses, width = [], [], 0
        for b in range(batch_size):
            row = list(itertools.product(*(col[b] for col in columns))) if columns else []
            out_indices.extend((b, k) for k in range(len(row)))
            crosses.extend(row)
            width = max(width, len(row))
        if hashed:
            value_array = _hash_crosses(crosses, len(columns), hash_key, num_buckets)
        else:
            value_array = np.empty(len(crosses), dtype=object)
            value_array[:] = [b'_X_'.join(c) for c in crosses]
        return [np.array(out_indices, dtype=np.int64).reshape(-1, 2), value_array,
                np.array([batch_size, width], dtype=np.int64)]
    return run
