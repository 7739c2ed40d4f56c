"""`tensorflow.python.ops.array_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import edit_distance  # noqa: F401
from sluice import (boolean_mask, broadcast_dynamic_shape, broadcast_to, check_numerics, concat,  # noqa: F401
                    diag, diag_part, expand_dims, fill, gather, gather_nd, identity, identity_n,
                    invert_permutation, matrix_band_part, matrix_diag, matrix_diag_part,
                    matrix_set_diag, matrix_transpose, meshgrid, one_hot, ones, ones_like, pad,
                    placeholder, placeholder_with_default, rank, reshape, reverse_sequence,
                    reverse_v2, scatter_nd, sequence_mask, shape, shape_n, size, slice, split,
                    squeeze, stack, stop_gradient, strided_slice, tile, transpose, unique, unstack,
                    where, where_v2, zeros, zeros_like)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.array_ops')
