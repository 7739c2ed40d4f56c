"""`tensorflow.python.ops.state_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (assign, assign_add, assign_sub, count_up_to, is_variable_initialized,  # noqa: F401
                    scatter_add, scatter_div, scatter_max, scatter_min, scatter_mul, scatter_sub,
                    scatter_update)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.state_ops')
