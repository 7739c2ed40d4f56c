"""Loops that recorded their iterations for a gradient, written in TF's form (a GraphDef pass at export).

sluice's loop gradient (ops/loop_grad.py) gives a While k extra function results, the values its
gradient reads, and the op k+1 extra outputs: the number of calls, then each value stacked over the
calls (attr '_history' k). TF's While has no such outputs; TF's own loop gradients keep those values
in TensorList accumulators carried as loop variables. This pass rewrites each such While of a
GraphDef (top level and inside functions) into that form, so TF imports and runs the graph:
- the body's k record results become TensorListPushBack(acc_j, value) into k new loop variables
  (EmptyTensorList before the loop), and one more loop variable counts the calls; the body also
  returns its captured inputs unchanged, as TF's While wants one result per loop variable;
- the cond takes the k + 1 new loop variables and ignores them;
- readers of the count read `<while>_records/count` (an Identity of the counter) and readers of
  record j read `<while>_records/stack_j` (TensorListStack of accumulator j).
The rewritten graph is an ordinary functional graph: sluice imports and runs it as it runs TF's.
"""
import re

__all__ = ['has_records', 'to_accumulators']

_DT_INT32, _DT_VARIANT = 3, 21
_REF = re.compile(r'^(?P<name>[^:^]+):(?:(?P<arg>[A-Za-z0-9_]+):)?(?P<index>\d+)$')


def has_records(graph_def):
    """True when a While of the GraphDef (or of its functions) recorded its iterations."""
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    return any(n.op == 'While' and '_history' in n.attr for n in nodes)


def to_accumulators(graph_def):
    """Rewrites, in place, every While with '_history' into TF's accumulator form."""
    functions = {f.signature.name: f for f in graph_def.library.function}
    _rewrite_scope(graph_def.node, functions, in_function=False)
    for f in list(graph_def.library.function):
        _rewrite_scope(f.node_def, functions, in_function=True)


def _rewrite_scope(nodes, functions, in_function):
    loops = [n for n in nodes if n.op == 'While' and '_history' in n.attr]
    renames = {}  # (while name, sluice output index) -> the new reference
    existing = len(nodes)  # the nodes this pass adds come after: they read the rewritten outputs already
    for node in loops:
        renames.update(_rewrite_loop(nodes, node, functions, in_function))
    if not renames:
        return
    for node in nodes[:existing]:
        for i, ref in enumerate(node.input):
            m = _REF.match(ref)
            if m is not None:
                new = renames.get((m.group('name'), int(m.group('index')) if m.group('arg') is None
                                   else _flat_index(m)))
                if new is not None:
                    node.input[i] = new


def _flat_index(m):
    # inside a function, a While's outputs are 'name:output:i' (one list argument)
    return int(m.group('index')) if m.group('arg') == 'output' else -1


def _rewrite_loop(nodes, node, functions, in_function):
    k = node.attr['_history'].i
    n_total = len(node.attr['T'].list.type)
    body = functions[node.attr['body'].func.name]
    cond = functions[node.attr['cond'].func.name]
    n_own = len(body.signature.output_arg) - k
    record_args = list(body.signature.output_arg[n_own:])
    record_types = [a.type for a in record_args]
    record_refs = [body.ret[a.name] for a in record_args]

    # the body: passthrough results, then a push per record, then the counter
    args = [a.name for a in body.signature.input_arg]
    for a in record_args:
        del body.ret[a.name]
    del body.signature.output_arg[n_own:]
    taken = set(args) | {n.name for n in body.node_def} | {a.name for a in body.signature.output_arg}

    def fresh(base):
        name, i = base, 1
        while name in taken:
            name, i = '%s_%d' % (base, i), i + 1
        taken.add(name)
        return name

    for i in range(n_own, n_total):
        out = fresh('passthrough_%d' % i)
        body.signature.output_arg.add(name=out, type=body.signature.input_arg[i].type)
        body.ret[out] = args[i]
    for j, (dtype, ref) in enumerate(zip(record_types, record_refs)):
        acc = fresh('accumulator_%d' % j)
        body.signature.input_arg.add(name=acc, type=_DT_VARIANT)
        push = body.node_def.add(name=fresh('record_%d_push' % j), op='TensorListPushBack', input=[acc, ref])
        push.attr['element_dtype'].type = dtype
        out = fresh('accumulator_%d_out' % j)
        body.signature.output_arg.add(name=out, type=_DT_VARIANT)
        body.ret[out] = '%s:output_handle:0' % push.name
    calls = fresh('calls')
    body.signature.input_arg.add(name=calls, type=_DT_INT32)
    one = body.node_def.add(name=fresh('calls_one'), op='Const')
    one.attr['dtype'].type = _DT_INT32
    one.attr['value'].tensor.dtype = _DT_INT32
    one.attr['value'].tensor.int_val.append(1)
    add = body.node_def.add(name=fresh('calls_next'), op='AddV2', input=[calls, '%s:output:0' % one.name])
    add.attr['T'].type = _DT_INT32
    out = fresh('calls_out')
    body.signature.output_arg.add(name=out, type=_DT_INT32)
    body.ret[out] = '%s:z:0' % add.name

    # the cond takes the new loop variables
    cond_taken = {a.name for a in cond.signature.input_arg} | {n.name for n in cond.node_def}
    for j, dtype in enumerate([_DT_VARIANT] * k + [_DT_INT32]):
        name, i = 'unused_%d' % j, 1
        while name in cond_taken:
            name, i = 'unused_%d_%d' % (j, i), i + 1
        cond_taken.add(name)
        cond.signature.input_arg.add(name=name, type=dtype)

    # the While node: initial accumulators and counter, types, shapes
    prefix = node.name + '_records'
    ref = (lambda name, arg: '%s:%s:0' % (name, arg)) if in_function else (lambda name, arg: name)
    minus_one = _const(nodes, prefix + '/minus_one', -1, node.device)
    for j, dtype in enumerate(record_types):
        empty = nodes.add(name='%s/empty_%d' % (prefix, j), op='EmptyTensorList', device=node.device,
                          input=[ref(minus_one.name, 'output'), ref(minus_one.name, 'output')])
        empty.attr['element_dtype'].type = dtype
        empty.attr['shape_type'].type = _DT_INT32
        node.input.insert(n_total + j, ref(empty.name, 'handle'))
    zero = _const(nodes, prefix + '/zero', 0, node.device)
    node.input.insert(n_total + k, ref(zero.name, 'output'))
    node.attr['T'].list.type.extend([_DT_VARIANT] * k + [_DT_INT32])
    if 'output_shapes' in node.attr:
        for _ in range(k + 1):
            node.attr['output_shapes'].list.shape.add()
    for key in ('_history', '_output_shapes'):
        if key in node.attr:
            del node.attr[key]

    # readers of the count and of the records
    out = (lambda i: '%s:output:%d' % (node.name, i)) if in_function else (lambda i: '%s:%d' % (node.name, i))
    count = nodes.add(name=prefix + '/count', op='Identity', device=node.device, input=[out(n_total + k)])
    count.attr['T'].type = _DT_INT32
    renames = {(node.name, n_total): ref(count.name, 'output')}
    for j, dtype in enumerate(record_types):
        stack = nodes.add(name='%s/stack_%d' % (prefix, j), op='TensorListStack', device=node.device,
                          input=[out(n_total + j), ref(minus_one.name, 'output')])
        stack.attr['element_dtype'].type = dtype
        stack.attr['num_elements'].i = -1
        renames[(node.name, n_total + 1 + j)] = ref(stack.name, 'tensor')
    return renames


def _const(nodes, name, value, device):
    node = nodes.add(name=name, op='Const', device=device)
    node.attr['dtype'].type = _DT_INT32
    node.attr['value'].tensor.dtype = _DT_INT32
    node.attr['value'].tensor.int_val.append(value)
    node.attr['value'].tensor.tensor_shape.SetInParent()
    return node
