"""Function graphs <-> GraphDef.library: FunctionDefs in TensorFlow's encoding, both ways.

The bodies of functional ops (If's branches, While's cond and body, MapFn/Scan/Fold's fn) are
FuncGraphs held in 'func' attrs; a GraphDef names them and carries them in `library`.

Export (`function_library`): every FuncGraph reachable from the graph's func attrs (nested ones
too) becomes one FunctionDef, each once:
- signature: one input_arg per `_Arg` (in index order, type from its 'T'), one output_arg per
  `_Retval`; arg names are TF's kind ([a-z][a-z0-9_]*), unique among args and body nodes;
- node_def: the other ops, their data inputs written 'arg' for an argument and
  'node:output_arg_name:index' otherwise (index within the OpDef's output arg, list args
  expanded), control inputs '^node';
- ret: output_arg name -> the tensor feeding that `_Retval`;
- arg_attr: '_output_shapes' of each argument (TF's function_def_to_graph reads it).
TF's While needs a body with one result per loop variable: sluice's body returns only the loop
variables, its captured tensors being loop-invariant inputs, so the export passes each of those
arguments through as one more result (a While recording values for its gradient, '_history',
keeps sluice's own layout: such graphs travel between sluice programs only).

Import (`Library`): a FunctionDef becomes a FuncGraph of the graph that holds the node naming it
(nested functions inside their FuncGraph): `_Arg` nodes for the signature, the body nodes
created in dependency order through Graph._create_op (the graph's own dtype, default and shape
rules), `_Retval` nodes for `ret`. Attr decoding is the importer's (passed in), so newer-TF attrs
are treated as at top level. A While's cond results are read on the host, as when sluice builds
one. A loop op that recorded its calls for a gradient before export ('_history' k) gets its k+1
record outputs back (`add_records`) and they are registered as its records in ops/loop_grad.py.
Generic functions (attrs given as placeholders '$T') and functions calling themselves are not
imported.
"""
import re
import weakref

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.engine import op_registry
from sluice.engine import subgraph
from sluice.engine.graph import Graph
from sluice.engine.subgraph import FuncGraph
from sluice.engine.node import Tensor
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.io import graph_def as _graph_def
from sluice.io.protos import FunctionDef, FunctionDefLibrary

__all__ = ['function_library', 'function_def_of', 'Library', 'FuncRef']

_ARG_NAME = re.compile(r'[a-z][a-z0-9_]*')


# -- export ---------------------------------------------------------------------------------------

def func_graphs_of(op):
    """The FuncGraphs in the attrs of `op`."""
    result = []
    for value in op._attrs.values():
        if isinstance(value, FuncGraph):
            result.append(value)
        elif isinstance(value, (list, tuple)):
            result.extend(v for v in value if isinstance(v, FuncGraph))
    return result


_func_attr_ops = {}  # op type -> whether its OpDef has func attrs


def _has_func_attrs(op_def):
    has = _func_attr_ops.get(op_def.type)
    if has is None:
        has = _func_attr_ops[op_def.type] = any(k in ('func', 'list(func)') for k in op_def.attr_kinds.values())
    return has


# graph -> (its op list, how many of its ops were scanned, the ops among them with func attrs): a
# graph only appends ops to its list (an import that fails puts a new list in place), so each
# export scans only the ops added since the last one.
_scans = weakref.WeakKeyDictionary()


def _func_ops(graph):
    ops = graph._ops
    scan = _scans.get(graph)
    if scan is None or scan[0] is not ops or scan[1] > len(ops):
        scan = (ops, 0, [])
    found = scan[2]
    for op in ops[scan[1]:]:
        if _has_func_attrs(op._op_def):
            found.append(op)
    _scans[graph] = (ops, len(ops), found)
    return found


def reachable_func_graphs(graph):
    """[(FuncGraph, the ops naming it)] for every FuncGraph named by a func attr of `graph` or of a
    function graph inside it, each once, a function before the functions it uses."""
    found, users = [], {}
    stack = [graph]
    while stack:
        g = stack.pop()
        for op in _func_ops(g):
            for fg in func_graphs_of(op):
                ops = users.get(id(fg))
                if ops is None:
                    ops = users[id(fg)] = []
                    found.append((fg, ops))
                    stack.append(fg)
                ops.append(op)
    return found


def function_library(graph):
    """A FunctionDefLibrary of the functions `graph` uses, or None when it uses none.

    Two functions of one name (a GraphDef imported twice, or functions of another program
    imported beside this one's) cannot both be in a library: the later one is renamed, and the
    NodeDefs naming it are written again."""
    funcs = reachable_func_graphs(graph)
    if not funcs:
        return None
    names = set()
    for fg, users in funcs:
        if fg.name in names:
            base, i = fg.name, 1
            while '%s_%d' % (base, i) in names:
                i += 1
            fg.name = '%s_%d' % (base, i)
            for op in users:
                op._node_def_bytes = None
        names.add(fg.name)
    lib = FunctionDefLibrary()
    for fg, users in funcs:
        lib.function.add().CopyFrom(function_def_of(fg, _passthrough_args(users[0], fg)))
    return lib


def _passthrough_args(user, fg):
    """The argument indices a While body must also return for TF (its captured inputs), else []."""
    if user._op_def.type == 'While' and user._attrs.get('body') is fg and '_history' not in user._attrs:
        return list(range(len(fg.outputs), len(fg.inputs)))
    return []


def _output_counts(op_def, attrs):
    """How many tensors each output arg of an op with these attrs holds."""
    counts = []
    for arg in op_def.outputs:
        if arg.type_list_attr:
            counts.append(len(_attr(op_def, attrs, arg.type_list_attr)))
        elif arg.number_attr:
            counts.append(int(_attr(op_def, attrs, arg.number_attr)))
        else:
            counts.append(1)
    return counts


def _attr(op_def, attrs, name):
    value = attrs.get(name)
    return op_def.attrs.get(name) if value is None else value


def _output_name(op, index):
    """'node:output_arg:i' for output `index` of `op` (TF's FunctionDef encoding)."""
    at = 0
    for arg, count in zip(op._op_def.outputs, _output_counts(op._op_def, op._attrs)):
        if index < at + count:
            return '%s:%s:%d' % (op._name, arg.name, index - at)
        at += count
    # Outputs past the OpDef's (a loop's records for its gradient): numbered on in the last arg.
    last = op._op_def.outputs[-1].name
    return '%s:%s:%d' % (op._name, last, index - at + _output_counts(op._op_def, op._attrs)[-1])


def _arg_names(fg, taken):
    """TF-valid, unique names for the function's arguments (from the `_Arg` ops' names)."""
    names = []
    for t in fg.inputs:
        base = re.sub(r'[^a-z0-9_]', '_', t._op._name.lower())
        if not _ARG_NAME.fullmatch(base):
            base = 'arg_' + base
        name, i = base, 1
        while name in taken:
            name, i = '%s_%d' % (base, i), i + 1
        taken.add(name)
        names.append(name)
    return names


def function_def_of(fg, passthrough=()):
    """The FunctionDef of a FuncGraph (`passthrough`: argument indices returned as extra results)."""
    fdef = FunctionDef()
    sig = fdef.signature
    sig.name = fg.name
    body = [op for op in fg._ops if op._op_def.type not in ('_Arg', '_Retval')]
    taken = {op._name.lower() for op in body} | {op._name for op in body}
    arg_names = _arg_names(fg, taken)
    arg_of = {}
    for i, (t, name) in enumerate(zip(fg.inputs, arg_names)):
        sig.input_arg.add(name=name, type=t.dtype.base_dtype.as_datatype_enum)
        arg_of[t] = name
        shape = t._op._attrs.get('shape')
        fdef.arg_attr[i].attr['_output_shapes'].CopyFrom(
            _graph_def.attr_value([shape if shape is not None else unknown_shape()], 'list(shape)'))

    def ref(t):
        name = arg_of.get(t)
        if name is not None:
            return name
        if t._op._graph is not fg:
            raise ValueError("Function '%s' reads %s of another graph: its FunctionDef cannot express that."
                             % (fg.name, t.name))
        return _output_name(t._op, t._value_index)

    for op in body:
        if op._op_def.is_stateful:
            sig.is_stateful = True
        node = fdef.node_def.add()
        node.CopyFrom(_graph_def.node_def_of(op))
        del node.input[:]
        node.input.extend(ref(t) for t in op._inputs)
        node.input.extend('^' + c._name for c in op._control_inputs if c._op_def.type != '_Arg')
    results = list(fg.outputs) + [fg.inputs[i] for i in passthrough]
    for i, t in enumerate(results):
        name, k = 'output_%d' % i, 0
        while name in taken or name in arg_names:
            name, k = 'output_%d_%d' % (i, k), k + 1
        sig.output_arg.add(name=name, type=t.dtype.base_dtype.as_datatype_enum)
        fdef.ret[name] = ref(t)
    return fdef


# -- import ---------------------------------------------------------------------------------------

class FuncRef:
    """A func attr read from a NodeDef: the function's name, built into a FuncGraph on creation."""
    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return 'FuncRef(%r)' % self.name


# Func attrs whose function's results the caller reads on the host.
_HOST_RESULTS = {('While', 'cond'), ('StatelessWhile', 'cond')}


class Library:
    """The FunctionDefs of a GraphDef, built into FuncGraphs on demand.

    decode(node, op_def, name) -> attrs: the importer's attr decoding (func attrs as FuncRef).
    canonical(op_type) -> the op type sluice creates for a NodeDef's op type.
    """

    def __init__(self, library, decode, canonical):
        self.defs = {f.signature.name: f for f in library.function}
        self.in_progress = []  # the functions being built, outermost first
        self.decode = decode
        self.canonical = canonical

    def record_dtypes(self, node_name, attrs):
        """The dtypes of the outputs a loop op with '_history' (k) has past its OpDef's: the count of
        calls, then the function's last k results stacked."""
        k = int(attrs['_history'])
        ref = attrs.get('body', attrs.get('fn'))
        if not isinstance(ref, FuncRef) or k < 0 or k > len(self.defs[ref.name].signature.output_arg):
            raise ValueError("Node '%s' has '_history' %s that its function's results do not match."
                             % (node_name, attrs['_history']))
        outs = self.defs[ref.name].signature.output_arg
        return [dtypes.int32] + [dtypes.as_dtype(a.type) for a in outs[len(outs) - k:]]

    def check_defined(self, node_name, name):
        if name not in self.defs:
            raise errors.NotFoundError(None, None, "Function %s is not defined (node '%s'): the GraphDef's "
                                                   "library has no FunctionDef of that name." % (name, node_name))

    def resolve_attrs(self, op_type, attrs, outer):
        """`attrs` with each FuncRef replaced by its FuncGraph built inside `outer`."""
        result = {}
        for key, value in attrs.items():
            if isinstance(value, FuncRef):
                value = self.func_graph(value.name, outer, (op_type, key) in _HOST_RESULTS)
            elif isinstance(value, list) and value and isinstance(value[0], FuncRef):
                value = [self.func_graph(v.name, outer, False) for v in value]
            result[key] = value
        return result

    def func_graph(self, name, outer, host_results):
        if name in self.in_progress:
            raise ValueError('Function %s calls itself (through %s): TF functions are not recursive.'
                             % (name, ' -> '.join(self.in_progress)))
        self.in_progress.append(name)
        try:
            return self._func_graph(name, outer, host_results)
        finally:
            self.in_progress.pop()

    def _func_graph(self, name, outer, host_results):
        fdef = self.defs[name]
        fg = FuncGraph(name, outer)
        tensors = {}
        with subgraph._own(fg), fg._clean_scopes():
            for i, arg in enumerate(fdef.signature.input_arg):
                tensors[arg.name] = fg.add_arg(_arg_dtype(fdef, arg), _arg_shape(fdef, i), name=arg.name)
            ops = {}
            for node in _in_dependency_order(fdef):
                ops[node.name] = self._create(fg, fdef, node, tensors, ops)
        fg.set_outputs([_lookup(fdef, s, tensors, ops) for s in
                        (fdef.ret[a.name] for a in fdef.signature.output_arg)], host=host_results)
        return fg

    def _create(self, fg, fdef, node, tensors, ops):
        op_type = self.canonical(node.op)
        try:
            op_def = op_registry.get_op_def(op_type)
        except errors.NotFoundError:
            raise errors.NotFoundError(None, None, "Op type not registered '%s' in binary running on sluice "
                                                   "(node '%s' of function %s)."
                                       % (node.op, node.name, fdef.signature.name)) from None
        for value in node.attr.values():
            if value.WhichOneof('value') == 'placeholder':
                raise errors.UnimplementedError(None, None, "Function %s is generic (attr placeholder '$%s' in node "
                                                            "'%s'): sluice imports concrete functions only."
                                                % (fdef.signature.name, value.placeholder, node.name))
        attrs = self.resolve_attrs(op_type, self.decode(node, op_def, node.name), fg)
        data = [_lookup(fdef, s, tensors, ops) for s in node.input if not s.startswith('^')]
        grouped, at = [], 0
        full = dict(op_def.attrs, **attrs)
        for arg in op_def.inputs:
            if arg.type_list_attr:
                n = len(full[arg.type_list_attr])
            elif arg.number_attr:
                n = int(full[arg.number_attr]) if arg.number_attr in attrs else len(data) - at
            else:
                n = 1
            grouped.append(data[at:at + n] if arg.is_list else data[at] if at < len(data) else None)
            at += n
        if at != len(data):  # too few inputs too (then a None above is never used)
            raise ValueError("Node '%s' of function %s has %d inputs where %s takes %d."
                             % (node.name, fdef.signature.name, len(data), node.op, at))
        name = node.name if node.name not in fg._ops_by_name else fg.unique_name(node.name)
        op = Graph._create_op(fg, op_type, grouped, attrs, name=name + '/')
        for c in node.input:
            if c.startswith('^'):
                source = ops.get(c[1:])
                if source is None:  # a control input on an argument: nothing to wait for
                    continue
                if source not in op._control_inputs:
                    op._control_inputs.append(source)
                    source._control_outputs.append(op)
        if node.device:
            op._device = node.device
        return op


def add_records(op):
    """Gives an imported loop op with '_history' (k) the outputs its gradient reads (ops/loop_grad.py):
    the count of calls and each of its function's last k results stacked over the calls, and
    registers them as the loop's records, so a later gradient of the loop adds to them."""
    from sluice.ops import loop_grad
    fn = op._attrs.get('body', op._attrs.get('fn'))
    k = op._attrs['_history']
    count = Tensor(op, len(op._outputs), dtypes.int32, TensorShape([]))
    op._outputs.append(count)
    records = {None: count}
    for t in fn.outputs[len(fn.outputs) - k:]:
        stacked = Tensor(op, len(op._outputs), t.dtype.base_dtype, TensorShape([None]).concatenate(t.shape))
        op._outputs.append(stacked)
        records[t] = stacked
    loop_grad._records[op] = records


def _arg_dtype(fdef, arg):
    if arg.type_attr or arg.type_list_attr or arg.number_attr:
        raise errors.UnimplementedError(None, None, "Function %s is generic (argument '%s' typed by an attr): "
                                                    "sluice imports concrete functions only."
                                        % (fdef.signature.name, arg.name))
    return dtypes.as_dtype(arg.type)


def _arg_shape(fdef, i):
    if i in fdef.arg_attr and '_output_shapes' in fdef.arg_attr[i].attr:
        shapes = _graph_def.python_attr_any(fdef.arg_attr[i].attr['_output_shapes'])
        if isinstance(shapes, list) and len(shapes) == 1:
            return shapes[0]
    return unknown_shape()


def _parse(s):
    """('node', 'output_arg', i) for 'node:output_arg:i', (arg, None, i) for 'arg' or 'arg:i'."""
    parts = s.split(':')
    if len(parts) == 3 and parts[2].isdigit():
        return parts[0], parts[1], int(parts[2])
    if len(parts) == 2 and parts[1].isdigit():
        return parts[0], None, int(parts[1])
    return s, None, 0


def _lookup(fdef, s, tensors, ops):
    name, out_arg, index = _parse(s)
    if out_arg is None:
        t = tensors.get(name)
        if t is None or index != 0:
            raise ValueError("Function %s: input '%s' names no argument." % (fdef.signature.name, s))
        return t
    op = ops.get(name)
    if op is None:
        raise ValueError("Function %s: input '%s' names no node of the function." % (fdef.signature.name, s))
    at = 0
    for arg, count in zip(op._op_def.outputs, _output_counts(op._op_def, op._attrs)):
        if arg.name == out_arg:
            if index >= count:
                break
            return op._outputs[at + index]
        at += count
    raise ValueError("Function %s: input '%s' names no output of node '%s' (%s)."
                     % (fdef.signature.name, s, name, op._op_def.type))


def _in_dependency_order(fdef):
    """The body's NodeDefs, each after the nodes it reads (their order in the FunctionDef otherwise)."""
    nodes = list(fdef.node_def)
    index = {n.name: i for i, n in enumerate(nodes)}
    if len(index) != len(nodes):
        raise ValueError('Function %s has two nodes of the same name.' % fdef.signature.name)
    deps = []
    for n in nodes:
        d = set()
        for s in n.input:
            src = s[1:] if s.startswith('^') else _parse(s)
            src = src if isinstance(src, str) else (src[0] if src[1] is not None else None)
            if src is not None and src in index:
                d.add(index[src])
        deps.append(d)
    order, state = [], [0] * len(nodes)  # 0 new, 1 on the stack, 2 done
    for start in range(len(nodes)):
        stack = [(start, iter(sorted(deps[start])))]
        if state[start]:
            continue
        state[start] = 1
        while stack:
            i, it = stack[-1]
            j = next(it, None)
            if j is None:
                stack.pop()
                state[i] = 2
                order.append(nodes[i])
            elif state[j] == 1:
                raise ValueError('Function %s has a cycle through node %s.' % (fdef.signature.name, nodes[j].name))
            elif state[j] == 0:
                state[j] = 1
                stack.append((j, iter(sorted(deps[j]))))
    return order
