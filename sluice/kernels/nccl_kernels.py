"""Kernels of the NCCL collectives (ops/nccl_ops.py), one body for CPU and GPU against `ctx.xp`.

NcclAllReduce runs as a group step (engine/collectives.py): the members of one shared_name are one
step taking every member's input on its device. Without NCCL the step copies the inputs to the
first member's device, folds them left to right in graph order with the reduction's ufunc, and
copies the result to every other member's device (a fresh array each, also on a shared device), so
all members hold the same bits. NcclReduce folds its inputs (the executor has copied them to its
device) the same way; NcclBroadcast is the identity on its device: the executor's copy steps carry
its value to consumers elsewhere, as TF's graph rewrite turns it into sends.

The NCCL library itself (CuPy's `cupy.cuda.nccl`) is not used yet: the group step moves the
members' arrays with device copies, also on real GPUs.
"""
import functools

from sluice.engine import collectives, errors
from sluice.kernels.registry import register_kernel

_UFUNCS = {'sum': 'add', 'prod': 'multiply', 'min': 'minimum', 'max': 'maximum'}


def _reduction_fn(op, ctx):
    reduction = op.get_attr('reduction')
    reduction = reduction.decode() if isinstance(reduction, bytes) else reduction
    if reduction not in _UFUNCS:
        raise errors.error_for_op(
            errors.InvalidArgumentError, op, "Value for attr 'reduction' of \"%s\" is not in the list of allowed "
                                             "values: \"min\", \"max\", \"prod\", \"sum\"" % reduction)
    ufunc = getattr(ctx.xp, _UFUNCS[reduction])

    def run(*arrays):
        shape = arrays[0].shape
        for i, a in enumerate(arrays):
            if a.shape != shape:
                raise errors.error_for_op(
                    errors.InvalidArgumentError, op, '%s: input %d has shape %s, input 0 has shape %s: the '
                                                     'tensors of a collective must have one shape'
                    % (op.type, i, list(a.shape), list(shape)))
        if len(arrays) == 1:
            return arrays[0].copy()
        return functools.reduce(ufunc, arrays)
    return run


@register_kernel(('NcclAllReduce', 'NcclReduce'), fresh_output=True)
def nccl_reduction(op, ctx):
    return _reduction_fn(op, ctx)


def _all_reduce_group(members):
    """The step of one NcclAllReduce group: fold on member 0's device, then a copy per member."""
    first = members[0].op
    for m in members[1:]:
        for attr in ('reduction', 'T'):
            if m.op.get_attr(attr) != first.get_attr(attr):
                raise errors.error_for_op(
                    errors.InvalidArgumentError, m.op, "NcclAllReduce %s has %s %s, but %s of its shared_name "
                    "has %s" % (m.op.name, attr, m.op.get_attr(attr), first.name, first.get_attr(attr)))
    home = members[0].device
    fold = members[0].fn
    inbound = [_mover(m.device, home) for m in members]
    outbound = [_mover(home, m.device, fresh=True) for m in members[1:]]
    context = home.context

    def all_reduce(*arrays):
        with context():
            total = fold(*[move(a) for move, a in zip(inbound, arrays)])
        return [total] + [move(total) for move in outbound]
    return all_reduce


def _mover(src, dst, fresh=False):
    """src's array in dst's memory; with `fresh`, never the array itself (each member owns its output)."""
    if src.name == dst.name or (src.is_host and dst.is_host):
        return (lambda a: a.copy()) if fresh else (lambda a: a)
    if src.is_host:
        return dst.from_host
    if dst.is_host:
        return src.to_host
    return lambda a: dst.from_host(src.to_host(a))


collectives.register_group('NcclAllReduce', key=lambda op: op.get_attr('shared_name'),
                           size=lambda op: op.get_attr('num_devices'), combine=_all_reduce_group)


@register_kernel('NcclBroadcast')
def nccl_broadcast(op, ctx):
    return lambda x: x
