"""Horovod's TF1 ops on sluice: HorovodAllreduce, HorovodGroupedAllreduce (many tensors in one
collective: Horovod's tensor fusion), HorovodAllgather, HorovodBroadcast — declarations with TF's
Horovod names, gradients, kernels and the functions that add them. On a real GPU with NCCL and two
ranks or more, allreduce (grouped too) and broadcast run through NCCL on the device
(nccl_transport.py); elsewhere, and for allgather, a GPU value is copied to the host and back and
the collective runs over MPI."""
import threading

import numpy as np

from sluice.engine import op_builder
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import unknown_shape
from sluice.horovod import communicator, nccl_transport
from sluice.kernels.registry import register_kernel
from sluice.ops import shape_fns

_NUMBERS = 'type'


def _grouped_shapes(op):
    return [t._shape for t in op._inputs]


def _gather_shape(op):
    shape = op._inputs[0]._shape
    if shape.rank is None:
        return [unknown_shape()]
    return [unknown_shape().merge_with([None] + shape.as_list()[1:])]


register_op('HorovodAllreduce', ['tensor: T'], ['sum: T'], {'T': _NUMBERS}, shape_fns.unchanged, is_stateful=True)
register_op('HorovodGroupedAllreduce', ['tensors: num_tensors * T'], ['sum: num_tensors * T'],
            {'T': _NUMBERS, 'num_tensors': 'int'}, _grouped_shapes, is_stateful=True)
register_op('HorovodAllgather', ['tensor: T'], ['output: T'], {'T': _NUMBERS}, _gather_shape, is_stateful=True)
register_op('HorovodBroadcast', ['tensor: T'], ['output: T'], {'T': _NUMBERS, 'root_rank': 'int'},
            shape_fns.unchanged, is_stateful=True)


class _SessionOpen:
    """Per session and node: set when the session closes, so a collective stops waiting."""

    def __init__(self):
        self.closed = threading.Event()

    def close_for_session(self):
        self.closed.set()


def _cancelled(ctx):
    return ctx.op_state(_SessionOpen).closed.is_set


def _host(ctx, fn):
    """Runs fn on host copies of the inputs and puts the results back on the kernel's device."""
    if ctx.xp is np:
        return fn
    device = ctx.device

    def run(*inputs):
        result = fn(*[device.to_host(x) for x in inputs])
        return tuple(device.from_host(r) for r in result) if isinstance(result, tuple) else device.from_host(result)
    return run


def _on_device(ctx, op, device_fn, host_fn):
    """NCCL on the kernel's GPU when usable for this dtype (decided at the first run), else the host path."""
    host = _host(ctx, host_fn)
    if ctx.xp is np:
        return host
    device, dtype = ctx.device, op.get_attr('T').as_numpy_dtype
    choice = []

    def run(*inputs):
        if not choice:
            choice.append(device_fn if nccl_transport.usable(device, dtype) else host)
        return choice[0](*inputs)
    return run


@register_kernel('HorovodAllreduce')
def _allreduce_kernel(op, ctx):
    what = 'HorovodAllreduce (node %s)' % op.name
    cancelled = _cancelled(ctx)
    return _on_device(ctx, op, lambda x: nccl_transport.allreduce(ctx.device, x, what, cancelled),
                      lambda x: communicator.allreduce(x, what, cancelled))


@register_kernel('HorovodGroupedAllreduce', multi_output=True)
def _grouped_allreduce_kernel(op, ctx):
    what, cancelled = 'HorovodGroupedAllreduce (node %s)' % op.name, _cancelled(ctx)

    def fused(xp, reduce):
        def run(*tensors):
            arrays = [xp.asarray(t) for t in tensors]
            if len(arrays) == 1:  # nothing to fuse: no concatenation and no split
                return (reduce(arrays[0]),)
            summed = reduce(xp.concatenate([a.reshape(-1) for a in arrays]))
            out, start = [], 0
            for a in arrays:
                out.append(summed[start:start + a.size].reshape(a.shape))
                start += a.size
            return tuple(out)
        return run
    return _on_device(ctx, op, fused(ctx.xp, lambda x: nccl_transport.allreduce(ctx.device, x, what, cancelled)),
                      fused(np, lambda x: communicator.allreduce(x, what, cancelled)))


@register_kernel('HorovodAllgather')
def _allgather_kernel(op, ctx):
    what = 'HorovodAllgather (node %s)' % op.name
    cancelled = _cancelled(ctx)
    return _host(ctx, lambda x: communicator.allgather(x, what, cancelled))


@register_kernel('HorovodBroadcast')
def _broadcast_kernel(op, ctx):
    root, what = op.get_attr('root_rank'), 'HorovodBroadcast (node %s)' % op.name
    cancelled = _cancelled(ctx)
    return _on_device(ctx, op, lambda x: nccl_transport.broadcast(ctx.device, x, root, what, cancelled),
                      lambda x: communicator.broadcast(x, root, what, cancelled))


@register_gradient('HorovodAllreduce')
def _allreduce_grad(op, grad):
    return [_allreduce(grad)]


@register_gradient('HorovodGroupedAllreduce')
def _grouped_allreduce_grad(op, *grads):
    return grouped_allreduce(list(grads))


@register_gradient('HorovodAllgather')
def _allgather_grad(op, grad):
    """This rank's rows of the gradient summed over the ranks."""
    import sluice as tf  # the public functions, at gradient time
    summed = _allreduce(grad)
    rows = tf.shape(op.inputs[0], out_type=tf.int64)[:1]
    offset = tf.reduce_sum(allgather(rows)[:communicator.rank()], keepdims=True)
    rest = tf.shape(grad, out_type=tf.int64)[1:]
    return [tf.slice(summed, tf.concat([offset, tf.zeros_like(rest)], 0), tf.concat([rows, rest], 0))]


@register_gradient('HorovodBroadcast')
def _broadcast_grad(op, grad):
    summed = _allreduce(grad)
    if communicator.rank() != op.get_attr('root_rank'):
        from sluice.ops.filling_ops import zeros_like
        return [zeros_like(summed)]
    return [summed]


def _allreduce(tensor, name=None):
    return op_builder.output('HorovodAllreduce', [tensor], name=name)


def grouped_allreduce(tensors, name=None):
    """The sums over ranks of many tensors of one dtype, in one collective."""
    if not tensors:
        return []
    return list(op_builder.apply('HorovodGroupedAllreduce', [list(tensors)], name=name)._outputs)


def allgather(tensor, name=None):
    return op_builder.output('HorovodAllgather', [tensor], name=name)


def broadcast(tensor, root_rank, name=None):
    return op_builder.output('HorovodBroadcast', [tensor], {'root_rank': int(root_rank)}, name=name)
