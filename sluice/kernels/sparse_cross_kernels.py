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
    return v ^ (v >> 47)


def fingerprint_cat64(fp1, fp2):
    """FarmHash's FingerprintCat64 of two uint64 fingerprints."""
    result = fp1 ^ _KMUL
    result ^= (_shift_mix((fp2 * _KMUL) & _MASK) * _KMUL) & _MASK
    result = (result * _KMUL) & _MASK
    result = (_shift_mix(result) * _KMUL) & _MASK
    return _shift_mix(result)


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

    def combine(features):
        if not hashed:
            return b'_X_'.join(_as_text(f) for f in features)
        h = hash_key
        for f in features:
            h = fingerprint_cat64(h, _as_hash(f))
        return h % num_buckets if num_buckets > 0 else h % ((1 << 63) - 1)

    def run(*xs):
        indices, values, shapes, dense = xs[:n], xs[n:2 * n], xs[2 * n:3 * n], xs[3 * n:]
        for d in dense:
            if np.ndim(d) != 2:
                raise _invalid(op, 'SparseCross: dense inputs should be a matrix but received shape %s'
                               % (np.shape(d),))
        batch_size = _batch_size(op, shapes, dense)
        columns = [_row_features(i, v, s, batch_size) for i, v, s in zip(indices, values, shapes)]
        columns += [[list(row) for row in np.asarray(d)] for d in dense]
        out_indices, out_values, width = [], [], 0
        for b in range(batch_size):
            crosses = [combine(c) for c in itertools.product(*(col[b] for col in columns))] if columns else []
            out_indices.extend((b, k) for k in range(len(crosses)))
            out_values.extend(crosses)
            width = max(width, len(crosses))
        value_array = np.empty(len(out_values), dtype=object if not hashed else np.int64)
        value_array[:] = out_values
        return [np.array(out_indices, dtype=np.int64).reshape(-1, 2), value_array,
                np.array([batch_size, width], dtype=np.int64)]
    return run
