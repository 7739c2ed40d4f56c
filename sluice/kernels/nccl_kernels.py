"""Kernels of the NCCL collectives (ops/nccl_ops.py), one body for CPU and GPU against `ctx.xp`.

NcclAllReduce runs as a group step (engine/collectives.py): the members of one shared_name are one
step taking every member's input on its device. Without NCCL the step copies the inputs to the
first member's device, folds them left to right in graph order with the reduction's ufunc, and
copies the result to every other member's device (a fresh array each, also on a shared device), so
all members hold the same bits. NcclReduce folds its inputs (the executor has copied them to its
device) the same way; NcclBroadcast is the identity on its device: the executor's copy steps carry
its value to consumers elsewhere, as TF's graph rewrite turns it into sends.

With CuPy's `cupy.cuda.nccl` and every member on its own physical GPU (two or more), the group
step is NCCL's instead: one communicator per device set (ncclCommInitAll, made once and cached),
and per run one ncclAllReduce per member on its device's current stream between ncclGroupStart and
ncclGroupEnd (a single thread drives all the GPUs). Virtual GPUs sharing a GPU, fake GPUs and CPU
devices use the device-copy fold (NCCL takes one rank per GPU).
"""
import functools
import threading

from sluice.engine import collectives, errors
from sluice.kernels.registry import register_kernel

_UFUNCS = {'sum': 'add', 'prod': 'multiply', 'min': 'minimum', 'max': 'maximum'}


def _reduction(op):
    reduction = op.get_attr('reduction')
    return reduction.decode() if isinstance(reduction, bytes) else reduction


def _reduction_fn(op, ctx):
    reduction = _reduction(op)
    if reduction not in _UFUNCS:
        raise errors.error_for_op(
            errors.InvalidArgumentError, op, "Value for attr 'reduction' of \"%s\" is not in the list of allowed "
                                             "values: \"min\", \"max\", \"prod\", \"sum\"" % reduction)
    ufunc = getattr(ctx.xp, _UFUNCS[reduction])

    def run(*arrays):
        _check_shapes(op, arrays)
        if len(arrays) == 1:
            return arrays[0].copy()
        return functools.reduce(ufunc, arrays)
    return run


def _check_shapes(op, arrays):
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise errors.error_for_op(
                errors.InvalidArgumentError, op, '%s: input %d has shape %s, input 0 has shape %s: the '
                                                 'tensors of a collective must have one shape'
                % (op.type, i, list(a.shape), list(shape)))


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
    nccl = _nccl_library(members)
    if nccl is not None:
        return _nccl_all_reduce(nccl, members)
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


_NCCL_TYPES = {'float16': 'NCCL_FLOAT16', 'float32': 'NCCL_FLOAT32', 'float64': 'NCCL_FLOAT64',
               'int32': 'NCCL_INT32', 'int64': 'NCCL_INT64'}
_NCCL_OPS = {'sum': 'NCCL_SUM', 'prod': 'NCCL_PROD', 'min': 'NCCL_MIN', 'max': 'NCCL_MAX'}
_communicators = {}  # (physical GPU index, ...) -> [NcclCommunicator], one set per device set
_communicators_lock = threading.Lock()


def _nccl_library(members):
    """cupy.cuda.nccl when the members are on two or more distinct real GPUs and NCCL is there, else None."""
    devices = [m.device for m in members]
    if len(devices) < 2 or any(d.is_host or d.fake for d in devices):
        return None
    physical = [d.physical_index for d in devices]
    if len(set(physical)) < len(physical):
        return None
    try:
        from cupy.cuda import nccl
    except ImportError:  # CuPy built without NCCL
        return None
    return nccl if getattr(nccl, 'available', True) and hasattr(nccl, 'NcclCommunicator') else None


def _communicators_for(nccl, physical):
    with _communicators_lock:
        comms = _communicators.get(physical)
        if comms is None:
            comms = _communicators[physical] = nccl.NcclCommunicator.initAll(list(physical))
        return comms


def _nccl_all_reduce(nccl, members):
    """The group step through NCCL: each member's output on its GPU, from one grouped launch."""
    devices = [m.device for m in members]
    comms = _communicators_for(nccl, tuple(d.physical_index for d in devices))
    op_code = getattr(nccl, _NCCL_OPS[_reduction(members[0].op)])
    op, xp = members[0].op, devices[0].xp

    def all_reduce(*arrays):
        _check_shapes(op, arrays)
        dtype_code = getattr(nccl, _NCCL_TYPES[arrays[0].dtype.name])
        sent, outputs = [], []  # held until the group ends: NCCL reads them when ncclGroupEnd launches
        nccl.groupStart()
        try:
            for comm, device, a in zip(comms, devices, arrays):
                with device.context():
                    a = xp.ascontiguousarray(a)
                    out = xp.empty_like(a)
                    comm.allReduce(a.data.ptr, out.data.ptr, a.size, dtype_code, op_code,
                                   xp.cuda.get_current_stream().ptr)
                sent.append(a)
                outputs.append(out)
        finally:
            nccl.groupEnd()
        return outputs
    return all_reduce


collectives.register_group('NcclAllReduce', key=lambda op: op.get_attr('shared_name'),
                           size=lambda op: op.get_attr('num_devices'), combine=_all_reduce_group)


@register_kernel('NcclBroadcast')
def nccl_broadcast(op, ctx):
    return lambda x: x
