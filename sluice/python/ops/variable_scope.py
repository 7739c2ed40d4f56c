"""`tensorflow.python.ops.variable_scope`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (AUTO_REUSE, VariableAggregation, VariableScope, VariableSynchronization,  # noqa: F401
                    get_local_variable, get_variable, get_variable_scope, no_regularizer,
                    variable_op_scope, variable_scope)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.variable_scope')
