"""`tensorflow.python.ops.summary_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.summary).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.summary import (audio, get_summary_description, histogram, image, merge, merge_all,  # noqa: F401
                            scalar, tensor_summary, text)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.summary_ops')
