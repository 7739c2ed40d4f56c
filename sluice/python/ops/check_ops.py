"""`tensorflow.python.ops.check_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (assert_equal, assert_less, assert_less_equal, assert_negative,  # noqa: F401
                    assert_non_negative, assert_non_positive, assert_positive, assert_rank,
                    assert_type)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.check_ops')
