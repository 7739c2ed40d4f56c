"""tf.train.MonitoredSession, MonitoredTrainingSession, SingularMonitoredSession, Scaffold and the session creators.

As in TF 1.x: the Scaffold finalizes the graph and supplies init_op / ready_op / local_init_op / summary_op / saver;
the session is restored from the latest checkpoint in checkpoint_dir when one exists, otherwise initialized; queue
runners are started with a Coordinator and joined on close; hooks' before_run fetches and feeds are merged into each
run. An OutOfRangeError (or StopIteration) leaving the `with` block ends it cleanly (hooks' end() is called).
Not done: recovery from AbortedError/UnavailableError (_RecoverableSession), distributed workers waiting on a chief.
"""
import inspect
import logging

import numpy as np

from sluice.engine import errors
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.training import session_run_hooks as hooks_lib

__all__ = ['Scaffold', 'SessionCreator', 'ChiefSessionCreator', 'WorkerSessionCreator', 'SessionManager',
           'MonitoredSession', 'SingularMonitoredSession', 'MonitoredTrainingSession']

_log = logging.getLogger('sluice')

USE_DEFAULT = object()


class Scaffold:
    """The pieces a MonitoredSession builds its session from; finalize() fills the missing ones with defaults."""

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None, ready_for_local_init_op=None,
                 local_init_op=None, summary_op=None, saver=None, copy_from_scaffold=None,
                 local_init_feed_dict=None):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError('copy_from_scaffold is not a Scaffold instance.')
            coalesce = lambda a, b: a if a is not None else b  # noqa: E731
            init_op = coalesce(init_op, copy_from_scaffold.init_op)
            init_feed_dict = coalesce(init_feed_dict, copy_from_scaffold.init_feed_dict)
            init_fn = coalesce(init_fn, copy_from_scaffold._user_init_fn)
            ready_op = coalesce(ready_op, copy_from_scaffold.ready_op)
            ready_for_local_init_op = coalesce(ready_for_local_init_op, copy_from_scaffold.ready_for_local_init_op)
            local_init_op = coalesce(local_init_op, copy_from_scaffold.local_init_op)
            local_init_feed_dict = coalesce(local_init_feed_dict, copy_from_scaffold.local_init_feed_dict)
            summary_op = coalesce(summary_op, copy_from_scaffold.summary_op)
            saver = coalesce(saver, copy_from_scaffold.saver)
        self._user_init_fn = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._init_op = init_op
        self._init_feed_dict = init_feed_dict
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._local_init_op = local_init_op
        self._local_init_feed_dict = local_init_feed_dict
        self._summary_op = summary_op
        self._saver = saver

    def finalize(self):
        """Creates the missing ops (from the graph's collections or the defaults), then finalizes the graph."""
        graph = _graph.get_default_graph()
        if graph.finalized:
            return self
        import sluice as tf
        if self._init_op is None:
            def default_init_op():
                return tf.group(tf.global_variables_initializer(),
                                *graph.get_collection('saved_model_initializers'))
            self._init_op = Scaffold.get_or_default('init_op', GraphKeys.INIT_OP, default_init_op)
        if self._ready_op is None:
            self._ready_op = Scaffold.get_or_default('ready_op', GraphKeys.READY_OP,
                                                     lambda: tf.report_uninitialized_variables())
        if self._ready_for_local_init_op is None:
            self._ready_for_local_init_op = Scaffold.get_or_default(
                'ready_for_local_init_op', GraphKeys.READY_FOR_LOCAL_INIT_OP,
                lambda: tf.report_uninitialized_variables(tf.global_variables()))
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default('local_init_op', GraphKeys.LOCAL_INIT_OP,
                                                          Scaffold.default_local_init_op)
        if self._summary_op is None:
            self._summary_op = Scaffold.get_or_default('summary_op', GraphKeys.SUMMARY_OP, tf.summary.merge_all)
        if self._saver is None:
            from sluice.io.saver import _get_saver_or_default  # the Scaffold's default, as the Saver's module keeps it
            self._saver = _get_saver_or_default()
        self._saver.build()
        graph.finalize()
        _log.info('Graph was finalized.')
        return self

    @property
    def init_fn(self):
        return self._init_fn

    @property
    def init_op(self):
        return self._init_op

    @property
    def ready_op(self):
        return self._ready_op

    @property
    def ready_for_local_init_op(self):
        return self._ready_for_local_init_op

    @property
    def local_init_op(self):
        return self._local_init_op

    @property
    def local_init_feed_dict(self):
        return self._local_init_feed_dict

    @property
    def summary_op(self):
        return self._summary_op

    @property
    def saver(self):
        return self._saver

    @property
    def init_feed_dict(self):
        return self._init_feed_dict

    @staticmethod
    def get_or_default(arg_name, collection_key, default_constructor):
        elements = _graph.get_default_graph().get_collection(collection_key)
        if elements:
            if len(elements) > 1:
                raise RuntimeError('More than one item in the collection "%s". Please indicate which one to use '
                                   'by passing it to the tf.Scaffold constructor as:  tf.Scaffold(%s=item to use)'
                                   % (collection_key, arg_name))
            return elements[0]
        op = default_constructor()
        if op is not None:
            _graph.get_default_graph().add_to_collection(collection_key, op)
        return op

    @staticmethod
    def default_local_init_op():
        import sluice as tf
        graph = _graph.get_default_graph()
        return tf.group(tf.local_variables_initializer(), *graph.get_collection(GraphKeys.TABLE_INITIALIZERS))


def _ready(op, sess):
    if op is None:
        return True, None
    value = sess.run(op)
    value = np.asarray(value) if value is not None else None
    if value is None or value.dtype == np.int32 or value.size == 0:
        return True, None
    names = ', '.join(v.decode('utf-8') if isinstance(v, bytes) else str(v) for v in value.ravel())
    return False, 'Variables not initialized: ' + names


class SessionManager:
    """Creates a session and restores it from a checkpoint or initializes it (tf.train.SessionManager)."""

    def __init__(self, local_init_op=None, ready_op=None, ready_for_local_init_op=None, graph=None,
                 recovery_wait_secs=30, local_init_run_options=None, local_init_feed_dict=None):
        self._local_init_op = local_init_op
        self._ready_op = ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph or _graph.get_default_graph()
        self._local_init_feed_dict = local_init_feed_dict

    def _restore_checkpoint(self, master, saver=None, checkpoint_dir=None, checkpoint_filename_with_path=None,
                            config=None):
        from sluice.engine.session import Session
        sess = Session(master, graph=self._graph, config=config)
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError('Can not provide both checkpoint_dir and checkpoint_filename_with_path.')
        if not saver or not (checkpoint_dir or checkpoint_filename_with_path):
            return sess, False
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return sess, True
        from sluice.io.saver import get_checkpoint_state
        ckpt = get_checkpoint_state(checkpoint_dir)
        if not (ckpt and ckpt.model_checkpoint_path):
            return sess, False
        saver.restore(sess, ckpt.model_checkpoint_path)
        saver.recover_last_checkpoints(list(ckpt.all_model_checkpoint_paths))
        return sess, True

    def _try_run_local_init_op(self, sess):
        if self._local_init_op is not None:
            ready, msg = _ready(self._ready_for_local_init_op, sess)
            if not ready:
                return False, msg
            sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict)
        return True, None

    def prepare_session(self, master, init_op=None, saver=None, checkpoint_dir=None, wait_for_checkpoint=False,
                        max_wait_secs=7200, config=None, init_feed_dict=None, init_fn=None,
                        checkpoint_filename_with_path=None):
        sess, loaded = self._restore_checkpoint(master, saver, checkpoint_dir=checkpoint_dir,
                                                checkpoint_filename_with_path=checkpoint_filename_with_path,
                                                config=config)
        if not loaded:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError('Model is not initialized and no init_op or init_fn or local_init_op was given')
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        ok, msg = self._try_run_local_init_op(sess)
        if not ok:
            raise RuntimeError('Init operations did not make model ready for local_init.  Init op: %s, init fn: '
                               '%s, error: %s' % (init_op, init_fn, msg))
        ready, msg = _ready(self._ready_op, sess)
        if not ready:
            raise RuntimeError('Init operations did not make model ready.  Init op: %s, init fn: %s, '
                               'local_init_op: %s, error: %s' % (init_op, init_fn, self._local_init_op, msg))
        return sess


class SessionCreator:
    def create_session(self):
        raise NotImplementedError('create_session is not implemented for {}.'.format(self))


class ChiefSessionCreator(SessionCreator):
    """Initializes or restores the session through a Scaffold."""

    def __init__(self, scaffold=None, master='', config=None, checkpoint_dir=None,
                 checkpoint_filename_with_path=None):
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_filename_with_path = checkpoint_filename_with_path
        self._scaffold = scaffold or Scaffold()
        self._session_manager = None
        self._master = master
        self._config = config

    def _get_session_manager(self):
        if self._session_manager is None:
            self._session_manager = SessionManager(
                local_init_op=self._scaffold.local_init_op, local_init_feed_dict=self._scaffold.local_init_feed_dict,
                ready_op=self._scaffold.ready_op, ready_for_local_init_op=self._scaffold.ready_for_local_init_op,
                graph=_graph.get_default_graph())
        return self._session_manager

    def create_session(self):
        self._scaffold.finalize()
        return self._get_session_manager().prepare_session(
            self._master, saver=self._scaffold.saver, checkpoint_dir=self._checkpoint_dir,
            checkpoint_filename_with_path=self._checkpoint_filename_with_path, config=self._config,
            init_op=self._scaffold.init_op, init_feed_dict=self._scaffold.init_feed_dict,
            init_fn=self._scaffold.init_fn)


class WorkerSessionCreator(ChiefSessionCreator):
    """In-process there is no chief to wait for: behaves as ChiefSessionCreator without a checkpoint."""

    def __init__(self, scaffold=None, master='', config=None, max_wait_secs=30 * 60):
        super().__init__(scaffold=scaffold, master=master, config=config)


class _StepContext:
    """What run_step_fn's step_fn gets: session (the raw one), run_with_hooks(...), request_stop()."""

    def __init__(self, session, run_with_hooks_fn):
        self._session = session
        self._run_with_hooks_fn = run_with_hooks_fn

    @property
    def session(self):
        return self._session

    def run_with_hooks(self, *args, **kwargs):
        return self._run_with_hooks_fn(*args, **kwargs)

    def request_stop(self):
        raise StopIteration('step_fn has requested the iterations to stop.')


def _merge_run_options(options, run_metadata, hook_options):
    """The caller's RunOptions with the hooks' requests (the highest trace level and timeout), and a
    RunMetadata for the hooks to read when the caller passed none (TF merges them the same way)."""
    from sluice.io.protos import RunMetadata, RunOptions
    merged = RunOptions()
    if options is not None:
        merged.CopyFrom(options)
    for requested in hook_options:
        merged.trace_level = max(merged.trace_level, requested.trace_level)
        merged.timeout_in_ms = max(merged.timeout_in_ms, requested.timeout_in_ms)
    return merged, RunMetadata() if run_metadata is None else run_metadata


def _raise_if_feeds_intersect(feeds1, feeds2, message):
    if set(feeds1.keys()) & set(feeds2.keys()):
        raise RuntimeError(message)


class _MonitoredSession:
    def __init__(self, session_creator, hooks, should_recover, stop_grace_period_secs=120):
        self._graph_was_finalized = _graph.get_default_graph().finalized
        self._hooks = list(hooks or [])
        for h in self._hooks:
            h.begin()
        self._session_creator = session_creator or ChiefSessionCreator()
        self._stop_grace_period_secs = stop_grace_period_secs
        self._tf_session = None
        self._coord = None
        self._should_stop = False
        self._stop_requested_in_step_fn = False
        self._create_session()

    def _create_session(self):
        from sluice.queues.coordinator import Coordinator
        from sluice.queues.queue_runner import start_queue_runners
        self._tf_session = self._session_creator.create_session()
        self._coord = Coordinator()
        try:
            if self._tf_session.graph.get_collection(GraphKeys.QUEUE_RUNNERS):
                start_queue_runners(sess=self._tf_session, coord=self._coord)
            for hook in self._hooks:
                hook.after_create_session(self._tf_session, self._coord)
        except BaseException:
            self._close_session()
            self._unfinalize()
            raise

    @property
    def graph(self):
        return self._tf_session.graph if self._tf_session is not None else None

    def _tf_sess(self):
        return self._tf_session

    def should_stop(self):
        if self._tf_session is None:
            return True
        return (self._should_stop or self._stop_requested_in_step_fn or self._coord.should_stop())

    def _run_hooked(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self._should_stop:
            raise RuntimeError('Run called even after should_stop requested.')
        run_context = hooks_lib.SessionRunContext(
            original_args=hooks_lib.SessionRunArgs(fetches, feed_dict), session=self._tf_session)
        hook_fetches = []
        hook_feeds = {}
        hook_options = []
        for hook in self._hooks:
            request = hook.before_run(run_context)
            if request is None:
                continue
            if request.options is not None:
                hook_options.append(request.options)
            if request.fetches is not None:
                hook_fetches.append((hook, request.fetches))
            if request.feed_dict:
                _raise_if_feeds_intersect(hook_feeds, request.feed_dict, 'Same tensor is fed by two hooks.')
                hook_feeds.update(request.feed_dict)
        if hook_feeds:
            if feed_dict:
                _raise_if_feeds_intersect(feed_dict, hook_feeds, 'Same tensor is fed by a SessionRunHook and user.')
                merged = dict(feed_dict)
                merged.update(hook_feeds)
                feed_dict = merged
            else:
                feed_dict = hook_feeds
        if hook_options:
            options, run_metadata = _merge_run_options(options, run_metadata, hook_options)
        has_caller = fetches is not None
        all_fetches = ([fetches] if has_caller else []) + [f for _, f in hook_fetches]
        try:
            outputs = self._tf_session.run(all_fetches, feed_dict=feed_dict, options=options,
                                           run_metadata=run_metadata) if all_fetches else []
        except errors.OutOfRangeError:
            self._should_stop = True
            raise
        except Exception:
            if self._coord is not None:
                try:
                    self._coord.raise_requested_exception()
                except errors.OutOfRangeError:
                    pass
            raise
        offset = 1 if has_caller else 0
        results = {hook: outputs[offset + i] for i, (hook, _) in enumerate(hook_fetches)}
        for hook in self._hooks:
            hook.after_run(run_context, hooks_lib.SessionRunValues(results=results.get(hook), options=options,
                                                                  run_metadata=run_metadata))
        self._should_stop = self._should_stop or run_context.stop_requested
        return outputs[0] if has_caller else None

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs `fetches` with the hooks' fetches and feeds merged in; returns the values of `fetches` only."""
        if self._tf_session is None:
            raise RuntimeError('Attempted to use a closed Session.')
        return self._run_hooked(fetches, feed_dict=feed_dict, options=options, run_metadata=run_metadata)

    def run_step_fn(self, step_fn):
        """Calls step_fn(step_context); step_context.request_stop() ends the session's iterations."""
        params = list(inspect.signature(step_fn).parameters)
        if params != ['step_context'] and params != ['self', 'step_context']:
            raise ValueError('`step_fn` may either have one `step_context` argument, or `self` and '
                             '`step_context` arguments if it\'s an instance method. Got {} instead.'.format(params))
        try:
            return step_fn(_StepContext(self._tf_session, self.run))
        except StopIteration:
            self._stop_requested_in_step_fn = True
            return None

    def __enter__(self):
        return self

    def __exit__(self, exception_type, exception_value, traceback):
        if exception_type is not None and issubclass(exception_type, (errors.OutOfRangeError, StopIteration)):
            exception_type = None
        self._close_internal(exception_type)
        return exception_type is None

    def close(self):
        self._close_internal()

    def _close_session(self):
        if self._coord is not None:
            self._coord.request_stop()
            try:
                self._coord.join(stop_grace_period_secs=self._stop_grace_period_secs, ignore_live_threads=True)
            finally:
                try:
                    self._tf_session.close()
                except Exception:  # pylint: disable=broad-except
                    pass
        elif self._tf_session is not None:
            self._tf_session.close()

    def _unfinalize(self):
        if not self._graph_was_finalized:
            _graph.get_default_graph()._unsafe_unfinalize()  # pylint: disable=protected-access

    def _close_internal(self, exception_type=None):
        try:
            if not exception_type:
                for h in self._hooks:
                    h.end(self._tf_session)
        finally:
            try:
                if self._tf_session is None:
                    raise RuntimeError('Session is already closed.')
                self._close_session()
            finally:
                self._tf_session = None
                self._coord = None
                self._unfinalize()


class MonitoredSession(_MonitoredSession):
    """A session that runs hooks, initializes/restores through a session creator, and handles queue runners."""

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        super().__init__(session_creator, hooks, should_recover=True, stop_grace_period_secs=stop_grace_period_secs)


class SingularMonitoredSession(_MonitoredSession):
    """MonitoredSession with a ChiefSessionCreator built from its arguments; raw_session() is the tf.Session."""

    def __init__(self, hooks=None, scaffold=None, master='', config=None, checkpoint_dir=None,
                 stop_grace_period_secs=120, checkpoint_filename_with_path=None):
        creator = ChiefSessionCreator(scaffold=scaffold, master=master, config=config,
                                      checkpoint_dir=checkpoint_dir,
                                      checkpoint_filename_with_path=checkpoint_filename_with_path)
        super().__init__(creator, hooks, should_recover=False, stop_grace_period_secs=stop_grace_period_secs)

    def raw_session(self):
        return self._tf_sess()


def MonitoredTrainingSession(master='', is_chief=True, checkpoint_dir=None, scaffold=None, hooks=None,  # noqa: N802
                             chief_only_hooks=None, save_checkpoint_secs=USE_DEFAULT, save_summaries_steps=USE_DEFAULT,
                             save_summaries_secs=USE_DEFAULT, config=None, stop_grace_period_secs=120,
                             log_step_count_steps=100, max_wait_secs=7200, save_checkpoint_steps=USE_DEFAULT,
                             summary_dir=None, save_graph_def=True):
    """A MonitoredSession for training, with the chief's checkpoint / summary / step-counter hooks (TF 1.x)."""
    if save_summaries_steps == USE_DEFAULT and save_summaries_secs == USE_DEFAULT:
        save_summaries_steps, save_summaries_secs = 100, None
    elif save_summaries_secs == USE_DEFAULT:
        save_summaries_secs = None
    elif save_summaries_steps == USE_DEFAULT:
        save_summaries_steps = None
    if save_checkpoint_steps == USE_DEFAULT and save_checkpoint_secs == USE_DEFAULT:
        save_checkpoint_steps, save_checkpoint_secs = None, 600
    elif save_checkpoint_secs == USE_DEFAULT:
        save_checkpoint_secs = None
    elif save_checkpoint_steps == USE_DEFAULT:
        save_checkpoint_steps = None
    scaffold = scaffold or Scaffold()
    all_hooks = []
    if not is_chief:
        session_creator = WorkerSessionCreator(scaffold=scaffold, master=master, config=config,
                                               max_wait_secs=max_wait_secs)
        return MonitoredSession(session_creator=session_creator, hooks=list(hooks or []),
                                stop_grace_period_secs=stop_grace_period_secs)
    if chief_only_hooks:
        all_hooks.extend(chief_only_hooks)
    session_creator = ChiefSessionCreator(scaffold=scaffold, checkpoint_dir=checkpoint_dir, master=master,
                                          config=config)
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(hooks_lib.StepCounterHook(output_dir=summary_dir, every_n_steps=log_step_count_steps))
        if (save_summaries_steps and save_summaries_steps > 0) or (save_summaries_secs and save_summaries_secs > 0):
            all_hooks.append(hooks_lib.SummarySaverHook(scaffold=scaffold, save_steps=save_summaries_steps,
                                                        save_secs=save_summaries_secs, output_dir=summary_dir))
    if checkpoint_dir:
        if (save_checkpoint_secs and save_checkpoint_secs > 0) or (save_checkpoint_steps and save_checkpoint_steps > 0):
            all_hooks.append(hooks_lib.CheckpointSaverHook(checkpoint_dir, save_steps=save_checkpoint_steps,
                                                           save_secs=save_checkpoint_secs, scaffold=scaffold,
                                                           save_graph_def=save_graph_def))
    if hooks:
        all_hooks.extend(hooks)
    return MonitoredSession(session_creator=session_creator, hooks=all_hooks,
                            stop_grace_period_secs=stop_grace_period_secs)
