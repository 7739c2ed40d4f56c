"""`tensorflow.python.ops.gen_control_flow_ops`: TF 1.15's generated op wrappers whose name and arguments
agree with a sluice function.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (no_op)  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.gen_control_flow_ops')
