"""tf.graph_util: GraphDef surgery for freezing and serving.

convert_variables_to_constants keeps what the outputs need (extract_sub_graph: the nodes reachable
backwards through data, control and colocation edges, in their original order) and replaces each
reference variable by a Const holding its value in `sess`. remove_training_nodes drops
CheckNumerics nodes and splices out Identity nodes no control edge names.
Resource variables (VarHandleOp) are not in sluice yet: graphs that hold them are refused by the
importer before they get here.
"""
import re

from sluice.engine.log import logger
from sluice.io import tensor_proto
from sluice.io.protos import AttrValue, GraphDef, NodeDef

__all__ = ['convert_variables_to_constants', 'extract_sub_graph', 'must_run_on_cpu', 'remove_training_nodes',
           'tensor_shape_from_node_def_name']

_VARIABLE_OPS = ('Assign', 'AssignAdd', 'AssignSub', 'Queue', 'ScatterAdd', 'ScatterSub', 'ScatterUpdate',
                 'TruncatedNormal', 'Variable', 'VariableV2')


def _node_name(name):
    return name[1:] if name.startswith('^') else name.split(':')[0]


def must_run_on_cpu(node, pin_variables_on_cpu=False):
    """True for the nodes TF keeps on the CPU: int32/string constants, int32 stitches and casts."""
    node_def = node if isinstance(node, NodeDef) else node.node_def
    if pin_variables_on_cpu and node_def.op in _VARIABLE_OPS:
        return True
    int32, string = 3, 7  # DataType enums
    if node_def.op == 'Const':
        return node_def.attr['dtype'].type in (int32, string)
    if node_def.op in ('DynamicStitch', 'ParallelDynamicStitch'):
        return node_def.attr['T'].type == int32
    if node_def.op == 'Cast':
        return node_def.attr['SrcT'].type == int32
    return False


def extract_sub_graph(graph_def, dest_nodes):
    """The nodes of graph_def that dest_nodes depend on (their order kept), with library and versions."""
    if not isinstance(graph_def, GraphDef):
        raise TypeError('graph_def must be a graph_pb2.GraphDef proto.')
    if isinstance(dest_nodes, (str, bytes)):
        raise TypeError('dest_nodes must be a list.')
    by_name, order, edges = {}, {}, {}
    for i, node in enumerate(graph_def.node):
        name = _node_name(node.name)
        by_name[name], order[name] = node, i
        edges[name] = [_node_name(x) for x in node.input]
        if '_class' in node.attr:  # a colocated node needs the node it is colocated with
            edges[name] += [s.decode()[5:] for s in node.attr['_class'].list.s if s.startswith(b'loc:@')]
    for name in dest_nodes:
        assert name in by_name, '%s is not in graph' % name
    keep, stack = set(), list(dest_nodes)
    while stack:
        name = stack.pop()
        if name not in keep:
            keep.add(name)
            stack.extend(edges.get(name, ()))
    out = GraphDef()
    out.node.extend(by_name[n] for n in sorted(keep, key=order.__getitem__))
    out.library.CopyFrom(graph_def.library)
    out.versions.CopyFrom(graph_def.versions)
    return out


def tensor_shape_from_node_def_name(graph, input_name):
    return graph.get_tensor_by_name(input_name if ':' in input_name else input_name + ':0').get_shape()


def convert_variables_to_constants(sess, input_graph_def, output_node_names, variable_names_whitelist=None,
                                   variable_names_blacklist=None):
    """A GraphDef computing output_node_names with every (allowed) variable replaced by a Const of its
    current value in sess."""
    inference = extract_sub_graph(input_graph_def, output_node_names)
    names = [n.name for n in inference.node if n.op in ('Variable', 'VariableV2') and
             (variable_names_whitelist is None or n.name in variable_names_whitelist) and
             (variable_names_blacklist is None or n.name not in variable_names_blacklist)]
    values = dict(zip(names, sess.run([n + ':0' for n in names]))) if names else {}
    logger.info('Froze %d variables.', len(values))
    out = GraphDef()
    for node in inference.node:
        if node.name in values:
            const = out.node.add(name=node.name, op='Const')
            const.attr['dtype'].CopyFrom(node.attr['dtype'])
            value = values[node.name]
            const.attr['value'].CopyFrom(AttrValue(tensor=tensor_proto.array_to_proto(value)))
        else:
            out.node.add().CopyFrom(node)
    out.library.CopyFrom(inference.library)
    out.versions.CopyFrom(inference.versions)
    logger.info('Converted %d variables to const ops.', len(values))
    return out


def remove_training_nodes(input_graph, protected_nodes=None):
    """input_graph without CheckNumerics nodes, and with unprotected Identity nodes spliced out
    (those a control edge names, or that have control inputs, stay)."""
    protected = set(protected_nodes or ())
    removed = {n.name for n in input_graph.node if n.op == 'CheckNumerics' and n.name not in protected}
    kept = []
    for node in input_graph.node:
        if node.name in removed:
            continue
        copy = NodeDef()
        copy.CopyFrom(node)
        del copy.input[:]
        copy.input.extend(x for x in node.input if re.sub(r'^\^', '', x) not in removed)
        kept.append(copy)
    controlled = {n.name for n in kept if any(x.startswith('^') for x in n.input)}
    control_named = {x[1:] for n in kept for x in n.input if x.startswith('^')}
    splice = {n.name: n.input[0] for n in kept if n.op == 'Identity' and n.name not in protected and
              n.name not in controlled and n.name not in control_named}
    out = GraphDef()
    for node in kept:
        if node.name in splice:
            continue
        copy = out.node.add()
        copy.CopyFrom(node)
        del copy.input[:]
        for name in node.input:
            while re.sub(r'^\^', '', name) in splice:
                name = splice[re.sub(r'^\^', '', name)]
            copy.input.append(name)
    return out
