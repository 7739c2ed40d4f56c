"""EditDistance's kernel (ops/edit_distance_ops.py), on the host as in TF 1.15.

Entries are grouped by their index without its last coordinate (groups in row-major order); each group
of hypothesis and of truth is one sequence, its entries in the order given (TF reads them so). For a pair, the Levenshtein table is filled a row at a time:
row[j] = min(prev[j] + 1, prev[j-1] + (h != t[j-1]), row[j-1] + 1), where the last term, a running
minimum, is `minimum.accumulate(row - j) + j`, so each row is a few vector operations.
As in TF, only a group's row-major position must fall inside the output: the last coordinate is free
(programs state dense shape [1, 1, 1] for a sequence of any length).
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels.checks import dims_text as _dims, invalid as _invalid
from sluice.kernels.registry import register_kernel
from sluice.kernels.sparse_kernels import host_index, linear_ids, shape_list


def levenshtein(hyp, truth):
    """The edit distance between two 1-D sequences (values compared with ==)."""
    if not len(hyp) or not len(truth):
        return max(len(hyp), len(truth))
    steps = np.arange(len(truth) + 1)
    row = steps.copy()
    for i, h in enumerate(hyp):
        substitute = row[:-1] + (truth != h)
        candidate = np.empty_like(row)
        candidate[0] = i + 1
        candidate[1:] = np.minimum(row[1:] + 1, substitute)
        row = np.minimum.accumulate(candidate - steps) + steps
    return int(row[-1])


def _sequences(op, what, indices, values, shape):
    """{group id in the output: the group's values in order} for one SparseTensor input."""
    indices, shape = host_index(indices), shape_list(shape)
    values = values.get() if hasattr(values, 'get') else np.asarray(values)
    if indices.ndim != 2:
        raise _invalid(op, '%s_indices should be a matrix, but got shape: %s' % (what, _dims(indices.shape)))
    if values.ndim != 1 or values.shape[0] != indices.shape[0]:
        raise _invalid(op, 'Expected %s_values.NumElements == #rows(%s_indices), their shapes are: %s and %s'
                       % (what, what, _dims(values.shape), _dims(indices.shape)))
    if indices.shape[1] != len(shape):
        raise _invalid(op, 'Expected %s_shape.NumElements == #cols(%s_indices), their shapes are: %s and %s'
                       % (what, what, _dims([len(shape)]), _dims(indices.shape)))
    # groups in row-major order; a sequence keeps its entries' given order, as TF reads them
    order = np.lexsort(indices[:, :-1].T[::-1]) if indices.shape[1] > 1 else np.arange(indices.shape[0])
    return indices[order, :-1], values[order], shape


def _groups(op, prefix, values, out_shape):
    ids = linear_ids(prefix, out_shape)
    size = int(np.prod(out_shape))
    bad = (ids < 0) | (ids >= size)
    if bad.any():  # TF checks the group's row-major position only (an index past the last dim is fine)
        raise errors.error_for_op(errors.InternalError, op, 'Got an inner product %d which would require writing '
                                  'to outside of the buffer for the output tensor (max elements %d)'
                                  % (ids[bad][0], size))
    cuts = np.flatnonzero(np.diff(ids)) + 1
    starts = np.concatenate([[0], cuts]) if ids.size else np.zeros(0, np.int64)
    return {int(ids[s]): seq for s, seq in zip(starts, np.split(values, cuts))} if ids.size else {}


@register_kernel('EditDistance', devices=('CPU',), fresh_output=True)
def edit_distance(op, ctx):
    normalize = op.get_attr('normalize')

    def run(h_indices, h_values, h_shape, t_indices, t_values, t_shape):
        h_prefix, h_values, h_shape = _sequences(op, 'hypothesis', h_indices, h_values, h_shape)
        t_prefix, t_values, t_shape = _sequences(op, 'truth', t_indices, t_values, t_shape)
        if len(h_shape) != len(t_shape):
            raise _invalid(op, 'hypothesis_shape and truth_shape must have the same rank, got %s and %s'
                           % (_dims(h_shape), _dims(t_shape)))
        if not h_shape:
            raise _invalid(op, 'hypothesis and truth must have rank at least 1, got shape []')
        out_shape = [max(a, b) for a, b in zip(h_shape[:-1], t_shape[:-1])]
        hyp, truth = _groups(op, h_prefix, h_values, out_shape), _groups(op, t_prefix, t_values, out_shape)
        out = np.zeros(int(np.prod(out_shape)), np.float32)
        for gid in hyp.keys() | truth.keys():
            h, t = hyp.get(gid, h_values[:0]), truth.get(gid, t_values[:0])
            distance = levenshtein(h, t)
            if normalize:
                distance = distance / len(t) if len(t) else np.inf
            out[gid] = distance
        return out.reshape(out_shape)
    return run
