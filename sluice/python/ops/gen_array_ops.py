"""`tensorflow.python.ops.gen_array_ops`: TF 1.15's generated op wrappers whose name and arguments
agree with a sluice function.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (broadcast_to, check_numerics, diag, diag_part, fill, identity, identity_n,  # noqa: F401
                    invert_permutation, matrix_band_part, placeholder, placeholder_with_default,
                    rank, reshape, reverse_v2, scatter_nd, shape_n, stop_gradient, tile, unique)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.gen_array_ops')
