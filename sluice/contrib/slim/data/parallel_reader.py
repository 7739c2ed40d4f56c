"""slim's parallel_reader: records (key, value) read from many files at once.

`num_readers` instances of a reader class each read from the same filename queue and enqueue their
(key, value) records into one common queue (a RandomShuffleQueue when shuffling, else a FIFOQueue)
through a QueueRunner added to the QUEUE_RUNNERS collection; reading dequeues from the common queue.
Records interleave across files in whatever order the readers' threads produce them.
"""
from sluice.engine import dtypes as _dtypes
from sluice.engine.graph import name_scope
from sluice.io.graph_io import Glob
from sluice.ops import math_ops, summary_ops
from sluice.queues import data_flow_ops
from sluice.queues.input import string_input_producer
from sluice.queues.queue_runner import QueueRunner, add_queue_runner

_STRING, _FLOAT32 = _dtypes.string, _dtypes.float32  # parallel_read's `dtypes` argument shadows the module


class ParallelReader:
    """A reader whose `read` dequeues what `num_readers` instances of `reader_class` enqueue into
    `common_queue` (whose dtypes must be [tf.string, tf.string])."""

    def __init__(self, reader_class, common_queue, num_readers=4, reader_kwargs=None):
        if len(common_queue.dtypes) != 2 or any(d.base_dtype != _STRING for d in common_queue.dtypes):
            raise TypeError('common_queue.dtypes must be [tf.string, tf.string]')
        self._readers = [reader_class(**(reader_kwargs or {})) for _ in range(num_readers)]
        self._common_queue = common_queue

    @property
    def num_readers(self):
        return len(self._readers)

    @property
    def common_queue(self):
        return self._common_queue

    def read(self, queue, name=None):
        """The next (key, value) record of any reader."""
        self._configure_readers_by(queue)
        return self._common_queue.dequeue(name=name)

    def read_up_to(self, queue, num_records, name=None):
        """Up to `num_records` (keys, values) records."""
        self._configure_readers_by(queue)
        return self._common_queue.dequeue_up_to(num_records, name)

    def _configure_readers_by(self, queue):
        enqueues = [self._common_queue.enqueue(reader.read(queue)) for reader in self._readers]
        add_queue_runner(QueueRunner(self._common_queue, enqueues))

    def num_records_produced(self, name=None):
        return math_ops.add_n([r.num_records_produced() for r in self._readers], name=name)

    def num_work_units_completed(self, name=None):
        return math_ops.add_n([r.num_work_units_completed() for r in self._readers], name=name)


def get_data_files(data_sources):
    """The files of `data_sources` (a path, a glob pattern, or a list of them); ValueError for none."""
    if isinstance(data_sources, (list, tuple)):
        files = [f for source in data_sources for f in get_data_files(source)]
    elif any(c in data_sources for c in '*?['):
        files = Glob(data_sources)
    else:
        files = [data_sources]
    if not files:
        raise ValueError('No data files found in %s' % (data_sources,))
    return files


def parallel_read(data_sources, reader_class, num_epochs=None, num_readers=4, reader_kwargs=None, shuffle=True,
                  dtypes=None, capacity=256, min_after_dequeue=128, seed=None, scope=None):
    """(key, value) of the next record of `data_sources`, read by `num_readers` readers in parallel."""
    files = get_data_files(data_sources)
    with name_scope(scope, 'parallel_read'):
        filenames = string_input_producer(files, num_epochs=num_epochs, shuffle=shuffle, seed=seed, name='filenames')
        types = dtypes or [_STRING, _STRING]
        if shuffle:
            common = data_flow_ops.RandomShuffleQueue(capacity=capacity, min_after_dequeue=min_after_dequeue,
                                                      dtypes=types, seed=seed, name='common_queue')
        else:
            common = data_flow_ops.FIFOQueue(capacity=capacity, dtypes=types, name='common_queue')
        summary_ops.scalar('fraction_of_%d_full' % capacity,
                           math_ops.cast(common.size(), _FLOAT32) * (1. / capacity))
        return ParallelReader(reader_class, common, num_readers=num_readers, reader_kwargs=reader_kwargs).read(
            filenames)


def single_pass_read(data_sources, reader_class, reader_kwargs=None, scope=None):
    """(key, value) of the next record, reading each file of `data_sources` once, in order."""
    files = get_data_files(data_sources)
    with name_scope(scope, 'single_pass_read'):
        filenames = string_input_producer(files, num_epochs=1, shuffle=False, capacity=1, name='filenames')
        return reader_class(**(reader_kwargs or {})).read(filenames)
