"""`tensorflow.python.ops.gen_math_ops`: TF 1.15's generated op wrappers whose name and arguments
agree with a sluice function.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (acos, acosh, add, add_n, arg_max, arg_min, asin, asinh, atan, atan2, atanh,  # noqa: F401
                    ceil, cos, cosh, cross, cumprod, cumsum, div, div_no_nan, erf, erfc, exp,
                    expm1, floor, floor_div, greater, greater_equal, is_finite, is_inf, is_nan,
                    less, less_equal, lgamma, lin_space, log, log1p, logical_and, logical_not,
                    logical_or, maximum, minimum, mod, reciprocal, rint, round, rsqrt, segment_sum,
                    sigmoid, sign, sin, sinh, sqrt, square, squared_difference, tan, tanh,
                    unsorted_segment_sum)
from sluice.math import (xdivy, xlogy)  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.gen_math_ops')
