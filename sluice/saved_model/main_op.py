"""tf.saved_model.main_op: the op a loader runs after restoring (initializes locals and tables)."""
from sluice.engine.graph import get_default_graph
from sluice.ops.graph_ops import group
from sluice.ops.variables import global_variables_initializer, local_variables_initializer


def main_op():
    """Groups the global and local variables' initializers (sluice has no lookup tables)."""
    return group(global_variables_initializer(), local_variables_initializer())


def main_op_with_restore(restore_op_name):
    """main_op, then the restore op named `restore_op_name` (an Operation or its name)."""
    graph = get_default_graph()
    with graph.control_dependencies([main_op()]):
        restore = graph.as_graph_element(restore_op_name) if isinstance(restore_op_name, str) else restore_op_name
        return group(restore)
