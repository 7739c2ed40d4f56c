"""Function graphs: the branches of tf.cond, the cond and body of tf.while_loop, the fn of map_fn.

A FuncGraph is a Graph of its own with an outer graph. It is built by calling the user's Python
function while it is the default graph (`building`). Its arguments are `_Arg` nodes; its results
feed `_Retval` nodes, so a plan over the function graph runs like a TF function body: the caller
(an If or While kernel) hands the `_Arg` nodes their values, runs the plan and collects what the
`_Retval` nodes received (FunctionPlan, engine/functions.py).

Capturing. A tensor of an outer graph used by an op of the function graph is replaced by an
`_Arg` of the function graph, and the outer tensor is recorded in `captures`: the functional op
takes it as an extra input, so pruning, placement and feeds of the outer graph see it. A tensor
of a graph further out is captured by each graph in between first. A Ref tensor (a variable
written inside the function) is not passed as a value: the function graph gets its own
VariableV2 node naming the same storage (same container and shared name), so its kernels write
the session's variable; ops that produced the ref (an Assign returning it) become control inputs
of the functional op. Control dependencies on outer ops become control inputs of the functional
op too (`control_captures`).

Interim redirection (see `building`): while a function graph is being built, ops that library
code creates through an outer graph object (`tensor.graph._create_op(...)`, `outer.name_scope`)
are sent to the function graph, as TF does by preferring the default graph when it is building
a function. Only the building thread is affected.
"""
import contextlib
import itertools
import threading

from sluice.engine import graph as _graph
from sluice.engine.graph import Graph, Tensor

_uids = itertools.count(1)


def unique_fn_name(scope, name):
    """TF's function names: scope 'cond/' and 'true' give 'cond_true_7'."""
    return ('%s%s_%d' % (scope or '', name, next(_uids))).replace('/', '_')


class FuncGraph(Graph):
    """A function's graph: inputs are `_Arg` tensors, outputs feed `_Retval` ops.

    name:             the function's name (what a 'func' attr shows).
    outer_graph:      the graph the functional op using it lives in.
    inputs:           the `_Arg` tensors, in the order of the functional op's inputs.
    outputs:          the result tensors.
    captures:         [(outer tensor, inner `_Arg` tensor)] for outer values the function reads.
    variable_captures: {inner VariableV2 op: outer VariableV2 op} for variables used by reference.
    control_captures: outer ops the functional op must run after.
    capture_foreign:  None, or a function giving the tensor of this graph that stands for a tensor
                      of a graph that does not enclose it (a loop gradient's body reads the forward
                      body's values this way, see ops/loop_grad.py); called with this graph current.
    """

    def __init__(self, name, outer_graph):
        super().__init__()
        self.name = name
        self.outer_graph = outer_graph
        self.inputs = []
        self.outputs = []
        self.captures = []
        self.variable_captures = {}
        self.control_captures = []
        self.retval_ops = []
        self.capture_foreign = None
        self._capture_map = {}
        self._clones = {}
        self._building_function = True
        self.seed = outer_graph.seed
        # Device scopes in force where the function is built apply to its ops (as in TF).
        self._scope_state().devices = list(outer_graph._scope_state().devices)
        # Collections start as copies: what the function adds stays with its own ops.
        for key in outer_graph.get_all_collection_keys():
            self._collections[key] = list(outer_graph.get_collection(key))
        # ... but the variable store and variable scope state (tuple keys) are shared, as TF's FuncGraph
        # shares them: a scope opened in the function names variables as it does outside.
        for key, value in list(outer_graph._collections.items()):
            if not isinstance(key, str):
                self._collections[key] = value

    def __repr__(self):
        return '<sluice FuncGraph %s with %d ops>' % (self.name, len(self._ops))

    # -- arguments and captures --
    def add_arg(self, dtype, shape, name='arg'):
        """A new `_Arg` input of the function (appended to `inputs`)."""
        with _own(self), self._clean_scopes():
            op = Graph._create_op(self, '_Arg', [], {'T': dtype.base_dtype, 'index': len(self.inputs),
                                                     'shape': shape}, name=name)
        t = op._outputs[0]
        self.inputs.append(t)
        return t

    def capture(self, tensor):
        """The tensor of this graph standing for `tensor` of an outer graph."""
        inner = self._capture_map.get(tensor)
        if inner is not None:
            return inner
        graph = tensor._op._graph
        if graph is not self.outer_graph:
            if self.capture_foreign is not None and not self._is_enclosed_by(graph):
                with _own(self), self.as_default(), self._clean_scopes():
                    inner = self.capture_foreign(tensor)
                self._capture_map[tensor] = inner
                return inner
            if not isinstance(self.outer_graph, FuncGraph):  # graphs further in may resolve it
                raise ValueError('Tensor %s must be from the same graph as the function %s or a graph '
                                 'enclosing it.' % (tensor.name, self.name))
            outer = self.outer_graph.capture(tensor)
        else:
            outer = tensor
        if outer._dtype._is_ref_dtype:
            inner = self._capture_variable(outer)
        else:
            inner = self._capture_map.get(outer)
            if inner is None:
                inner = self.add_arg(outer._dtype, outer._shape, name=outer._op._name.replace('/', '_'))
                self.captures.append((outer, inner))
        self._capture_map[tensor] = self._capture_map[outer] = inner
        return inner

    def _is_enclosed_by(self, graph):
        g = self.outer_graph
        while g is not None:
            if g is graph:
                return True
            g = getattr(g, 'outer_graph', None)
        return False

    def _capture_variable(self, ref):
        """A VariableV2 node of this graph naming the storage `ref` (of the outer graph) refers to."""
        op = ref._op
        while op._op_def.type != 'VariableV2':
            ref_args = [i for i, is_ref in enumerate(op._ref_inputs) if is_ref]
            if not ref_args:
                raise TypeError('Cannot use the reference %s inside a function: it does not come from a '
                                'variable.' % ref.name)
            if op not in self.control_captures:
                self.control_captures.append(op)  # e.g. an Assign whose result ref is used inside
            op = op._inputs[ref_args[0]]._op
        clone = self._clones.get(op)
        if clone is None:
            attrs = {'shape': op._attrs['shape'], 'dtype': op._attrs['dtype'],
                     'container': op._attrs['container'], 'shared_name': op._attrs['shared_name'] or op._name}
            with _own(self), self._clean_scopes():
                clone = Graph._create_op(self, 'VariableV2', [], attrs, name=op._name)
            self._clones[op] = clone
            self.variable_captures[clone] = op
        return clone._outputs[0]

    @contextlib.contextmanager
    def _clean_scopes(self):
        """No name scope, control dependency, device or colocation: for nodes the machinery adds."""
        state = self._scope_state()
        saved = state.name_stack, state.control, state.devices, state.colocation
        state.name_stack, state.control, state.devices, state.colocation = '', [], [], []
        try:
            yield
        finally:
            state.name_stack, state.control, state.devices, state.colocation = saved

    # -- building ops: outer tensors and control inputs are captured --
    def _create_op(self, op_type, inputs, attrs, name=None):
        return Graph._create_op(self, op_type, [self._internal(x) for x in inputs], attrs, name)

    def _internal(self, value):
        if isinstance(value, Tensor):
            return value if value._op._graph is self else self.capture(value)
        if isinstance(value, (list, tuple)):
            return [self._internal(v) for v in value]
        return value

    def control_dependencies(self, control_inputs):
        """As Graph's; ops of outer graphs become control inputs of the functional op instead."""
        if control_inputs is None:
            return Graph.control_dependencies(self, None)
        inner = []
        for c in control_inputs:
            op = c
            to_elem = getattr(op, '_as_graph_element', None)
            if to_elem is not None:
                op = to_elem()
            if isinstance(op, Tensor):
                op = op._op
            if isinstance(op, _graph.Operation) and op._graph is not self and self._is_enclosed_by(op._graph):
                if op not in self.control_captures:
                    self.control_captures.append(op)
            else:
                inner.append(c)
        return Graph.control_dependencies(self, inner)

    def _current_control_inputs(self, inputs):
        result = []
        for op in Graph._current_control_inputs(self, inputs):
            if op._graph is self:
                result.append(op)
            elif op not in self.control_captures:
                self.control_captures.append(op)
        return result

    # -- results --
    def set_outputs(self, tensors, host=False):
        """Records the results and adds their `_Retval` nodes (`host`: the caller reads them on the host)."""
        self.outputs = [t if t._op._graph is self else self.capture(t) for t in tensors]
        self.retvals_on_host = host
        with _own(self), self._clean_scopes():
            self.retval_ops = [Graph._create_op(self, '_Retval', [t], {'index': i}, name='retval_%d' % i)
                               for i, t in enumerate(self.outputs)]

    def append_output(self, tensor):
        """One more result (a `_Retval` after the others); returns its index."""
        index = len(self.outputs)
        self.outputs.append(tensor)
        with _own(self), self._clean_scopes():
            self.retval_ops.append(Graph._create_op(self, '_Retval', [tensor], {'index': index},
                                                    name='retval_%d' % index))
        return index

    def arrange_inputs(self, leading, external):
        """Orders `inputs` as `leading` args then one per outer tensor of `external` (added if unused)."""
        args = list(leading)
        for t in external:
            args.append(self.capture(t))
        self.inputs = args
        for i, t in enumerate(args):
            t._op._set_attr('index', i)

    def side_effect_ops(self):
        """The ops that run even when no result needs them: writes to variables and stateful ops."""
        result = []
        for op in self._ops:
            kind = op._op_def.type
            if kind in ('_Arg', '_Retval') or op in self.variable_captures:
                continue
            funcs = [v for v in op._attrs.values() if isinstance(v, FuncGraph)]
            if funcs:
                if any(f.side_effect_ops() for f in funcs):
                    result.append(op)
            elif op._op_def.is_stateful or any(op._ref_inputs):
                result.append(op)
        return result


def external_inputs(*graphs):
    """The outer tensors the function graphs capture, each once, in order of first capture."""
    seen = []
    for g in graphs:
        for outer, _ in g.captures:
            if outer not in seen:
                seen.append(outer)
    return seen


def control_captures(*graphs):
    result = []
    for g in graphs:
        for op in g.control_captures:
            if op not in result:
                result.append(op)
    return result


# -- redirection of op creation while a function graph is being built (this thread only) --
_local = threading.local()
_install_lock = threading.Lock()
_installed = {}  # graph -> number of builds in progress (any thread) redirecting it
_FORWARDED = ('_create_op', '_scope_state', 'unique_name', 'control_dependencies')


def _stacks():
    stacks = getattr(_local, 'stacks', None)
    if stacks is None:
        stacks = _local.stacks = {}
    return stacks


def effective_graph(graph):
    """`graph`, or the function graph this thread is building inside it."""
    stack = _stacks().get(graph)
    return stack[-1] if stack else graph


def _forwarder(graph, name):
    method = getattr(type(graph), name)

    def forward(*args, **kwargs):
        stack = _stacks().get(graph)
        if stack and stack[-1] is not graph:
            return getattr(stack[-1], name)(*args, **kwargs)
        return method(graph, *args, **kwargs)
    return forward


@contextlib.contextmanager
def _own(graph):
    """Stops the redirection of `graph` in this thread: for nodes the graph adds to itself."""
    stack = _stacks().setdefault(graph, [])
    stack.append(graph)
    try:
        yield
    finally:
        stack.pop()
        if not stack:
            del _stacks()[graph]


@contextlib.contextmanager
def building(func_graph):
    """Makes `func_graph` the default graph and the target of ops made through its outer graphs."""
    outers = []
    g = func_graph.outer_graph
    while g is not None:
        outers.append(g)
        g = getattr(g, 'outer_graph', None)
    stacks = _stacks()
    with _install_lock:
        for g in outers:
            if _installed.get(g, 0) == 0:
                for name in _FORWARDED:
                    setattr(g, name, _forwarder(g, name))
            _installed[g] = _installed.get(g, 0) + 1
            stacks.setdefault(g, []).append(func_graph)
    try:
        with func_graph.as_default():
            yield func_graph
    finally:
        with _install_lock:
            for g in outers:
                stack = stacks[g]
                stack.pop()
                if not stack:
                    del stacks[g]
                _installed[g] -= 1
                if _installed[g] == 0:
                    del _installed[g]
                    for name in _FORWARDED:
                        g.__dict__.pop(name, None)


@contextlib.contextmanager
def outermost_graph():
    """Ops made here go to the graph around every function being built (TF's init_scope): variables made
    while a loop body or branch is built are created once, outside, and the body reads them as captures.
    Outside any function this changes nothing."""
    g = current_graph()
    outer = g
    while isinstance(outer, FuncGraph):
        outer = outer.outer_graph
    if outer is g:
        yield
        return
    with _own(outer), outer.as_default(), outer.name_scope(None):
        yield


def inlined_name_scope():
    """The current name scope as the outermost graph would see it, each function graph being built
    sitting under the scope its functional op was opened in ('rnn/while' + 'simple_rnn_cell'):
    the scope TF's init_scope keeps for what it lifts out of a loop body."""
    g, parts = current_graph(), []
    while g is not None:
        parts.append(Graph._scope_state(g).name_stack)  # the graph's own stack, not the redirected one
        g = getattr(g, 'outer_graph', None)
    return '/'.join(part for part in reversed(parts) if part)


def current_graph():
    """The graph new ops go to: the default graph, or the function graph being built inside it."""
    return effective_graph(_graph.get_default_graph())
