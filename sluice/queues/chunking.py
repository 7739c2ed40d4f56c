"""The batchers' QueueRunner: enqueue ops that run a chunk of elements per step where the graph allows.

TF runs a batcher's enqueue op once per element, a Session.run each. ChunkingQueueRunner
recognises three common enqueue subgraphs and runs each CHUNK elements per step with NumPy,
producing the same elements in the same order as that many runs in a row:

    enqueue(gather(Const_i, dequeue(fifo)) ...)         slice_input_producer feeding a batcher
    enqueue_many(Const_i ...)                            batch(data set, enqueue_many=True)
    enqueue(parse_single_example(reader.read(queue)))    a reader + parser pipeline

Any other enqueue op (or one whose queues are not in host memory) runs as in QueueRunner. A
chunk is enqueued as room appears, never waiting for room for all of it (_enqueue_as_room_appears).
"""
import contextlib
import threading
import weakref

import numpy as np

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.engine import run_context
from sluice.engine.log import logger
from sluice.queues.queue_runner import QueueRunner

# Most elements one chunked step moves (at most the capacity of either queue).
CHUNK = 128


class ChunkingQueueRunner(QueueRunner):
    """A QueueRunner that runs recognised enqueue ops a chunk of elements per step.

    TF runs a batcher's enqueue op once per element: for `batch(slice_input_producer(ts))` that is
    dequeue one index, gather one row of each tensor, enqueue one element, a Session.run each.
    When an enqueue op is exactly that (every component a GatherV2 along axis 0 of a Const by the
    one output of a QueueDequeueV2 on a FIFOQueue, no control inputs, both queues in host memory),
    a thread here instead dequeues up to CHUNK indices that are there (at least one, waiting as
    the op would), gathers all rows with one np.take per tensor and enqueues them as elements in
    one enqueue_many: the same elements in the same order a thread running the op that many times
    in a row would produce; a bad index enqueues the rows before it, then raises the gather's
    InvalidArgumentError (the indices after it in the chunk are dropped, where TF would leave them
    queued: the pipeline stops on that error either way). Likewise an enqueue_many of Consts (the
    whole data set given to batch(enqueue_many=True)) moves CHUNK rows per step, copied then (TF
    copies the whole batch per run), and a reader + parse_single_example enqueue reads and parses
    up to CHUNK records per step (see _parse_chunk_step). Chunks enqueue as room appears, never
    waiting for room for a whole chunk (_enqueue_as_room_appears). Any other enqueue op runs as in
    QueueRunner.

    Why: under the GIL a run per element costs 30 to 40 us of Python (plan, kernels, queue locks)
    and every thread shares one core's worth of it; a chunk pays that once per CHUNK elements.
    """

    def _enqueue_step(self, sess, enqueue_op):
        try:
            step = (_gather_chunk_step(sess, enqueue_op) or _const_slices_step(sess, enqueue_op)
                    or _parse_chunk_step(sess, enqueue_op))
        except Exception as e:  # the plain path reports whatever is wrong, as TF would
            logger.debug('Enqueue op %s runs unchunked: %s', enqueue_op.name, e)
            step = None
        return step or super()._enqueue_step(sess, enqueue_op)


def _gather_chunk_step(sess, enqueue_op):
    """The chunked step for enqueue(gather(Const_i, dequeue(fifo))...), or None when the op is anything else."""
    if enqueue_op.type != 'QueueEnqueueV2' or enqueue_op._control_inputs:
        return None
    components = enqueue_op._inputs[1:]
    source, gathers = None, []
    for t in components:
        g = t._op
        if g.type != 'GatherV2' or g._control_inputs:
            return None
        params, indices, axis = g._inputs
        if params._op.type != 'Const' or axis._op.type != 'Const' or int(axis._op.get_attr('value')) != 0:
            return None
        if source is None:
            source = indices
        elif indices is not source:
            return None
        gathers.append((g, params._op.get_attr('value')))
    if source is None:
        return None
    dequeue = source._op
    if dequeue.type != 'QueueDequeueV2' or dequeue._control_inputs or len(dequeue._outputs) != 1:
        return None
    index_node, batch_node = dequeue._inputs[0]._op, enqueue_op._inputs[0]._op
    if index_node.type != 'FIFOQueueV2' or source.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
        return None
    queues = _host_queues(sess, [index_node, batch_node])
    if queues is None:
        return None
    index_queue, batch_queue = queues
    if batch_queue.dtypes != tuple(t.dtype.base_dtype for t in components) or batch_queue.shapes is None:
        return None
    for (g, value), shape in zip(gathers, batch_queue.shapes):
        if value.ndim < 1 or len(shape) != value.ndim - 1 or any(
                d is not None and d != v for d, v in zip(shape, value.shape[1:])):
            return None
    caps = [c for c in (index_queue.capacity, batch_queue.capacity) if c]
    chunk = max(1, min([CHUNK] + caps))
    dequeue_timeout = dequeue.get_attr('timeout_ms')
    enqueue_timeout = enqueue_op.get_attr('timeout_ms')
    timeout = getattr(sess, '_timeout_ms', 0)
    arrays = [value for _, value in gathers]

    def step():
        if getattr(sess, '_closed', False):
            raise RuntimeError('Attempted to use a closed Session.')
        with run_context.deadline_in(timeout) if timeout else contextlib.nullcontext():
            with _lock_for(index_queue):  # this runner's threads never race for the same elements
                n = min(chunk, max(1, index_queue.size()))
                taken = index_queue.dequeue_many(n, dequeue_timeout, allow_smaller=True)
            indices = np.array([int(e[0]) for e in taken], dtype=np.int64)
            good, error = len(indices), None
            for (g, value) in gathers:
                bad = np.flatnonzero((indices < 0) | (indices >= value.shape[0]))
                if bad.size and bad[0] < good:
                    good = int(bad[0])
                    error = errors.error_for_op(errors.InvalidArgumentError, g, 'indices = %d is not in [0, %d)'
                                                % (indices[good], value.shape[0]))
            if good:
                rows = [np.take(a, indices[:good], axis=0) for a in arrays]
                _enqueue_as_room_appears(batch_queue, [tuple(r[j, ...] for r in rows) for j in range(good)],
                                         enqueue_timeout)
            if error is not None:
                raise error
    return step


_locks = weakref.WeakKeyDictionary()  # queue object -> the lock chunked steps take around it
_locks_guard = threading.Lock()


def _lock_for(queue):
    with _locks_guard:
        lock = _locks.get(queue)
        if lock is None:
            lock = _locks[queue] = threading.Lock()
        return lock


def _enqueue_as_room_appears(queue, elements, timeout_ms):
    """Enqueues `elements` in order, as many at a time as there is room for, one (blocking) when full.

    That is how the same elements would go in one run at a time: a chunk never waits for room for
    all of it at once (a RandomShuffleQueue holding min_after_dequeue elements may never have it).
    The steps of this module take the queue's lock around it, so the room they see is theirs.
    """
    capacity = queue.capacity
    if capacity is None:
        queue.enqueue_many(elements, timeout_ms)
        return
    with _lock_for(queue):
        i = 0
        while i < len(elements):
            k = max(1, min(len(elements) - i, capacity - queue.size()))
            queue.enqueue_many(elements[i:i + k], timeout_ms)
            i += k


def _host_queues(sess, nodes):
    """The session's queue objects of the queue nodes, or None unless all live in host memory."""
    objects = sess.run([node._outputs[0] for node in nodes])
    placer = getattr(sess, '_placer', None)
    if placer is None or not all(placer.device_of(node).is_host for node in nodes):
        return None
    return objects


def _const_slices_step(sess, enqueue_op):
    """The chunked step for enqueue_many(Consts), or None: CHUNK rows per step, cycling as runs would."""
    if enqueue_op.type != 'QueueEnqueueManyV2' or enqueue_op._control_inputs:
        return None
    components = enqueue_op._inputs[1:]
    if not components or any(t._op.type != 'Const' for t in components):
        return None
    values = [t._op.get_attr('value') for t in components]
    if any(v.ndim < 1 for v in values) or len({v.shape[0] for v in values}) != 1 or not values[0].shape[0]:
        return None
    queues = _host_queues(sess, [enqueue_op._inputs[0]._op])
    if queues is None:
        return None
    batch_queue, = queues
    if batch_queue.dtypes != tuple(t.dtype.base_dtype for t in components) or batch_queue.shapes is None:
        return None
    for value, shape in zip(values, batch_queue.shapes):
        if len(shape) != value.ndim - 1 or any(d is not None and d != v for d, v in zip(shape, value.shape[1:])):
            return None
    total = values[0].shape[0]
    chunk = max(1, min([CHUNK] + [c for c in (batch_queue.capacity,) if c]))
    enqueue_timeout = enqueue_op.get_attr('timeout_ms')
    timeout = getattr(sess, '_timeout_ms', 0)
    position = [0]

    def step():
        if getattr(sess, '_closed', False):
            raise RuntimeError('Attempted to use a closed Session.')
        with run_context.deadline_in(timeout) if timeout else contextlib.nullcontext():
            start = position[0]
            stop = min(start + chunk, total)
            rows = [np.array(v[start:stop]) for v in values]  # the queue owns copies, never views of a Const
            _enqueue_as_room_appears(batch_queue, [tuple(r[j, ...] for r in rows) for j in range(stop - start)],
                                     enqueue_timeout)
            position[0] = 0 if stop == total else stop
    return step


def _static_value(t):
    """The value of a Const, or of a Reshape of a Const by a Const shape (parse defaults), else None."""
    op = t._op
    if op.type == 'Const':
        return op.get_attr('value')
    if op.type == 'Reshape' and not op._control_inputs:
        value, shape = (_static_value(x) for x in op._inputs)
        if value is not None and shape is not None:
            return np.reshape(value, [int(d) for d in np.reshape(shape, [-1])])
    return None


def _parse_chunk_step(sess, enqueue_op):
    """The chunked step for enqueue(dense features of parse_single_example(reader.read(queue))), or None.

    One step reads up to CHUNK records with the reader's read_up_to (records of one file), parses
    them as a batch and enqueues them as elements. TF would read, parse and enqueue them one run at
    a time: the elements and their order are the same. When a record fails to parse, the records
    before it are enqueued, the ones after it are handed back to the reader (unread) and the
    error is parse_single_example's for that record.
    """
    from sluice.kernels import parsing_kernels
    if enqueue_op.type != 'QueueEnqueueV2' or enqueue_op._control_inputs:
        return None
    components = enqueue_op._inputs[1:]
    parse = read = None
    picks = []  # per component: ('parse', output index) or ('read', 0 key / 1 value)
    for t in components:
        op = t._op
        if op.type == 'ParseExampleV2' and (parse is None or op is parse):
            parse = op
            picks.append(('parse', t.value_index))
        elif op.type == 'ReaderReadV2' and (read is None or op is read):
            read = op
            picks.append(('read', t.value_index))
        else:
            return None
    if parse is None or parse._control_inputs:
        return None
    serialized = parse._inputs[0]
    if serialized._op.type != 'ReaderReadV2' or serialized.value_index != 1 or (read is not None
                                                                              and serialized._op is not read):
        return None
    read = serialized._op
    if read._control_inputs or serialized.shape.ndims != 0:
        return None
    n_sparse = parse.get_attr('num_sparse')
    dense_shapes = list(parse.get_attr('dense_shapes'))
    for kind, index in picks:
        if kind == 'parse' and (index < 3 * n_sparse or index >= 3 * n_sparse + len(dense_shapes)
                                or not dense_shapes[index - 3 * n_sparse].is_fully_defined()):
            return None
    statics = [_static_value(t) for t in parse._inputs[1:]]
    if any(v is None for v in statics) or np.size(statics[0]) or np.size(statics[3]):
        return None  # names given, ragged keys, or defaults computed at run time
    parser = parsing_kernels.ExampleParser(
        parse, parsing_kernels._keys(statics[1]), list(parse.get_attr('sparse_types')),
        parsing_kernels._keys(statics[2]), list(parse.get_attr('Tdense')), dense_shapes)
    defaults = statics[4:]
    reader_node, filename_node, batch_node = read._inputs[0]._op, read._inputs[1]._op, enqueue_op._inputs[0]._op
    reader, filenames = sess.run([reader_node._outputs[0], filename_node._outputs[0]])
    queues = _host_queues(sess, [batch_node])
    if queues is None or not hasattr(reader, 'unread'):
        return None
    batch_queue, = queues
    if batch_queue.dtypes != tuple(t.dtype.base_dtype for t in components) or batch_queue.shapes is None:
        return None
    chunk = max(1, min([CHUNK] + [c for c in (batch_queue.capacity,) if c]))
    enqueue_timeout = enqueue_op.get_attr('timeout_ms')
    timeout = getattr(sess, '_timeout_ms', 0)

    def elements(keys, values, parsed):
        columns = []
        for kind, index in picks:
            if kind == 'read':
                columns.append(_string_column(keys if index == 0 else values))
            else:
                columns.append(parsed[index])
        return [tuple(c[j, ...] for c in columns) for j in range(len(keys))]

    def step():
        if getattr(sess, '_closed', False):
            raise RuntimeError('Attempted to use a closed Session.')
        with run_context.deadline_in(timeout) if timeout else contextlib.nullcontext():
            keys, values = reader.read_up_to(filenames, chunk)
            try:
                parsed = parser.parse(_string_column(values), None, defaults)
            except errors.OpError:
                # Find the first bad record as parse_single_example would see it.
                for j, value in enumerate(values):
                    try:
                        parser.parse(_string_column([value]).reshape(()), None, defaults)
                    except errors.OpError as e:
                        reader.unread(keys[j + 1:], values[j + 1:])
                        if j:
                            good = parser.parse(_string_column(values[:j]), None, defaults)
                            _enqueue_as_room_appears(batch_queue, elements(keys[:j], values[:j], good),
                                                     enqueue_timeout)
                        raise e from None
                raise
            _enqueue_as_room_appears(batch_queue, elements(keys, values, parsed), enqueue_timeout)
    return step


def _string_column(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out
