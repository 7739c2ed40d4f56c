"""The queue behind numpy_input_fn: rows of in-memory arrays fed into a FIFO or RandomShuffle queue.

As TF 1.15's feeding_functions builds it: the queue holds (row index int64, column 1, column 2, ...);
each of `num_threads` threads enqueues `enqueue_size` rows per step, read by a feed function that walks
the rows in order from a start (random when shuffling, Python's `random` seeded by `seed`) and wraps
around; with num_epochs the last batch stops exactly at the end of the last epoch, and the next call
raises OutOfRangeError, which ends the thread (the last thread to end closes the queue). Shuffling
comes from the RandomShuffleQueue (min_after_dequeue = capacity / 4).
"""
import logging
import random

from sluice.engine import dtypes, errors
from sluice.engine import graph as _graph
from sluice.ops import graph_ops, math_ops
from sluice.ops import summary_ops
from sluice.queues import data_flow_ops
from sluice.queues.queue_runner import QueueRunner, add_queue_runner

__all__ = ['enqueue_data']

_log = logging.getLogger('sluice')


def next_batch_indices(start, batch_size, epoch_end, array_length, current_epoch, total_epochs):
    """(row indices of the next batch, epochs emitted after it); OutOfRangeError once all epochs are out."""
    if total_epochs is not None and current_epoch >= total_epochs:
        raise errors.OutOfRangeError(None, None, 'Already emitted %s epochs.' % current_epoch)
    indices = [j % array_length for j in range(start, start + batch_size)]
    epoch_ends = [i for i, x in enumerate(indices) if x == epoch_end]
    current_epoch += len(epoch_ends)
    if total_epochs is None or current_epoch < total_epochs:
        return indices, current_epoch
    last_inclusive = epoch_ends[-(current_epoch - total_epochs + 1)]
    return indices[:last_inclusive + 1], total_epochs


class _ArraysFeedFn:
    """Feeds the next `batch_size` rows of each column (and their indices) to the enqueue placeholders."""

    def __init__(self, placeholders, columns, batch_size, random_start=False, seed=None, num_epochs=None):
        self._index_placeholder = placeholders[0]
        self._col_placeholders = placeholders[1:]
        self._columns = columns
        self._max = len(columns[0])
        self._batch_size = batch_size
        self._num_epochs = num_epochs
        self._epoch = 0
        rng = random.Random(seed)
        self._trav = rng.randrange(self._max) if random_start else 0
        self._epoch_end = (self._trav - 1) % self._max

    def __call__(self):
        indices, self._epoch = next_batch_indices(self._trav, self._batch_size, self._epoch_end, self._max,
                                                  self._epoch, self._num_epochs)
        self._trav = (indices[-1] + 1) % self._max
        feed = {self._index_placeholder: indices}
        feed.update((p, col[indices]) for p, col in zip(self._col_placeholders, self._columns))
        return feed


class FeedingQueueRunner(QueueRunner):
    """A QueueRunner whose enqueue ops are fed by Python functions (one per op)."""

    def __init__(self, queue, enqueue_ops, feed_fns):
        super().__init__(queue=queue, enqueue_ops=enqueue_ops,
                         queue_closed_exception_types=(errors.OutOfRangeError, errors.CancelledError))
        self._feed_fns = {op: fn for op, fn in zip(enqueue_ops, feed_fns)}

    def _enqueue_step(self, sess, enqueue_op):
        feed_fn = self._feed_fns[enqueue_op]
        return lambda: sess.run(enqueue_op, feed_dict=feed_fn())

    def to_proto(self, export_scope=None):
        raise NotImplementedError('FeedingQueueRunner does not support serialization to proto.')


def enqueue_data(data, capacity, shuffle=False, min_after_dequeue=None, num_threads=1, seed=None,
                 name='enqueue_input', enqueue_size=1, num_epochs=None):
    """A queue filled (by a FeedingQueueRunner) with the rows of `data`, an OrderedDict of arrays."""
    columns = list(data.values())
    with _graph.get_default_graph().name_scope(name):
        types = [dtypes.int64] + [dtypes.as_dtype(col.dtype) for col in columns]
        shapes = [()] + [col.shape[1:] for col in columns]
        if num_threads > 1 and num_epochs is not None:
            _log.warning('enqueue_data was called with num_epochs and num_threads > 1. num_epochs is applied per '
                         'thread, so this will produce more epochs than you probably intend. If you want to limit '
                         'epochs, use one thread.')
        if not shuffle and num_threads > 1:
            _log.warning('enqueue_data was called with shuffle=False and num_threads > 1. This will create multiple '
                         'threads, all reading the array/dataframe in order. If you want examples read in order, '
                         'use one thread; if you want multiple threads, enable shuffling.')
        if shuffle:
            min_after_dequeue = int(capacity / 4 if min_after_dequeue is None else min_after_dequeue)
            queue = data_flow_ops.RandomShuffleQueue(capacity, min_after_dequeue, dtypes=types, shapes=shapes,
                                                     seed=seed)
        else:
            min_after_dequeue = 0
            queue = data_flow_ops.FIFOQueue(capacity, dtypes=types, shapes=shapes)
        enqueue_ops, feed_fns = [], []
        for i in range(num_threads):
            placeholders = [graph_ops.placeholder(t) for t in types]
            enqueue_ops.append(queue.enqueue_many(placeholders))
            feed_fns.append(_ArraysFeedFn(placeholders, columns, enqueue_size, random_start=shuffle,
                                          seed=None if seed is None else (i + 1) * seed, num_epochs=num_epochs))
        add_queue_runner(FeedingQueueRunner(queue, enqueue_ops, feed_fns))
        full = math_ops.cast(math_ops.maximum(0, queue.size() - min_after_dequeue), dtypes.float32) * (
            1. / (capacity - min_after_dequeue))
        summary_ops.scalar('queue/%sfraction_over_%d_of_%d_full' % (queue.name, min_after_dequeue,
                                                                     capacity - min_after_dequeue), full)
    return queue
