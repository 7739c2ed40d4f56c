"""`tensorflow.python.ops.tensor_array_ops`: TF 1.15's TensorArray, re-exported.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.ops.tensor_array_ops import TensorArray  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.tensor_array_ops')
