"""tf.summary (TF 1.x): the summary ops, FileWriter, FileWriterCache and the event protos.

    import sluice as tf
    loss_summary = tf.summary.scalar('loss', loss)
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter('/tmp/logs', sess.graph)
    writer.add_summary(sess.run(merged), global_step=step)

`FileWriter` is TF1's: every add_* call wraps its argument in an Event (wall_time = now, step =
global_step when given) and hands it to an EventFileWriter (sluice/io/event_file.py), which
writes from a background thread.  As TF, add_summary keeps a value's SummaryMetadata only the
first time its tag is seen (later values of the tag are written without it), add_run_metadata
refuses a tag used before (ValueError), and a closed writer warns and ignores events until
reopen().  Passing a graph to the constructor writes its GraphDef (with '_output_shapes') and a
MetaGraphDef holding it.  Protos may be sluice's or TensorFlow's own (converted through bytes).
"""
import threading
import time
import warnings

import numpy as np

from sluice.engine import graph as _graph
from sluice.io import graph_def as _graph_def
from sluice.io.event_file import EventFileWriter, same_message_type, summary_iterator
from sluice.io.protos import (Event, GraphDef, MetaGraphDef, SessionLog, Summary, SummaryDescription,
                              SummaryMetadata, TaggedRunMetadata)
from sluice.ops.summary_ops import (audio, get_summary_description, histogram, image, merge, merge_all, scalar,
                                    tensor_summary, text)

__all__ = ['Event', 'FileWriter', 'FileWriterCache', 'SessionLog', 'Summary', 'SummaryDescription',
           'SummaryMetadata', 'TaggedRunMetadata', 'audio', 'get_summary_description', 'histogram', 'image',
           'merge', 'merge_all', 'scalar', 'summary_iterator', 'tensor_summary', 'text']


def _as_message(message, cls):
    """`message` as sluice's `cls`: TF's or TensorBoard's proto of that type converts through bytes; else None."""
    if isinstance(message, cls):
        return message
    if same_message_type(message, cls):
        return cls.FromString(message.SerializeToString())
    return None


def _meta_graph_def(graph_def):
    """A MetaGraphDef around `graph_def` (built by sluice.io.meta_graph when that module has one)."""
    try:
        from sluice.io import meta_graph
        create = getattr(meta_graph, 'create_meta_graph_def', None)
    except ImportError:
        create = None
    if create is not None:
        try:
            made = _as_message(create(graph_def=graph_def), MetaGraphDef)
        except (TypeError, ValueError):
            made = None
        if made is not None:
            return made
    meta = MetaGraphDef()
    meta.graph_def.CopyFrom(graph_def)
    return meta


class FileWriter(object):
    """Writes Summary protos and events to an event file in `logdir` (tf.summary.FileWriter).

    `session` is accepted for compatibility; events are always written by the Python writer.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None, filename_suffix=None,
                 session=None):
        self.event_writer = EventFileWriter(logdir, max_queue, flush_secs, filename_suffix)
        self._closed = False
        self._session_run_tags = {}
        self._seen_summary_tags = set()
        if graph is not None or graph_def is not None:
            proto = self._graph_proto(graph, graph_def)
            self._add_graph_def(proto)
            self.add_meta_graph(_meta_graph_def(proto))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()

    def get_logdir(self):
        return self.event_writer.get_logdir()

    def _warn_if_closed(self):
        if self._closed:
            warnings.warn('Attempting to use a closed FileWriter. The operation will be a noop unless the '
                          'FileWriter is explicitly reopened.')

    def _add_event(self, event, step):
        self._warn_if_closed()
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.event_writer.add_event(event)

    def add_event(self, event):
        """Writes `event` (an Event proto) as it is."""
        self._warn_if_closed()
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step=None):
        """Writes a Summary (a proto or its serialized bytes, e.g. the result of running a summary op)."""
        if isinstance(summary, np.ndarray) and summary.dtype == object and summary.ndim == 0:
            summary = summary.item()  # a fetched scalar string tensor
        if isinstance(summary, (bytes, bytearray, memoryview)):
            summary = Summary.FromString(bytes(summary))
        else:
            converted = _as_message(summary, Summary)
            if converted is None:
                raise TypeError('add_summary expects a Summary proto or its serialized bytes, got %s'
                                % type(summary).__name__)
            summary = Summary.FromString(converted.SerializeToString())  # never modify the caller's proto
        for value in summary.value:  # (TF's `if not value.metadata` never skips: a message is truthy)
            if value.tag in self._seen_summary_tags:
                value.ClearField('metadata')  # TensorBoard keeps the first metadata of each tag
                continue
            self._seen_summary_tags.add(value.tag)
        self._add_event(Event(summary=summary), global_step)

    def add_session_log(self, session_log, global_step=None):
        converted = _as_message(session_log, SessionLog)
        if converted is None:
            raise TypeError('add_session_log expects a SessionLog proto, got %s' % type(session_log).__name__)
        self._add_event(Event(session_log=converted), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Writes the GraphDef of `graph` (a Graph, with output shapes; or a GraphDef)."""
        self._add_graph_def(self._graph_proto(graph, graph_def), global_step)

    def _add_graph_def(self, proto, global_step=None):
        self._add_event(Event(graph_def=proto.SerializeToString()), global_step)

    @staticmethod
    def _graph_proto(graph, graph_def):
        if graph is not None and graph_def is not None:
            raise ValueError('Please pass only graph, or graph_def (deprecated), but not both.')
        given = graph if graph is not None else graph_def
        if isinstance(given, _graph.Graph):
            proto = _graph_def.graph_to_graph_def(given, add_shapes=True)
        else:
            proto = _as_message(given, GraphDef)
            if proto is None:
                raise TypeError('The passed graph must be an instance of `Graph` or the deprecated `GraphDef`')
        return proto

    def add_meta_graph(self, meta_graph_def, global_step=None):
        converted = _as_message(meta_graph_def, MetaGraphDef)
        if converted is None:
            raise TypeError('meta_graph_def must be type MetaGraphDef, saw type: %s' % type(meta_graph_def))
        self._add_event(Event(meta_graph_def=converted.SerializeToString()), global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Writes a RunMetadata (e.g. from a FULL_TRACE run) under `tag`, which must be new."""
        if tag in self._session_run_tags:
            raise ValueError('The provided tag was already used for this event type')
        self._session_run_tags[tag] = True
        tagged = TaggedRunMetadata(tag=tag, run_metadata=run_metadata.SerializeToString())
        self._add_event(Event(tagged_run_metadata=tagged), global_step)

    def flush(self):
        """Writes every pending event to disk."""
        self._warn_if_closed()
        self.event_writer.flush()

    def close(self):
        """Flushes and closes the event file."""
        self.event_writer.close()
        self._closed = True

    def reopen(self):
        """Reopens a closed writer: later events go to a new event file in the same logdir."""
        self.event_writer.reopen()
        self._closed = False


class FileWriterCache(object):
    """One FileWriter per logdir, shared (tf.summary.FileWriterCache)."""
    _cache = {}
    _lock = threading.RLock()

    @staticmethod
    def clear():
        """Closes and forgets every cached writer."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache = {}

    @staticmethod
    def get(logdir):
        """The cached FileWriter of `logdir`, created with the default graph on first use."""
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriterCache._cache[logdir] = FileWriter(logdir, graph=_graph.get_default_graph())
            return writer


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.summary')
