"""Collective groups: nodes on several devices that run as one plan step.

TF writes a collective such as `nccl_ops.all_sum` as one node per device, each with its own input,
joined by an attr (NcclAllReduce's `shared_name`), whose kernels meet at run time. sluice's plan
runs one step at a time in one thread, so a member that waited for its peers would wait for ever.
Instead the planner makes the members of one group (in one run) ONE step: it runs when every
member's input is ready and returns every member's output, each on its member's device.

A kernel module declares an op type grouped with `register_group(op_type, key, size, combine)`:
    key(op)   the group a node belongs to (NcclAllReduce: its shared_name);
    size(op)  how many members the group must have (its num_devices);
    combine(members) -> fn: `members` is a list of GroupMember (op, device, the step callable its
              kernel builder returned), in graph order; fn(*inputs) takes one array per member
              (each in its member's device memory) and returns one output per member.

Planning (`grouped_order`), only when the pruned order holds grouped nodes:
  1. Collect each group's members; a group with fewer (or more) members than size(op) is an
     InvalidArgumentError naming the group, the members present and the ones the run lacks: TF
     would block for ever on the missing ones.
  2. Re-sort the order topologically with each group contracted to one node (Kahn's algorithm,
     smallest original position first, so an order without groups is left as it was), making each
     group's members contiguous; a group that depends on its own output is an error too.
"""
import heapq

from sluice.engine import errors

_GROUPS = {}  # op type -> GroupSpec


class GroupSpec:
    __slots__ = ('key', 'size', 'combine')

    def __init__(self, key, size, combine):
        self.key, self.size, self.combine = key, size, combine


class GroupMember:
    """One node of a group as combine() sees it: op, the Device it is placed on, its kernel's fn."""
    __slots__ = ('op', 'device', 'fn')

    def __init__(self, op, device, fn):
        self.op, self.device, self.fn = op, device, fn


def register_group(op_type, key, size, combine):
    """Declares that nodes of `op_type` run as groups (see the module docstring)."""
    _GROUPS[op_type] = GroupSpec(key, size, combine)


def group_spec(op):
    """The GroupSpec of op's type, or None for an ordinary node."""
    return _GROUPS.get(op._op_def.type)


def grouped_order(order, deps_of):
    """`order` with each group's members contiguous (in graph order) and after all their inputs;
    deps_of(op) lists the ops of `order` that op waits for. Returns (order, {op: its group's ops})."""
    if not _GROUPS or not any(op._op_def.type in _GROUPS for op in order):
        return order, {}
    groups = {}
    for op in order:
        spec = _GROUPS.get(op._op_def.type)
        if spec is not None:
            groups.setdefault((op._op_def.type, spec.key(op)), []).append(op)
    member_of = {}
    for (op_type, key), ops in groups.items():
        ops.sort(key=lambda o: o._id)
        _check_complete(op_type, key, ops)
        for op in ops:
            member_of[op] = ops
    return _contracted_sort(order, deps_of, member_of), member_of


def _check_complete(op_type, key, ops):
    size = _GROUPS[op_type].size(ops[0])
    sizes = {_GROUPS[op_type].size(op) for op in ops}
    if len(sizes) > 1:
        raise errors.error_for_op(
            errors.InvalidArgumentError, ops[0], "%s nodes of shared_name '%s' disagree on num_devices: %s"
            % (op_type, key, ', '.join('%s: %d' % (op.name, _GROUPS[op_type].size(op)) for op in ops)))
    if len(ops) == size:
        return
    graph_ops = [op for op in ops[0]._graph.get_operations()
                 if op._op_def.type == op_type and _GROUPS[op_type].key(op) == key]
    absent = [op.name for op in graph_ops if op not in ops]
    raise errors.error_for_op(
        errors.InvalidArgumentError, ops[0],
        "%s '%s' is a collective of %d devices, but this run executes %d of its nodes (%s)%s: every member "
        "must run in the same Session.run, or the ones that run would wait for ever for the others "
        "(fetch or depend on all outputs of the collective)"
        % (op_type, key, size, len(ops), ', '.join(op.name for op in ops),
           '; not run: ' + ', '.join(absent) if absent else ''))


def _contracted_sort(order, deps_of, member_of):
    position = {op: i for i, op in enumerate(order)}

    def node(op):
        group = member_of.get(op)
        return op if group is None else group[0]

    waits = {}      # node -> the nodes it waits for
    for op in order:
        n = node(op)
        mine = waits.setdefault(n, set())
        for d in deps_of(op):
            if d in position and node(d) is not n:
                mine.add(node(d))
    readers = {}
    pending = {}
    for n, ds in waits.items():
        pending[n] = len(ds)
        for d in ds:
            readers.setdefault(d, []).append(n)
    rank = {n: min(position[o] for o in member_of.get(n, (n,))) for n in waits}
    ready = [(rank[n], n._id, n) for n, count in pending.items() if count == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        _, _, n = heapq.heappop(ready)
        result.extend(member_of.get(n, (n,)))
        for r in readers.get(n, ()):
            pending[r] -= 1
            if pending[r] == 0:
                heapq.heappush(ready, (rank[r], r._id, r))
    if len(result) != len(order):
        stuck = sorted((n for n, count in pending.items() if count and n in member_of), key=lambda o: o._id)
        op = stuck[0] if stuck else order[0]
        raise errors.error_for_op(
            errors.InvalidArgumentError, op, "The collective group of %s (%s) depends on its own output: its "
            "members cannot all start together" % (op.name, op.type))
    return result
