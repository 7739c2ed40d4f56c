"""NCCL collectives across the devices of one graph (`tf.contrib.nccl`): NcclAllReduce, NcclReduce,
NcclBroadcast — TF's op defs (names, inputs, attrs), their gradients and the public functions.

`all_sum(tensors)` adds one NcclAllReduce node per tensor, on that tensor's device, with that
tensor as its only input, joined by a `shared_name` (TF's 'c0', 'c1', ... counter) and
`num_devices`, exactly as TF writes them, so GraphDefs written by TF import unchanged. TF's
kernels meet at run time; sluice's planner makes the nodes of one shared_name one step instead
(engine/collectives.py, kernels in kernels/nccl_kernels.py), which runs when every member's input
is ready. As in TF, every member must run in the same Session.run: fetching only some outputs of
an all-reduce is an error (TF blocks for ever).

NcclReduce takes the whole group (`input: num_devices * T`) on one device; NcclBroadcast is the
identity on its device, its consumers elsewhere read it through copies.

Gradients as TF's: only sums have one. Each NcclAllReduce member's gradient is a new NcclAllReduce
of its output gradient, on its device, with shared_name + '_grad': x_j's gradient is the all-sum of
the members' output gradients. NcclReduce's gradient broadcasts the output gradient to every
input; NcclBroadcast's reduces the gradients its consumers sent back.
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
    return [shape]


def _broadcast_shape(op):
    return [op._inputs[0]._shape.merge_with(op._attrs['shape'])]


register_op('NcclAllReduce', ['input: T'], ['data: T'],
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
    _check_device(grad, expected=op.device)
    shared_name = op.get_attr('shared_name')
    shared_name = (shared_name.decode() if isinstance(shared_name, bytes) else shared_name) + '_grad'
    with op.graph.device(op.device):
        return [op_builder.output('NcclAllReduce', [grad], {
            'reduction': 'sum', 'num_devices': op.get_attr('num_devices'), 'shared_name': shared_name})]


@register_gradient('NcclReduce')
def _reduce_sum_grad(op, grad):
    if _reduction(op) != 'sum':
        raise LookupError('No gradient defined for NcclReduce except sum.')
    _check_device(grad, expected=op.device)
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


def _check_device(tensor, expected=None):
    if not device_spec.canonical_name(tensor.device):
        raise ValueError('Device assignment required for nccl collective ops')
    if expected and device_spec.canonical_name(expected) != device_spec.canonical_name(tensor.device):
        raise ValueError('Expected device %s, got %s' % (expected, tensor.device))


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
            outputs.append(op_builder.output('NcclAllReduce', [t], {
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
