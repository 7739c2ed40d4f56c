"""`tensorflow.python.framework.ops`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces.

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice import (Graph, GraphKeys, IndexedSlices, IndexedSlicesValue, NoGradient,  # noqa: F401
                    NotDifferentiable, Operation, RegisterGradient, Tensor, add_to_collection,
                    add_to_collections, colocate_with, control_dependencies, convert_to_tensor,
                    convert_to_tensor_or_indexed_slices, device, disable_eager_execution,
                    enable_eager_execution, get_collection, get_collection_ref, get_default_graph,
                    get_default_session, name_scope, no_gradient,
                    register_tensor_conversion_function, reset_default_graph)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.ops')
