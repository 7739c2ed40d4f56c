"""tf.train.QueueRunner, start_queue_runners and Coordinator (TF 1.x semantics, values and messages
checked against TensorFlow), plus the warning for queue runners nobody started (beyond TF,
tensorflow#18045). Every test runs under a watchdog and must leave no thread behind.
"""
import logging
import threading
import time

import numpy as np
import pytest

import sluice as tf
import sluice.queues as queues
from sluice.engine.graph import GraphKeys
from sluice.io.protos import QueueRunnerDef
from sluice.queues import queue_state



pytestmark = pytest.mark.usefixtures('no_leaked_threads')  # conftest: watchdog, no thread left


def _session():
    return tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=10000))


# -- Coordinator ----------------------------------------------------------------------------------------------

def test_coordinator_stop_and_clean_stop_exceptions():
    coord = queues.Coordinator()
    assert not coord.should_stop() and not coord.wait_for_stop(0.01)
    try:
        raise tf.errors.OutOfRangeError(None, None, 'input exhausted')
    except tf.errors.OutOfRangeError as e:
        coord.request_stop(e)  # a clean stop: nothing to re-raise
    assert coord.should_stop() and coord.wait_for_stop(0.01)
    coord.join([])
    assert coord.joined
    coord.clear_stop()
    assert not coord.should_stop() and not coord.joined


def test_coordinator_join_reraises_the_first_reported_exception():
    coord = queues.Coordinator()

    def worker(k):
        with coord.stop_on_exception():
            if k == 0:
                raise ValueError('boom from worker 0')
            while not coord.should_stop():
                time.sleep(0.01)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in threads:
        t.start()
    with pytest.raises(ValueError, match='boom from worker 0'):
        coord.join(threads, stop_grace_period_secs=5)
    with pytest.raises(ValueError, match='boom from worker 0'):
        coord.raise_requested_exception()
    # After join, a reported exception is raised by request_stop itself.
    with pytest.raises(KeyError):
        try:
            raise KeyError('late')
        except KeyError as e:
            coord.request_stop(e)


def test_coordinator_grace_period_names_the_stragglers():
    coord = queues.Coordinator()
    release = threading.Event()
    t = threading.Thread(target=release.wait, args=(10,), name='slowpoke')
    t.start()
    coord.request_stop()
    try:
        with pytest.raises(RuntimeError, match='^Coordinator stopped with threads still running: slowpoke$'):
            coord.join([t], stop_grace_period_secs=0.05)
    finally:
        release.set()
        t.join()
    coord.clear_stop()
    coord.register_thread(threading.Thread(target=lambda: None))  # never started: not alive, nothing to wait for
    coord.request_stop()
    coord.join()


def test_looper_thread():
    coord = queues.Coordinator()
    calls = []
    looper = queues.LooperThread.loop(coord, 0.01, target=calls.append, args=(1,))
    time.sleep(0.1)
    coord.request_stop()
    coord.join([looper], stop_grace_period_secs=5)
    assert len(calls) >= 3


# -- QueueRunner ------------------------------------------------------------------------------------------------

def test_queue_runner_construction_and_proto():
    q = queues.FIFOQueue(4, tf.float32, shapes=[[2]])
    enq = q.enqueue(tf.ones([2]))
    qr = queues.QueueRunner(q, [enq])
    assert qr.name == 'fifo_queue' and qr.queue is q and qr.enqueue_ops == [enq]
    assert (qr.close_op.type, qr.cancel_op.type) == ('QueueCloseV2', 'QueueCloseV2')
    assert qr.cancel_op.get_attr('cancel_pending_enqueues') is True
    assert qr.queue_closed_exception_types == (tf.errors.OutOfRangeError,)
    proto = qr.to_proto()
    assert isinstance(proto, QueueRunnerDef)
    assert (proto.queue_name, list(proto.enqueue_op_name), proto.close_op_name, proto.cancel_op_name,
            list(proto.queue_closed_exception_types)) == ('fifo_queue', ['fifo_queue_enqueue'], 'fifo_queue_Close',
                                                          'fifo_queue_Close_1', [tf.errors.OUT_OF_RANGE])
    back = queues.QueueRunner.from_proto(proto)
    assert back.name == 'fifo_queue' and back.enqueue_ops == [enq] and back.close_op is qr.close_op
    assert qr.to_proto(export_scope='elsewhere') is None
    with pytest.raises(ValueError, match='Must provide queue and enqueue_ops.'):
        queues.QueueRunner(q, [])
    with pytest.raises(TypeError, match='queue_closed_exception_types'):
        queues.QueueRunner(q, [enq], queue_closed_exception_types=[tf.errors.OutOfRangeError])
    with pytest.raises(ValueError, match='mutually exclusive'):
        queues.QueueRunner(q, [enq], queue_runner_def=proto)


def test_two_enqueue_threads_feed_a_training_loop_under_a_coordinator():
    q = queues.FIFOQueue(6, tf.float32, shapes=[[2]])
    qr = queues.QueueRunner(q, [q.enqueue(tf.ones([2])), q.enqueue(tf.fill([2], 2.0))])
    queues.add_queue_runner(qr)
    assert tf.get_collection(GraphKeys.QUEUE_RUNNERS) == [qr]
    batch = q.dequeue_many(4)
    total = tf.Variable(tf.zeros([2]))
    train = tf.assign_add(total, tf.reduce_sum(batch, 0))
    with _session() as sess:
        sess.run(total.initializer)
        coord = queues.Coordinator()
        threads = queues.start_queue_runners(sess=sess, coord=coord)
        assert len(threads) == 3 and all(t.daemon for t in threads)
        assert sorted(t.name for t in threads) == ['QueueRunnerThread-fifo_queue-close_on_stop',
                                                   'QueueRunnerThread-fifo_queue-fifo_queue_enqueue',
                                                   'QueueRunnerThread-fifo_queue-fifo_queue_enqueue_1']
        assert qr.create_threads(sess, coord=coord) == []  # still running in this session
        steps = 0
        while not coord.should_stop() and steps < 30:
            sess.run(train)
            steps += 1
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=5)
        value = sess.run(total)
    assert steps == 30
    assert value[0] == value[1] and 4 * 30 <= value[0] <= 8 * 30
    assert qr.exceptions_raised == []


def test_exhausted_input_closes_the_queue_and_stops_cleanly():
    source = queues.FIFOQueue(100, tf.int32, shapes=[[]])
    fill_source = source.enqueue_many([list(range(20))])
    close_source = source.close()
    target = queues.FIFOQueue(4, tf.int32, shapes=[[]])
    # The enqueue op reads the source queue: its OutOfRangeError means "input done".
    queues.add_queue_runner(queues.QueueRunner(target, [target.enqueue(source.dequeue()) for _ in range(2)]))
    batch = target.dequeue_up_to(3)
    with _session() as sess:
        sess.run(fill_source)
        sess.run(close_source)
        coord = queues.Coordinator()
        threads = queues.start_queue_runners(sess=sess, coord=coord)
        seen = []
        try:
            while not coord.should_stop():
                seen.extend(sess.run(batch).tolist())
        except tf.errors.OutOfRangeError as e:
            coord.request_stop(e)  # clean stop
        finally:
            coord.request_stop()
        coord.join(threads, stop_grace_period_secs=5)
        assert sess.run(target.is_closed())
    assert sorted(seen) == list(range(20))


def test_runner_errors_go_to_the_coordinator():
    q = queues.FIFOQueue(4, tf.float32)
    unfed = tf.placeholder(tf.float32, name='unfed')
    queues.add_queue_runner(queues.QueueRunner(q, [q.enqueue(unfed)]))
    with _session() as sess:
        coord = queues.Coordinator()
        threads = queues.start_queue_runners(sess=sess, coord=coord)
        with pytest.raises(tf.errors.InvalidArgumentError, match='unfed'):
            coord.join(threads, stop_grace_period_secs=5)


def test_runner_errors_without_a_coordinator(caplog):
    q = queues.FIFOQueue(4, tf.float32)
    unfed = tf.placeholder(tf.float32, name='unfed')
    qr = queues.QueueRunner(q, [q.enqueue(unfed)])
    excepthook = threading.excepthook
    threading.excepthook = lambda args: None  # the thread dies with the error, as in TF; keep the output quiet
    try:
        with _session() as sess, caplog.at_level(logging.ERROR, logger='sluice'):
            threads = qr.create_threads(sess, start=True)
            for t in threads:
                t.join(5)
    finally:
        threading.excepthook = excepthook
    assert len(qr.exceptions_raised) == 1
    assert isinstance(qr.exceptions_raised[0], tf.errors.InvalidArgumentError)
    assert any('Exception in QueueRunner' in r.getMessage() for r in caplog.records)


def test_start_queue_runners_needs_a_session(caplog):
    with pytest.raises(ValueError, match='Cannot start queue runners: No default session is registered'):
        queues.start_queue_runners()
    with pytest.raises(TypeError, match='sess must be a `tf.Session` object'):
        queues.start_queue_runners(sess=object())
    with _session(), caplog.at_level(logging.WARNING, logger='sluice'):
        assert queues.start_queue_runners() == []
    assert any('no queue runners were defined' in r.getMessage() for r in caplog.records)


def test_session_close_stops_blocked_runner_threads():
    q = queues.FIFOQueue(2, tf.float32)
    qr = queues.QueueRunner(q, [q.enqueue(1.0)])
    queues.add_queue_runner(qr)
    sess = tf.Session()
    coord = queues.Coordinator()
    threads = queues.start_queue_runners(sess=sess, coord=coord)
    deadline = time.monotonic() + 5
    while sess.run(q.size()) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    sess.close()  # wakes the producer blocked on the full queue: CancelledError, reported to coord
    with pytest.raises(tf.errors.CancelledError, match='Enqueue operation was cancelled'):
        coord.join(threads, stop_grace_period_secs=5)


# -- beyond TF: runners nobody started -----------------------------------------------------------------------------

def _starved_dequeue(monkeypatch, caplog, start_runners, add_runner=True):
    monkeypatch.setattr(queue_state, 'STARVATION_WARNING_SECS', 0.05)
    source = queues.FIFOQueue(4, tf.float32, name='empty_source')  # runners block on it: nothing arrives
    q = queues.FIFOQueue(4, tf.float32, name='input_queue')
    if add_runner:
        queues.add_queue_runner(queues.QueueRunner(q, [q.enqueue(source.dequeue())]))
    x = q.dequeue()
    with _session() as sess, caplog.at_level(logging.WARNING, logger='sluice'):
        coord = queues.Coordinator()
        threads = queues.start_queue_runners(sess=sess, coord=coord) if start_runners else []
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(x, options=tf.RunOptions(timeout_in_ms=300))
        coord.request_stop()
        sess.run(source.close())  # the runners see the end of their input
        coord.join(threads, stop_grace_period_secs=5)
    return [r.getMessage() for r in caplog.records if 'QueueRunner' in r.getMessage()]


def test_warns_when_queue_runners_were_never_started(monkeypatch, caplog):
    messages = _starved_dequeue(monkeypatch, caplog, start_runners=False)
    assert len(messages) == 1
    assert "'input_queue'" in messages[0] and 'tf.train.start_queue_runners' in messages[0]


def test_no_warning_once_runners_started_or_without_runners(monkeypatch, caplog):
    assert _starved_dequeue(monkeypatch, caplog, start_runners=True) == []
    tf.reset_default_graph()
    assert _starved_dequeue(monkeypatch, caplog, start_runners=False, add_runner=False) == []


# -- stress ----------------------------------------------------------------------------------------------------------

def test_four_runners_four_consumers_every_element_exactly_once():
    n_items = 400
    source = queues.FIFOQueue(n_items, tf.int64, shapes=[[]])
    fill = source.enqueue_many([np.arange(n_items, dtype=np.int64)])
    close_source = source.close()
    q = queues.FIFOQueue(5, tf.int64, shapes=[[]])
    queues.add_queue_runner(queues.QueueRunner(q, [q.enqueue(source.dequeue()) for _ in range(4)]))
    one = q.dequeue()
    three = q.dequeue_up_to(3)
    with _session() as sess:
        sess.run(fill)
        sess.run(close_source)
        coord = queues.Coordinator()
        threads = queues.start_queue_runners(sess=sess, coord=coord)
        received = [[] for _ in range(4)]

        def consume(k):
            take = sess.make_callable(one if k % 2 else three)
            with coord.stop_on_exception():
                while True:
                    received[k].extend(np.atleast_1d(take()).tolist())

        consumers = [threading.Thread(target=consume, args=(k,)) for k in range(4)]
        for t in consumers:
            t.start()
        coord.join(threads + consumers, stop_grace_period_secs=10)
    everything = sorted(v for part in received for v in part)
    assert everything == list(range(n_items))
