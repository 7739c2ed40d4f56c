"""Kernels of the queue ops, for the CPU only (as TF's): queues live in host memory.

With a GPU present, the placer keeps a queue and its ops on the CPU (no GPU kernel), and the
executor's copy steps move dequeued values to the GPU ops that consume them.

The queue node's kernel makes the session's queue object once (ResourceStore: per node, or per
container/shared_name) and outputs it as the handle value; the other kernels take it as their
first input and call it (sluice/queues/queue_state.py holds the blocking logic).

Enqueue kernels store the arrays they receive: without a copy when the executor says an input is
private to them, else a copy, so that an element can never alias a constant, a fed array or a
variable's storage. A dequeued element is therefore owned by its consumer (fresh_output).
DequeueMany stacks the elements (into page-locked buffers of engine/pinned_batches.py, uploaded
asynchronously, when the plan reads the batch only on one GPU); a PaddingFIFOQueue pads the
dimensions its shapes leave unknown with zeros (b'' for strings) up to the largest element of the batch.
"""
import numpy as np

from sluice.engine import dtypes as _dtypes
from sluice.engine import errors
from sluice.kernels.registry import register_kernel
from sluice.queues import queue_state
from sluice.queues.data_flow_ops import QUEUE_OP_TYPES

_CPU = ('CPU',)  # TF registers the queue kernels for DEVICE_CPU only
_TF_TYPE_NAMES = {'float32': 'float', 'float64': 'double'}


def _types_str(types):
    return ', '.join(_TF_TYPE_NAMES.get(t.name, t.name) for t in types)


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


# -- the queue node --------------------------------------------------------------------------------

def _queue_spec(op):
    """(class, dtypes, shapes, capacity, extra kwargs) for the queue a node declares."""
    dtypes = list(op.get_attr('component_types'))
    shapes = [tuple(s.as_list()) for s in op.get_attr('shapes') or []] or None
    extra = {}
    kind = op._op_def.type
    if kind == 'FIFOQueueV2':
        cls = queue_state.Queue
    elif kind == 'PaddingFIFOQueueV2':
        cls = queue_state.PaddingFIFOQueue
    elif kind == 'RandomShuffleQueueV2':
        cls = queue_state.RandomShuffleQueue
        extra = {'min_after_dequeue': op.get_attr('min_after_dequeue'), 'seed': op.get_attr('seed'),
                 'seed2': op.get_attr('seed2')}
    else:
        cls = queue_state.PriorityQueue
        dtypes = [_dtypes.int64] + dtypes  # the priority travels as component 0
        shapes = [()] + shapes if shapes else None
    return cls, dtypes, shapes, op.get_attr('capacity'), extra


def _check_shared(op, queue, cls, dtypes, shapes, capacity):
    name = queue.name
    if type(queue) is not cls:
        raise errors.error_for_op(errors.InvalidArgumentError, op, "Shared queue '%s' is a %s but a %s was requested"
                                  % (name, type(queue).__name__, cls.__name__))
    if queue.dtypes != tuple(dtypes):
        raise errors.error_for_op(errors.InvalidArgumentError, op,
                                  "Shared queue '%s' has component types %s but requested component types were %s"
                                  % (name, _types_str(queue.dtypes), _types_str(dtypes)))
    if queue.shapes != shapes:
        raise errors.error_for_op(errors.InvalidArgumentError, op,
                                  "Shared queue '%s' has component shapes %s but requested component shapes were %s"
                                  % (name, queue.shapes, shapes))
    if (queue.capacity if queue.capacity is not None else -1) != (capacity if capacity >= 0 else -1):
        raise errors.error_for_op(errors.InvalidArgumentError, op,
                                  "Shared queue '%s' has capacity %s but requested capacity was %d"
                                  % (name, queue.capacity, capacity))


@register_kernel(QUEUE_OP_TYPES, devices=_CPU)
def queue_node(op, ctx):
    cls, dtypes, shapes, capacity, extra = _queue_spec(op)
    shared = op.get_attr('shared_name')

    def make(name):
        return lambda: cls(name, dtypes, shapes, capacity, node=op, session=ctx.session, **extra)

    if shared:
        key = ('queue', op.get_attr('container'), shared)
        queue = ctx.resources.op_state(key, make(shared))
        _check_shared(op, queue, cls, dtypes, shapes, capacity)
    else:
        queue = ctx.op_state(lambda: make(queue_state.unique_queue_name(op.name))())
    return lambda: queue


# -- checks shared by the element kernels -------------------------------------------------------------

def _type_checker(op, types, what):
    """A function raising InvalidArgumentError when the queue's dtypes differ from `types` (once per queue)."""
    types = tuple(types)
    ok = []

    def check(queue):
        if ok and ok[0] is queue:
            return
        if queue.dtypes != types:
            raise _invalid("%s of queue '%s' expects component types %s, but the op has %s"
                           % (what, queue.name, _types_str(queue.dtypes), _types_str(types)))
        ok[:] = [queue]
    return check


def _matches(shape, expected):
    return len(shape) == len(expected) and all(e is None or e == d for d, e in zip(shape, expected))


def _owned(components, private):
    """The components as arrays this kernel owns (copies unless the executor says they are private)."""
    out = []
    for c, p in zip(components, private):
        if not p:
            c = np.array(c, copy=True)
        elif not isinstance(c, np.ndarray):
            c = np.asarray(c)  # a NumPy scalar: stored as a 0-d array
        out.append(c)
    return out


# -- enqueue -----------------------------------------------------------------------------------------

@register_kernel('QueueEnqueueV2', devices=_CPU)
def enqueue(op, ctx):
    n = len(op._inputs) - 1
    private = [ctx.input_is_private(i + 1) for i in range(n)]
    timeout = op.get_attr('timeout_ms')
    check_types = _type_checker(op, op.get_attr('Tcomponents'), 'Enqueue')

    def run(queue, *components):
        check_types(queue)
        element = _owned(components, private)
        shapes = queue.shapes
        if shapes is not None:
            for i, (c, expected) in enumerate(zip(element, shapes)):
                if not _matches(c.shape, expected):
                    raise _invalid('Shape mismatch in tuple component %d. Expected %s, got %s'
                                   % (i, queue_state.shape_str(expected), queue_state.shape_str(c.shape)))
        queue.enqueue_many([tuple(element)], timeout)
    return run


@register_kernel('QueueEnqueueManyV2', devices=_CPU)
def enqueue_many(op, ctx):
    n = len(op._inputs) - 1
    private = [ctx.input_is_private(i + 1) for i in range(n)]
    timeout = op.get_attr('timeout_ms')
    check_types = _type_checker(op, op.get_attr('Tcomponents'), 'EnqueueMany')

    def run(queue, *components):
        check_types(queue)
        batch_arrays = _owned(components, private)
        first = batch_arrays[0].shape
        batch = first[0] if first else None
        shapes = queue.shapes
        for i, c in enumerate(batch_arrays):
            if shapes is not None:
                expected = (batch,) + tuple(shapes[i])
                if not c.shape or not _matches(c.shape, expected):
                    raise _invalid('Shape mismatch in tuple component %d. Expected %s, got %s'
                                   % (i, queue_state.shape_str(expected), queue_state.shape_str(c.shape)))
            elif not c.shape:
                raise _invalid('EnqueueMany requires components of rank at least 1, but component %d is a scalar'
                               % i)
            elif c.shape[0] != batch:
                raise _invalid('All input tensors must have the same size in the 0th dimension. Component 0 has %d, '
                               'and component %d has %d' % (batch, i, c.shape[0]))
        # Elements are 0-d-or-more views of the owned batch (a[j, ...] keeps arrays, never scalars).
        elements = [tuple(c[j, ...] for c in batch_arrays) for j in range(batch)]
        queue.enqueue_many(elements, timeout)
    return run


# -- dequeue -----------------------------------------------------------------------------------------

@register_kernel('QueueDequeueV2', devices=_CPU, multi_output=True, fresh_output=True)
def dequeue(op, ctx):
    timeout = op.get_attr('timeout_ms')
    check_types = _type_checker(op, op.get_attr('component_types'), 'Dequeue')

    def run(queue):
        check_types(queue)
        return queue.dequeue_many(1, timeout)[0]
    return run


def _numpy_dtype(dtype):
    return np.dtype(object) if dtype.base_dtype == _dtypes.string else np.dtype(dtype.as_numpy_dtype)


def _padded(parts, shape, dtype):
    dims = tuple(d if d is not None else max((p.shape[k] for p in parts), default=0) for k, d in enumerate(shape))
    full = (len(parts),) + dims
    out = np.full(full, b'' if dtype == np.dtype(object) else 0, dtype=dtype)
    for j, p in enumerate(parts):
        # A 0-d object array would be stored as an element itself: store its string.
        out[(j,) + tuple(slice(0, s) for s in p.shape)] = p[()] if p.ndim == 0 else p
    return out


@register_kernel(('QueueDequeueManyV2', 'QueueDequeueUpToV2'), devices=_CPU, multi_output=True,
                 host_inputs=(1,), fresh_output=True)
def dequeue_many(op, ctx):
    timeout = op.get_attr('timeout_ms')
    types = op.get_attr('component_types')
    check_types = _type_checker(op, types, 'DequeueMany')
    np_dtypes = [_numpy_dtype(t) for t in types]
    up_to = op._op_def.type == 'QueueDequeueUpToV2'
    op_name = 'DequeueUpToOp' if up_to else 'DequeueManyOp'
    pinned = ctx.pinned_batches()  # outputs read only on one GPU: batches in pinned memory, copied async

    def run(queue, n):
        check_types(queue)
        n = int(n)
        if n < 0:
            raise _invalid('%s requested %d < 0 elements' % (op_name, n))
        shapes = queue.shapes
        if shapes is None:
            raise _invalid("%s's DequeueMany and DequeueUpTo require the components to have specified shapes."
                           % queue.type_string)
        elements = queue.dequeue_many(n, timeout, allow_smaller=up_to)
        outputs = []
        for i, dtype in enumerate(np_dtypes):
            parts = [e[i] for e in elements]
            if queue.pads:
                outputs.append(_padded(parts, shapes[i], dtype))
            elif not parts:
                outputs.append(np.empty((0,) + tuple(shapes[i]), dtype=dtype))
            else:
                outputs.append(_stacked(parts, pinned, i, dtype))
        return outputs
    return run


def _stacked(parts, pinned, output, dtype):
    """np.stack(parts), written into a pinned buffer when the batch is bound for a GPU."""
    if pinned is None or dtype == object:
        return np.stack(parts)
    return np.stack(parts, out=pinned.acquire(output, (len(parts),) + parts[0].shape, dtype))


# -- the rest --------------------------------------------------------------------------------------------

@register_kernel('QueueCloseV2', devices=_CPU)
def close(op, ctx):
    cancel = bool(op.get_attr('cancel_pending_enqueues'))
    return lambda queue: queue.close(cancel)


@register_kernel('QueueSizeV2', devices=_CPU, fresh_output=True)
def size(op, ctx):
    return lambda queue: np.asarray(queue.size(), dtype=np.int32)


@register_kernel('QueueIsClosedV2', devices=_CPU, fresh_output=True)
def is_closed(op, ctx):
    return lambda queue: np.asarray(queue.is_closed())
