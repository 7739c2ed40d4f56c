"""Kernels of the functional control-flow ops: If, While, MapFn, Scan, Fold, their _Arg/_Retval
nodes, and Assert.

A functional op's builder plans each of its function graphs once (functions.FunctionPlan, in
sluice/engine/functions.py, which also states how calls pass values through a CallFrame). `_Arg`
kernels read the caller's argument list from the frame, `_Retval` kernels fill its result list.
If runs one branch; While alternates cond and body; MapFn/Scan/Fold call fn once per element and
stack the results.

A `_Retval` copies a value whose producer may return variable storage or a view of it (a variable
read, an Identity), so a loop variable never changes under the loop when the body writes the
variable. Other results may be inputs passed through (If, While and Fold are not fresh_output, so
the executor neither writes them in place nor hands them out on fetch without a copy).
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.engine import functions
from sluice.kernels.registry import register_kernel


@register_kernel('_Arg')
def arg(op, ctx):
    frame = functions.call_frame(ctx.resources, op._graph)
    index = op.get_attr('index')
    return lambda: frame.args[index]


@register_kernel('_Retval')
def retval(op, ctx):
    frame = functions.call_frame(ctx.resources, op._graph)
    index = op.get_attr('index')
    producer = op._inputs[0]._op
    host_object = op._inputs[0].dtype.base_dtype in (dtypes.variant, dtypes.resource)  # a TensorList, a handle
    if producer._op_def.type == '_Arg' or ctx.producer_is_fresh(0) or host_object:
        def put(x):
            frame.results[index] = x
    else:  # may be variable storage or a view of it
        xp = ctx.xp

        def put(x):
            frame.results[index] = xp.array(x, copy=True)
    return put


def _scalar_bool(op, value, what):
    if type(value) is np.bool_:
        return bool(value)
    value = np.asarray(value)
    if value.ndim != 0:
        raise errors.error_for_op(errors.InvalidArgumentError, op, '%s must be a scalar, but it has shape [%s]'
                                  % (what, ','.join(str(d) for d in value.shape)))
    return bool(value)


@register_kernel('If', multi_output=True, host_inputs=(0,))
def if_kernel(op, ctx):
    then_fn = functions.FunctionPlan(ctx, op.get_attr('then_branch'))
    else_fn = functions.FunctionPlan(ctx, op.get_attr('else_branch'))

    def run(pred, *inputs):
        taken = then_fn if _scalar_bool(op, pred, 'The predicate of cond') else else_fn
        return taken(inputs)
    return run


def _numpy_dtype(dtype):
    return None if dtype.base_dtype == dtypes.variant else dtype.as_numpy_dtype


class _History:
    """A loop op's per-call records for its gradient (ops/loop_grad.py): when the op has the
    '_history' attr (k), its function graph has k results after its own, and the op k+1 outputs
    after its own: the number of calls, then each record stacked over the calls in call order."""

    def __init__(self, op, ctx, func_graph):
        self.k = op._attrs.get('_history')
        self.n_own = len(func_graph.outputs) - (self.k or 0)
        if self.k is not None:
            self.xp = ctx.xp
            self.count_dtype = op._outputs[-self.k - 1].dtype.as_numpy_dtype
            self.empty = [(_numpy_dtype(t.dtype), t.shape._dims) for t in func_graph.outputs[self.n_own:]]

    def outputs(self, calls, rows):
        xp = self.xp
        result = [xp.asarray(calls, dtype=self.count_dtype)]
        for j, (dtype, dims) in enumerate(self.empty):
            if dtype is None:  # a TensorArray's value (a Python object) on the host
                stacked = np.empty(len(rows), dtype=object)
                for i, r in enumerate(rows):
                    stacked[i] = r[j]
                result.append(stacked)
            elif not rows:
                shape = (0,) + tuple(d or 0 for d in dims) if dims is not None else (0,)
                result.append(xp.zeros(shape, dtype=dtype))
            else:
                result.append(xp.stack([r[j] for r in rows]))
        return tuple(result)


@register_kernel('While', multi_output=True)
def while_kernel(op, ctx):
    cond_fn = functions.FunctionPlan(ctx, op.get_attr('cond'))
    body_graph = op.get_attr('body')
    body_fn = functions.FunctionPlan(ctx, body_graph)
    history = _History(op, ctx, body_graph)
    n = history.n_own

    def run(*inputs):
        values = list(inputs)
        while _scalar_bool(op, cond_fn(values)[0], 'The result of the loop condition'):
            values[:n] = body_fn(values)[:n]
        return values

    def run_recording(*inputs):
        values = list(inputs)
        rows = []
        while _scalar_bool(op, cond_fn(values)[0], 'The result of the loop condition'):
            out = body_fn(values)
            values[:n] = out[:n]
            rows.append(out[n:])
        return tuple(values) + history.outputs(len(rows), rows)
    return run if history.k is None else run_recording


@register_kernel(('MapFn', 'Scan'), multi_output=True, fresh_output=True)  # results are new stacked arrays
@register_kernel('Fold', multi_output=True)
def scan_kernel(op, ctx):
    kind = op.type
    fn_graph = op.get_attr('fn')
    fn = functions.FunctionPlan(ctx, fn_graph)
    history = _History(op, ctx, fn_graph)
    n_own = history.n_own
    xp = ctx.xp
    n_init = 0 if kind == 'MapFn' else len(op.get_attr('Tinit'))
    n_elems = len(op.get_attr('Telems'))
    reverse = kind != 'MapFn' and op.get_attr('reverse')
    shapes = op.get_attr('output_shapes')
    out_dtypes = [d.as_numpy_dtype for d in op.get_attr('Tout')]

    def fail(message):
        return errors.error_for_op(errors.InvalidArgumentError, op, message)

    def stack(rows, i, n):
        if not rows:
            dims = shapes[i]._dims
            if dims is None or None in dims[1:]:
                raise fail('Tried to stack elements of an empty list with non-fully-defined element_shape: %s'
                           % shapes[i])
            return xp.zeros((0,) + tuple(dims[1:]), dtype=out_dtypes[i])
        first = rows[0].shape
        for r in rows:
            if r.shape != first:
                raise fail('%s: fn returned shapes %s and %s for different elements; results must have the same '
                           'shape to be stacked.' % (op.name, list(first), list(r.shape)))
        return xp.stack(rows).astype(out_dtypes[i], copy=False)

    def run(*inputs):
        init = list(inputs[:n_init])
        elems = inputs[n_init:n_init + n_elems]
        captured = list(inputs[n_init + n_elems:])
        sizes = {e.shape[0] for e in elems}
        if len(sizes) != 1:
            raise fail('All elements of elems must have the same first dimension, got %s' % sorted(sizes))
        n = sizes.pop()
        order = range(n - 1, -1, -1) if reverse else range(n)
        records = []
        if kind == 'MapFn':
            rows = [fn([e[i] for e in elems] + captured) for i in order]
            result = tuple(stack([r[k] for r in rows], k, n) for k in range(len(out_dtypes)))
            records = [r[n_own:] for r in rows]
        else:
            if not init:  # the first element is the initial accumulator (and the first scan result)
                if n == 0:
                    raise fail('Tried to read from index 0 but array size is: 0')
                first = order[0]
                acc = [e[first] for e in elems]
                order = order[1:]
                history_ = [(first, acc)]
            else:
                acc = init
                history_ = []
            for i in order:
                out = fn(acc + [e[i] for e in elems] + captured)
                acc = out[:n_own]
                records.append(out[n_own:])
                history_.append((i, acc))
            if kind == 'Fold':
                result = tuple(acc)
            else:
                history_.sort(key=lambda item: item[0])
                result = tuple(stack([h[1][k] for h in history_], k, n) for k in range(len(out_dtypes)))
        if history.k is None:
            return result
        return result + history.outputs(len(records), records)
    return run


def _element_text(v, dtype):
    """One element as TF prints it: shortest %g that round-trips, bools as 1/0, strings as is."""
    if isinstance(v, bytes):
        return v.decode('utf-8', 'replace')
    if dtype == np.bool_:
        return '1' if v else '0'
    if dtype.kind == 'f':
        short, full = ('%.6g', '%.9g') if dtype.itemsize <= 4 else ('%.15g', '%.17g')
        text = short % v
        return text if dtype.type(text) == v else full % v
    return str(v)


def _summarize(value, summarize):
    """A value as TF's Assert prints it (TF's SummarizeArray): at most `summarize` elements,
    space-separated, inner dimensions bracketed, '...' where elements were left out."""
    value = np.asarray(value)
    flat = value.reshape(-1)
    limit = min(summarize, flat.size)
    if value.ndim == 0:
        return _element_text(flat[0], value.dtype)
    out = []
    index = [0]

    def one_dim(d):
        if index[0] >= limit:
            return
        if d == value.ndim - 1:
            for i in range(value.shape[d]):
                if index[0] >= limit:
                    if d != 0:
                        out.append('...')
                    return
                if i > 0:
                    out.append(' ')
                out.append(_element_text(flat[index[0]], value.dtype))
                index[0] += 1
            return
        for _ in range(value.shape[d]):
            opened = index[0] < limit
            if opened:
                out.append('[')
            one_dim(d + 1)
            if index[0] < limit or opened:
                out.append(']')
    one_dim(0)
    if flat.size > limit:
        out.append('...')
    return ''.join(out)


@register_kernel('Assert', host_inputs=(0,))
def assert_kernel(op, ctx):
    summarize = op.get_attr('summarize')
    to_host = ctx.device.to_host

    def run(condition, *data):
        condition = np.asarray(condition)
        if condition.ndim != 0:
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'In[0] should be a scalar: [%s]'
                                      % ','.join(str(d) for d in condition.shape))
        if not condition:
            parts = ['[%s]' % _summarize(to_host(d), summarize) for d in data]
            raise errors.error_for_op(errors.InvalidArgumentError, op, 'assertion failed: ' + ' '.join(parts))
    return run
