"""tf.math: the math functions under their TF1 `tf.math.*` names."""
from sluice.ops.math_ops import *  # noqa: F401,F403
from sluice.ops.math_ops import __all__ as _math_all
from sluice.ops.array_ops import invert_permutation  # noqa: F401
from sluice.ops.nn_top_k import top_k  # noqa: F401
from sluice.ops.math_ops import divide_no_nan, reduce_std, reduce_variance  # noqa: F401
from sluice.ops.segment_ops import unsorted_segment_sum  # noqa: F401
from sluice.ops.elementwise_ops import softplus, softsign, xdivy, xlogy  # noqa: F401
from sluice.ops.special_math_ops import (bessel_i0, bessel_i0e, bessel_i1, bessel_i1e, betainc,  # noqa: F401
                                        digamma, igamma, igammac, lbeta, polygamma, zeta)

# compat.v1's tf.math leaves these at the top level only.
for _name in ('div', 'realdiv', 'floor_div', 'truncatediv', 'truncatemod', 'div_no_nan', 'matmul', 'cast',
              'saturate_cast', 'to_float', 'to_double', 'to_int32', 'to_int64', 'to_bfloat16'):
    globals().pop(_name, None)
del _name, _math_all
from sluice.ops.nn_activation import log_softmax, softmax  # noqa: F401
from sluice.ops.segment_ops import segment_sum  # noqa: F401
from sluice.ops.counting_ops import bincount  # noqa: F401
from sluice.ops.confusion_matrix import confusion_matrix  # noqa: F401
from sluice.nn import in_top_k, l2_normalize, zero_fraction  # noqa: F401  (TF1 has them in both namespaces)
from sluice.ops.check_ops import is_non_decreasing, is_strictly_increasing  # noqa: F401


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.math')
