"""tf.train.Supervisor: initialize or restore from logdir, checkpoints and summaries on timers, and the
managed_session's handling of exceptions, as TF 1.15's."""
import os
import re
import time

import numpy as np
import pytest

import sluice as tf


def _build(tf_module):
    x = tf_module.constant(np.linspace(-1, 1, 8).astype(np.float32))
    w = tf_module.Variable(0.0, name='w')
    step = tf_module.train.get_or_create_global_step()
    loss = tf_module.reduce_mean(tf_module.square(w * x - 2 * x))
    tf_module.summary.scalar('loss', loss)
    train = tf_module.train.GradientDescentOptimizer(0.5).minimize(loss, global_step=step)
    return w, step, train


def _wait_for(predicate, timeout=60):
    deadline = time.time() + timeout
    while not predicate():
        assert time.time() < deadline, 'timed out'
        time.sleep(0.02)


def _train(tf_module, logdir, steps=5):
    """Trains `steps` steps under a Supervisor once its services have run, then saves a checkpoint.

    The services run at once when the session starts, beside the caller's loop; waiting for their
    checkpoint, summary and step rate makes what lands in logdir the same on every run.
    """
    with tf_module.Graph().as_default():
        w, step, train = _build(tf_module)
        sv = tf_module.train.Supervisor(logdir=logdir, save_model_secs=3600, save_summaries_secs=3600)
        with sv.managed_session() as sess:
            start = sess.run(step)

            def services_ran():
                sv.summary_writer.flush()
                found = _events(tf_module, logdir)
                return (('summary', ['loss'], start) in found and ('summary', ['global_step/sec'], start) in found
                        and ('session_log', tf.SessionLog.CHECKPOINT, start) in found)
            _wait_for(services_ran)
            for _ in range(steps):
                sess.run(train)
            sv.saver.save(sess, sv.save_path, global_step=step)
            return sess.run([step, w])


def _events(tf_module, logdir):
    out = []
    for name in sorted(os.listdir(logdir)):
        if name.startswith('events.out.tfevents.'):
            for event in tf_module.train.summary_iterator(os.path.join(logdir, name)):
                kind = event.WhichOneof('what')
                detail = event.session_log.status if kind == 'session_log' else [v.tag for v in event.summary.value]
                out.append((kind, detail, event.step))
    return out


def test_trains_checkpoints_and_resumes(tmp_path):
    logdir = str(tmp_path)
    step, w = _train(tf, logdir)
    assert step == 5
    step, w2 = _train(tf, logdir)
    assert step == 10 and abs(w2 - 2.0) < abs(w - 2.0)
    files = set(os.listdir(logdir))
    assert {'checkpoint', 'graph.pbtxt', 'model.ckpt-0.index', 'model.ckpt-5.index', 'model.ckpt-10.index'} <= files
    kinds = _events(tf, logdir)
    assert ('session_log', tf.SessionLog.START, 5) in kinds and ('session_log', tf.SessionLog.CHECKPOINT, 5) in kinds
    assert ('summary', ['loss'], 5) in kinds and ('summary', ['global_step/sec'], 5) in kinds
    assert kinds[-1][:2] == ('session_log', tf.SessionLog.STOP)


@pytest.mark.tf
def test_files_and_events_as_tensorflow(tmp_path):
    tf_real = pytest.importorskip('tensorflow').compat.v1
    tf_real.disable_v2_behavior()
    ours, theirs = str(tmp_path / 'ours'), str(tmp_path / 'theirs')
    assert _train(tf, ours)[0] == _train(tf_real, theirs)[0] == 5

    def listing(d):
        return sorted(re.sub(r'^events\.out\.tfevents\..*', 'events', n) for n in os.listdir(d))
    assert listing(ours) == listing(theirs)
    assert sorted(_events(tf, ours), key=repr) == sorted(_events(tf_real, theirs), key=repr)


def test_defaults_come_from_the_graph(tmp_path):
    with tf.Graph().as_default() as g:
        _build(tf)
        sv = tf.train.Supervisor(logdir=str(tmp_path))
        assert g.finalized
        assert sv.saver is g.get_collection(tf.GraphKeys.SAVERS)[0]
        assert sv.init_op is g.get_collection(tf.GraphKeys.INIT_OP)[0]
        assert sv.summary_op is g.get_collection(tf.GraphKeys.SUMMARY_OP)[0]
        assert sv.global_step is g.get_collection(tf.GraphKeys.GLOBAL_STEP)[0]
        assert sv.save_path == os.path.join(str(tmp_path), 'model.ckpt') and sv.is_chief
        assert (sv.save_summaries_secs, sv.save_model_secs) == (120, 600)
        assert sv.ready_for_local_init_op is None


def test_managed_session_stops_cleanly_on_out_of_range_and_raises_other_errors():
    with tf.Graph().as_default():
        queue = tf.FIFOQueue(2, tf.float32)
        enqueue, close, dequeue = queue.enqueue_many([[1.0, 2.0]]), queue.close(), queue.dequeue()
        v = tf.Variable(1.0)
        sv = tf.train.Supervisor(logdir=None)
        seen = []
        with sv.managed_session() as sess:
            sess.run([enqueue, close])
            while not sv.should_stop():
                seen.append(sess.run(dequeue))
        assert seen == [1.0, 2.0] and sv.should_stop()
        with pytest.raises(ValueError, match='boom'):
            with sv.managed_session() as sess:
                sess.run(v)
                raise ValueError('boom')


def test_loop_and_summary_computed(tmp_path):
    with tf.Graph().as_default():
        _build(tf)
        sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
        calls = []
        with sv.managed_session() as sess:
            sv.loop(None, lambda: calls.append(1) if len(calls) < 3 else sv.request_stop())
            sv.wait_for_stop()
            sv.summary_computed(sess, tf.Summary(value=[tf.Summary.Value(tag='mine', simple_value=1.0)]))
        assert len(calls) == 3
    assert ('summary', ['mine'], 0) in _events(tf, str(tmp_path))


def test_non_chief_is_not_implemented():
    with tf.Graph().as_default():
        tf.Variable(1.0)
        sv = tf.train.Supervisor(is_chief=False)
        with pytest.raises(NotImplementedError, match='sluice does not implement distributed training'):
            sv.prepare_or_wait_for_session()
        with pytest.raises(RuntimeError, match='Only chief supervisor can start standard services.'):
            sv.start_standard_services(None)
