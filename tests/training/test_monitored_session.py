"""tf.train.MonitoredTrainingSession / MonitoredSession / Scaffold and the common SessionRunHooks.

The expected values are TF 1.x's (tf.compat.v1), checked against TensorFlow 2.21 in compat.v1 mode; the
`tf`-marked test compares a checkpointed training run live.
"""
import logging
import os

import numpy as np
import pytest

import sluice as tf


def _model(lr=0.1):
    gs = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name='w')
    loss = tf.square(w)
    train = tf.train.GradientDescentOptimizer(lr).minimize(loss, global_step=gs)
    return gs, w, loss, train


def _train(sess, train, gs):
    steps = []
    while not sess.should_stop():
        steps.append(int(sess.run(gs)))
        sess.run(train)
    return steps


def test_stop_at_step_last_step():
    gs, _, _, train = _model()
    with tf.train.MonitoredTrainingSession(hooks=[tf.train.StopAtStepHook(last_step=5)]) as sess:
        assert tf.get_default_graph().finalized
        steps = _train(sess, train, gs)
        final = sess._tf_sess().run(gs)  # the raw session, as in TF
        with pytest.raises(RuntimeError, match='should_stop'):
            sess.run(gs)  # TF: a hook asked to stop, so running again is an error
    assert steps == [0, 1, 2, 3, 4]
    assert final == 5
    assert not tf.get_default_graph().finalized  # unfinalized again on close, as TF


def test_stop_at_step_num_steps_and_args():
    gs, _, _, train = _model()
    with pytest.raises(ValueError):
        tf.train.StopAtStepHook()
    with pytest.raises(ValueError):
        tf.train.StopAtStepHook(num_steps=1, last_step=2)
    with tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(num_steps=3)]) as sess:
        n = 0
        while not sess.should_stop():
            sess.run(train)
            n += 1
        assert n == 3 and sess._tf_sess().run(gs) == 3


def test_stop_at_step_needs_global_step():
    tf.Variable(1.0)
    with pytest.raises(RuntimeError, match='Global step should be created'):
        tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(last_step=1)])


def test_resume_from_checkpoint_dir(tmp_path):
    ckpt = str(tmp_path)
    with tf.Graph().as_default():
        gs, w, _, train = _model()
        with tf.train.MonitoredTrainingSession(checkpoint_dir=ckpt, save_checkpoint_steps=2,
                                               hooks=[tf.train.StopAtStepHook(last_step=5)]) as sess:
            assert _train(sess, train, gs) == [0, 1, 2, 3, 4]
            w5 = sess._tf_sess().run(w)
    assert tf.train.latest_checkpoint(ckpt).endswith('model.ckpt-5')
    with tf.Graph().as_default():
        gs, w, _, train = _model()
        with tf.train.MonitoredTrainingSession(checkpoint_dir=ckpt, save_checkpoint_steps=2,
                                               hooks=[tf.train.StopAtStepHook(last_step=10)]) as sess:
            assert sess.run(gs) == 5
            np.testing.assert_allclose(sess.run(w), w5)
            assert _train(sess, train, gs) == [5, 6, 7, 8, 9]
    assert tf.train.latest_checkpoint(ckpt).endswith('model.ckpt-10')
    # TF: a save at session creation (0, then 5 on resume), every 2 steps, and at the end; max_to_keep=5.
    names = sorted(f for f in os.listdir(ckpt) if f.endswith('.index'))
    assert names == ['model.ckpt-%d.index' % s for s in (10, 4, 5, 7, 9)]
    assert os.path.exists(os.path.join(ckpt, 'graph.pbtxt'))
    assert any(f.startswith('events.out.tfevents') for f in os.listdir(ckpt))


def test_singular_monitored_session_restores(tmp_path):
    with tf.Graph().as_default():
        gs, w, _, train = _model()
        with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path),
                                               hooks=[tf.train.StopAtStepHook(last_step=3)]) as sess:
            _train(sess, train, gs)
    with tf.Graph().as_default():
        gs, w, _, train = _model()
        with tf.train.SingularMonitoredSession(checkpoint_dir=str(tmp_path)) as sess:
            assert sess.run(gs) == 3
            assert sess.raw_session().run(gs) == 3


class _Recorder(tf.train.SessionRunHook):
    def __init__(self, fetch=None, feed=None):
        self.calls = []
        self.fetch, self.feed = fetch, feed
        self.results = []

    def begin(self):
        self.calls.append('begin')

    def after_create_session(self, session, coord):
        self.calls.append('after_create_session')
        assert isinstance(coord, tf.train.Coordinator)

    def before_run(self, run_context):
        self.calls.append('before_run')
        assert isinstance(run_context.original_args, tf.train.SessionRunArgs)
        return tf.train.SessionRunArgs(self.fetch, feed_dict=self.feed)

    def after_run(self, run_context, run_values):
        self.calls.append('after_run')
        assert isinstance(run_values, tf.train.SessionRunValues)
        self.results.append(run_values.results)
        if len(self.results) == 2:
            run_context.request_stop()

    def end(self, session):
        self.calls.append('end')


def test_hook_protocol_fetches_and_feeds():
    p = tf.placeholder(tf.float32, [])
    q = tf.placeholder(tf.float32, [])
    out = p + q
    hook = _Recorder(fetch={'double': out * 2}, feed={q: 10.0})
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        assert sess.run(out, feed_dict={p: 1.0}) == 11.0
        assert not sess.should_stop()
        assert sess.run([out], feed_dict={p: 2.0}) == [12.0]
        assert sess.should_stop()
        with pytest.raises(RuntimeError, match='should_stop'):
            sess.run(out, feed_dict={p: 2.0})
    assert hook.results == [{'double': 22.0}, {'double': 24.0}]
    assert hook.calls == ['begin', 'after_create_session', 'before_run', 'after_run', 'before_run', 'after_run',
                          'end']


def test_hook_feed_conflict_with_user():
    p = tf.placeholder(tf.float32, [])
    with tf.train.MonitoredSession(hooks=[_Recorder(feed={p: 1.0})]) as sess:
        with pytest.raises(RuntimeError, match='Same tensor is fed by a SessionRunHook and user'):
            sess.run(p, feed_dict={p: 2.0})


def test_end_not_called_on_error():
    hook = _Recorder()
    with pytest.raises(ValueError):
        with tf.train.MonitoredSession(hooks=[hook]):
            raise ValueError('boom')
    assert 'end' not in hook.calls
    assert not tf.get_default_graph().finalized


def test_scaffold_defaults_and_local_init():
    v = tf.Variable(3.0)
    lv = tf.Variable(4.0, collections=[tf.GraphKeys.LOCAL_VARIABLES])
    scaffold = tf.train.Scaffold()
    with tf.train.MonitoredSession(
            session_creator=tf.train.ChiefSessionCreator(scaffold=scaffold)) as sess:
        assert sess.run([v, lv]) == [3.0, 4.0]
    assert scaffold.init_op is not None and scaffold.local_init_op is not None
    assert scaffold.ready_op is not None and isinstance(scaffold.saver, tf.train.Saver)


def test_scaffold_init_fn():
    v = tf.Variable(3.0)
    seen = []

    assign = v.assign(7.0)

    def init_fn(scaffold, sess):
        seen.append(scaffold)
        sess.run(assign)

    scaffold = tf.train.Scaffold(init_fn=init_fn)
    with tf.train.MonitoredSession(session_creator=tf.train.ChiefSessionCreator(scaffold=scaffold)) as sess:
        assert sess.run(v) == 7.0
    assert seen == [scaffold]


def test_logging_tensor_hook_every_n_iter(caplog):
    it = tf.placeholder(tf.int32, [], name='it')
    hook = tf.train.LoggingTensorHook({'it': tf.identity(it)}, every_n_iter=2)
    with caplog.at_level(logging.INFO, logger='sluice'):
        with tf.train.MonitoredSession(hooks=[hook]) as sess:
            for i in range(5):
                sess.run(it, feed_dict={it: i})
    msgs = [r.getMessage() for r in caplog.records if r.getMessage().startswith('it = ')]
    # TF: logged at local iterations 0, 2, 4; the first without, later ones with the elapsed time.
    assert [m.split(' (')[0] for m in msgs] == ['it = 0', 'it = 2', 'it = 4']
    assert msgs[0] == 'it = 0' and msgs[1].endswith(' sec)')


def test_logging_tensor_hook_at_end(caplog):
    gs, _, _, train = _model()
    hook = tf.train.LoggingTensorHook(['global_step'], at_end=True)
    with caplog.at_level(logging.INFO, logger='sluice'):
        with tf.train.MonitoredSession(hooks=[hook, tf.train.StopAtStepHook(last_step=3)]) as sess:
            while not sess.should_stop():
                sess.run(train)
    msgs = [r.getMessage() for r in caplog.records if r.getMessage().startswith('global_step = ')]
    assert msgs == ['global_step = 3']


def test_logging_tensor_hook_list_and_formatter(caplog):
    a = tf.constant(1.5, name='a')
    b = tf.constant(2, name='b')
    hooks = [tf.train.LoggingTensorHook(['a', b.name], every_n_iter=1),
             tf.train.LoggingTensorHook({'x': a}, every_n_iter=1, formatter=lambda d: 'fmt %s' % d['x'])]
    with caplog.at_level(logging.INFO, logger='sluice'):
        with tf.train.MonitoredSession(hooks=hooks) as sess:
            sess.run(a)
    msgs = [r.getMessage() for r in caplog.records]
    assert 'a = 1.5, b:0 = 2' in msgs and 'fmt 1.5' in msgs
    with pytest.raises(ValueError):
        tf.train.LoggingTensorHook(['a'])
    with pytest.raises(ValueError):
        tf.train.LoggingTensorHook(['a'], every_n_iter=1, every_n_secs=1)


def test_nan_tensor_hook():
    p = tf.placeholder(tf.float32, [])
    with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(p)]) as sess:
        sess.run(p, feed_dict={p: 1.0})
        with pytest.raises(tf.train.NanLossDuringTrainingError, match='NaN loss during training'):
            sess.run(p, feed_dict={p: np.nan})
    with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(p, fail_on_nan_loss=False)]) as sess:
        sess.run(p, feed_dict={p: np.nan})
        assert sess.should_stop()


def test_final_ops_hook():
    v = tf.Variable(2.0)
    hook = tf.train.FinalOpsHook(v * 3)
    add = v.assign_add(1.0)
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        sess.run(add)
    assert hook.final_ops_values == 9.0


def test_run_step_fn():
    gs, _, _, train = _model()
    with tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(last_step=100)]) as sess:
        def step_fn(step_context):
            if step_context.session.run(gs) >= 3:
                step_context.request_stop()
            return step_context.run_with_hooks(train)
        while not sess.should_stop():
            sess.run_step_fn(step_fn)
        assert sess.run(gs) == 3


def test_queue_out_of_range_ends_with_block(no_leaked_threads):
    x, = tf.train.slice_input_producer([tf.constant([1, 2, 3])], num_epochs=2, shuffle=False)
    hook = _Recorder()
    hook.after_run = lambda run_context, run_values: None
    got = []
    with tf.train.MonitoredTrainingSession(hooks=[hook]) as sess:
        while not sess.should_stop():
            got.append(int(sess.run(x)))
    assert got == [1, 2, 3, 1, 2, 3]
    assert hook.calls[-1] == 'end'  # the OutOfRangeError counts as a clean end
    assert sess.should_stop()


@pytest.mark.tf
def test_matches_tensorflow_checkpointed_run(tmp_path):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()

    def run(lib, ckpt, last_step):
        g = lib.Graph()
        with g.as_default():
            gs = lib.train.get_or_create_global_step()
            w = lib.Variable(1.0, name='w')
            train = lib.train.GradientDescentOptimizer(0.1).minimize(lib.square(w), global_step=gs)
            seen = []
            with lib.train.MonitoredTrainingSession(checkpoint_dir=ckpt, save_checkpoint_steps=3,
                                                    hooks=[lib.train.StopAtStepHook(last_step=last_step)]) as sess:
                while not sess.should_stop():
                    seen.append((int(sess.run(gs)), float(sess.run(w))))
                    sess.run(train)
        return seen, sorted(f for f in os.listdir(ckpt) if f.endswith('.index'))

    for last in (4, 9):
        mine = run(tf, str(tmp_path / 'mine'), last)
        theirs = run(tf1, str(tmp_path / 'tf'), last)
        assert mine[1] == theirs[1]
        assert [s for s, _ in mine[0]] == [s for s, _ in theirs[0]]
        np.testing.assert_allclose([v for _, v in mine[0]], [v for _, v in theirs[0]], rtol=1e-6)


def test_summaries_and_step_counter_written(tmp_path):
    import glob
    gs, w, loss, train = _model()
    tf.summary.scalar('loss', loss)
    with tf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_summaries_steps=2,
                                           log_step_count_steps=2,
                                           hooks=[tf.train.StopAtStepHook(last_step=5)]) as sess:
        while not sess.should_stop():
            sess.run(train)
    events = []
    for path in glob.glob(os.path.join(str(tmp_path), 'events.out.tfevents*')):
        events.extend(tf.train.summary_iterator(path))
    loss_steps = sorted(e.step for e in events if e.HasField('summary')
                        for v in e.summary.value if v.tag == 'loss')
    rate_steps = sorted(e.step for e in events if e.HasField('summary')
                        for v in e.summary.value if v.tag == 'global_step/sec')
    # TF: summary_op runs on the first step and every 2 steps after; the step counter from the 2nd trigger.
    assert loss_steps == [1, 3, 5]
    assert rate_steps == [3, 5]
