"""Control flow: tf.cond, tf.case, tf.while_loop, tf.map_fn, tf.scan, tf.foldl/foldr, tf.Assert.

Control flow is functional, as TF2's If and While ops: a branch, a loop condition or body, or the
fn of map_fn is a FuncGraph (sluice/engine/subgraph.py) built by calling the user's function; the
functional node holds it in a 'func' attr and takes as inputs its operands plus the outer tensors
the function captured. Its kernel (sluice/kernels/control_flow_kernels.py) plans each function
graph once and runs only what is needed: If runs the taken branch, While alternates the cond and
body plans until cond is false.

map_fn, scan and foldl/foldr are not While loops over TensorArrays here but their own functional
ops ('MapFn', 'Scan', 'Fold') over the fn graph: the kernel calls fn's plan once per element
(in reverse for `reverse`/foldr) and stacks the results, with the same values, shapes and
structures as TF1.

Results follow TF1's Python API: nested structures (lists, tuples, dicts, namedtuples), singleton
unpacking in cond/case unless `strict`, a single-tensor loop_vars giving a tensor, and TF1's error
classes and messages.
"""
import contextlib

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import subgraph
from sluice.engine import tensor_shape
from sluice.engine.graph import Operation
from sluice.engine.op_registry import register_op
from sluice.engine.subgraph import FuncGraph, building, unique_fn_name
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import constant_op, graph_ops

__all__ = ['cond', 'case', 'while_loop', 'map_fn', 'scan', 'foldl', 'foldr', 'Assert']


# -- nested structures (TF's nest rules: dicts flatten in sorted key order) --
def _is_nested(x):
    return isinstance(x, (list, tuple, dict))


def _flatten(x):
    if hasattr(x, '_with_flow'):  # a TensorArray travels as its flow
        return [x.flow]
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in _flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _flatten(v)]
    return [x]


def _pack(structure, flat):
    """`flat` (a list) in the nested shape of `structure`."""
    it = iter(flat)

    def build(s):
        if hasattr(s, '_with_flow'):
            return s._with_flow(next(it))
        if isinstance(s, dict):
            values = {k: build(s[k]) for k in sorted(s)}
            return type(s)((k, values[k]) for k in s)
        if isinstance(s, tuple) and hasattr(s, '_fields'):
            return type(s)(*[build(v) for v in s])
        if isinstance(s, (list, tuple)):
            return type(s)([build(v) for v in s])
        return next(it)
    return build(structure)


def _assert_same_structure(a, b, check_types=True):
    """ValueError when the nesting or lengths differ, TypeError when sequence types differ (as tf.nest)."""
    def fail(cls, detail):
        raise cls("The two structures don't have the same nested structure.\n\nFirst structure: %s\n\n"
                  "Second structure: %s\n\nMore specifically: %s" % (a, b, detail))

    def walk(x, y):
        if _is_nested(x) != _is_nested(y):
            seq, other = (x, y) if _is_nested(x) else (y, x)
            fail(ValueError, 'Substructure "%s" is a sequence, while substructure "%s" is not' % (seq, other))
        if not _is_nested(x):
            return
        if check_types and type(x) is not type(y) and not (isinstance(x, dict) and isinstance(y, dict)):
            fail(TypeError, "The two namedtuples don't have the same sequence type. First structure %s has type "
                            "%s, while second structure %s has type %s" % (x, type(x).__name__, y, type(y).__name__))
        if len(x) != len(y):
            fail(ValueError, "The two structures don't have the same number of elements. First structure: %s. "
                             "Second structure: %s." % (x, y))
        if isinstance(x, dict):
            if sorted(x) != sorted(y):
                fail(ValueError, "The two dictionaries don't have the same set of keys: %s and %s"
                     % (sorted(x), sorted(y)))
            for k in sorted(x):
                walk(x[k], y[k])
        else:
            for u, v in zip(x, y):
                walk(u, v)
    walk(a, b)


def _unpack_if_singleton(res):
    return res[0] if isinstance(res, (list, tuple)) and len(res) == 1 else res


# -- op declarations --
def _func_output_shapes(op):
    return list(op._attrs['output_shapes'])


def _arg_shape(op):
    shape = op._attrs['shape']
    return [tensor_shape.unknown_shape() if shape is None else shape]


register_op('_Arg', outputs=['output: T'], attrs={'T': 'type', 'index': 'int',
                                                  'shape': ('shape', tensor_shape.unknown_shape())},
            shape_fn=_arg_shape)
register_op('_Retval', inputs=['input: T'], attrs={'T': 'type', 'index': 'int'}, is_stateful=True)
register_op('If', inputs=['cond: Tcond', 'input: Tin'], outputs=['output: Tout'],
            attrs={'Tcond': 'type', 'Tin': 'list(type)', 'Tout': 'list(type)', 'then_branch': 'func',
                   'else_branch': 'func', 'output_shapes': ('list(shape)', [])},
            shape_fn=_func_output_shapes, is_stateful=True)
register_op('While', inputs=['input: T'], outputs=['output: T'],
            attrs={'T': 'list(type)', 'cond': 'func', 'body': 'func', 'output_shapes': ('list(shape)', []),
                   'parallel_iterations': ('int', 10)},
            shape_fn=_func_output_shapes, is_stateful=True)
register_op('MapFn', inputs=['elems: Telems', 'captured: Tcaptured'], outputs=['output: Tout'],
            attrs={'Telems': 'list(type)', 'Tcaptured': 'list(type)', 'Tout': 'list(type)', 'fn': 'func',
                   'output_shapes': ('list(shape)', []), 'parallel_iterations': ('int', 10)},
            shape_fn=_func_output_shapes, is_stateful=True)
for _type in ('Scan', 'Fold'):
    register_op(_type, inputs=['initializer: Tinit', 'elems: Telems', 'captured: Tcaptured'],
                outputs=['output: Tout'],
                attrs={'Tinit': 'list(type)', 'Telems': 'list(type)', 'Tcaptured': 'list(type)',
                       'Tout': 'list(type)', 'fn': 'func', 'reverse': ('bool', False),
                       'output_shapes': ('list(shape)', []), 'parallel_iterations': ('int', 10)},
                shape_fn=_func_output_shapes, is_stateful=True)
register_op('Assert', inputs=['condition: bool', 'data: T'], attrs={'T': 'list(type)', 'summarize': ('int', 3)},
            is_stateful=True)


# -- helpers --
def _shape_le(shape1, shape2):
    """True when shape1 is at least as specific as shape2 (TF's _ShapeLessThanOrEqual)."""
    if shape2._dims is None:
        return True
    if shape1._dims is None or len(shape1._dims) != len(shape2._dims):
        return False
    return all(d2 is None or d1 == d2 for d1, d2 in zip(shape1._dims, shape2._dims))


def _shape_str(shape):
    dims = shape._dims
    return '<unknown>' if dims is None else '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def _check_scalar_bool(t, what, node):
    if t.dtype.base_dtype != dtypes.bool:
        raise TypeError("Input '%s' of '%s' Op has type %s that does not match expected type of bool."
                        % (what, node, t.dtype.base_dtype.name))
    dims = t.shape._dims
    if dims is not None and len(dims) != 0:
        raise ValueError("Shape must be rank 0 but is rank %d for '%s' (op: '%s') with input shapes: %s."
                         % (len(dims), what, node, _shape_str(t.shape)))


def _results_as_tensors(flat, op_value):
    """Branch results as tensors of the graph being built (an Operation becomes a bool run after it)."""
    g = subgraph.current_graph()
    result = []
    for v in flat:
        if isinstance(v, Operation):
            with g.control_dependencies([v]):
                result.append(constant_op.constant(op_value))
        else:
            result.append(_graph.convert_to_tensor(v))
    return result


def _control_scope(g, ops):
    return g.control_dependencies(ops) if ops else contextlib.nullcontext()


# -- cond and case --
def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """`true_fn()` if `pred` is true else `false_fn()`; only the taken branch runs (an 'If' node)."""
    if fn1 is not None:
        if true_fn is not None:
            raise TypeError("cond(): 'true_fn' and 'fn1' may not be set simultaneously.")
        true_fn = fn1
    elif true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required")
    if fn2 is not None:
        if false_fn is not None:
            raise TypeError("cond(): 'false_fn' and 'fn2' may not be set simultaneously.")
        false_fn = fn2
    elif false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required")
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    if isinstance(pred, bool):
        raise TypeError("'pred' must not be a Python bool.")
    with _graph.name_scope(name, 'cond', [pred]) as scope:
        g = subgraph.current_graph()
        pred = _graph.convert_to_tensor(pred)
        _check_scalar_bool(pred, 'pred', 'If')
        branches = []
        for fn, label, value in ((true_fn, 'true', True), (false_fn, 'false', False)):
            fg = FuncGraph(unique_fn_name(scope, label), g)
            with building(fg):
                res = fn()
                if res is None:
                    raise ValueError("'%s_fn' must have a return value." % label)
                if not strict:
                    res = _unpack_if_singleton(res)
                flat = _results_as_tensors(_flatten(res), value)
            branches.append((fg, res, flat))
        (tg, res_t, flat_t), (fg, res_f, flat_f) = branches
        _assert_same_structure(res_t, res_f)
        if not flat_t:
            raise ValueError("'true_fn' and 'false_fn' must return at least one result.")
        for x, y in zip(flat_t, flat_f):
            if x.dtype.base_dtype != y.dtype.base_dtype:
                raise ValueError("Outputs of 'true_fn' and 'false_fn' must have the same type(s). Received %s "
                                 "from 'true_fn' and %s from 'false_fn'."
                                 % (x.dtype.base_dtype.name, y.dtype.base_dtype.name))
        tg.set_outputs(flat_t)
        fg.set_outputs(flat_f)
        external = subgraph.external_inputs(tg, fg)
        tg.arrange_inputs([], external)
        fg.arrange_inputs([], external)
        shapes = [x.shape.most_specific_compatible_shape(y.shape) for x, y in zip(flat_t, flat_f)]
        with _control_scope(g, subgraph.control_captures(tg, fg)):
            op = g._create_op('If', [pred, external],
                              {'Tout': [t.dtype.base_dtype for t in flat_t], 'then_branch': tg,
                               'else_branch': fg, 'output_shapes': shapes}, name=scope)
        result = _pack(res_t, op._outputs)
        return result if strict else _unpack_if_singleton(result)


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name='case'):
    """The result of the first fn whose predicate is true (nested conds), else of `default`."""
    if not isinstance(pred_fn_pairs, (list, tuple, dict)):
        raise TypeError("'pred_fn_pairs' must be a list, tuple, or dict. Received: %s" % type(pred_fn_pairs))
    if isinstance(pred_fn_pairs, dict):
        pred_fn_pairs = sorted(pred_fn_pairs.items(), key=lambda item: item[0].name)
    for pair in pred_fn_pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError("Each entry in 'pred_fn_pairs' must be a 2-tuple. Received %s." % (pair,))
        pred, fn = pair
        if isinstance(pred, _graph.Tensor):
            if pred.dtype.base_dtype != dtypes.bool:
                raise TypeError('pred must be Tensor of type bool: %s' % pred.name)
        else:
            raise TypeError('pred must be a Tensor, got: %s' % (pred,))
        if not callable(fn):
            raise TypeError('fn for pred %s must be callable.' % pred.name)
    predicates = [p for p, _ in pred_fn_pairs]
    actions = [f for _, f in pred_fn_pairs]
    with _graph.name_scope(name, 'case', predicates):
        if default is None:
            default, predicates, actions = _case_default_action(predicates, actions)
        fn = default
        # Nested conds built inside out, so that the predicates are tested in order.
        for predicate, action in reversed(list(zip(predicates, actions))):
            fn = _bind_cond(predicate, action, fn, strict)
        if exclusive:
            with subgraph.current_graph().control_dependencies(
                    [_assert_at_most_n_true(predicates, 1, 'Input error: exclusive=True')]):
                return fn()
        return fn()


def _bind_cond(predicate, true_fn, false_fn, strict):
    return lambda: cond(predicate, true_fn=true_fn, false_fn=false_fn, strict=strict)


def _assert_at_most_n_true(predicates, n, msg):
    from sluice.ops import array_ops, math_ops
    preds_c = array_ops.stack(predicates, name='preds_c')
    num_true = math_ops.reduce_sum(math_ops.cast(preds_c, dtypes.int32), name='num_true_conds')
    condition = math_ops.less_equal(num_true, constant_op.constant(n, name='n_true_conds'))
    names = ', '.join(getattr(p, 'name', '?') for p in predicates)
    data = ['%s: more than %d conditions (%s) evaluated as True:' % (msg, n, names), preds_c]
    return Assert(condition, data=data, summarize=len(predicates))


def _case_default_action(predicates, actions):
    """Without a default, the last pair is the default, guarded by asserts that it is the one true."""
    from sluice.ops import array_ops
    k = len(predicates) - 1
    predicate, action = predicates[k], actions[k]
    others, other_actions = predicates[:k], actions[:k]

    def default_action():
        others_msg = ('Implementation error: selected default action #%d was called, but some of other '
                      'predicates are True: ' % k)
        default_msg = ('Input error: None of conditions evaluated as True:',
                       array_ops.stack(predicates, name='preds_c'))
        checks = [Assert(predicate, data=default_msg)]
        if others:
            checks.insert(0, _assert_at_most_n_true(others, 0, others_msg))
        with subgraph.current_graph().control_dependencies(checks):
            return action()
    return default_action, others, other_actions


def Assert(condition, data, summarize=None, name=None):
    """An op raising InvalidArgumentError listing `data` when `condition` is false at run time."""
    data = list(data)
    with _graph.name_scope(name, 'Assert', [condition] + data):
        condition = _graph.convert_to_tensor(condition)
        _check_scalar_bool(condition, 'condition', 'Assert')
        g = subgraph.current_graph()
        with g.device(None):  # Python values (messages) are host constants
            data = [d if isinstance(d, _graph.Tensor) else _graph.convert_to_tensor(d) for d in data]
        # TF keeps Assert's data in host memory; here an Assert reading strings runs on the host.
        on_host = any(d.dtype.base_dtype == dtypes.string for d in data)
        with g.device(None) if on_host else contextlib.nullcontext():
            return g._create_op('Assert', [condition, data],
                                {'summarize': 3 if summarize is None else int(summarize)}, name='Assert')


# -- while_loop --
def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10, back_prop=True,
               swap_memory=False, name=None, maximum_iterations=None, return_same_structure=False):
    """Repeats `body` while `cond` is true (a 'While' node); returns the final loop variables."""
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if not isinstance(parallel_iterations, int) or parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    with _graph.name_scope(name, 'while', _flatten(loop_vars) if loop_vars else []) as scope:
        if not loop_vars:
            raise ValueError("'loop_vars' must be provided.")
        try_to_pack = len(loop_vars) == 1 and not return_same_structure
        if maximum_iterations is not None:
            cond, body, loop_vars, shape_invariants = _bounded(
                cond, body, loop_vars, shape_invariants, maximum_iterations, try_to_pack)
        g = subgraph.current_graph()
        flat = [_graph.convert_to_tensor(v) for v in _flatten(loop_vars)]
        loop_vars = _pack(loop_vars, flat)
        if shape_invariants is None:
            invariants = [t.shape for t in flat]
        else:
            _assert_same_structure(loop_vars, shape_invariants)
            invariants = [tensor_shape.as_shape(s) for s in _flatten(shape_invariants)]
            for t, s in zip(flat, invariants):
                if not _shape_le(t.shape, s):
                    raise ValueError('The shape invariant specified for %s is not compatible with the initial shape '
                                     'of the loop variable. It enters the loop with shape %s, but the specified '
                                     'shape invariant is %s.' % (t.name, t.shape, s))

        cond_graph = FuncGraph(unique_fn_name(scope, 'cond'), g)
        with building(cond_graph):
            cond_args = [cond_graph.add_arg(t.dtype, s, name=t.op.name.replace('/', '_'))
                         for t, s in zip(flat, invariants)]
            c = _graph.convert_to_tensor(cond(*_pack(loop_vars, cond_args)))
        _check_scalar_bool(c, 'cond', 'While')
        cond_graph.set_outputs([c], host=True)

        body_graph = FuncGraph(unique_fn_name(scope, 'body'), g)
        with building(body_graph):
            body_args = [body_graph.add_arg(t.dtype, s, name=t.op.name.replace('/', '_'))
                         for t, s in zip(flat, invariants)]
            packed = _pack(loop_vars, body_args)
            result = body(*packed)
            if not _is_nested(result):
                result = [result]
            _assert_same_structure(list(packed), list(result))
            out = [_graph.convert_to_tensor(v) for v in _flatten(result)]
        for t, o, s in zip(flat, out, invariants):
            if t.dtype.base_dtype != o.dtype.base_dtype:
                raise TypeError('Loop var %s enters the loop with type %s but has type %s after 1 iteration. %s '
                                'type should remain constant.' % (t.name, t.dtype.base_dtype.name,
                                                                  o.dtype.base_dtype.name, t.name))
            if not _shape_le(o.shape, s):
                raise ValueError("Input tensor '%s' enters the loop with shape %s, but has shape %s after one "
                                 "iteration. To allow the shape to vary across iterations, use the "
                                 "`shape_invariants` argument of tf.while_loop to specify a less-specific shape."
                                 % (t.name, t.shape, o.shape))
        body_graph.set_outputs(out)

        external = subgraph.external_inputs(cond_graph, body_graph)
        cond_graph.arrange_inputs(cond_args, external)
        body_graph.arrange_inputs(body_args, external)
        with _control_scope(g, subgraph.control_captures(cond_graph, body_graph)):
            attrs = {'cond': cond_graph, 'body': body_graph, 'parallel_iterations': parallel_iterations,
                     'output_shapes': invariants + [t.shape for t in external]}
            op = g._create_op('While', [flat + external], _back_prop_attr(attrs, back_prop), name=scope)
        packed = _pack(result, op._outputs[:len(flat)])
        if maximum_iterations is not None:
            return packed[1]
        if return_same_structure:
            return packed
        return packed[0] if len(flat) == 1 else packed


def _back_prop_attr(attrs, back_prop):
    """back_prop=False marks the loop op: its gradient is None (ops/loop_grad.py), as TF1's."""
    if not back_prop:
        attrs['_back_prop'] = False
    return attrs


def _bounded(cond, body, loop_vars, shape_invariants, maximum_iterations, try_to_pack):
    """TF1's maximum_iterations: an iteration counter as a first loop variable, tested in cond."""
    from sluice.ops import math_ops
    limit = _graph.convert_to_tensor(maximum_iterations, name='maximum_iterations')
    if limit.shape._dims is None or len(limit.shape._dims) != 0:
        raise ValueError("'maximum_iterations' must be a scalar. Received shape: %s" % limit.shape)
    counter = constant_op.constant(0, dtype=limit.dtype, name='iteration_counter')
    orig_cond, orig_body = cond, body
    if try_to_pack:
        loop_vars = (counter, loop_vars[0])
        cond = lambda i, lv: math_ops.logical_and(math_ops.less(i, limit), orig_cond(lv))  # noqa: E731
        body = lambda i, lv: (math_ops.add(i, 1), orig_body(lv))  # noqa: E731
    else:
        loop_vars = (counter, loop_vars)
        cond = lambda i, lv: math_ops.logical_and(math_ops.less(i, limit), orig_cond(*lv))  # noqa: E731
        body = lambda i, lv: (math_ops.add(i, 1), orig_body(*lv))  # noqa: E731
    if shape_invariants is not None:
        shape_invariants = (TensorShape([]), shape_invariants)
    return cond, body, loop_vars, shape_invariants


# -- map_fn, scan, foldl, foldr --
def _elements(elems):
    flat = [_graph.convert_to_tensor(e) for e in _flatten(elems)]
    for e in flat:
        dims = e.shape._dims
        if dims is not None and len(dims) == 0:
            raise ValueError('Elements in elems must be 1+ dimensional Tensors, not scalars')
    n = None
    for e in flat:
        dims = e.shape._dims
        if dims is not None and dims[0] is not None:
            if n is not None and n != dims[0]:
                raise ValueError('Elements in elems must have the same first dimension, got %d and %d'
                                 % (n, dims[0]))
            n = dims[0]
    return flat, n


def _element_shape(t):
    dims = t.shape._dims
    return tensor_shape.unknown_shape() if dims is None else TensorShape(dims[1:])


def _functional(kind, fn, scope, g, leading, elems, elems_flat, call, out_structure, out_dtypes, attrs, check):
    """Builds fn's graph with args for `leading` (acc) values and elements, then the functional node."""
    fg = FuncGraph(unique_fn_name(scope, 'fn'), g)
    with building(fg):
        acc_args = [fg.add_arg(d, s, name='acc') for d, s in leading]
        elem_args = [fg.add_arg(e.dtype, _element_shape(e), name='elem') for e in elems_flat]
        result = call(acc_args, _pack(elems, elem_args))
        _assert_same_structure(out_structure, result)
        out = [_graph.convert_to_tensor(v) for v in _flatten(result)]
    for i, (o, want) in enumerate(zip(out, out_dtypes)):
        if o.dtype.base_dtype != dtypes.as_dtype(want).base_dtype:
            raise TypeError('%s: fn returned a value of type %s where %s was expected (output %d).'
                            % (kind, o.dtype.base_dtype.name, dtypes.as_dtype(want).base_dtype.name, i))
        check(i, o)
    fg.set_outputs(out)
    external = subgraph.external_inputs(fg)
    fg.arrange_inputs(acc_args + elem_args, external)
    attrs = dict(attrs, fn=fg, Tout=[o.dtype.base_dtype for o in out])
    return fg, out, external, attrs


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False, infer_shape=True,
           name=None, fn_output_signature=None):
    """fn applied to each element of `elems` (unstacked on dimension 0), the results stacked."""
    if fn_output_signature is not None:
        dtype = fn_output_signature
    if not callable(fn):
        raise TypeError('fn must be callable.')
    with _graph.name_scope(name, 'map', _flatten(elems)) as scope:
        g = subgraph.current_graph()
        elems_flat, n = _elements(elems)
        structure = elems if dtype is None else dtype
        out_dtypes = ([e.dtype for e in elems_flat] if dtype is None else _flatten(dtype))
        fg, out, external, attrs = _functional(
            'map_fn', fn, scope, g, [], elems, elems_flat, lambda acc, x: fn(x), structure, out_dtypes,
            {'parallel_iterations': parallel_iterations or 10}, lambda i, o: None)
        attrs['output_shapes'] = [TensorShape([n]).concatenate(o.shape) for o in out]
        with _control_scope(g, fg.control_captures):
            op = g._create_op('MapFn', [elems_flat, external], _back_prop_attr(attrs, back_prop), name=scope)
        return _pack(structure, op._outputs)


def _accumulate(kind, fn, elems, initializer, reverse, parallel_iterations, name, default_name, back_prop=True):
    if not callable(fn):
        raise TypeError('fn must be callable.')
    with _graph.name_scope(name, default_name, _flatten(elems)) as scope:
        g = subgraph.current_graph()
        elems_flat, n = _elements(elems)
        if initializer is None:
            structure = elems
            init_flat = []
            leading = [(e.dtype, _element_shape(e)) for e in elems_flat]
        else:
            structure = initializer
            init_flat = [_graph.convert_to_tensor(v) for v in _flatten(initializer)]
            leading = [(t.dtype, t.shape) for t in init_flat]

        def check(i, o):
            acc_shape = leading[i][1]
            if not _shape_le(o.shape, acc_shape):
                if kind == 'Scan':
                    raise ValueError('Inconsistent shapes: saw %s but expected %s ' % (o.shape, acc_shape))
                raise ValueError("Input tensor '%s' enters the loop with shape %s, but has shape %s after one "
                                 "iteration. To allow the shape to vary across iterations, use the "
                                 "`shape_invariants` argument of tf.while_loop to specify a less-specific shape."
                                 % ((init_flat or elems_flat)[i].name, acc_shape, o.shape))

        fg, out, external, attrs = _functional(
            kind, fn, scope, g, leading, elems, elems_flat,
            lambda acc, x: fn(_pack(structure, acc), x), structure, [d for d, _ in leading],
            {'reverse': bool(reverse), 'parallel_iterations': parallel_iterations}, check)
        shapes = [s for _, s in leading]
        attrs['output_shapes'] = [TensorShape([n]).concatenate(s) for s in shapes] if kind == 'Scan' else shapes
        with _control_scope(g, fg.control_captures):
            op = g._create_op(kind, [init_flat, elems_flat, external], _back_prop_attr(attrs, back_prop),
                              name=scope)
        return _pack(structure, op._outputs)


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, infer_shape=True,
         reverse=False, name=None):
    """The successive accumulator values of fn(acc, x) over the elements, stacked."""
    return _accumulate('Scan', fn, elems, initializer, reverse, parallel_iterations, name, 'scan', back_prop)


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """fn(acc, x) folded over the elements from first to last; returns the final accumulator."""
    return _accumulate('Fold', fn, elems, initializer, False, parallel_iterations, name, 'foldl', back_prop)


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False, name=None):
    """fn(acc, x) folded over the elements from last to first; returns the final accumulator."""
    return _accumulate('Fold', fn, elems, initializer, True, parallel_iterations, name, 'foldr', back_prop)


def with_dependencies(dependencies, tensor):
    """`tensor`, passed through an Identity that runs after `dependencies` (TF's control_flow_ops helper)."""
    g = _graph.get_default_graph()
    with g.name_scope('control_dependency') as scope:
        with g.colocate_with(tensor.op), g.control_dependencies(dependencies):
            return graph_ops.identity(tensor, name=scope)
