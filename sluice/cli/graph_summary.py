"""`sluice graph FILE`: a summary of a GraphDef (.pb binary, .pbtxt text) or MetaGraphDef (.meta).

Read from the protos alone (no import into a Graph), so graphs with ops sluice lacks still read.
In the manner of TF's summarize_graph tool, it prints:
  possible inputs     Placeholder / PlaceholderWithDefault nodes, with dtype and shape;
                      nodes in a Saver's scope (the scope of its SaveV2 / RestoreV2 nodes)
                      are bookkeeping and are left out of inputs and outputs;
  variables           VariableV2 / Variable / VarHandleOp nodes (for a .meta, those of its
                      'variables' collection first), with dtype, shape and trainability;
  possible outputs    nodes no other node reads (by data or control edge), leaving out the
                      kinds that end a graph without being a result: NoOp, Assign*, Const,
                      placeholders, variables, Save/Restore, Assert, and the nodes under a
                      top-level 'gradients' scope (what an optimizer reads, not a result)
                      and a variable's unused read Identity;
  parameter counts    elements of Const values and of variables; control-edge count;
  op types            how many nodes of each type, most frequent first;
  functions           the names of the library's functions, when there are any.
"""
import collections
import os

from sluice.io.protos import DataType, GraphDef, MetaGraphDef  # noqa: F401

_PLACEHOLDERS = ('Placeholder', 'PlaceholderV2', 'PlaceholderWithDefault')
_VARIABLES = ('VariableV2', 'Variable', 'VarHandleOp')
_NOT_OUTPUTS = frozenset(('NoOp', 'Const', 'Assert', 'SaveV2', 'Save', 'SaveSlices', 'RestoreV2', 'Restore',
                          'RestoreSlice', 'MergeV2Checkpoints') + _PLACEHOLDERS + _VARIABLES)


def read_graph_file(path):
    """(GraphDef, MetaGraphDef or None) from a .meta, .pb or .pbtxt file (binary or text)."""
    from sluice.io.graph_io import read_proto_file
    if path.endswith('.meta'):
        meta = read_proto_file(path, MetaGraphDef, 'File %s does not exist.')
        return meta.graph_def, meta
    return read_proto_file(path, GraphDef, 'File %s does not exist.'), None


def _dtype_name(enum_value):
    name = DataType.Name(enum_value) if enum_value in DataType.values() else str(enum_value)
    return name[3:].lower() if name.startswith('DT_') else name


def _shape_text(shape_proto):
    if shape_proto.unknown_rank:
        return '<unknown>'
    return '[%s]' % ','.join('?' if d.size < 0 else str(d.size) for d in shape_proto.dim)


def _elements(shape_proto):
    count = 1
    for d in shape_proto.dim:
        if d.size < 0:
            return 0
        count *= d.size
    return count


def _bookkeeping_scopes(graph_def):
    """Scopes ('save/') of the graph's savers: their placeholders and outputs are no model's."""
    return tuple(sorted({n.name.rsplit('/', 1)[0] + '/' for n in graph_def.node
                         if n.op in ('SaveV2', 'RestoreV2', 'Save', 'Restore') and '/' in n.name}))


def _inputs(graph_def):
    scopes = _bookkeeping_scopes(graph_def)
    return [n for n in graph_def.node if n.op in _PLACEHOLDERS and not (scopes and n.name.startswith(scopes))]


def _variables(graph_def, meta):
    trainable = set()
    if meta is not None and 'trainable_variables' in meta.collection_def:
        from sluice.io.protos import VariableDef
        for raw in meta.collection_def['trainable_variables'].bytes_list.value:
            trainable.add(VariableDef.FromString(raw).variable_name.split(':')[0])
    return [(n, n.name in trainable) for n in graph_def.node if n.op in _VARIABLES]


def _outputs(graph_def):
    read = set()
    control_edges = 0
    for node in graph_def.node:
        for name in node.input:
            if name.startswith('^'):
                control_edges += 1
            read.add(name.lstrip('^').split(':')[0])
    skipped = _bookkeeping_scopes(graph_def) + ('gradients/',)
    variables = {n.name for n in graph_def.node if n.op in _VARIABLES}
    outputs = [n for n in graph_def.node if n.name not in read and n.op not in _NOT_OUTPUTS
               and not n.op.startswith('Assign') and not n.name.startswith(skipped)
               and not (n.op == 'Identity' and n.input and n.input[0] in variables)]
    return outputs, control_edges


def summarize(graph_def, meta=None):
    """The summary's lines."""
    lines = []
    inputs = _inputs(graph_def)
    if inputs:
        lines.append('Found %d possible inputs: %s' % (len(inputs), ' '.join(
            '(name=%s, type=%s(%d), shape=%s)' % (n.name, _dtype_name(n.attr['dtype'].type), n.attr['dtype'].type,
                                                  _shape_text(n.attr['shape'].shape)) for n in inputs)))
    else:
        lines.append('No inputs spotted.')
    variables = _variables(graph_def, meta)
    if variables:
        lines.append('Found %d variables: %s' % (len(variables), ' '.join(
            '(name=%s, type=%s(%d), shape=%s%s)' % (
                n.name, _dtype_name(n.attr['dtype'].type), n.attr['dtype'].type, _shape_text(n.attr['shape'].shape),
                ', trainable' if trainable else '') for n, trainable in variables)))
    else:
        lines.append('No variables spotted.')
    outputs, control_edges = _outputs(graph_def)
    lines.append('Found %d possible outputs: %s' % (len(outputs), ' '.join(
        '(name=%s, op=%s)' % (n.name, n.op) for n in outputs)))
    consts = [n for n in graph_def.node if n.op == 'Const']
    const_params = sum(_elements(n.attr['value'].tensor.tensor_shape) for n in consts)
    variable_params = sum(_elements(n.attr['shape'].shape) for n, _ in variables)
    lines.append('Found %d (%d) const parameters, %d (%d) variable parameters, and %d control_edges' % (
        const_params, const_params, variable_params, variable_params, control_edges))
    counts = collections.Counter(n.op for n in graph_def.node)
    lines.append('Op types used: %s' % ', '.join(
        '%d %s' % (c, op) for op, c in sorted(counts.items(), key=lambda item: (-item[1], item[0]))))
    if graph_def.library.function:
        lines.append('Functions: %s' % ', '.join(f.signature.name for f in graph_def.library.function))
    lines.append('%d nodes in all' % len(graph_def.node))
    return lines


def run(args):
    path = args.file
    if not os.path.exists(path):
        print('File %s does not exist.' % path)
        return 1
    try:
        graph_def, meta = read_graph_file(path)
    except IOError as e:
        print(str(e))
        return 1
    for line in summarize(graph_def, meta):
        print(line)
    return 0


def add_parser(subparsers):
    parser = subparsers.add_parser('graph', help='summarize a .pb, .pbtxt or .meta graph')
    parser.add_argument('file', help='a GraphDef (.pb, .pbtxt) or MetaGraphDef (.meta) file')
    parser.set_defaults(run=run)
