"""`tensorflow.python.ops.clip_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (clip_by_average_norm, clip_by_global_norm, clip_by_norm, clip_by_value,  # noqa: F401
                    global_norm)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.clip_ops')
