"""TF 1.x's dataflow conditional ops, Switch and Merge, as graphs written by TF 1.x hold them
(tf.cond, tf.layers' dropout and batch norm with a tensor `training`). sluice's own tf.cond builds
the functional If; these exist so imported graphs run, export and differentiate. How dead values
flow through a plan: engine/dead_values.py.

    Switch(data: T, pred: bool) -> (output_false: T, output_true: T)     (RefSwitch: of a variable)
    Merge(inputs: N * T) -> (output: T, value_index: int32)
"""
import collections

from sluice.engine import op_builder
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import unknown_shape
from sluice.ops.filling_ops import zeros_like


def _switch_shapes(op):
    return [op._inputs[0]._shape] * 2


def _merge_shapes(op):
    shapes = [t._shape for t in op._inputs]
    first = shapes[0]
    same = all(s.rank == first.rank for s in shapes) and first.rank is not None
    if not same:
        return [unknown_shape(), op._outputs[1]._shape.merge_with([])]
    dims = [a if all(s.as_list()[i] == a for s in shapes) else None for i, a in enumerate(first.as_list())]
    return [unknown_shape().merge_with(dims), unknown_shape().merge_with([])]


register_op('Switch', ['data: T', 'pred: bool'], ['output_false: T', 'output_true: T'], {'T': 'type'},
            _switch_shapes)
register_op('RefSwitch', ['data: Ref(T)', 'pred: bool'], ['output_false: Ref(T)', 'output_true: Ref(T)'],
            {'T': 'type'}, _switch_shapes)
register_op('Merge', ['inputs: N * T'], ['output: T', 'value_index: int32'], {'T': 'type', 'N': 'int'},
            _merge_shapes)


def _switch(data, pred, name=None):
    return op_builder.apply('Switch', [data, pred], name=name)._outputs


def _merge(inputs, name=None):
    return op_builder.apply('Merge', [list(inputs)], name=name)._outputs


@register_gradient('Switch')
def _switch_grad(op, grad_false, grad_true):
    """The gradient that flowed back through the branch taken (the other one is dead); a branch
    that did not use the data contributes zeros, dead too when that branch was not taken."""
    if grad_false is None and grad_true is None:
        return [None, None]
    grads = [zeros_like(op.outputs[0], optimize=False) if grad_false is None else grad_false,
             zeros_like(op.outputs[1], optimize=False) if grad_true is None else grad_true]
    return [_merge(grads)[0], None]


@register_gradient('Merge')
def _merge_grad(op, grad, _):
    """Each input's gradient is `grad` where that input was the live one: a Switch of grad on the
    predicate of the Switch the input's branch starts from, taking the same side."""
    result = []
    for t in op.inputs:
        switch = _branch_switch(t)
        if switch is None:
            raise LookupError('No Switch found behind input %s of Merge %s: sluice differentiates the Merges of '
                              'tf.cond graphs only' % (t.name, op.name))
        result.append(_switch(grad, switch.op.inputs[1])[switch.value_index])
    return result


def _branch_switch(tensor):
    """The Switch output a cond branch starts from, nearest behind `tensor` (breadth first through
    data inputs and the inputs of control inputs). A nested conditional met on the way is stepped
    over: the walk goes on from what its own Switches read."""
    queue, seen = collections.deque([tensor]), set()
    while queue:
        t = queue.popleft()
        op = t.op
        if op in seen:
            continue
        seen.add(op)
        if op.type == 'Switch':
            return t
        if op.type == 'Merge':
            inner = [_branch_switch(x) for x in op.inputs]
            queue.extend(x for s in inner if s is not None for x in s.op.inputs)
            continue
        queue.extend(op.inputs)
        queue.extend(x for c in op.control_inputs for x in c.inputs)
    return None
