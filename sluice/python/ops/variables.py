"""`tensorflow.python.ops.variables`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (Variable, VariableAggregation, VariableSynchronization, all_variables,  # noqa: F401
                    global_variables, global_variables_initializer, initialize_all_variables,
                    initialize_local_variables, initialize_variables, is_variable_initialized,
                    local_variables, local_variables_initializer, model_variables,
                    moving_average_variables, report_uninitialized_variables, trainable_variables,
                    variables_initializer)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.ops.variables')
