"""tf.test.assert_equal_graph_def: two GraphDefs hold the same nodes.

Nodes are matched by name, so node order does not matter; per node the op, the device, the data
inputs (in order), the control inputs (as a set) and the attrs (as a map) must agree. Versions and
library are ignored, as in TF. Optionally the values that vary from run to run are dropped first:
the temporary paths of V2 sharded saves, and the generated shared_name of HashTableV2 ops.
"""
import re

__all__ = ['assert_equal_graph_def']

_SHARDED_SAVE_PATH = re.compile(r'_temp_[0-9a-z]{32}/part')
_HASH_TABLE_SHARED_NAME = re.compile(r'hash_table_[0-9a-z\-]+')


def _strip_checkpoint_v2_randomized(graph_def):
    for node in graph_def.node:
        for key in [k for k, v in node.attr.items()
                    if len(v.tensor.string_val) == 1
                    and _SHARDED_SAVE_PATH.search(v.tensor.string_val[0].decode('utf-8', 'replace'))]:
            del node.attr[key]


def _strip_hash_table_shared_name(graph_def):
    for node in graph_def.node:
        if node.op == 'HashTableV2' and 'shared_name' in node.attr and \
                _HASH_TABLE_SHARED_NAME.match(node.attr['shared_name'].s.decode('utf-8', 'replace')):
            del node.attr['shared_name']


def _node_difference(actual, expected):
    """A sentence naming the first way the two same-named nodes differ, or None."""
    name = actual.name
    if actual.op != expected.op:
        return "Node named '%s' has op %s that does not match expected %s" % (name, actual.op, expected.op)
    if actual.device != expected.device:
        return "Node named '%s' has device '%s' that does not match expected '%s'" % (
            name, actual.device, expected.device)
    actual_data = [i for i in actual.input if not i.startswith('^')]
    expected_data = [i for i in expected.input if not i.startswith('^')]
    if actual_data != expected_data:
        return "Node named '%s' has data inputs %s that do not match expected %s" % (
            name, actual_data, expected_data)
    actual_control = sorted(i for i in actual.input if i.startswith('^'))
    expected_control = sorted(i for i in expected.input if i.startswith('^'))
    if actual_control != expected_control:
        return "Node named '%s' has control inputs %s that do not match expected %s" % (
            name, actual_control, expected_control)
    for key in sorted(set(actual.attr) | set(expected.attr)):
        if key not in expected.attr:
            return "Node named '%s' has unexpected attr '%s'" % (name, key)
        if key not in actual.attr:
            return "Node named '%s' missing expected attr '%s'" % (name, key)
        if actual.attr[key] != expected.attr[key]:
            return "Node named '%s' has attr '%s' with value %s that does not match expected %s" % (
                name, key, str(actual.attr[key]).strip(), str(expected.attr[key]).strip())
    return None


def assert_equal_graph_def(actual, expected, checkpoint_v2=False, hash_table_shared_name=False):
    """AssertionError naming the first difference between the GraphDefs; TypeError if one is not a GraphDef."""
    from sluice.io.protos import GraphDef
    for label, graph_def in (('actual', actual), ('expected', expected)):
        if not isinstance(graph_def, GraphDef):
            raise TypeError('Expected tf.GraphDef for %s, got %s' % (label, type(graph_def).__name__))
    if checkpoint_v2 or hash_table_shared_name:
        actual, expected = GraphDef.FromString(actual.SerializeToString()), \
            GraphDef.FromString(expected.SerializeToString())  # strip copies, not the caller's protos
        for graph_def in (actual, expected):
            if checkpoint_v2:
                _strip_checkpoint_v2_randomized(graph_def)
            if hash_table_shared_name:
                _strip_hash_table_shared_name(graph_def)
    expected_nodes = {node.name: node for node in expected.node}
    actual_names = set()
    for node in actual.node:
        actual_names.add(node.name)
        if node.name not in expected_nodes:
            raise AssertionError("Found unexpected node '%s'" % str(node).strip())
        difference = _node_difference(node, expected_nodes[node.name])
        if difference:
            raise AssertionError(difference)
    for node in expected.node:
        if node.name not in actual_names:
            raise AssertionError("Did not find expected node '%s'" % str(node).strip())
