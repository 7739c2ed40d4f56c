"""tf.profiler.profile: parameter and float-operation counts of a graph, in the 'scope' view.

The scope view arranges the graph's ops as a tree by name ('layer/w' under 'layer'; a name that is
only a scope becomes a node without an op). A node is *accounted* when one of its types matches
`account_type_regexes` (its op type, plus '_trainable_variables' / '_variables' for variables in
those collections; a scope-only node matches anything) and *displayed* when it is accounted, its
own counts reach min_params / min_float_ops, its name passes the show/hide regexes and it sits
within max_depth; a scope-only node is displayed only with displayed nodes below it. A node not
displayed hands its displayed descendants to its nearest displayed ancestor. Totals add a node's
own counts to those of its displayed descendants (account_displayed_op_only). Children are sorted
by name, or by the total of `order_by` (largest first, name breaking ties).

Counts: a variable's parameters are the elements of its shape; float operations come from
sluice/profiler/flops.py. The report (output 'stdout', or 'file:outfile=PATH') has TF's layout:
the options, a doc line per selected count, and one line per displayed node,
'name (self/total params, self/total flops)', scope-only nodes showing '--' for self.
Only the static counts (select 'params', 'float_ops') are implemented; times and memory from
run_meta, and the 'op', 'graph' and 'code' views, raise NotImplementedError.
"""
import re
import sys

from sluice.profiler import flops as _flops
from sluice.profiler.option_builder import ProfileOptionBuilder

_OPTION_ORDER = ('max_depth', 'min_bytes', 'min_peak_bytes', 'min_residual_bytes', 'min_output_bytes', 'min_micros',
                 'min_accelerator_micros', 'min_cpu_micros', 'min_params', 'min_float_ops', 'min_occurrence', 'step',
                 'order_by', 'account_type_regexes', 'start_name_regexes', 'trim_name_regexes', 'show_name_regexes',
                 'hide_name_regexes', 'account_displayed_op_only', 'select', 'output')
_DOC = {'params': 'param: Number of parameters (in the Variable).',
        'float_ops': 'flops: Number of float operations. Note: Please read the implementation for the math behind it.'}
_HEADER = {'params': '# parameters', 'float_ops': '# float_ops'}
_SUPPORTED = ('params', 'float_ops')


class GraphNodeProto:
    """One node of the profile (the fields of tfprof's GraphNodeProto that sluice fills)."""

    def __init__(self, name, op=None, parameters=0, float_ops=0, shape=None):
        self.name = name
        self.op = op
        self.parameters = parameters
        self.float_ops = float_ops
        self.total_parameters = parameters
        self.total_float_ops = float_ops
        self.shapes = [] if shape is None else [shape]
        self.children = []

    def __repr__(self):
        return '<GraphNodeProto %s: %d params, %d float_ops>' % (self.name, self.total_parameters,
                                                                 self.total_float_ops)


def _fmt(n):
    for limit, suffix in ((1e9, 'b'), (1e6, 'm'), (1e3, 'k')):
        if n >= limit:
            return '%.2f%s' % (n / limit, suffix)
    return '%d' % n


def _variable_types(graph):
    from sluice.engine.graph import GraphKeys
    types = {}
    for key, label in ((GraphKeys.GLOBAL_VARIABLES, '_variables'), (GraphKeys.TRAINABLE_VARIABLES,
                                                                    '_trainable_variables')):
        for var in graph.get_collection(key):
            op = getattr(var, 'op', None)
            if op is not None:
                types.setdefault(op.name, set()).add(label)
    return types


def _build_tree(graph):
    """{name: GraphNodeProto} for every op and every scope prefix, and each node's op types."""
    variable_types = _variable_types(graph)
    nodes, types = {'': GraphNodeProto('_TFProfRoot')}, {}
    for op in graph.get_operations():
        params, shape = 0, None
        if op.name in variable_types:
            dims = op.outputs[0].shape.as_list() if op.outputs[0].shape.is_fully_defined() else None
            if dims is not None:
                params = 1
                for d in dims:
                    params *= d
                shape = dims
        nodes[op.name] = GraphNodeProto(op.name, op, params, _flops.float_ops(op), shape)
        types[op.name] = {op.type} | variable_types.get(op.name, set())
    for name in list(nodes):
        scope = name.rsplit('/', 1)[0] if '/' in name else ''
        while scope and scope not in nodes:
            nodes[scope] = GraphNodeProto(scope)
            scope = scope.rsplit('/', 1)[0] if '/' in scope else ''
    return nodes, types


def _parent(name):
    return name.rsplit('/', 1)[0] if '/' in name else ''


def _sort_key(order_by):
    total = {'params': 'total_parameters', 'float_ops': 'total_float_ops'}.get(order_by)
    if total is None:
        return lambda node: node.name
    return lambda node: (-getattr(node, total), node.name)


def _shows(node, node_types, options, depth):
    if depth > options.get('max_depth', 10000):
        return False
    if node.op is not None:
        if not any(re.fullmatch(rx, t) for rx in options.get('account_type_regexes', ['.*']) for t in node_types):
            return False
    if node.parameters < options.get('min_params', 0) or node.float_ops < options.get('min_float_ops', 0):
        return False
    if not any(re.fullmatch(rx, node.name) for rx in options.get('show_name_regexes', ['.*'])):
        return False
    return not any(re.fullmatch(rx, node.name) for rx in options.get('hide_name_regexes', []))


def _arrange(nodes, types, options):
    """Links displayed nodes under their nearest displayed ancestor; returns the root."""
    children = {}
    for name in nodes:
        if name:
            children.setdefault(_parent(name), []).append(name)
    key = _sort_key(options.get('order_by', 'name'))

    def visit(name, depth):
        """The displayed nodes at or under `name` (themselves, or what they hand up)."""
        node = nodes[name]
        below = [shown for child in children.get(name, ()) for shown in visit(child, depth + 1)]
        node.total_parameters = node.parameters + sum(n.total_parameters for n in below)
        node.total_float_ops = node.float_ops + sum(n.total_float_ops for n in below)
        node.children = sorted(below, key=key)
        if not name:
            return [node]
        if node.op is None and not below:
            return []
        return [node] if _shows(node, types.get(name, ()), options, depth) else below

    (root,) = visit('', 0)
    return root


def _line(node, select):
    parts = []
    for item in select:
        if item == 'params':
            total, own = node.total_parameters, node.parameters
            shape = ('%s, ' % ('x'.join(str(d) for d in node.shapes[0]) or '1')) if node.shapes else ''
            parts.append('%s%s/%s params' % (shape, '--' if node.op is None else _fmt(own), _fmt(total)))
        else:
            own, total = node.float_ops, node.total_float_ops
            parts.append('%s/%s flops' % ('--' if node.op is None else _fmt(own), _fmt(total)))
    return '%s (%s)' % (node.name, ', '.join(parts))


def _option_text(key, value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return ','.join(str(v) for v in (sorted(value) if key == 'select' else value))
    if key == 'output' and value == 'stdout':
        return 'stdout:'
    return str(value)


def report(root, options):
    """The report's text, as TF prints it."""
    select = [s for s in _SUPPORTED if s in options.get('select', ())]
    lines = ['', '=========================Options=============================']
    lines += ['%-28s%s' % ('-' + key, _option_text(key, options.get(key, 0))) for key in _OPTION_ORDER]
    lines += ['', '==================Model Analysis Report======================', '', 'Doc:',
              'scope: The nodes in the model graph are organized by their names, which is hierarchical like '
              'filesystem.']
    lines += [_DOC[s] for s in ('float_ops', 'params') if s in select]
    lines += ['', 'Profile:', ' | '.join(['node name'] + [_HEADER[s] for s in select])]

    def walk(node, depth):
        lines.append('  ' * depth + _line(node, select))
        for child in node.children:
            walk(child, depth + 1)
    walk(root, 0)
    lines += ['', '======================End of Report==========================']
    return '\n'.join(lines) + '\n'


def profile(graph=None, run_meta=None, op_log=None, cmd='scope', options=None):
    """Profiles `graph` (default: the default graph); returns the root GraphNodeProto."""
    from sluice.engine import graph as _graph
    if graph is None:
        graph = _graph.get_default_graph()
    if options is None:
        options = ProfileOptionBuilder.trainable_variables_parameter()
    if cmd != 'scope':
        raise NotImplementedError("tf.profiler.profile: sluice implements only cmd='scope' (got %r)" % (cmd,))
    unsupported = [s for s in options.get('select', ()) if s not in _SUPPORTED]
    if unsupported or run_meta is not None:
        raise NotImplementedError('tf.profiler.profile: sluice counts only params and float_ops from the graph '
                                  '(not %s)' % (', '.join(unsupported) if unsupported else 'run_meta'))
    nodes, types = _build_tree(graph)
    root = _arrange(nodes, types, options)
    output = options.get('output', 'stdout')
    if output == 'stdout':
        sys.stdout.write(report(root, options))
    elif output.startswith('file:outfile='):
        with open(output[len('file:outfile='):], 'w') as f:
            f.write(report(root, options))
    return root
