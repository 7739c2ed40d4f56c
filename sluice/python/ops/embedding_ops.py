"""`tensorflow.python.ops.embedding_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.nn import (embedding_lookup, embedding_lookup_sparse, safe_embedding_lookup_sparse)  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.embedding_ops')
