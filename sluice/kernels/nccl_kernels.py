"""Kernels of the NCCL collectives (ops/nccl_ops.py), one body for CPU and GPU against `ctx.xp`.

NcclAllReduce and NcclReduce fold the group's tensors, which the executor has already copied to
the node's device, left to right in group order with the reduction's ufunc, so every member of an
all-reduce computes the same bits. NcclBroadcast is the identity on its device: the executor's
copy steps carry its value to consumers elsewhere, as TF's graph rewrite turns it into sends.

The NCCL library itself (CuPy's `cupy.cuda.nccl`) is not used yet: a single-threaded plan can hand
NCCL the group's launches only from one step whose inputs stay on their own GPUs, and the executor
has no such multi-device step (see ops/nccl_ops.py). On real GPUs these kernels run with CuPy over
peer copies.
"""
import functools

from sluice.engine import errors
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


@register_kernel('NcclBroadcast')
def nccl_broadcast(op, ctx):
    return lambda x: x
