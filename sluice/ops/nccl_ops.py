"""NCCL collectives across the devices of one graph (`tf.contrib.nccl`): NcclAllReduce, NcclReduce,
NcclBroadcast — TF's op names and attrs, their gradients and the public functions.

`all_sum(tensors)` adds one NcclAllReduce node per tensor, on that tensor's device, joined by a
`shared_name` (TF's 'c0', 'c1', ... counter) and `num_devices`, as TF does. One difference, and why:
TF's node takes only its own tensor and its kernels meet in a rendezvous, which needs the N nodes to
run concurrently (one thread each; NCCL itself wants the N launches of a single-threaded process in
one ncclGroupStart/ncclGroupEnd). sluice's plan runs its steps one after another in one thread, so a
node that waited for its peers would wait for ever, and a node that answered before its peers had
contributed would answer wrongly. Each sluice NcclAllReduce therefore takes the whole group's
tensors, in group order (`input: num_devices * T`, the signature of TF's NcclReduce): node i reduces
them on its own device (the executor copies the peers' tensors there) in the same order as every
other node, so all N outputs are equal bit for bit, whatever order the plan runs the nodes in.

Gradients as TF's: only sums have one. d(all_sum)/d(x_j) is the sum over the nodes of their output
gradients; each node hands its output gradient to every input, and the gradient accumulation adds
them, so x_j's gradient is the all-sum of the gradients. NcclReduce's gradient broadcasts the
output gradient to every input; NcclBroadcast's reduces the gradients its consumers sent back.
"""
import threading

from sluice.engine import device_spec, dtypes, op_builder
from sluice.engine import graph as _graph
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape

__all__ = ['all_sum', 'all_prod', 'all_min', 'all_max', 'reduce_sum', 'broadcast']

_TYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)
_REDUCTIONS = ('sum', 'prod', 'min', 'max')


def _merged_shape(op):
    shape = TensorShape(None)
    for t in op._inputs:
        shape = shape.merge_with(t._shape)
    return [shape for _ in op._outputs]


def _broadcast_shape(op):
    return [op._inputs[0]._shape.merge_with(op._attrs['shape'])]


register_op('NcclAllReduce', ['input: num_devices * T'], ['data: T'],
            {'reduction': 'string', 'T': 'type', 'num_devices': 'int', 'shared_name': 'string'},
            _merged_shape, is_stateful=True, allowed={'T': _TYPES})
register_op('NcclReduce', ['input: num_devices * T'], ['data: T'],
            {'reduction': 'string', 'T': 'type', 'num_devices': 'int'},
            _merged_shape, is_stateful=True, allowed={'T': _TYPES})
register_op('NcclBroadcast', ['input: T'], ['output: T'], {'T': 'type', 'shape': 'shape'},
            _broadcast_shape, is_stateful=True, allowed={'T': _TYPES})


@register_gradient('NcclAllReduce')
def _all_sum_grad(op, grad):
    if _reduction(op) != 'sum':
        raise LookupError('No gradient defined for NcclAllReduce except sum.')
    return [grad] * len(op.inputs)  # None (no gradient reached this member) stays None


@register_gradient('NcclReduce')
def _reduce_sum_grad(op, grad):
    if _reduction(op) != 'sum':
        raise LookupError('No gradient defined for NcclReduce except sum.')
    with op.graph.device(op.device):
        result = _broadcast(grad)
    return [result] * len(op.inputs)


@register_gradient('NcclBroadcast')
def _broadcast_grad(op, grad):
    """The consumers' gradients, summed: TF reduces the inputs of the AddN that accumulated them."""
    grads = list(grad.op.inputs) if grad.op.type == 'AddN' else [grad]
    with op.graph.device(op.device):
        return [op_builder.output('NcclReduce', [grads], {'reduction': 'sum'})]


def _reduction(op):
    value = op.get_attr('reduction')
    return value.decode() if isinstance(value, bytes) else value


_counter_lock = threading.Lock()
_shared_name_counter = [0]


def _shared_name():
    with _counter_lock:
        value = _shared_name_counter[0]
        _shared_name_counter[0] += 1
    return 'c%d' % value


def _check_device(tensor):
    if not device_spec.canonical_name(tensor.device):
        raise ValueError('Device assignment required for nccl collective ops')


def _apply_all_reduce(reduction, tensors):
    tensors = list(tensors)
    if not tensors:
        raise ValueError('Must pass >0 tensors to all reduce operations')
    for t in tensors:
        _check_device(t)
    shared_name, graph = _shared_name(), _graph.graph_of(tensors)
    outputs = []
    for t in tensors:
        with graph.device(t.device):
            outputs.append(op_builder.output('NcclAllReduce', [tensors], {
                'reduction': reduction, 'num_devices': len(tensors), 'shared_name': shared_name}))
    return outputs


def all_sum(tensors):
    """A list with the sum of `tensors` (all of one shape and dtype) on the device of each tensor."""
    return _apply_all_reduce('sum', tensors)


def all_prod(tensors):
    """A list with the elementwise product of `tensors` on the device of each tensor."""
    return _apply_all_reduce('prod', tensors)


def all_min(tensors):
    """A list with the elementwise minimum of `tensors` on the device of each tensor."""
    return _apply_all_reduce('min', tensors)


def all_max(tensors):
    """A list with the elementwise maximum of `tensors` on the device of each tensor."""
    return _apply_all_reduce('max', tensors)


def reduce_sum(tensors):
    """The sum of `tensors`, on the current device, which must be the device of one of them."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError('Must pass >0 tensors to reduce operations')
    for t in tensors:
        _check_device(t)
    result = op_builder.output('NcclReduce', [tensors], {'reduction': 'sum'})
    here = device_spec.canonical_name(result.device)
    if not any(device_spec.canonical_name(t.device) == here for t in tensors):
        raise ValueError('One input tensor must be assigned to current device')
    return result


def broadcast(tensor):
    """`tensor`'s value, on its device, for ops on other devices to read."""
    _check_device(tensor)
    with tensor.graph.device(tensor.device):
        return _broadcast(tensor)


def _broadcast(tensor):
    return op_builder.output('NcclBroadcast', [tensor], {'shape': tensor.shape})
