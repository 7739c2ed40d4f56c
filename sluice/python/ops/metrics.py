"""`tensorflow.python.ops.metrics`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.metrics).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.metrics import (accuracy, mean)  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.metrics')
