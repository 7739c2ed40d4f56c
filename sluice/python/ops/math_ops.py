"""`tensorflow.python.ops.math_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (abs, acos, acosh, add, add_n, arg_max, arg_min, argmax, argmin, asin, asinh,  # noqa: F401
                    atan, atan2, atanh, cast, ceil, conj, cos, cosh, count_nonzero, cross, cumprod,
                    cumsum, div, div_no_nan, divide, equal, erf, erfc, exp, expm1, floor,
                    floor_div, floordiv, floormod, greater, greater_equal, is_finite, is_inf,
                    is_nan, less, less_equal, lgamma, lin_space, linspace, log, log1p, logical_and,
                    logical_not, logical_or, logical_xor, matmul, maximum, minimum, mod, multiply,
                    negative, not_equal, pow, range, realdiv, reciprocal, reduce_all, reduce_any,
                    reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod, reduce_sum,
                    rint, round, rsqrt, saturate_cast, scalar_mul, segment_sum, sigmoid, sign, sin,
                    sinh, sqrt, square, squared_difference, subtract, tan, tanh, tensordot,
                    to_bfloat16, to_double, to_float, to_int32, to_int64, trace, truediv,
                    truncatediv, truncatemod, unsorted_segment_sum)
from sluice.linalg import (matvec)  # noqa: F401
from sluice.math import (reduce_std, reduce_variance, xdivy, xlogy)  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.math_ops')
