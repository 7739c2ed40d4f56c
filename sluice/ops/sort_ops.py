"""tf.sort and tf.argsort, built on TopKV2 as TF's sort_ops does (descending: top_k over the whole
axis; ascending: top_k of the negated values, or of the bit-flipped integers).
"""
import numpy as np

from sluice.engine import graph as _graph
from sluice.engine.graph import name_scope
from sluice.ops import array_ops, constant_op, nn_top_k, shape_fns

__all__ = ['sort', 'argsort']


def _descending_sort(values, axis, return_argsort=False):
    k = array_ops.shape(values)[axis]
    rank = array_ops.rank(values)  # noqa: F841  (TF builds it; a Const when the rank is static)
    static_rank = values.shape.ndims
    if axis == -1 or axis + 1 == static_rank:
        top_k_input, transposition = values, None
    else:
        if static_rank is None:
            raise NotImplementedError('tf.sort along an inner axis needs a tensor of known rank in sluice')
        if axis < 0:
            axis += static_rank
        transposition = constant_op.constant(
            np.r_[np.arange(axis), [static_rank - 1], np.arange(axis + 1, static_rank - 1), [axis]].astype(np.int32),
            name='transposition')
        top_k_input = array_ops.transpose(values, transposition)
    top_values, indices = nn_top_k.top_k(top_k_input, k)
    top_values.set_shape(top_k_input.shape)  # TF folds k = shape[axis] when the shape is static
    indices.set_shape(top_k_input.shape)
    result = indices if return_argsort else top_values
    if transposition is not None:
        result = array_ops.transpose(result, transposition)
    return result


def _ascending_sort(values, axis, return_argsort=False):
    dtype = values.dtype.base_dtype
    if dtype.is_unsigned:
        offset = dtype.max
        out = _descending_sort(offset - values, axis, return_argsort)
        return out if return_argsort else offset - out
    if dtype.is_integer:
        out = _descending_sort(-values - 1, axis, return_argsort)
        return out if return_argsort else -out - 1
    out = _descending_sort(-values, axis, return_argsort)
    return out if return_argsort else -out


_SORT_IMPL = {'ASCENDING': _ascending_sort, 'DESCENDING': _descending_sort}


def _sort_or_argsort(values, axis, direction, return_argsort):
    if direction not in _SORT_IMPL:
        raise ValueError('Argument `direction` should be one of %s. Received: direction=%s'
                         % (', '.join(sorted(_SORT_IMPL)), direction))
    axis = _graph.convert_to_tensor(axis, name='axis')
    axis_static = shape_fns.constant_value(axis)
    if axis.shape.ndims not in (None, 0) or axis_static is None:
        raise ValueError('Argument `axis` must be a constant scalar. Received: axis=%s.' % axis)
    values = _graph.convert_to_tensor(values, name='values')
    return _SORT_IMPL[direction](values, int(axis_static), return_argsort)


def sort(values, axis=-1, direction='ASCENDING', name=None):
    with name_scope(name, 'sort'):
        return _sort_or_argsort(values, axis, direction, return_argsort=False)


def argsort(values, axis=-1, direction='ASCENDING', stable=False, name=None):
    del stable  # top_k keeps the lower index first among ties: the result is always stable
    with name_scope(name, 'argsort'):
        return _sort_or_argsort(values, axis, direction, return_argsort=True)
