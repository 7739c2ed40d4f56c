"""`tensorflow.python.ops.random_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.random import (categorical)  # noqa: F401
from sluice import (multinomial, random_crop, random_gamma, random_normal, random_poisson,  # noqa: F401
                    random_shuffle, random_uniform, truncated_normal)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.random_ops')
