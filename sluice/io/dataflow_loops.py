"""TF 1.x while loops (dataflow frames) raised to functional While at import: GraphDef -> GraphDef.

TF 1.x's tf.while_loop writes a loop as a *frame* of dataflow nodes: Enter nodes bring values in
(is_constant: a loop invariant), per loop variable a Merge(Enter, NextIteration) -> Switch(pred:
LoopCond) pair whose output_true feeds the body and whose output_false leaves through an Exit, and
a NextIteration carrying the body's result back to the Merge. Its gradient is one more frame (the
gradient loop, popping per-iteration values the forward frame pushed on stacks: StackV2 /
StackPushV2 / StackPopV2), plus a counter variable TF adds to the forward frame (f_count).

Design. sluice runs loops as the functional While (engine plans stay straight-line; a dataflow
frame executor would need tagged values and per-iteration state in every compiled plan). So this
pass rewrites each frame into a While whose cond and body are FunctionDefs added to the
GraphDef's library, and the importer, executor, gradient and export paths for functional loops
take over. Algorithm:
1. Frames: in topological order (the NextIteration -> Merge back edges left out) each node gets the
   frame it runs in: an Enter's is its frame_name's child of its input's frame, an Exit's output is
   in the parent frame, any other node runs in the deepest frame among its inputs (data and
   control). A frame is the path of frame names from the root.
2. Frames are raised deepest first; a raised frame's While (and its Exits) join its parent frame,
   so a nested loop becomes a While node inside its parent's body.
3. Raising one frame: loop variables are the Enters with is_constant false, in GraphDef order,
   each found through its Merge, its Switch on the frame's LoopCond and its NextIteration;
   invariants are the Enters with is_constant true. The While reads [loop variables' initial
   values] + [invariants' values]. Inside the functions, Merge:0 and Switch:1 of variable k read
   argument k, an invariant Enter reads its argument. cond holds the frame's nodes the LoopCond's
   input depends on and returns that input; body holds every other node of the frame (and any
   cond node a body node reads) and returns, per loop variable, the NextIteration input (written
   as an Identity named as the NextIteration, so its control inputs, e.g. a stack push, still
   run) and passes the invariants through (TF's While wants one result per input).
   Nodes fed by a loop variable's Switch:0 (the value leaving the loop: a gradient's tuple Identity
   before its Exit) run once after the loop, as nodes of the parent reading the While's outputs.
   ControlTriggers (a gradient loop's f_sync/b_sync, ordering stack pushes and pops before the
   next iteration) are left out: a body call runs all its stateful ops before it returns.
   The While is named '<frame's name scope>/While' (made unique), e.g. 'rnn/while/While'; each Exit
   becomes an Identity of the same name reading the While's output, so get_tensor_by_name of
   exits ('rnn/while/Exit_2:0') keeps working. Nodes inside the loop keep their names inside the
   cond/body functions and are no longer nodes of the imported graph.
Colocation ('_class' loc:@) with a node of the loop becomes colocation with the While; inside the
functions it is dropped (a function runs on its caller's device). import_meta_graph leaves out the
'while_context' collection: the WhileContextDefs describe frames that are gone.
Not raised (ValueError naming the node): a frame without exactly one LoopCond, a loop variable
without its Merge/Switch pair, a node read across frames without an Enter, Merge:1 (value_index) of
a loop variable read. A RefEnter of a variable (a loop assigning to a Ref variable) becomes a
VariableV2 node inside the function, named as the RefEnter, whose shared_name names the outer
variable's storage (as sluice's own functions capture variables); other RefEnters bring in values.
"""
import re

from sluice.engine import errors
from sluice.engine import op_registry
from sluice.io.protos import AttrValue, FunctionDef, GraphDef, NodeDef

__all__ = ['raise_while_frames', 'WHILE_CONTEXT']

# The MetaGraphDef collection of TF 1.x's WhileContextDefs: they describe the frames this pass
# removes, so import_meta_graph leaves the collection out.
WHILE_CONTEXT = 'while_context'

_ENTER = ('Enter', 'RefEnter')
_EXIT = ('Exit', 'RefExit')
_NEXT = ('NextIteration', 'RefNextIteration')
_MERGE = ('Merge', 'RefMerge')
_SWITCH = ('Switch', 'RefSwitch')
_DT_BOOL = 10


def raise_while_frames(graph_def, prefix=''):
    """`graph_def` with each TF 1.x while frame rewritten as a functional While (the same message
    when it holds no Enter node; the caller's message is never changed). `prefix`: the name scope
    the import puts the nodes under (a variable used by reference in a loop is named with it)."""
    if not any(n.op in _ENTER for n in graph_def.node):
        return graph_def
    frames = _frames(graph_def)
    state = _Rewrite(graph_def, prefix)
    for path in sorted(frames, key=len, reverse=True):  # a frame after the frames inside it
        added = _Raiser(state, path, frames[path]).rewrite()
        if len(path) > 1:
            frames[path[:-1]].extend(added)
    return state.graph_def(graph_def)


class _Rewrite:
    """The GraphDef being rewritten: its nodes by name in GraphDef order (the caller's NodeDefs,
    replaced by copies where they change), the FunctionDefs added, the nodes with colocation."""

    def __init__(self, graph_def, prefix):
        self.prefix = prefix
        self.nodes = {n.name: n for n in graph_def.node}
        self.functions = []
        self.function_names = {f.signature.name for f in graph_def.library.function}
        self.colocated = [n.name for n in graph_def.node if '_class' in n.attr]

    def graph_def(self, original):
        out = GraphDef()
        for field, value in original.ListFields():
            if field.name == 'node':
                continue
            if field.message_type is None:
                setattr(out, field.name, value)
            else:
                getattr(out, field.name).CopyFrom(value)
        out.library.function.extend(self.functions)
        out.node.extend(self.nodes.values())
        return out


def _parse(name):
    """('node', index) for 'node:i' / 'node', ('node', -1) for '^node'."""
    if name.startswith('^'):
        return name[1:], -1
    node, sep, index = name.rpartition(':')
    if sep and index.isdigit():
        return node, int(index)
    return name, 0


def _tensor_name(node, index):
    return node if index == 0 else '%s:%d' % (node, index)


def _attr_of(node, key):
    """The node's attr `key`, or an empty AttrValue (reading node.attr[key] would add it)."""
    return node.attr[key] if key in node.attr else AttrValue()


# The data inputs the loop structure ops take.
_ARITY = dict.fromkeys(_ENTER + _EXIT + _NEXT + ('LoopCond',), 1)
_ARITY.update(dict.fromkeys(_SWITCH, 2))


def _frames(graph_def):
    """{frame path: [NodeDef]} of the nodes running in each non-root frame (Enter and Exit included)."""
    nodes = {n.name: n for n in graph_def.node}
    for n in graph_def.node:
        want = _ARITY.get(n.op)
        if want is not None:
            data = [s for s in n.input if not s.startswith('^')]
            if len(data) != want or n.input[:want] != data:
                raise _fail(n, 'takes %d data input(s) before its control inputs, has %d' % (want, len(data)))
    frame_of, out_frame = {}, {}
    deps = {}
    for n in graph_def.node:
        d = []
        for s in n.input:
            src, _ = _parse(s)
            if n.op in _MERGE and src in nodes and nodes[src].op in _NEXT:
                continue  # the loop's back edge
            if src not in nodes:
                raise ValueError("Node '%s': Unknown input node '%s'" % (n.name, s))
            d.append(src)
        deps[n.name] = d
    for name in _topological(graph_def, deps):
        n = nodes[name]
        inputs = [out_frame[s] for s in deps[name]]
        here = max(inputs, key=len) if inputs else ()
        if n.op in _ENTER:
            frame = here + (_attr_of(n, 'frame_name').s.decode('utf-8', 'replace'),)
            frame_of[name] = out_frame[name] = frame
        elif n.op in _EXIT:
            if not here:
                raise ValueError("Node '%s' (Exit) is not inside a while loop frame" % name)
            frame_of[name], out_frame[name] = here, here[:-1]
        else:
            frame_of[name] = out_frame[name] = here
    frames = {}
    for n in graph_def.node:
        if frame_of[n.name]:
            frames.setdefault(frame_of[n.name], []).append(n)
    return frames


def _topological(graph_def, deps):
    order, state = [], {}
    for n in graph_def.node:
        if n.name in state:
            continue
        stack = [(n.name, iter(deps[n.name]))]
        state[n.name] = 1
        while stack:
            name, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[name] = 2
                order.append(name)
            elif state.get(nxt) == 1:
                raise ValueError("Node '%s' is in a cycle that is not a while loop's NextIteration -> Merge" % nxt)
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
    return order


def _fail(node, what):
    return ValueError("Node '%s' (%s) of a TF 1.x while loop: %s" % (node.name, node.op, what))


class _LoopVar:
    __slots__ = ('enter', 'merge', 'switch', 'next')


class _Raiser:
    """Rewrites one frame (its nodes `members`) of a _Rewrite as a While; `rewrite` returns the nodes
    it added (the While, the Exits' Identities, the nodes after the loop)."""

    def __init__(self, state, path, members):
        self.state = state
        self.path = path
        self.members = {n.name: state.nodes[n.name] for n in members}
        self.consumers = {}
        for n in self.members.values():
            for s in n.input:
                self.consumers.setdefault(_parse(s)[0], []).append(n)

    def _consumers(self, node, op_types, index=None):
        result = []
        for c in self.consumers.get(node.name, ()):
            if c.name in self.members and c.op in op_types:
                if index is None or any(_parse(s) == (node.name, index) for s in c.input):
                    result.append(c)
        return result

    def _structure(self):
        conds = [n for n in self.members.values() if n.op == 'LoopCond']
        if len(conds) != 1:
            raise ValueError("While loop frame '%s' has %d LoopCond nodes, not 1" % (self.path[-1], len(conds)))
        self.loop_cond = conds[0]
        self.loop_vars, self.invariants, self.variables = [], [], {}
        for n in self.members.values():
            if n.op not in _ENTER:
                continue
            if _attr_of(n, 'is_constant').b:
                variable = self._variable_behind(n) if n.op == 'RefEnter' else None
                if variable is not None:
                    self.variables[n.name] = variable
                else:
                    self.invariants.append(n)
                continue
            v = _LoopVar()
            v.enter = n
            merges = self._consumers(n, _MERGE)
            if len(merges) != 1:
                raise _fail(n, 'a loop variable\'s Enter must feed one Merge')
            v.merge = merges[0]
            switches = [s for s in self._consumers(v.merge, _SWITCH)
                        if _parse(s.input[1])[0] == self.loop_cond.name]
            if len(switches) != 1:
                raise _fail(v.merge, 'a loop variable\'s Merge must feed one Switch on the LoopCond')
            v.switch = switches[0]
            nexts = [self.members.get(_parse(s)[0]) for s in v.merge.input]
            nexts = [x for x in nexts if x is not None and x.op in _NEXT]
            if len(nexts) != 1:
                raise _fail(v.merge, 'a loop variable\'s Merge must read one NextIteration')
            v.next = nexts[0]
            self.loop_vars.append(v)
        self.structural = {self.loop_cond.name}
        for v in self.loop_vars:
            self.structural.update(x.name for x in (v.enter, v.merge, v.switch, v.next))
        self.structural.update(n.name for n in self.invariants)
        self.structural.update(self.variables)
        self.exits = [n for n in self.members.values() if n.op in _EXIT]
        self.structural.update(n.name for n in self.exits)
        self.after = self._after_loop()

    def _variable_behind(self, enter):
        """The VariableV2 NodeDef a RefEnter brings in (through the RefEnters of outer frames), or None."""
        node = enter
        while node is not None and node.op == 'RefEnter':
            node = self.state.nodes.get(_parse(node.input[0])[0])
        return node if node is not None and node.op == 'VariableV2' else None

    def _variable_clone(self, name, variable):
        """A VariableV2 node of the function, named as the RefEnter, naming the variable's storage."""
        clone = NodeDef(name=name, op='VariableV2')
        for key in ('dtype', 'shape', 'container'):
            if key in variable.attr:
                clone.attr[key].CopyFrom(variable.attr[key])
        shared = _attr_of(variable, 'shared_name').s.decode('utf-8', 'replace')
        if not shared:
            shared = '%s/%s' % (self.state.prefix, variable.name) if self.state.prefix else variable.name
        clone.attr['shared_name'].s = shared.encode()
        return clone

    def _after_loop(self):
        """The content nodes fed by a loop variable's Switch:0 (the value on leaving the loop), through
        data edges: they run once after the loop, outside it (e.g. a gradient's tuple Identity before
        its Exit)."""
        found, stack = set(), [(v.switch.name, 0) for v in self.loop_vars]
        while stack:
            src, index = stack.pop()  # index None: any output
            for c in self.consumers.get(src, ()):
                if c.name in found or c.name in self.structural:
                    continue
                inputs = [_parse(s) for s in c.input]
                if any(n == src and i >= 0 and (index is None or i == index) for n, i in inputs):
                    found.add(c.name)
                    stack.append((c.name, None))
        return found

    def _arg_map(self):
        """Tensor (node, index) -> argument name inside the functions."""
        self.arg_names, mapping = [], {}
        taken = {n.lower() for n in self.members}
        for k, v in enumerate(self.loop_vars):
            name = self._unique('loop_var_%d' % k, taken)
            mapping[(v.merge.name, 0)] = mapping[(v.switch.name, 1)] = name
            self.arg_names.append(name)
        for k, n in enumerate(self.invariants):
            name = self._unique('invariant_%d' % k, taken)
            mapping[(n.name, 0)] = name
            self.arg_names.append(name)
        return mapping

    def _closure(self, roots):
        """The content nodes of the frame that `roots` (node names) depend on, themselves included."""
        found, stack = set(), list(roots)
        while stack:
            name = stack.pop()
            if name in found or name in self.structural:
                continue
            node = self.members.get(name)
            if node is None:
                continue
            found.add(name)
            stack.extend(_parse(s)[0] for s in node.input)
        return found

    def rewrite(self):
        self._structure()
        mapping = self._arg_map()
        content = [n for n in self.members.values() if n.name not in self.structural and n.name not in self.after]
        pred = _parse(self.loop_cond.input[0])
        cond_nodes = self._closure([pred[0]])
        body_roots = [_parse(v.next.input[0])[0] for v in self.loop_vars]
        body_roots += [_parse(s)[0] for v in self.loop_vars for s in v.next.input[1:]]
        body_roots += [n.name for n in content if n.name not in cond_nodes]
        body_nodes = self._closure(body_roots)
        # ControlTriggers order a gradient loop's stack pushes/pops before the next iteration; a body
        # call runs all its stateful ops before it returns, so they go (a dead one would kill the step).
        cond_nodes = {n for n in cond_nodes if self.members[n].op != 'ControlTrigger'}
        body_nodes = {n for n in body_nodes if self.members[n].op != 'ControlTrigger'}
        self.triggers = {n.name for n in content if n.op == 'ControlTrigger'}
        dtypes = [self._dtype(v.enter) for v in self.loop_vars] + [self._dtype(n) for n in self.invariants]
        scope = self._scope()
        fname = re.sub(r'[^A-Za-z0-9_]', '_', '/'.join(self.path))
        library = self.state.function_names
        cond_name = self._unique('%s_cond' % fname, library)
        body_name = self._unique('%s_body' % fname, library)
        cond, body = FunctionDef(), FunctionDef()
        self.state.functions += [cond, body]
        self._function(cond, cond_name, dtypes, cond_nodes, mapping, [], [])
        cond.signature.output_arg.add(name='cond', type=_DT_BOOL)
        cond.ret['cond'] = self._encoder(mapping, cond_nodes)(self.loop_cond, *pred)
        results = [(v.next.name, v.next, dtypes[k]) for k, v in enumerate(self.loop_vars)]
        passthrough = self.arg_names[len(self.loop_vars):]
        self._function(body, body_name, dtypes, body_nodes, mapping, results, passthrough)
        return self._replace(scope, cond_name, body_name, dtypes)

    @staticmethod
    def _dtype(enter):
        return _attr_of(enter, 'T').type

    def _scope(self):
        frame = self.path[-1]
        scope = frame[:-len('_context')] if frame.endswith('_context') else frame
        scope = scope.rpartition('/')[0] or scope
        return scope

    @staticmethod
    def _unique(base, taken):
        name, i = base, 1
        while name in taken:
            name, i = '%s_%d' % (base, i), i + 1
        taken.add(name)
        return name

    def _function(self, fdef, name, dtypes, node_names, mapping, results, passthrough):
        sig = fdef.signature
        sig.name = name
        for arg, dt in zip(self.arg_names, dtypes):
            sig.input_arg.add(name=arg, type=dt)
        used = set()
        encode = self._encoder(mapping, node_names, used)
        for n in self.members.values():  # GraphDef order
            if n.name not in node_names:
                continue
            node = fdef.node_def.add()
            node.CopyFrom(n)
            del node.input[:]
            if '_class' in node.attr:  # colocation with loop nodes: the whole function runs on one device
                del node.attr['_class']
            for s in n.input:
                src, index = _parse(s)
                if index < 0:
                    if src in self.triggers:
                        continue
                    if src in node_names:
                        node.input.append(s)
                    elif src not in self.members:
                        raise _fail(n, "control input '%s' comes from outside the loop" % s)
                    continue  # on a loop structure node or the cond: done before the body runs
                node.input.append(encode(n, src, index))
            if _op_def(n).is_stateful:
                sig.is_stateful = True
        for k, result in enumerate(results):
            next_name, next_node, dt = result
            node = fdef.node_def.add(name=next_name, op='Identity')
            node.attr['T'].type = dt
            src, index = _parse(next_node.input[0])
            node.input.append(encode(next_node, src, index))
            for s in next_node.input[1:]:
                if s.startswith('^') and s[1:] in node_names and s[1:] not in self.triggers:
                    node.input.append(s)
            out = 'output_%d' % k
            sig.output_arg.add(name=out, type=dt)
            fdef.ret[out] = '%s:output:0' % next_name
        for j, arg in enumerate(passthrough):
            out = 'output_%d' % (len(results) + j)
            sig.output_arg.add(name=out, type=dtypes[self.arg_names.index(arg)])
            fdef.ret[out] = arg
        for src in sorted(used):  # variables used by reference: the function names their storage
            fdef.node_def.add().CopyFrom(self._variable_clone(src, self.variables[src]))
            sig.is_stateful = True

    def _encoder(self, mapping, node_names, used=None):
        """encode(reader NodeDef, src, index) -> the FunctionDef input naming tensor src:index; the
        variables read by reference are added to `used`."""
        used = set() if used is None else used

        def encode(reader, src, index):
            arg = mapping.get((src, index))
            if arg is not None:
                return arg
            if src in self.variables:
                used.add(src)
                return '%s:ref:0' % src
            if src in node_names:
                return _output_name(self.members[src], index)
            if src == self.loop_cond.name:
                raise _fail(reader, 'reads the LoopCond, which sluice does not pass into the loop body')
            if src in self.members and self.members[src].op in _MERGE:
                raise _fail(reader, "reads output %d of the loop variable's Merge '%s'" % (index, src))
            raise _fail(reader, "reads '%s' from outside its while loop frame without an Enter" % src)
        return encode

    def _replace(self, scope, cond_name, body_name, dtypes):
        nodes = self.state.nodes
        base = scope + '/While' if scope else 'While'
        while_name, i = base, 1
        while while_name in nodes:
            while_name, i = '%s_%d' % (base, i), i + 1
        node = NodeDef(name=while_name, op='While')
        node.input.extend(v.enter.input[0] for v in self.loop_vars)
        node.input.extend(n.input[0] for n in self.invariants)
        controls = []
        for e in [v.enter for v in self.loop_vars] + self.invariants + [self.members[n] for n in self.variables]:
            controls.extend(s for s in e.input[1:] if s.startswith('^') and s not in controls)
        node.input.extend(controls)
        node.attr['T'].list.type.extend(dtypes)
        node.attr['cond'].func.name = cond_name
        node.attr['body'].func.name = body_name
        for _ in dtypes:
            node.attr['output_shapes'].list.shape.add(unknown_rank=True)
        enters = [v.enter for v in self.loop_vars] + self.invariants
        node.attr['parallel_iterations'].i = _attr_of(enters[0], 'parallel_iterations').i or 10
        if enters[0].device:
            node.device = enters[0].device
        exits = self._outside(while_name)
        for name in self.members:
            del nodes[name]
        for n in [node] + exits:
            nodes[n.name] = n
        self.state.colocated += [n.name for n in exits if '_class' in n.attr]
        for name in self.state.colocated:
            if name in nodes:
                self._colocate_with_loop(name, while_name)
        return [node] + exits

    def _outside(self, while_name):
        """The Exits (as Identities of the same name) and the nodes that run after the loop, reading
        the While's outputs; a control input on a node of the loop becomes one on the While."""
        leaving = {(v.switch.name, 0): k for k, v in enumerate(self.loop_vars)}
        invariant = {n.name: n.input[0] for n in self.invariants + [self.members[v] for v in self.variables]}
        result = []
        for n in self.members.values():
            if n.name not in self.after and n.op not in _EXIT:
                continue
            out = NodeDef()
            out.CopyFrom(n)
            if n.op in _EXIT:
                out.op = 'Identity'
                out.attr.pop('frame_name', None)
            del out.input[:]
            for s in n.input:
                src, index = _parse(s)
                if index < 0:
                    s = s if src in self.after else '^' + while_name
                elif (src, index) in leaving:
                    s = _tensor_name(while_name, leaving[(src, index)])
                elif src in invariant:
                    s = invariant[src]
                elif src not in self.after:
                    raise _fail(n, "runs after the loop but reads '%s', a value of the loop's body" % s)
                if s not in out.input:
                    out.input.append(s)
            result.append(out)
        return result

    def _colocate_with_loop(self, name, while_name):
        """A node outside colocated with a node of the loop is colocated with the While instead."""
        node = self.state.nodes[name]
        groups = list(node.attr['_class'].list.s)
        moved = []
        for g in groups:
            target = g[5:].decode() if g.startswith(b'loc:@') else None
            if target in self.members and target not in self.after:
                g = ('loc:@' + while_name).encode()
            if g not in moved:
                moved.append(g)
        if moved != groups:
            node = self.state.nodes[name] = _copy(node)
            del node.attr['_class'].list.s[:]
            node.attr['_class'].list.s.extend(moved)


def _copy(node):
    new = NodeDef()
    new.CopyFrom(node)
    return new


def _canonical(op_type):
    if op_type in _NEXT:
        return 'Identity'
    return {'StatelessIf': 'If', 'StatelessWhile': 'While'}.get(op_type, op_type)


def _op_def(node):
    try:
        return op_registry.get_op_def(_canonical(node.op))
    except errors.NotFoundError:
        raise errors.NotFoundError(None, None, "Op type not registered '%s' in binary running on sluice (node '%s' "
                                               "inside a TF 1.x while loop)." % (node.op, node.name)) from None


def _output_name(node, index):
    """'node:output_arg:i' for output `index` of a NodeDef (FunctionDef encoding), by sluice's OpDef."""
    op_def = _op_def(node)
    at = 0
    for arg in op_def.outputs:
        if arg.type_list_attr:
            count = len(_attr(node, op_def, arg.type_list_attr).list.type)
        elif arg.number_attr:
            count = _attr(node, op_def, arg.number_attr).i
        else:
            count = 1
        if index < at + count:
            return '%s:%s:%d' % (node.name, arg.name, index - at)
        at += count
    raise _fail(node, 'has no output %d' % index)


def _attr(node, op_def, name):
    if name in node.attr:
        return node.attr[name]
    default = op_def.attrs.get(name)
    if isinstance(default, list):
        return AttrValue(list=AttrValue.ListValue(type=[d.as_datatype_enum for d in default]))
    return AttrValue(i=int(default) if isinstance(default, int) else 0)
