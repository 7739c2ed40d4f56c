"""tfdbg's session wrappers: a Session whose run() calls can be watched, tensor by tensor.

`BaseDebugWrapperSession` wraps a Session (or anything with its run()) and forwards everything
else to it (graph, close, context manager). Its `_watched_run` runs one call through the plan's
step-by-step walk, collecting every node output (dumps.py); `add_tensor_filter(name, fn)`
registers filters fn(datum, tensor) -> bool, such as has_inf_or_nan, for `run -f`.

`DumpingDebugWrapperSession(sess, session_root)` watches every run and writes its dumps in TF's
layout under session_root/run_<microseconds>_<n>/ (with the graph), without stopping; a run that
fails still writes what it saw before the failing node, then raises. `watch_fn(fetches, feeds)`
may return a predicate (node name, op type) -> bool to dump only some nodes.
"""
import os
import time

import numpy as np

from sluice.python.debug import dumps as _dumps


class BaseDebugWrapperSession:
    def __init__(self, sess, thread_name_filter=None):
        self._sess = sess
        self._thread_name_filter = thread_name_filter
        self._tensor_filters = {}
        self._run_call_count = 0

    # -- the wrapped session ------------------------------------------------------------------
    graph = property(lambda self: self._sess.graph)
    sess_str = property(lambda self: self._sess.sess_str)
    session = property(lambda self: self._sess)
    run_call_count = property(lambda self: self._run_call_count)

    def __getattr__(self, name):
        return getattr(self._sess, name)

    def __enter__(self):
        self._sess.__enter__()
        return self

    def __exit__(self, *exc):
        return self._sess.__exit__(*exc)

    def close(self):
        self._sess.close()

    def add_tensor_filter(self, filter_name, tensor_filter):
        """Registers tensor_filter(datum, tensor) -> bool under filter_name (for `run -f`)."""
        if not callable(tensor_filter):
            raise TypeError('tensor_filter must be callable')
        self._tensor_filters[filter_name] = tensor_filter

    def _plain_run(self, fetches, feed_dict, options, run_metadata):
        return self._sess.run(fetches, feed_dict=feed_dict, options=options, run_metadata=run_metadata)

    def _watched_run(self, fetches, feed_dict, watch=None):
        """(results or None, the dumps, the exception or None): one run with every output collected."""
        collector = _dumps.DumpCollector(watch)
        session = self._sess
        while not hasattr(session, '_run_watched') and hasattr(session, '_sess'):
            session = session._sess        # a wrapper around a wrapper
        try:
            with np.errstate(all='ignore'):    # TF computes inf and NaN quietly; finding them is our job
                return session._run_watched(fetches, feed_dict, collector), collector.dumps, None
        except Exception as e:   # noqa: BLE001  (shown, then raised by the caller)
            return None, collector.dumps, e


class DumpingDebugWrapperSession(BaseDebugWrapperSession):
    """Dumps every tensor of every run under session_root/run_<us>_<n>/, in TF's layout."""

    def __init__(self, sess, session_root, watch_fn=None, thread_name_filter=None, pass_through_operrors=False,
                 log_usage=True):
        super().__init__(sess, thread_name_filter)
        if os.path.isfile(session_root):
            raise ValueError('session_root path points to a file: %s' % session_root)
        os.makedirs(session_root, exist_ok=True)
        self._session_root = session_root
        self._watch_fn = watch_fn
        self.last_dump_root = None

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        self._run_call_count += 1
        watch = self._watch_fn(fetches, feed_dict) if self._watch_fn is not None else None
        results, dumped, error = self._watched_run(fetches, feed_dict, watch)
        root = os.path.join(self._session_root, 'run_%d_%d' % (int(time.time() * 1e6), self._run_call_count))
        _dumps.write_dump(root, dumped, self.graph.as_graph_def())
        self.last_dump_root = root
        if error is not None:
            raise error
        return results
