"""tf.train.Supervisor: TF 1.x's pre-MonitoredSession training helper (one process, chief only).

As TF 1.15's supervisor.py: the constructor fills ready_op, init_op, local_init_op, saver, summary_op
and global_step from the graph's collections or their defaults (adding the defaults there), opens a
FileWriter on logdir and finalizes the graph. prepare_or_wait_for_session restores the latest
checkpoint of logdir or runs init_op (SessionManager), writes graph.pbtxt and the graph's events, and
starts the standard services, each a LooperThread of the Supervisor's Coordinator that runs at once
and then on its timer: summaries every save_summaries_secs, global_step/sec beside them, and a
checkpoint (logdir/model.ckpt-<step>) every save_model_secs; then the graph's queue runners.
managed_session wraps that in a `with` block: an exception stops the Coordinator (OutOfRangeError is a
clean stop, anything else is raised again by stop()), and the session is closed on the way out.
A non-chief Supervisor would wait for a chief in another process, which sluice does not have.
"""
import contextlib
import logging
import os
import time

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.io.protos import SessionLog, Summary
from sluice.queues.coordinator import Coordinator, LooperThread
from sluice.training import training_util
from sluice.training.monitored_session import SessionManager

__all__ = ['Supervisor']

_log = logging.getLogger('sluice')


def _first_in_collection(key):
    found = _graph.get_default_graph().get_collection(key)
    if len(found) > 1:
        _log.info('Found %d %s operations. Returning the first one.', len(found), key)
    return found[0] if found else None


class Supervisor:
    """Initializes or restores a session and keeps checkpoints and summaries in logdir while it trains."""

    USE_DEFAULT = 0

    def __init__(self, graph=None, ready_op=USE_DEFAULT, ready_for_local_init_op=USE_DEFAULT, is_chief=True,
                 init_op=USE_DEFAULT, init_feed_dict=None, local_init_op=USE_DEFAULT, logdir=None,
                 summary_op=USE_DEFAULT, saver=USE_DEFAULT, global_step=USE_DEFAULT, save_summaries_secs=120,
                 save_model_secs=600, recovery_wait_secs=30, stop_grace_secs=120, checkpoint_basename='model.ckpt',
                 session_manager=None, summary_writer=USE_DEFAULT, init_fn=None, local_init_run_options=None):
        graph = graph or _graph.get_default_graph()
        with graph.as_default():
            self._init_ops(ready_op, ready_for_local_init_op, init_op, local_init_op)
            self._init_saver_summary_step(saver, summary_op, global_step)
        self._init_feed_dict = init_feed_dict
        self._graph = graph
        from sluice.io.meta_graph import create_meta_graph_def
        self._meta_graph_def = create_meta_graph_def(graph_def=graph.as_graph_def(add_shapes=True),
                                                     saver_def=self._saver.saver_def if self._saver else None,
                                                     graph=graph)
        self._is_chief = is_chief
        self._coord = Coordinator()
        self._stop_grace_secs = stop_grace_secs
        self._init_fn = init_fn
        self._started_threads = []
        self._logdir = self._save_summaries_secs = self._save_model_secs = self._save_path = None
        self._summary_writer = None
        if is_chief:
            self._logdir = logdir
            self._save_summaries_secs = save_summaries_secs
            self._save_model_secs = save_model_secs
            if logdir:
                self._save_path = os.path.join(logdir, checkpoint_basename)
            if summary_writer is Supervisor.USE_DEFAULT:
                if logdir:
                    from sluice.summary import FileWriter
                    self._summary_writer = FileWriter(logdir)
            else:
                self._summary_writer = summary_writer
            self._graph_added_to_summary = False
        self._session_manager = session_manager or SessionManager(
            local_init_op=self._local_init_op, ready_op=self._ready_op,
            ready_for_local_init_op=self._ready_for_local_init_op, graph=graph,
            recovery_wait_secs=recovery_wait_secs, local_init_run_options=local_init_run_options)
        graph.finalize()

    def _init_ops(self, ready_op, ready_for_local_init_op, init_op, local_init_op):
        import sluice as tf
        graph = _graph.get_default_graph()
        if ready_op is Supervisor.USE_DEFAULT:
            ready_op = _first_in_collection(GraphKeys.READY_OP)
            if ready_op is None:
                ready_op = tf.report_uninitialized_variables()
                graph.add_to_collection(GraphKeys.READY_OP, ready_op)
        self._ready_op = ready_op
        if ready_for_local_init_op is Supervisor.USE_DEFAULT:  # None unless the graph has one, as in TF
            ready_for_local_init_op = _first_in_collection(GraphKeys.READY_FOR_LOCAL_INIT_OP)
        self._ready_for_local_init_op = ready_for_local_init_op
        if init_op is Supervisor.USE_DEFAULT:
            init_op = _first_in_collection(GraphKeys.INIT_OP)
            if init_op is None:
                init_op = tf.global_variables_initializer()
                graph.add_to_collection(GraphKeys.INIT_OP, init_op)
        self._init_op = init_op
        if local_init_op is Supervisor.USE_DEFAULT:
            local_init_op = _first_in_collection(GraphKeys.LOCAL_INIT_OP)
            if local_init_op is None:
                local_init_op = tf.group(tf.local_variables_initializer(),
                                         *graph.get_collection(GraphKeys.TABLE_INITIALIZERS))
                graph.add_to_collection(GraphKeys.LOCAL_INIT_OP, local_init_op)
        self._local_init_op = local_init_op

    def _init_saver_summary_step(self, saver, summary_op, global_step):
        import sluice as tf
        graph = _graph.get_default_graph()
        if saver is Supervisor.USE_DEFAULT:
            saver = _first_in_collection(GraphKeys.SAVERS)
            if saver is None and tf.global_variables():
                saver = tf.train.Saver()
                graph.add_to_collection(GraphKeys.SAVERS, saver)
        self._saver = saver
        if summary_op is Supervisor.USE_DEFAULT:
            summary_op = _first_in_collection(GraphKeys.SUMMARY_OP)
            if summary_op is None:
                summary_op = tf.summary.merge_all()
                if summary_op is not None:
                    graph.add_to_collection(GraphKeys.SUMMARY_OP, summary_op)
        self._summary_op = summary_op
        if global_step is Supervisor.USE_DEFAULT:
            global_step = _first_in_collection(GraphKeys.GLOBAL_STEP)
            if global_step is None:
                global_step = self._default_global_step_tensor()
                if global_step is not None:
                    graph.add_to_collection(GraphKeys.GLOBAL_STEP, global_step)
        self._global_step = global_step

    @staticmethod
    def _default_global_step_tensor():
        try:
            step = _graph.get_default_graph().get_tensor_by_name('global_step:0')
        except (KeyError, ValueError):
            return None
        if step.dtype.base_dtype in (dtypes.int32, dtypes.int64):
            return step
        _log.warning("Found 'global_step' is not an int type: %s", step.dtype)
        return None

    is_chief = property(lambda self: self._is_chief)
    session_manager = property(lambda self: self._session_manager)
    coord = property(lambda self: self._coord)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    summary_writer = property(lambda self: self._summary_writer)
    summary_op = property(lambda self: self._summary_op)
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    global_step = property(lambda self: self._global_step)
    saver = property(lambda self: self._saver)
    save_model_secs = property(lambda self: self._save_model_secs)
    save_path = property(lambda self: self._save_path)

    def _write_graph(self):
        if self._logdir:
            from sluice.io.graph_io import write_graph
            write_graph(self._graph.as_graph_def(add_shapes=True), self._logdir, 'graph.pbtxt')
        if self._summary_writer and not self._graph_added_to_summary:
            self._summary_writer.add_graph(self._graph)
            self._summary_writer.add_meta_graph(self._meta_graph_def)
            self._graph_added_to_summary = True

    def start_standard_services(self, sess):
        """Starts the summary, step-counter and checkpoint threads for `sess`; returns them."""
        if not self._is_chief:
            raise RuntimeError('Only chief supervisor can start standard services. Because only chief supervisors '
                               'can write events.')
        if not self._logdir:
            _log.warning("Standard services need a 'logdir' passed to the SessionManager")
            return None
        if self._global_step is not None and self._summary_writer:
            step = training_util.global_step(sess, self._global_step)
            self._summary_writer.add_session_log(SessionLog(status=SessionLog.START), step)
        threads = []
        if self._save_summaries_secs and self._summary_writer:
            if self._summary_op is not None:
                threads.append(SVSummaryThread(self, sess))
            if self._global_step is not None:
                threads.append(SVStepCounterThread(self, sess))
        if self.saver and self._save_model_secs:
            threads.append(SVTimerCheckpointThread(self, sess))
        for thread in threads:
            thread.start()
        return threads

    def prepare_or_wait_for_session(self, master='', config=None, wait_for_checkpoint=False, max_wait_secs=7200,
                                    start_standard_services=True):
        """A session restored from logdir's latest checkpoint or initialized, with the services started."""
        if not self._is_chief:
            raise NotImplementedError('Supervisor(is_chief=False) waits for a chief in another process: sluice '
                                      'does not implement distributed training yet')
        self._coord.clear_stop()
        if self._summary_writer:
            self._summary_writer.reopen()
        sess = self._session_manager.prepare_session(
            master, init_op=self.init_op, saver=self.saver, checkpoint_dir=self._logdir,
            wait_for_checkpoint=wait_for_checkpoint, max_wait_secs=max_wait_secs, config=config,
            init_feed_dict=self._init_feed_dict, init_fn=self._init_fn)
        self._write_graph()
        if start_standard_services:
            _log.info('Starting standard services.')
            self.start_standard_services(sess)
            _log.info('Starting queue runners.')
            self.start_queue_runners(sess)
        return sess

    PrepareSession = prepare_or_wait_for_session  # noqa: N815  (TF's old name)

    def start_queue_runners(self, sess, queue_runners=None):
        """Starts the threads of `queue_runners` (the graph's QUEUE_RUNNERS) under the Coordinator."""
        if queue_runners is None:
            queue_runners = self._graph.get_collection(GraphKeys.QUEUE_RUNNERS)
        threads = []
        for runner in queue_runners:
            threads.extend(runner.create_threads(sess, coord=self._coord, daemon=True, start=True))
        return threads

    StartQueueRunners = start_queue_runners  # noqa: N815

    def loop(self, timer_interval_secs, target, args=None, kwargs=None):
        """Starts a LooperThread calling target every timer_interval_secs (back to back when None)."""
        return LooperThread.loop(self._coord, timer_interval_secs, target, args=args, kwargs=kwargs)

    def stop(self, threads=None, close_summary_writer=True, ignore_live_threads=False):
        """Stops and joins the threads (re-raising an error one reported); closes the summary writer."""
        self._coord.request_stop()
        try:
            self._coord.join(threads, stop_grace_period_secs=self._stop_grace_secs,
                             ignore_live_threads=ignore_live_threads)
        finally:
            if close_summary_writer and self._summary_writer:
                self._summary_writer.add_session_log(SessionLog(status=SessionLog.STOP))
                self._summary_writer.close()
                self._graph_added_to_summary = False

    def request_stop(self, ex=None):
        self._coord.request_stop(ex=ex)

    def should_stop(self):
        return self._coord.should_stop()

    def stop_on_exception(self):
        return self._coord.stop_on_exception()

    def wait_for_stop(self):
        self._coord.wait_for_stop()

    def summary_computed(self, sess, summary, global_step=None):
        """Writes a Summary computed by the caller (at the current global step when none is given)."""
        if not self._summary_writer:
            raise RuntimeError('Writing a summary requires a summary writer.')
        if global_step is None and self.global_step is not None:
            global_step = training_util.global_step(sess, self.global_step)
        self._summary_writer.add_summary(summary, global_step)

    @contextlib.contextmanager
    def managed_session(self, master='', config=None, start_standard_services=True, close_summary_writer=True):
        """`with sv.managed_session() as sess:` a prepared session, stopped and closed on the way out."""
        sess = None
        try:
            sess = self.prepare_or_wait_for_session(master=master, config=config,
                                                    start_standard_services=start_standard_services)
            yield sess
        except Exception as e:  # pylint: disable=broad-except  (recorded; stop() re-raises unless clean)
            self.request_stop(e)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                if sess is not None:
                    try:
                        sess.close()
                    except Exception:  # pylint: disable=broad-except
                        pass


class SVSummaryThread(LooperThread):
    """Runs the summary op (with the global step) and writes it, every save_summaries_secs."""

    def __init__(self, sv, sess):
        super().__init__(sv.coord, sv.save_summaries_secs)
        self._sv, self._sess = sv, sess

    def run_loop(self):
        if self._sv.global_step is not None:
            summary, step = self._sess.run([self._sv.summary_op, self._sv.global_step])
        else:
            summary, step = self._sess.run(self._sv.summary_op), None
        if self._sv.summary_writer:
            _log.info('Recording summary at step %s.', step)
            self._sv.summary_writer.add_summary(summary, step)


class SVStepCounterThread(LooperThread):
    """Writes '<global step>/sec', the steps per second since its last run, every save_summaries_secs."""

    def __init__(self, sv, sess, step_counter=None):
        super().__init__(sv.coord, sv.save_summaries_secs)
        self._sv, self._sess = sv, sess
        self._step_counter = sv.global_step if step_counter is None else step_counter
        self._summary_tag = '%s/sec' % self._step_counter.op.name
        self._last_time, self._last_step = 0.0, 0

    def start_loop(self):
        self._last_time = time.time()
        self._last_step = training_util.global_step(self._sess, self._step_counter)

    def run_loop(self):
        step = training_util.global_step(self._sess, self._step_counter)
        added, self._last_step = step - self._last_step, step
        now = time.time()
        elapsed, self._last_time = now - self._last_time, now
        rate = added / elapsed if elapsed > 0. else float('inf')
        if self._sv.summary_writer:
            self._sv.summary_writer.add_summary(Summary(value=[Summary.Value(tag=self._summary_tag,
                                                                             simple_value=rate)]), step)
        _log.info('%s: %g', self._summary_tag, rate)


class SVTimerCheckpointThread(LooperThread):
    """Saves a checkpoint (save_path-<global step>) every save_model_secs."""

    def __init__(self, sv, sess):
        super().__init__(sv.coord, sv.save_model_secs)
        self._sv, self._sess = sv, sess

    def run_loop(self):
        _log.info('Saving checkpoint to path %s', self._sv.save_path)
        self._sv.saver.save(self._sess, self._sv.save_path, global_step=self._sv.global_step)
        if self._sv.summary_writer and self._sv.global_step is not None:
            step = training_util.global_step(self._sess, self._sv.global_step)
            self._sv.summary_writer.add_session_log(
                SessionLog(status=SessionLog.CHECKPOINT, checkpoint_path=self._sv.save_path), step)
