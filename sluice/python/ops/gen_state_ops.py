"""`tensorflow.python.ops.gen_state_ops`: TF 1.15's generated op wrappers whose name and arguments
agree with a sluice function.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (assign, assign_add, assign_sub, count_up_to, scatter_add, scatter_div,  # noqa: F401
                    scatter_max, scatter_min, scatter_mul, scatter_sub, scatter_update)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.gen_state_ops')
