"""Queue-based input pipelines (tf.train.*_input_producer, batch, shuffle_batch; TF 1.x).

Producers fill a FIFOQueue from a tensor, one epoch per run of their enqueue op:

    input_producer(t)         [shuffle: RandomShuffle] -> [limit_epochs] -> FIFOQueue.enqueue_many
    string_input_producer     Assert(size > 0) then input_producer, element shape []
    range_input_producer(n)   input_producer(range(n))
    slice_input_producer(ts)  range_input_producer(len) + dequeue + gather of each tensor

Batchers queue single elements (or slices with enqueue_many) in a FIFOQueue, a
PaddingFIFOQueue (dynamic_pad) or a RandomShuffleQueue and return its dequeue_many(batch_size)
(dequeue_up_to when allow_smaller_final_batch: the batch dimension is then None). Lists stay
lists; a dict comes back as a dict with the same keys (components in sorted key order).
Each adds its QueueRunner to QUEUE_RUNNERS and TF's scalar summary of how full the queue is
(fraction_of_<capacity>_full, fraction_over_<min>_of_<capacity - min>_full).

num_epochs: limit_epochs keeps a local int64 variable 'epochs' (LOCAL_VARIABLES: run
tf.local_variables_initializer()) and a CountUpTo op before the tensor; once it reaches
num_epochs the producer's enqueue fails with OutOfRangeError, its QueueRunner closes the queue,
the consumers drain it and then see OutOfRangeError themselves.

The graph is TF's node for node (names included). Producers use the plain QueueRunner; batchers
use ChunkingQueueRunner (chunking.py), which runs the common enqueue subgraphs (slice_input_producer's
gathers, enqueue_many of constants, reader + parse_single_example) CHUNK elements per step with
NumPy, the same elements in the same order, and any other enqueue op one run per element as TF does.
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import tensor_shape
from sluice.engine.graph import GraphKeys
from sluice.engine.op_registry import register_op
from sluice.ops import array_ops
from sluice.ops import constant_op
from sluice.ops import control_flow_ops
from sluice.ops import graph_ops
from sluice.ops import math_ops
from sluice.ops import random_ops
from sluice.ops import summary_ops
from sluice.ops import variables
from sluice.ops.indexed_slices import IndexedSlices, convert_to_tensor_or_indexed_slices
from sluice.ops.sparse_tensor import SparseTensor
from sluice.queues import data_flow_ops
from sluice.queues.chunking import ChunkingQueueRunner
from sluice.queues.queue_runner import QueueRunner, add_queue_runner

__all__ = ['limit_epochs', 'input_producer', 'string_input_producer', 'range_input_producer', 'slice_input_producer',
           'match_filenames_once', 'batch', 'batch_join', 'shuffle_batch', 'shuffle_batch_join', 'count_up_to']


def _count_up_to_shape(op):
    shape = op._inputs[0]._shape
    if shape._dims is not None and len(shape._dims) != 0:
        raise ValueError("Shape must be rank 0 but is rank %d for '%s' (op: 'CountUpTo')" % (len(shape._dims), op.name))
    return [tensor_shape.TensorShape([])]


register_op('CountUpTo', inputs=['ref: Ref(T)'], outputs=['output: T'], attrs={'limit': 'int', 'T': 'type'},
            shape_fn=_count_up_to_shape)


def count_up_to(ref, limit, name=None):
    """The value of the int variable `ref`, incremented after; OutOfRangeError once it reaches `limit`."""
    variable = ref
    ref = ref._ref() if hasattr(ref, '_ref') else ref
    if not isinstance(ref, _graph.Tensor) or not ref.dtype._is_ref_dtype:
        raise TypeError("'CountUpTo' Op requires that input 'ref' be a mutable tensor (e.g.: a tf.Variable)")
    if ref.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError("Value passed to parameter 'ref' has DataType %s not in list of allowed values: int32, int64"
                        % ref.dtype.base_dtype.name)
    g = ref.graph
    with g.as_default(), g.colocate_with(getattr(variable, 'op', ref.op)):
        return g._create_op('CountUpTo', [ref], {'limit': int(limit)}, name=name or 'CountUpTo')._outputs[0]


# -- producers -----------------------------------------------------------------------------------------

def limit_epochs(tensor, num_epochs=None, name=None):
    """`tensor`, `num_epochs` times; then evaluating it raises OutOfRangeError (a local 'epochs' counter)."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError('num_epochs must be > 0 not %d.' % num_epochs)
    with _graph.name_scope(name, 'limit_epochs', [tensor]) as name:
        zero64 = constant_op.constant(0, dtype=dtypes.int64)
        epochs = variables.Variable(zero64, name='epochs', trainable=False,
                                    collections=[GraphKeys.LOCAL_VARIABLES])
        counter = count_up_to(epochs, num_epochs)
        with _graph.get_default_graph().control_dependencies([counter]):
            return graph_ops.identity(tensor, name=name)


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None, capacity=32,
                   shared_name=None, summary_name=None, name=None, cancel_op=None):
    """A FIFOQueue fed with the rows of `input_tensor` (one epoch per enqueue) by a QueueRunner."""
    with _graph.name_scope(name, 'input_producer', [input_tensor]):
        input_tensor = _graph.convert_to_tensor(input_tensor, name='input_tensor')
        element_shape = input_tensor.shape[1:].merge_with(tensor_shape.as_shape(element_shape))
        if not element_shape.is_fully_defined():
            raise ValueError('Either `input_tensor` must have a fully defined shape or `element_shape` must be '
                             'specified')
        if shuffle:
            input_tensor = random_ops.random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        q = data_flow_ops.FIFOQueue(capacity=capacity, dtypes=[input_tensor.dtype.base_dtype],
                                    shapes=[element_shape], shared_name=shared_name, name=name)
        enq = q.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
        if summary_name is not None:
            summary_ops.scalar(summary_name, math_ops.cast(q.size(), dtypes.float32) * (1. / capacity))
        return q


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                          name=None, cancel_op=None):
    """A queue of the strings of `string_tensor` (file names, usually), shuffled per epoch by default."""
    not_null_err = 'string_input_producer requires a non-null input tensor'
    if not isinstance(string_tensor, _graph.Tensor) and not _non_empty(string_tensor):
        raise ValueError(not_null_err)
    with _graph.name_scope(name, 'input_producer', [string_tensor]) as name:
        string_tensor = _graph.convert_to_tensor(string_tensor, dtype=dtypes.string)
        check = control_flow_ops.Assert(math_ops.greater(array_ops.size(string_tensor), 0), [not_null_err])
        with _graph.get_default_graph().control_dependencies([check]):
            string_tensor = graph_ops.identity(string_tensor)
        return input_producer(input_tensor=string_tensor, element_shape=[], num_epochs=num_epochs, shuffle=shuffle,
                              seed=seed, capacity=capacity, shared_name=shared_name, name=name,
                              summary_name='fraction_of_%d_full' % capacity, cancel_op=cancel_op)


def _non_empty(value):
    try:
        return len(value) > 0
    except TypeError:
        return bool(value)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None, name=None):
    """A queue of the integers 0 .. limit-1, shuffled per epoch by default."""
    with _graph.name_scope(name, 'input_producer', [limit]) as name:
        range_tensor = array_ops.range(limit)
        return input_producer(range_tensor, [], num_epochs, shuffle, seed, capacity, shared_name,
                              'fraction_of_%d_full' % capacity, name)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32, shared_name=None,
                         name=None):
    """One slice (row) of each tensor of `tensor_list` per evaluation, the same row of each."""
    with _graph.name_scope(name, 'input_producer', list(tensor_list)):
        tensor_list = [convert_to_tensor_or_indexed_slices(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError('Expected at least one tensor in slice_input_producer().')
        range_size = array_ops.shape(tensor_list[0])[0]
        queue = range_input_producer(range_size, num_epochs=num_epochs, shuffle=shuffle, seed=seed,
                                     capacity=capacity, shared_name=shared_name)
        index = queue.dequeue()
        return [array_ops.gather(t, index) for t in tensor_list]


def match_filenames_once(pattern, name=None):
    """A local variable holding the file names matching `pattern`, computed once by its initializer."""
    from sluice.queues import readers
    with _graph.name_scope(name, 'matching_filenames', [pattern]) as name:
        return variables.Variable(name=name, initial_value=readers.matching_files(pattern), trainable=False,
                                  validate_shape=False, collections=[GraphKeys.LOCAL_VARIABLES])


# -- batching ----------------------------------------------------------------------------------------------

def _as_tensor_list(tensors):
    if isinstance(tensors, dict):
        return [tensors[k] for k in sorted(tensors, key=str)]
    return tensors


def _as_tensor_list_list(tensors_list):
    if not tensors_list:
        raise ValueError('Expected at least one set of tensors')
    if isinstance(tensors_list[0], dict):
        expected = set(tensors_list[0].keys())
        for tensors in tensors_list[1:]:
            if set(tensors.keys()) != expected:
                raise ValueError('All dictionaries in tensors_list must have the same keys')
        return [_as_tensor_list(tensors) for tensors in tensors_list]
    return tensors_list


def _as_original_type(original, tensor_list):
    if isinstance(original, dict):
        if len(original) == 1:
            tensor_list = [tensor_list]
        return {k: tensor_list[i] for i, k in enumerate(sorted(original, key=str))}
    return tensor_list


def _validate(tensor_list, what='batch()'):
    if isinstance(tensor_list, (_graph.Tensor, SparseTensor)):
        raise TypeError('tensors must be a list or a dict of tensors, not a single %s' % type(tensor_list).__name__)
    converted = []
    for t in tensor_list:
        if isinstance(t, SparseTensor):
            raise NotImplementedError('sluice does not batch SparseTensors yet (TF stores them in a '
                                      'SparseTensorsMap); densify them first')
        t = convert_to_tensor_or_indexed_slices(t)
        if isinstance(t, IndexedSlices):
            t = _graph.convert_to_tensor(t)
        converted.append(t)
    if not converted:
        raise ValueError('Expected at least one tensor in %s.' % what)
    return converted


def _keep_input_const():
    # TF converts keep_input=True to a tensor (the 'Const' bool node of every batch scope).
    return _graph.convert_to_tensor(True)


def _dtypes(tensor_list_list):
    types = [t.dtype for t in tensor_list_list[0]]
    for tl in tensor_list_list[1:]:
        other = [t.dtype for t in tl]
        if other != types:
            raise TypeError('Expected types to be consistent: %s vs. %s.'
                            % (', '.join(x.name for x in types), ', '.join(x.name for x in other)))
    return types


def _merge_shapes(shape_list, enqueue_many):
    shape_list = [tensor_shape.as_shape(s) for s in shape_list]
    if enqueue_many:
        shape_list = [s.with_rank_at_least(1)[1:] for s in shape_list]
    merged = shape_list[0]
    for s in shape_list[1:]:
        merged.merge_with(s)
    return merged.as_list()


def _shapes(tensor_list_list, shapes, enqueue_many):
    if shapes is not None:
        return shapes
    n = len(tensor_list_list[0])
    for tl in tensor_list_list:
        for i in range(n):
            if tl[i].shape.ndims is None:
                raise ValueError("Cannot infer Tensor's rank: %s" % tl[i])
    return [_merge_shapes([tl[i].shape.as_list() for tl in tensor_list_list], enqueue_many) for i in range(n)]


def _enqueue(queue, tensor_list, threads, enqueue_many):
    enqueue = queue.enqueue_many if enqueue_many else queue.enqueue
    op = enqueue(tensor_list)
    add_queue_runner(ChunkingQueueRunner(queue, [op] * threads))


def _enqueue_join(queue, tensor_list_list, enqueue_many):
    enqueue = queue.enqueue_many if enqueue_many else queue.enqueue
    ops = [enqueue(tl) for tl in tensor_list_list]
    add_queue_runner(ChunkingQueueRunner(queue, ops))


def _dequeue(queue, batch_size, allow_smaller_final_batch, name):
    if allow_smaller_final_batch:
        return queue.dequeue_up_to(batch_size, name=name)
    return queue.dequeue_many(batch_size, name=name)


def _fraction_full_summary(queue, capacity):
    summary_ops.scalar('fraction_of_%d_full' % capacity,
                       math_ops.cast(queue.size(), dtypes.float32) * (1. / capacity))


def _fraction_over_summary(queue, capacity, min_after_dequeue):
    full = (math_ops.cast(math_ops.maximum(0, queue.size() - min_after_dequeue), dtypes.float32)
            * (1. / (capacity - min_after_dequeue)))
    summary_ops.scalar('fraction_over_%d_of_%d_full' % (min_after_dequeue, capacity - min_after_dequeue), full)


def _queue_class(dynamic_pad):
    return data_flow_ops.PaddingFIFOQueue if dynamic_pad else data_flow_ops.FIFOQueue


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
          allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of `batch_size` elements of `tensors` (a list or dict), in order, filled by `num_threads` threads."""
    tensor_list = _as_tensor_list(tensors)
    with _graph.name_scope(name, 'batch', list(tensor_list)) as name:
        tensor_list = _validate(tensor_list)
        _keep_input_const()
        types = _dtypes([tensor_list])
        shapes = _shapes([tensor_list], shapes, enqueue_many)
        queue = _queue_class(dynamic_pad)(capacity=capacity, dtypes=types, shapes=shapes, shared_name=shared_name)
        _enqueue(queue, tensor_list, num_threads, enqueue_many)
        _fraction_full_summary(queue, capacity)
        dequeued = _dequeue(queue, batch_size, allow_smaller_final_batch, name)
        return _as_original_type(tensors, dequeued)


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None, dynamic_pad=False,
               allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches from several lists (or dicts) of tensors, one enqueuing thread each."""
    tensor_list_list = _as_tensor_list_list(tensors_list)
    flat = [t for tl in tensor_list_list for t in tl]
    with _graph.name_scope(name, 'batch_join', flat) as name:
        tensor_list_list = [_validate(tl, 'batch_join()') for tl in tensor_list_list]
        _keep_input_const()
        types = _dtypes(tensor_list_list)
        shapes = _shapes(tensor_list_list, shapes, enqueue_many)
        queue = _queue_class(dynamic_pad)(capacity=capacity, dtypes=types, shapes=shapes, shared_name=shared_name)
        _enqueue_join(queue, tensor_list_list, enqueue_many)
        _fraction_full_summary(queue, capacity)
        dequeued = _dequeue(queue, batch_size, allow_smaller_final_batch, name)
        return _as_original_type(tensors_list[0], dequeued)


def _check_capacity(capacity, min_after_dequeue):
    if capacity <= min_after_dequeue:
        raise ValueError('capacity %d must be bigger than min_after_dequeue %d.' % (capacity, min_after_dequeue))


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None, enqueue_many=False,
                  shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of elements drawn at random from a RandomShuffleQueue holding at least min_after_dequeue."""
    tensor_list = _as_tensor_list(tensors)
    with _graph.name_scope(name, 'shuffle_batch', list(tensor_list)) as name:
        _check_capacity(capacity, min_after_dequeue)
        tensor_list = _validate(tensor_list)
        _keep_input_const()
        types = _dtypes([tensor_list])
        shapes = _shapes([tensor_list], shapes, enqueue_many)
        queue = data_flow_ops.RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue, seed=seed,
                                                 dtypes=types, shapes=shapes, shared_name=shared_name)
        _enqueue(queue, tensor_list, num_threads, enqueue_many)
        _fraction_over_summary(queue, capacity, min_after_dequeue)
        dequeued = _dequeue(queue, batch_size, allow_smaller_final_batch, name)
        return _as_original_type(tensors, dequeued)


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None, enqueue_many=False,
                       shapes=None, allow_smaller_final_batch=False, shared_name=None, name=None):
    """shuffle_batch over several lists (or dicts) of tensors, one enqueuing thread each."""
    tensor_list_list = _as_tensor_list_list(tensors_list)
    flat = [t for tl in tensor_list_list for t in tl]
    with _graph.name_scope(name, 'shuffle_batch_join', flat) as name:
        _check_capacity(capacity, min_after_dequeue)
        tensor_list_list = [_validate(tl, 'shuffle_batch_join()') for tl in tensor_list_list]
        _keep_input_const()
        types = _dtypes(tensor_list_list)
        shapes = _shapes(tensor_list_list, shapes, enqueue_many)
        queue = data_flow_ops.RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue, seed=seed,
                                                 dtypes=types, shapes=shapes, shared_name=shared_name)
        _enqueue_join(queue, tensor_list_list, enqueue_many)
        _fraction_over_summary(queue, capacity, min_after_dequeue)
        dequeued = _dequeue(queue, batch_size, allow_smaller_final_batch, name)
        return _as_original_type(tensors_list[0], dequeued)
