"""Dead values: how TF 1.x's dataflow conditionals (Switch and Merge, found in graphs TF 1.x wrote)
run in sluice's straight-line plans.

A Switch forwards its data to one output and makes the other *dead*. An op with a dead input, or
a dead control input, does not run and its outputs are dead; a Merge forwards its first live input
(and its index). So the branch a predicate did not choose costs one check per op, side effects
included (an Assign in it does not happen), and nested conditionals compose.

Planning, done only for graphs that hold a Switch: the *conditional region* is every op reachable
from a Switch through data and control edges. Region ops behind control edges run even when
stateless (a branch's Const waits on the branch's pivot), each region step is wrapped by `guard`,
and a region op's control inputs inside the region become extra inputs of its step: their first
output register, or for an op without outputs a liveness register carrying LIVE or DEAD.
Fetching a dead value is TF's InvalidArgumentError "Retval[i] does not have value" (`checked_fetch`).
"""
from sluice.engine import errors


class _Marker:
    __slots__ = ('_name',)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return self._name


DEAD = _Marker('DEAD')
LIVE = _Marker('LIVE')  # the liveness register of a region op without outputs that ran


def conditional_region(graph):
    """The ops reachable from a Switch through data and control edges (empty without Switches)."""
    region = set()
    stack = [op for op in graph._ops if op._op_def.type in ('Switch', 'RefSwitch')]
    while stack:
        op = stack.pop()
        if op in region:
            continue
        region.add(op)
        stack.extend(consumer for t in op._outputs for consumer in t._consumers)
        stack.extend(op._control_outputs)
    return region


def guard(fn, n_inputs, n_outputs, merge=False):
    """Wraps a region step whose first n_inputs arguments are the kernel's and whose others are
    liveness values of control inputs. A Merge checks only those: it reads dead data itself."""
    dead = (DEAD,) * n_outputs if n_outputs > 1 else DEAD
    first_checked = n_inputs if merge else 0

    def step(*args):
        for i in range(first_checked, len(args)):
            if args[i] is DEAD:
                return dead
        result = fn(*args[:n_inputs])
        return LIVE if n_outputs == 0 else result
    return step


def pass_dead(copy):
    """A copy between devices that lets a dead value through."""
    return lambda value: value if value is DEAD else copy(value)


def checked_fetch(convert, index):
    """A plan's converter of fetch `index` (None: the value as is), raising as TF does on a dead value."""
    def checked(value):
        if value is DEAD:
            raise errors.InvalidArgumentError(None, None, 'Retval[%d] does not have value' % index)
        return value if convert is None else convert(value)
    return checked
