"""tf.debugging: TF 1.15's v1 names for the checks (check_ops), Assert and the finiteness tests."""
from sluice.ops.check_ops import *  # noqa: F401,F403
from sluice.ops.control_flow_ops import Assert  # noqa: F401
from sluice.ops.math_ops import is_finite, is_inf, is_nan  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.debugging')
