"""`tensorflow.python.framework.graph_util`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.graph_util).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.graph_util import (convert_variables_to_constants, extract_sub_graph, must_run_on_cpu,  # noqa: F401
                               remove_training_nodes, tensor_shape_from_node_def_name)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.graph_util')
