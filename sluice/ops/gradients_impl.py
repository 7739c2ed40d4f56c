"""tf.gradients: symbolic reverse-mode differentiation of a graph (TF 1.x semantics).

Algorithm (TF's): mark the ops reachable forward from the xs through differentiable tensors
(float and complex dtypes; integer tensors stop the flow); walk back from the ys over those marked
ops to find the ops between them, and count for each how many of its consumers lie between
(`pending`). Starting from the ys' ops, with grad_ys (ones by default) as their gradients, pop an op
whose consumers have all been processed, sum the gradients each output received (AddN; IndexedSlices
concatenated, or densified when mixed with tensors), call the op's gradient function inside a
'<op name>_grad' scope and hand each input its gradient. An op with no gradient for any output, a
`stop_gradients` op, an x whose own inputs are not between, and an op declared `no_gradient` pass
None on; an op on the path without a gradient declaration is a LookupError. The result for each x is
the sum it received, or None when no path joins it to the ys.

A gradient function is found by op type, or by the '_gradient_op_type' attr that
`Graph.gradient_override_map` sets. Ops without inputs need none.
"""
import collections
import contextlib

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_registry
from sluice.engine.graph import Tensor
from sluice.ops import array_ops, graph_ops, math_ops
from sluice.ops.indexed_slices import (IndexedSlices, IndexedSlicesValue,  # noqa: F401
                                       convert_to_tensor_or_indexed_slices)

__all__ = ['gradients', 'hessians', 'RegisterGradient', 'no_gradient', 'NoGradient', 'NotDifferentiable',
           'AggregationMethod', 'UnconnectedGradients', 'IndexedSlices', 'IndexedSlicesValue',
           'convert_to_tensor_or_indexed_slices']

# Ops whose outputs carry no gradient (random draws, variable storage and writes, graph plumbing).
for _type in ('RandomStandardNormal', 'TruncatedNormal', 'RandomUniform', 'RandomUniformInt', 'RandomShuffle',
              'Multinomial', 'VariableV2', 'Assign', 'AssignAdd', 'AssignSub', 'IsVariableInitialized',
              'Placeholder', 'NoOp', 'Assert'):
    op_registry.no_gradient(_type)

# The dtypes gradients flow through (TF's backprop_util.IsTrainable).
_TRAINABLE = frozenset([dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64, dtypes.complex64,
                        dtypes.complex128, dtypes.variant,  # variant: a TensorArray's value, as in TF2
                        dtypes.resource])  # a resource variable's handle: its reads' gradients reach it


class AggregationMethod:
    """How the gradients an output receives are summed: one AddN, or AddNs of pairs (tree)."""
    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


class UnconnectedGradients:
    """What tf.gradients returns for an x not connected to the ys: None, or zeros like x."""
    NONE = 'none'
    ZERO = 'zero'


class RegisterGradient:
    """Decorator declaring the gradient function of an op type: @tf.RegisterGradient('MyOp')."""

    def __init__(self, op_type):
        if not isinstance(op_type, str):
            raise TypeError('op_type must be a string')
        self._op_type = op_type

    def __call__(self, f):
        op_registry.register_gradient(self._op_type)(f)
        return f


def no_gradient(op_type):
    """Declares op_type not differentiable: tf.gradients treats its outputs as constants."""
    if not isinstance(op_type, str):
        raise TypeError('op_type must be a string')
    op_registry.no_gradient(op_type)


NoGradient = no_gradient
NotDifferentiable = no_gradient


def _trainable(t):
    return t.dtype.base_dtype in _TRAINABLE


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def gradient_function(op):
    """The op's gradient function: None when it has no inputs or is declared not differentiable."""
    if not op.inputs:
        return None
    op_type = op._attrs.get('_gradient_op_type', op.type)
    if isinstance(op_type, bytes):
        op_type = op_type.decode()
    declared, fn = op_registry.get_gradient(op_type)
    if not declared:
        raise LookupError("No gradient defined for operation '%s' (op type: %s)" % (op.name, op.type))
    return fn


def _pending_counts(to_ops, from_ops):
    """(the ys' ops reachable from the xs, {op: consumers between xs and ys})."""
    reached = set()
    queue = collections.deque(from_ops)
    while queue:
        op = queue.popleft()
        if op not in reached:
            reached.add(op)
            for t in op._outputs:
                if _trainable(t):
                    queue.extend(t._consumers)
    reachable_to = {op for op in to_ops if op in reached}
    between, between_list = set(), []
    queue = collections.deque(to_ops)
    while queue:
        op = queue.popleft()
        if op in reached:
            between.add(op)
            between_list.append(op)
            reached.remove(op)
            queue.extend(t._op for t in op._inputs)
    pending = collections.defaultdict(int)
    for op in between_list:
        for t in op._inputs:
            if t._op in between:
                pending[t._op] += 1
    return reachable_to, pending


def _default_grad_ys(grad_ys, ys, colocate):
    """grad_ys with ones (a Fill of y's shape) for each None; given ones pass an Identity."""
    if len(grad_ys) != len(ys):
        raise ValueError('Passed %d grad_ys for %d ys' % (len(grad_ys), len(ys)))
    result = []
    for i, (y, grad_y) in enumerate(zip(ys, grad_ys)):
        with _colocated(y.op, colocate):
            if grad_y is None:
                if y.dtype.is_complex:
                    raise TypeError('Gradients of complex tensors must set grad_ys (y.dtype = %s)' % y.dtype.name)
                result.append(array_ops.ones(array_ops.shape(y), dtype=y.dtype.base_dtype, name='grad_ys_%d' % i))
                continue
            grad_y = convert_to_tensor_or_indexed_slices(grad_y, name='grad_y')
            if y.dtype.is_floating or y.dtype.is_integer:
                if not grad_y.dtype.is_floating and not grad_y.dtype.is_integer:
                    raise TypeError('Gradient type %s generated for real or integer-valued tensor %s with type %s '
                                    'must be real or integer' % (grad_y.dtype.name, y, y.dtype.name))
            elif y.dtype.is_complex:
                if not grad_y.dtype.is_complex:
                    raise TypeError('Gradient type %s generated for complex-valued tensor %s with type %s must be '
                                    'real' % (grad_y.dtype.name, y, y.dtype.name))
            elif y.dtype.base_dtype != dtypes.variant:  # a TensorArray's gradient is a list
                raise TypeError('Tensor %s with type %s must be numeric to obtain a default gradient'
                                % (y, y.dtype.name))
            if isinstance(grad_y, IndexedSlices):
                result.append(IndexedSlices(graph_ops.identity(grad_y.values, name='grad_ys_%d_values' % i),
                                            graph_ops.identity(grad_y.indices, name='grad_ys_%d_indices' % i),
                                            None if grad_y.dense_shape is None else
                                            graph_ops.identity(grad_y.dense_shape, name='grad_ys_%d_shape' % i)))
            else:
                result.append(graph_ops.identity(grad_y, name='grad_ys_%d' % i))
    return result


def _colocated(op, on):
    """Colocates the ops built inside with `op` when `on` (colocate_gradients_with_ops)."""
    return op.graph.colocate_with(op) if on else contextlib.nullcontext()


def _aggregate(received, op, method):
    """One gradient per output of op: the sum of what each received (None when nothing)."""
    out = []
    for grads in received:
        grads = [g for g in grads if g is not None]
        if not grads:
            out.append(None)
        elif len(grads) == 1:
            out.append(grads[0])
        elif grads[0].dtype.base_dtype == dtypes.variant:
            from sluice.ops import tensor_array_ops
            out.append(tensor_array_ops.add_lists(grads))
        elif all(isinstance(g, Tensor) for g in grads):
            if method in (AggregationMethod.EXPERIMENTAL_TREE, AggregationMethod.EXPERIMENTAL_ACCUMULATE_N):
                with op.graph.name_scope(op.name + '_gradient_sum'):
                    total = grads[0]
                    for g in grads[1:]:
                        total = math_ops.add_n([total, g])
                out.append(total)
            else:
                out.append(math_ops.add_n(grads))
        elif any(isinstance(g, Tensor) for g in grads):
            out.append(math_ops.add_n(grads))  # densifies the IndexedSlices among them
        else:
            out.append(_concat_slices(grads))
    return out


def _concat_slices(slices):
    """The sum of IndexedSlices as one: values and indices concatenated (int64 indices if mixed)."""
    kinds = {s.indices.dtype.base_dtype for s in slices}
    indices = [s.indices if len(kinds) == 1 else math_ops.cast(s.indices, dtypes.int64) for s in slices]
    return IndexedSlices(array_ops.concat([s.values for s in slices], 0), array_ops.concat(indices, 0),
                         slices[0].dense_shape)


def gradients(ys, xs, grad_ys=None, name='gradients', colocate_gradients_with_ops=False, gate_gradients=False,
              aggregation_method=None, stop_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
    """The symbolic partial derivatives of sum(ys) with respect to each x in xs (TF1's tf.gradients).

    ys, xs: a tensor or a list (xs may hold Variables: the gradient reaches them through their read).
    grad_ys: the gradients of the ys (ones like each y when None). stop_gradients: tensors treated as
    constants. Returns one gradient per x (a Tensor, an IndexedSlices, or None when x does not affect ys).
    """
    ys, xs = _as_list(ys), _as_list(xs)
    stop_gradients = [] if stop_gradients is None else _as_list(stop_gradients)
    grad_ys = [None] * len(ys) if grad_ys is None else _as_list(grad_ys)
    if aggregation_method is None:
        aggregation_method = AggregationMethod.DEFAULT
    if aggregation_method not in (AggregationMethod.ADD_N, AggregationMethod.EXPERIMENTAL_TREE,
                                  AggregationMethod.EXPERIMENTAL_ACCUMULATE_N):
        raise ValueError('Invalid aggregation_method specified %s.' % aggregation_method)
    if unconnected_gradients not in (UnconnectedGradients.NONE, UnconnectedGradients.ZERO):
        raise ValueError("Unknown value for unconnected_gradients: '%s'" % unconnected_gradients)
    values = ys + xs + stop_gradients + [g for g in grad_ys if g is not None and not isinstance(g, IndexedSlices)]
    with _graph.name_scope(name, 'gradients', values):
        ys = [convert_to_tensor_or_indexed_slices(y, name='y') for y in ys]
        xs = [_graph.convert_to_tensor(x, name='x', as_ref=True) if not isinstance(x, IndexedSlices) else x
              for x in xs]
        stop_gradients = [_graph.convert_to_tensor(t) for t in stop_gradients]
        grad_ys = _default_grad_ys(grad_ys, ys, colocate_gradients_with_ops)
        g = ys[0].graph if ys else _graph.get_default_graph()
        to_ops, from_ops = [y.op for y in ys], [x.op for x in xs]
        reachable_to, pending = _pending_counts(to_ops, from_ops)

        received = {}  # op -> one list of gradients per output

        def add_grad(t, grad):
            per_output = received.setdefault(t._op, [[] for _ in t._op._outputs])
            per_output[t._value_index].append(grad)

        for y, grad_y in zip(ys, grad_ys):
            add_grad(y, grad_y)
        queue, queued = collections.deque(), set()
        for op in to_ops:
            if pending[op] == 0 and op not in queued and op in reachable_to:
                queued.add(op)
                queue.append(op)
        stop_ops = {op for op in from_ops if all(pending[t._op] == 0 for t in op._inputs)}
        stop_ops.update(t.op for t in stop_gradients)

        while queue:
            op = queue.popleft()
            with _colocated(op, colocate_gradients_with_ops):
                out_grads = _aggregate(received.get(op, [[] for _ in op._outputs]), op, aggregation_method)
                received[op] = [[] if gr is None else [gr] for gr in out_grads]  # summed once (an x reads it)
                has_grads = any(gr is not None for gr in out_grads)
                grad_fn = gradient_function(op) if has_grads and op not in stop_ops else None
                if grad_fn is not None:
                    for i, gr in enumerate(out_grads):
                        t_out = op._outputs[i]
                        if gr is None and _trainable(t_out) and t_out.dtype.base_dtype != dtypes.variant:
                            out_grads[i] = array_ops.zeros_like(t_out, optimize=False)  # an unused output
                    with g.name_scope(op.name + '_grad'):
                        in_grads = _as_list(grad_fn(op, *out_grads))
                        if len(in_grads) != len(op._inputs):
                            raise ValueError('Num gradients %d generated for op %s do not match num inputs %d'
                                             % (len(in_grads), op.node_def, len(op._inputs)))
                        if gate_gradients and sum(gr is not None for gr in in_grads) > 1:
                            with g.device(None), g.colocate_with(None, ignore_existing=True):
                                in_grads = _gate(in_grads)
                else:
                    in_grads = [None] * len(op._inputs)
                for i, (t_in, in_grad) in enumerate(zip(op._inputs, in_grads)):
                    if in_grad is None:
                        continue
                    if isinstance(in_grad, Tensor) and t_in._dtype is not dtypes.resource:  # a handle is 0-d
                        try:
                            in_grad.set_shape(t_in.shape)
                        except ValueError:
                            raise ValueError('Incompatible shapes between op input and calculated input gradient. '
                                             'Forward operation: %s. Input index: %d. Original input shape: %s. '
                                             'Calculated input gradient shape: %s'
                                             % (op.name, i, t_in.shape, in_grad.shape)) from None
                    add_grad(t_in, in_grad)
            for t in op._inputs:
                pending[t._op] -= 1
                if pending[t._op] == 0:
                    queue.append(t._op)

        result = []
        for x in xs:
            per_output = received.get(x._op)
            grad = None
            if per_output is not None:  # an x whose op was not processed (e.g. a stop op's) is summed here
                grad = _aggregate([per_output[x._value_index]], x._op, aggregation_method)[0]
                per_output[x._value_index] = [] if grad is None else [grad]
            result.append(grad)
    if unconnected_gradients == UnconnectedGradients.ZERO:  # built outside the gradients scope, as TF does
        result = [array_ops.zeros_like(x) if grad is None else grad for x, grad in zip(xs, result)]
    return result


def _gate(grads):
    """The gradients, each available only once all are (TF's gate_gradients): a tuple of identities."""
    tensors = [gr for gr in grads if isinstance(gr, Tensor)]
    gated = iter(graph_ops.tuple(tensors))
    return [next(gated) if isinstance(gr, Tensor) else gr for gr in grads]


def hessians(ys, xs, name='hessians', colocate_gradients_with_ops=False, gate_gradients=False,
             aggregation_method=None):
    """The Hessian of sum(ys) with respect to each x: shape x.shape + x.shape.

    Built row by row from the gradient flattened, so x's number of elements must be known statically.
    """
    xs = _as_list(xs)
    kwargs = {'colocate_gradients_with_ops': colocate_gradients_with_ops, 'gate_gradients': gate_gradients,
              'aggregation_method': aggregation_method}
    result = []
    with _graph.name_scope(name, 'hessians', _as_list(ys) + xs):
        for x in xs:
            x_t = _graph.convert_to_tensor(x)
            shape = x_t.shape
            if not shape.is_fully_defined():
                raise ValueError('Cannot compute Hessian because element %d of `xs` does not have a fully '
                                 'defined shape: %s' % (xs.index(x), shape))
            n = shape.num_elements()
            grad = gradients(ys, x, **kwargs)[0]
            if grad is None:
                result.append(None)
                continue
            flat = array_ops.reshape(grad, [-1])
            rows = []
            for j in range(n):
                row = gradients(flat[j], x, **kwargs)[0]
                rows.append(array_ops.zeros_like(x_t) if row is None else row)
            result.append(array_ops.reshape(array_ops.stack(rows), shape.as_list() + shape.as_list()))
    return result


# -- the gradient of If (the functional tf.cond) --
def _replay(branch, target, inputs):
    """Rebuilds in `target` the ops of `branch` its outputs depend on, its arguments standing for the
    outer tensors `inputs`; returns the tensors of `target` standing for the branch's outputs."""
    from sluice.engine.subgraph import FuncGraph
    needed, stack = set(), [t._op for t in branch.outputs]
    while stack:
        op = stack.pop()
        if op not in needed:
            needed.add(op)
            stack.extend(t._op for t in op._inputs)
    mapping = {arg: outer for arg, outer in zip(branch.inputs, inputs)}
    for op in branch._ops:
        if op not in needed or op._op_def.type == '_Arg':
            continue
        if op in branch.variable_captures:
            mapping[op._outputs[0]] = target.capture(branch.variable_captures[op]._outputs[0])
            continue
        if op._op_def.is_stateful or any(op._ref_inputs) or any(isinstance(v, FuncGraph) for v in op._attrs.values()):
            raise LookupError("No gradient defined for operation '%s' (op type: %s) inside the branch %s of a cond: "
                              'stateful and nested functional ops are not differentiated through If'
                              % (op.name, op.type, branch.name))
        flat = [mapping[t] for t in op._inputs]
        grouped, i = [], 0
        for arg in op._op_def.inputs:  # regroup the flat inputs by argument (lists for list arguments)
            if arg.number_attr:
                n = op._attrs[arg.number_attr]
            elif arg.type_list_attr:
                n = len(op._attrs[arg.type_list_attr])
            else:
                grouped.append(flat[i])
                i += 1
                continue
            grouped.append(flat[i:i + n])
            i += n
        attrs = {k: v for k, v in op._attrs.items() if k != '_class'}
        copy = target._create_op(op.type, grouped, attrs, name=op.name)
        for old, new in zip(op._outputs, copy._outputs):
            mapping[old] = new
    # An output that is an argument passed through stands for an outer tensor: use its capture.
    return [target.capture(t) if t._op._graph is not target else t for t in (mapping[t] for t in branch.outputs)]


@op_registry.register_gradient('If')
def _if_grad(op, *grads):
    """Another If on the same predicate whose branches recompute their branch of the forward op and
    differentiate it (with the outputs' gradients as grad_ys), one output per differentiable input."""
    from sluice.engine import subgraph
    g = subgraph.current_graph()  # a loop gradient's body when the If is inside a loop
    pred, inputs = op._inputs[0], list(op._inputs[1:])
    wrt = [i for i, t in enumerate(inputs) if _trainable(t)]
    used = [i for i, gr in enumerate(grads) if gr is not None and _trainable(op._outputs[i])]
    if not wrt or not used:
        return [None] * len(op._inputs)
    grad_graphs = []
    for attr in ('then_branch', 'else_branch'):
        branch = op.get_attr(attr)
        fg = subgraph.FuncGraph(subgraph.unique_fn_name(g.get_name_scope() + '/', attr.split('_')[0] + '_grad'), g)
        with subgraph.building(fg):
            outs = _replay(branch, fg, inputs)
            xs = [fg.capture(inputs[i]) for i in wrt]
            dxs = gradients([outs[i] for i in used], xs, grad_ys=[fg.capture(grads[i]) for i in used])
            results = [array_ops.zeros_like(x) if dx is None else _graph.convert_to_tensor(dx)
                       for x, dx in zip(xs, dxs)]
        fg.set_outputs(results)
        grad_graphs.append(fg)
    then_g, else_g = grad_graphs
    external = subgraph.external_inputs(then_g, else_g)
    then_g.arrange_inputs([], external)
    else_g.arrange_inputs([], external)
    shapes = [a.shape.most_specific_compatible_shape(b.shape) for a, b in zip(then_g.outputs, else_g.outputs)]
    grad_if = g._create_op('If', [pred, external], {'Tout': [t.dtype.base_dtype for t in then_g.outputs],
                                                   'then_branch': then_g, 'else_branch': else_g,
                                                   'output_shapes': shapes}, name='If')
    result = [None] * len(op._inputs)
    for k, i in enumerate(wrt):
        result[1 + i] = grad_if._outputs[k]
    return result


from sluice.ops import loop_grad  # noqa: E402,F401  (registers the While/MapFn/Scan/Fold gradients)
