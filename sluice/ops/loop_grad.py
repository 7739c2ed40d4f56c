"""Gradients of the functional loops: While, MapFn, Scan, Fold (tf.while_loop, map_fn, scan, foldl/foldr).

A loop op calls its function graph `fn` once per iteration (a "call"). Its gradient is a reverse
While over the calls, last to first, whose body differentiates `fn` once: the body calls
tf.gradients on fn's results with respect to fn's arguments, the gradients flowing into the
call's results as grad_ys. The gradient functions of fn's ops read fn's forward values (inputs
and outputs of the ops); the reverse body gets them through `FuncGraph.capture_foreign`:

- an argument that is loop-invariant (a captured tensor) is the loop op's input, read as is;
- an element argument (map_fn/scan/fold) is the element the call read, gathered from elems;
- a Const is copied;
- any other value is *recorded*: fn gets one more result, the loop op one more output holding
  that value of every call, stacked in call order (TF keeps such values in stacks); the reverse
  body gathers row `t` of it. The loop op also gets an output counting its calls. So the
  gradient reads the values the forward pass computed (random draws included), and a loop
  differentiated nowhere keeps no records.

The reverse loop carries the gradient of the carried values (loop variables, accumulators) from
call to call and sums the gradients of the captured tensors over the calls (RNN weights); a
weight's per-call gradient that is a matmul a^T g is summed after the loop instead, as one product
of a and g stacked over the calls (one large matmul is faster than many small ones and adds). The
gradients of the elements, one row per call, are records of the reverse loop itself, reordered
into element order after it. `back_prop=False` loops have no gradient (None), as TF1's.
"""
import weakref

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import subgraph
from sluice.engine import tensor_shape
from sluice.engine.node import Tensor
from sluice.engine.op_registry import register_gradient
from sluice.ops import array_ops, control_flow_ops, gradients_impl, math_ops
from sluice.ops.filling_ops import zeros_like
from sluice.ops.indexing_ops import gather, reverse

_records = weakref.WeakKeyDictionary()  # loop op -> {fn tensor: the op's output stacking it}


def _trainable(t):
    return t.dtype.base_dtype in gradients_impl._TRAINABLE


def _zeros(x):
    """The zero gradient of x (for a TensorArray's flow, an all-zeros gradient list)."""
    if x.dtype.base_dtype == dtypes.variant:
        from sluice.ops import tensor_array_ops
        return tensor_array_ops._grad_list(x)
    return zeros_like(x)


def _add(a, b):
    if a.dtype.base_dtype == dtypes.variant:
        from sluice.ops import tensor_array_ops
        return tensor_array_ops.add_lists([a, b])
    return math_ops.add(a, b)


def call_count(op):
    """The op's output counting its calls (added on first use, with the '_history' attr)."""
    records = _records.get(op)
    if records is None:
        op._attrs['_history'] = 0
        count = Tensor(op, len(op._outputs), dtypes.int32, tensor_shape.TensorShape([]))
        op._outputs.append(count)
        records = _records[op] = {None: count}
    return records[None]


def record(op, fn, tensor):
    """The output of loop op `op` stacking the value of `tensor` (of its function graph `fn`) per call."""
    call_count(op)
    records = _records[op]
    stacked = records.get(tensor)
    if stacked is None:
        fn.append_output(tensor)
        op._attrs['_history'] += 1
        shape = tensor_shape.TensorShape([None]).concatenate(tensor.shape)
        stacked = records[tensor] = Tensor(op, len(op._outputs), tensor.dtype.base_dtype, shape)
        op._outputs.append(stacked)
    return stacked


class _Loop:
    """What the reverse loop needs to know of one forward loop op.

    carry:    [(fn argument, fn result)] of the values carried from call to call.
    elems:    [(fn argument, the op's elems input)] of the per-element arguments.
    captured: [(fn argument, the op's input)] of the loop-invariant arguments.
    """

    def __init__(self, op, fn, carry, elems, captured, index_of_call):
        self.op, self.fn = op, fn
        self.carry, self.elems, self.captured = carry, elems, captured
        self.index_of_call = index_of_call  # call number (scalar tensor) -> element index

    def resolver(self, rb, t, index):
        """capture_foreign for the reverse body `rb` at call `t` (reading element `index`)."""
        fn = self.fn
        elem_args = {a: e for a, e in self.elems}
        captured_args = {a: x for a, x in self.captured}

        def resolve(tensor):
            if tensor._op._graph is not fn:
                outer = rb.outer_graph
                if not isinstance(outer, subgraph.FuncGraph):
                    raise ValueError('Tensor %s must be from the same graph as the function %s or a graph '
                                     'enclosing it.' % (tensor.name, rb.name))
                return rb.capture(outer.capture(tensor))
            if tensor in captured_args:
                return rb.capture(captured_args[tensor])
            if tensor in elem_args:
                return gather(rb.capture(elem_args[tensor]), index)
            op = tensor._op
            if op._op_def.type == 'Const':
                attrs = {k: v for k, v in op._attrs.items() if k != '_class'}
                return rb._create_op('Const', [], attrs, name=op.name)._outputs[0]
            return gather(rb.capture(record(self.op, fn, tensor)), t)
        return resolve


def _reverse_loop(loop, carry_grads, out_grads):
    """Runs fn's gradient over the calls, last to first.

    carry_grads: the gradient of each carried value after the last call (None: not trainable).
    out_grads:   None, or a function (rb, index) -> extra grad_ys added per fn result at a call.
    Returns (carry gradients before the first call, captured gradients summed, element rows
    stacked in reverse call order (None where no gradient)).
    """
    fn = loop.fn
    carry_on = [i for i, (a, _) in enumerate(loop.carry) if _trainable(a) and carry_grads[i] is not None]
    captured_on = [i for i, (a, _) in enumerate(loop.captured) if _trainable(a)]
    elems_on = [i for i, (a, _) in enumerate(loop.elems) if _trainable(a)]
    n_calls = call_count(loop.op)
    dcap0 = [_zeros(loop.captured[i][1]) for i in captured_on]
    rows = []
    batched = {}  # captured gradient k -> (a, g) of its per-call product a^T g

    def cond(t, dcarry, dcap):
        return math_ops.greater_equal(t, 0)

    def body(t, dcarry, dcap):
        rb = subgraph.current_graph()
        index = loop.index_of_call(t)
        rb.capture_foreign = loop.resolver(rb, t, index)
        ys, grad_ys = [], []
        extra = out_grads(index) if out_grads is not None else [None] * len(fn.outputs)
        for k, i in enumerate(carry_on):
            g = dcarry[k] if extra[i] is None else _add(dcarry[k], extra[i])
            ys.append(loop.carry[i][1])
            grad_ys.append(g)
        if not loop.carry:  # map_fn: the results' gradients only
            for i, g in enumerate(extra):
                if g is not None:
                    ys.append(fn.outputs[i])
                    grad_ys.append(g)
        xs = ([loop.carry[i][0] for i in carry_on] + [loop.elems[i][0] for i in elems_on]
              + [loop.captured[i][0] for i in captured_on])
        dxs = gradients_impl.gradients(ys, xs, grad_ys=grad_ys) if ys else [None] * len(xs)
        dxs = [None if d is None else rb.capture(d) if d._op._graph is not rb else d
               for d in (None if d is None else _dense(d) for d in dxs)]
        nc, ne = len(carry_on), len(elems_on)
        new_carry = [_zeros(dcarry[k]) if d is None else d for k, d in enumerate(dxs[:nc])]
        rows[:] = [_zeros(rb.capture(loop.elems[i][0])) if d is None else d
                   for i, d in zip(elems_on, dxs[nc:nc + ne])]
        new_cap = []
        for k, d in enumerate(dxs[nc + ne:]):
            factors = _outer_product_factors(d, rb)
            if factors is not None:  # summed after the loop, in one product over all the calls
                batched[k] = factors
                new_cap.append(dcap[k])
            else:
                new_cap.append(dcap[k] if d is None else _add(dcap[k], d))
        return math_ops.subtract(t, 1), new_carry, new_cap

    t0 = math_ops.subtract(n_calls, 1)
    dcarry0 = [carry_grads[i] for i in carry_on]
    t_end, dcarry, dcap = control_flow_ops.while_loop(cond, body, [t0, dcarry0, dcap0], name='loop_grad',
                                                      return_same_structure=True)
    grad_op = t_end.op
    carry_out = [None] * len(loop.carry)
    for k, i in enumerate(carry_on):
        carry_out[i] = dcarry[k]
    body_graph = grad_op.get_attr('body')
    cap_out = [None] * len(loop.captured)
    for k, i in enumerate(captured_on):
        cap_out[i] = dcap[k]
        if k in batched:
            a, g = (record(grad_op, body_graph, f) for f in batched[k])
            a = array_ops.reshape(a, [-1, a.shape[-1].value])
            g = array_ops.reshape(g, [-1, g.shape[-1].value])
            cap_out[i] = math_ops.add(dcap[k], math_ops.matmul(a, g, transpose_a=True))
    row_out = [None] * len(loop.elems)
    for k, i in enumerate(elems_on):
        row_out[i] = record(grad_op, body_graph, rows[k])
    return carry_out, cap_out, row_out


def _outer_product_factors(d, rb):
    """(a, g) when the call's gradient d is MatMul(a, g, transpose_a=True) of static 2-D shapes (a
    weight's gradient in a matmul): the sum over the calls is then one product of the stacked
    factors, [calls * m, k]^T [calls * m, n], instead of a small product and an add per call."""
    if not isinstance(d, Tensor) or d._op._graph is not rb or d._op.type != 'MatMul':
        return None
    op = d._op
    if not op.get_attr('transpose_a') or op.get_attr('transpose_b'):
        return None
    a, g = op._inputs
    if not (a.shape.is_fully_defined() and g.shape.is_fully_defined()) or a.shape.ndims != 2:
        return None
    return a, g


def _dense(d):
    """An IndexedSlices gradient as a dense tensor (the loop carries and sums dense values)."""
    return d if isinstance(d, Tensor) else _graph.convert_to_tensor(d)


def _no_back_prop(op):
    return op._attrs.get('_back_prop') is False


def _own_count(op, fn):
    return len(fn.outputs) - op._attrs.get('_history', 0)


@register_gradient('While')
def _while_grad(op, *grads):
    """The reverse loop over the body; a captured tensor's gradient adds that of its pass-through output."""
    if _no_back_prop(op):
        return [None] * len(op._inputs)
    body = op.get_attr('body')
    n = _own_count(op, body)
    inputs = op._inputs
    loop = _Loop(op, body, [(body.inputs[i], body.outputs[i]) for i in range(n)], [],
                 [(body.inputs[j], inputs[j]) for j in range(n, len(inputs))], lambda t: t)
    carry_out, cap_out, _ = _reverse_loop(loop, list(grads[:n]), None)
    passed = grads[n:len(inputs)]
    cap_out = [c if g is None or c is None else _add(c, g) for c, g in zip(cap_out, passed)]
    return carry_out + cap_out


@register_gradient('MapFn')
def _map_fn_grad(op, *grads):
    """The reverse loop over the elements; each call's results get their rows of the output gradients."""
    if _no_back_prop(op):
        return [None] * len(op._inputs)
    fn = op.get_attr('fn')
    k = len(op.get_attr('Telems'))
    p = _own_count(op, fn)
    inputs = op._inputs
    out_grads = [g if _trainable(o) else None for g, o in zip(grads[:p], op._outputs[:p])]
    loop = _Loop(op, fn, [], [(fn.inputs[j], inputs[j]) for j in range(k)],
                 [(fn.inputs[j], inputs[j]) for j in range(k, len(inputs))], lambda t: t)
    _, cap_out, rows = _reverse_loop(loop, [], lambda index: [None if g is None else gather(g, index)
                                                              for g in out_grads])
    elems = [None if r is None else reverse(r, [0]) for r in rows]
    return elems + cap_out


@register_gradient('Scan')
def _scan_grad(op, *grads):
    return _accumulate_grad(op, grads, stacked=True)


@register_gradient('Fold')
def _fold_grad(op, *grads):
    return _accumulate_grad(op, grads, stacked=False)


def _accumulate_grad(op, grads, stacked):
    """scan/foldl/foldr: the accumulator's gradient carried back; without an initializer the first
    element read was the initial accumulator (and scan's first result)."""
    if _no_back_prop(op):
        return [None] * len(op._inputs)
    fn = op.get_attr('fn')
    a, k = len(op.get_attr('Tinit')), len(op.get_attr('Telems'))
    n_acc = a or k
    rev = op.get_attr('reverse')
    inputs = op._inputs
    elems_in = inputs[a:a + k]
    size = array_ops.shape(elems_in[0])[0]
    shift = 0 if a else 1  # calls start after the first element when it is the initial accumulator

    def index_of_call(t):
        return math_ops.subtract(math_ops.subtract(size, 1 + shift), t) if rev else math_ops.add(t, shift)

    grads = [g if _trainable(o) else None for g, o in zip(grads[:n_acc], op._outputs[:n_acc])]
    if stacked:
        start = inputs[:a] if a else [gather(e, 0) for e in elems_in]
        carry_grads = [zeros_like(x) if _trainable(x) else None for x in start]
        out_grads = lambda index: [None if g is None else gather(g, index) for g in grads]  # noqa: E731
    else:
        carry_grads, out_grads = grads, None
    loop = _Loop(op, fn, [(fn.inputs[i], fn.outputs[i]) for i in range(n_acc)],
                 [(fn.inputs[n_acc + j], elems_in[j]) for j in range(k)],
                 [(fn.inputs[n_acc + k + j], inputs[a + k + j]) for j in range(len(inputs) - a - k)],
                 index_of_call)
    carry_out, cap_out, rows = _reverse_loop(loop, carry_grads, out_grads)
    # rows come last call first: element order is that reversed, unless the calls ran backwards
    rows = [None if r is None else (r if rev else reverse(r, [0])) for r in rows]
    if a:
        return carry_out + rows + cap_out
    first = math_ops.subtract(size, 1) if rev else 0
    elem_grads = []
    for i, r in enumerate(rows):
        d0 = carry_out[i]
        if stacked and grads[i] is not None:
            extra = gather(grads[i], first)
            d0 = extra if d0 is None else math_ops.add(d0, extra)
        if r is None:  # elements (and so the accumulator) of a dtype with no gradient
            elem_grads.append(None)
            continue
        if d0 is None:
            d0 = zeros_like(gather(elems_in[i], first))
        d0 = array_ops.expand_dims(d0, 0)
        elem_grads.append(array_ops.concat([r, d0] if rev else [d0, r], 0))
    return elem_grads + cap_out
