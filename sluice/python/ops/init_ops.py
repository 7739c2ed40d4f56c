"""`tensorflow.python.ops.init_ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (constant_initializer, glorot_normal_initializer, glorot_uniform_initializer,  # noqa: F401
                    ones_initializer, orthogonal_initializer, random_normal_initializer,
                    random_uniform_initializer, truncated_normal_initializer,
                    uniform_unit_scaling_initializer, variance_scaling_initializer,
                    zeros_initializer)
from sluice.initializers import (he_normal, he_uniform, lecun_normal, lecun_uniform)  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.init_ops')
