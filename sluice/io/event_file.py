"""Event files, as TensorFlow writes them and TensorBoard reads them.

An event file is a TFRecord file (length, masked CRC32C of the length, data, masked CRC32C of the
data; framed here rather than by sluice.io.tfrecord's writer, so that a file can be appended to)
of serialized `Event` protos, read back with sluice.io.tfrecord.  Its name is
`<logdir>/events.out.tfevents.<seconds, 10 digits>.<hostname><suffix>`, and its first event
(written and flushed as the file opens) has wall_time = those whole seconds, file_version
'brain.Event:2' and source_metadata.writer naming the writer ('sluice.io.event_file'; TF
writes 'tensorflow.core.util.events_writer', which TensorBoard only logs), as TF's EventsWriter.

`EventsFile` is TF's EventsWriter: the file opens on the first write (at once when a suffix is
given, as TF's InitWithSuffix), `flush` pushes the written events to the OS and fsyncs, `close`
closes it, and a write after close opens a new file.  Where TF's writer would truncate a file of
the same name (reopened within the same second) this one appends to it, so no event is lost.

`EventFileWriter` is TF's python EventFileWriter: `add_event` serializes the event and puts it on
a bounded queue (`max_queue`: a full queue blocks the caller); one daemon thread takes events off
the queue and writes them, flushing when `flush_secs` have passed since its last flush.
`flush()` puts a flush marker on the queue and waits until the thread has reached it; `close()`
flushes, stops the thread and closes the file; `reopen()` starts a new thread (and so a new
file).  An error in the thread closes the queue; the next call re-raises it in the caller.
Nothing added is lost when close() is never called (TF flushes at exit too): the thread holds no
reference to its EventFileWriter, so a writer that is garbage-collected marks its queue abandoned
(a finalizer; no lock taken, since collection can happen anywhere) and the thread, which wakes
every POLL_SECONDS while idle, writes what is queued, closes the file and ends; a thread still
running at interpreter exit is closed by sluice.io.open_writers within its time limit.

`summary_iterator(path)` yields the Event protos of an event file (tf.train.summary_iterator).
"""
import collections
import logging
import os
import socket
import struct
import sys
import threading
import time
import weakref

from sluice.io import crc32c as _crc32c
from sluice.io import open_writers
from sluice.io.protos import Event
from sluice.io.tfrecord import _os_error, tf_record_iterator

__all__ = ['EventsFile', 'EventFileWriter', 'summary_iterator', 'as_event', 'same_message_type', 'FILE_VERSION']

logger = logging.getLogger('sluice')

FILE_VERSION = 'brain.Event:2'
WRITER_NAME = 'sluice.io.event_file'
POLL_SECONDS = 1.0   # how often an idle writer thread looks whether its writer was abandoned


def _frame(data):
    """One TFRecord record: length, masked CRC of the length, data, masked CRC of the data."""
    crc = _crc32c.value_function()
    length = struct.pack('<Q', len(data))
    return b''.join([length, struct.pack('<I', _crc32c.mask(crc(length))), data,
                     struct.pack('<I', _crc32c.mask(crc(data)))])


def same_message_type(message, cls):
    """Whether `message` is `cls` from another library: TensorFlow's protos (package tensorflow) or
    TensorBoard's copies (package tensorboard) share the wire format with sluice's."""
    full_name = getattr(getattr(message, 'DESCRIPTOR', None), 'full_name', None)
    if not isinstance(full_name, str) or '.' not in full_name:
        return False
    package, name = full_name.split('.', 1)
    return package in ('tensorflow', 'tensorboard') and name == cls.DESCRIPTOR.full_name.split('.', 1)[1]


def as_event(event):
    """`event` as sluice's Event: TF's or TensorBoard's Event protos are converted through bytes."""
    if isinstance(event, Event):
        return event
    if same_message_type(event, Event):
        return Event.FromString(event.SerializeToString())
    raise TypeError('`event` must be a tf.Event proto, got %s' % type(event).__name__)


class EventsFile(object):
    """Appends serialized events to `<prefix>.out.tfevents.<seconds>.<hostname><suffix>`."""

    def __init__(self, file_prefix):
        self._prefix = os.fspath(file_prefix)
        self._suffix = ''
        self._file = None
        self._path = None
        self._pending = []          # framed records not yet handed to the OS
        self._outstanding = 0       # events written since the last flush

    def init_with_suffix(self, suffix):
        self._suffix = suffix
        self._open_if_needed()

    @property
    def file_name(self):
        if self._path is None:
            self._open_if_needed()
        return self._path

    def _open_if_needed(self):
        if self._file is not None:
            return
        seconds = int(time.time())
        path = '%s.out.tfevents.%010d.%s%s' % (self._prefix, seconds, socket.gethostname(), self._suffix)
        try:
            self._file = open(path, 'ab')
        except OSError as e:
            raise _os_error(path, e) from None
        self._path = path
        self._outstanding = 0
        first = Event(wall_time=seconds, file_version=FILE_VERSION)
        first.source_metadata.writer = WRITER_NAME
        self.write(first.SerializeToString())
        self.flush()

    def write(self, serialized_event):
        if self._file is None:
            self._open_if_needed()
        self._pending.append(_frame(serialized_event))
        self._outstanding += 1

    def flush(self):
        if not self._outstanding or self._file is None:
            return
        data = b''.join(self._pending)
        self._pending.clear()
        try:
            self._file.write(data)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as e:
            raise _os_error(self._path, e) from None
        if not os.path.exists(self._path):  # deleted under us: the next event opens a new file
            logger.warning('Event file %s was deleted: %d events were lost; opening a new file.',
                           self._path, self._outstanding)
            self._file.close()
            self._file = None
        self._outstanding = 0

    def close(self):
        if self._file is None:
            return
        try:
            self.flush()
        finally:
            if self._file is not None:
                self._file.close()
            self._file = None
            self._pending.clear()
            self._outstanding = 0


class _QueueClosed(Exception):
    pass


class _ClosableQueue(object):
    """A bounded FIFO whose put() fails (instead of blocking forever) once the consumer has gone.

    `abandoned` is set, without the lock, when the producer is collected: the consumer drains the
    queue and ends.
    """

    EMPTY = object()   # what get() returns when its timeout passes

    def __init__(self, maxsize):
        self._maxsize = maxsize
        self._items = collections.deque()
        self._closed = False
        self.abandoned = False
        lock = threading.Lock()
        self._not_empty = threading.Condition(lock)
        self._not_full = threading.Condition(lock)

    def get(self, timeout=None):
        with self._not_empty:
            while not self._items:
                if not self._not_empty.wait(timeout):
                    return self.EMPTY
            item = self._items.popleft()
            self._not_full.notify()
            return item

    def put(self, item):
        with self._not_full:
            if self._closed:
                raise _QueueClosed()
            while self._maxsize > 0 and len(self._items) >= self._maxsize:
                self._not_full.wait()
                if self._closed:
                    raise _QueueClosed()
            self._items.append(item)
            self._not_empty.notify()

    def close(self):
        with self._not_full:
            self._closed = True
            self._not_full.notify_all()


def _abandon(queue):
    """The finalizer of an EventFileWriter collected without close()."""
    queue.abandoned = True


class _EventWriterThread(threading.Thread):
    """Takes serialized events off the queue and writes them; flushes every flush_secs.

    Ends, with the file flushed and closed, at the close marker or, once the queue is abandoned and
    empty, by itself. Registered with open_writers while it runs.
    """

    def __init__(self, queue, events_file, flush_secs, flush_done, flush_marker, close_marker):
        super().__init__(name='EventLoggerThread', daemon=True)
        self._queue = queue
        self._file = events_file
        self._flush_secs = flush_secs
        self._flush_done = flush_done
        self._flush_marker = flush_marker
        self._close_marker = close_marker
        self._next_flush = 0.0
        self.failure = None

    def __repr__(self):
        return '<event file writer of %s>' % (self._file._path or self._file._prefix)

    def run(self):
        try:
            while True:
                item = self._queue.get(POLL_SECONDS)
                if item is _ClosableQueue.EMPTY:
                    if self._queue.abandoned:
                        self._file.close()
                        return
                    if time.time() > self._next_flush:  # idle: what was written reaches the disk
                        self._file.flush()
                        self._next_flush = time.time() + self._flush_secs
                    continue
                if item is self._close_marker:
                    self._file.close()
                    return
                if item is self._flush_marker:
                    self._file.flush()
                    self._flush_done.set()
                    continue
                self._file.write(item)
                now = time.time()
                if now > self._next_flush:
                    self._file.flush()
                    self._next_flush = now + self._flush_secs
        except BaseException as e:  # handed to the caller by the next add_event / flush / close
            logger.error('EventFileWriter writer thread error: %s', e)
            self.failure = sys.exc_info()
        finally:
            self._flush_done.set()
            self._queue.close()
            open_writers.untrack(self)

    def _close_at_exit(self):
        """Writes what is queued, closes the file and ends (called by open_writers at exit)."""
        try:
            self._queue.put(self._close_marker)
        except _QueueClosed:
            pass
        self.join()


class EventFileWriter(object):
    """Writes Event protos to a new event file in `logdir` from a background thread."""

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_suffix=None):
        self._logdir = str(os.fspath(logdir))
        try:
            os.makedirs(self._logdir, exist_ok=True)
        except OSError as e:
            raise _os_error(self._logdir, e) from None
        self._max_queue = max_queue
        self._flush_secs = flush_secs
        self._flush_done = threading.Event()
        self._flush_marker = object()
        self._close_marker = object()
        self._file = EventsFile(os.path.join(self._logdir, 'events'))
        if filename_suffix:
            self._file.init_with_suffix(filename_suffix)
        self._start()
        self._closed = False

    def _start(self):
        self._queue = _ClosableQueue(self._max_queue)
        self._worker = _EventWriterThread(self._queue, self._file, self._flush_secs, self._flush_done,
                                          self._flush_marker, self._close_marker)
        open_writers.track(self._worker)
        self._worker.start()
        self._finalizer = weakref.finalize(self, _abandon, self._queue)

    def get_logdir(self):
        return self._logdir

    @property
    def file_name(self):
        """The path of the current event file (None before the first event without a suffix)."""
        return self._file._path

    def reopen(self):
        """After close(): starts writing again, into a new event file."""
        if self._closed:
            self._start()
            self._closed = False

    def add_event(self, event):
        """Queues one Event (sluice's or TF's proto) for writing; a no-op once closed."""
        if not self._closed:
            self._put(as_event(event).SerializeToString())

    def _raise_failure(self):
        failure = self._worker.failure
        if failure:
            raise failure[1].with_traceback(failure[2])

    def _put(self, item):
        """Queues `item`; False when the thread has ended (closed at exit), its failure raised if any."""
        try:
            self._queue.put(item)
            return True
        except _QueueClosed:
            self._internal_close()
            self._raise_failure()
            return False

    def flush(self):
        """Blocks until every event added so far is written to disk."""
        if self._closed:
            return
        self._flush_done.clear()
        if not self._put(self._flush_marker):
            return
        self._flush_done.wait()
        if self._worker.failure:
            self._internal_close()
            self._raise_failure()

    def close(self):
        """Flushes and closes the file; later add_event calls are ignored until reopen()."""
        if not self._closed:
            self.flush()
            self._put(self._close_marker)
            self._internal_close()

    def _internal_close(self):
        self._closed = True
        self._finalizer.detach()
        self._worker.join()
        self._file.close()


def summary_iterator(path):
    """An iterator over the Event protos in the event file `path` (tf.train.summary_iterator).

    The file is opened here: a missing file is a NotFoundError at the call, as TF.
    """
    records = tf_record_iterator(path)
    return (Event.FromString(record) for record in records)
