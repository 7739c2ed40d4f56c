"""Queues as graph resources: FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue, PriorityQueue.

Expected values, names and messages were taken from TensorFlow 1.x (tf.compat.v1 in graph mode)
unless a test says it checks behaviour beyond TF. Every test runs under a watchdog and must leave
no thread behind.
"""
import re
import threading
import time

import numpy as np
import pytest

import sluice as tf
import sluice.queues as queues
from sluice.engine import devices

SHORT = tf.RunOptions(timeout_in_ms=150)


pytestmark = pytest.mark.usefixtures('no_leaked_threads')  # conftest: watchdog, no thread left


def _session():
    # A deadline on every plain run: a test that blocks by mistake fails instead of hanging.
    return tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=10000))


class _Background:
    """Runs fn in a thread; .result() joins it and returns its value or raises its exception."""

    def __init__(self, fn):
        self._value = self._error = None
        self._thread = threading.Thread(target=self._run, args=(fn,))
        self._thread.start()

    def _run(self, fn):
        try:
            self._value = fn()
        except BaseException as e:  # handed to result()
            self._error = e

    def alive(self):
        return self._thread.is_alive()

    def result(self, timeout=10):
        self._thread.join(timeout)
        assert not self._thread.is_alive(), 'background run did not finish'
        if self._error is not None:
            raise self._error
        return self._value


def _wait_until(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, 'condition not reached'
        time.sleep(0.01)


def _closed_message(kind, node, n, size):
    return re.compile(r"^%s '_\d+_%s' is closed and has insufficient elements \(requested %d, current size %d\)"
                      % (kind, re.escape(node), n, size))


# -- the TF examples --------------------------------------------------------------------------------

def test_int_queue_dequeue_increment_enqueue_loop():
    q = queues.FIFOQueue(3, 'int32')
    init = q.enqueue_many([[0, 10, 20]])
    x = q.dequeue()
    y = x + 1
    q_inc = q.enqueue([y])
    with _session() as sess:
        sess.run(init)
        seen = []
        for _ in range(5):
            value, _ = sess.run(x), None
            seen.append(value)
            sess.run(q.enqueue([value + 1]))
        assert ' '.join(str(v) for v in seen) == '0 10 20 1 11'  # TF prints 0 10 20 1 11
        assert sess.run(q.size()) == 3
        assert q_inc.type == 'QueueEnqueueV2'


def test_float_queue_seed_example():
    q = queues.FIFOQueue(3, 'float')
    init = q.enqueue_many(([0.1, 0.2, 0.3],))
    x = q.dequeue()
    y = x + 1
    q_inc = q.enqueue([y])
    with _session() as sess:
        sess.run(init)
        sess.run(q_inc)
        sess.run(q_inc)
        values = [sess.run(x) for _ in range(3)]
    assert all(isinstance(v, np.float32) for v in values)
    assert ' '.join(str(v) for v in values) == '0.3 1.1 1.2'  # as TF prints them
    np.testing.assert_array_equal(values, np.array([0.3, 1.1, 1.2], np.float32))


# -- graph construction --------------------------------------------------------------------------------

def test_names_types_attrs_and_static_shapes():
    q = queues.FIFOQueue(5, [tf.int32, tf.float32], shapes=[[2], []], name='sq')
    ref = q.queue_ref
    assert (q.name, ref.op.type, ref.dtype, ref.shape.as_list()) == ('sq', 'FIFOQueueV2', tf.resource, [])
    assert ref.op.get_attr('capacity') == 5
    assert list(ref.op.get_attr('component_types')) == [tf.int32, tf.float32]
    assert q.dtypes == [tf.int32, tf.float32] and [s.as_list() for s in q.shapes] == [[2], []]
    assert q.names is None
    em = q.enqueue_many([[[1, 2], [3, 4]], [1., 2.]])
    e = q.enqueue([[1, 2], 3.])
    d = q.dequeue()
    dm = q.dequeue_many(2)
    du = q.dequeue_up_to(4)
    assert (em.name, em.type) == ('sq_EnqueueMany', 'QueueEnqueueManyV2')
    assert (e.name, e.type) == ('sq_enqueue', 'QueueEnqueueV2')
    assert [t.name for t in d] == ['sq_Dequeue:0', 'sq_Dequeue:1']
    assert [t.shape.as_list() for t in d] == [[2], []]
    assert [t.shape.as_list() for t in dm] == [[2, 2], [2]]
    assert [t.shape.as_list() for t in du] == [[None, 2], [None]]
    assert dm[0].op.inputs[1].op.name == 'sq_DequeueMany/n'
    assert e.get_attr('timeout_ms') == -1 and list(e.get_attr('Tcomponents')) == [tf.int32, tf.float32]
    assert q.size().name == 'sq_Size:0' and q.is_closed().name == 'sq_Is_Closed:0'
    assert q.close().name == 'sq_Close' and q.close(True).get_attr('cancel_pending_enqueues') is True
    # Every op of the queue is colocated with the queue node.
    assert e.get_attr('_class') == [b'loc:@sq']
    # Unknown shapes without `shapes`.
    assert queues.FIFOQueue(2, tf.int32).dequeue().shape.dims is None


def test_graph_time_checks():
    q = queues.FIFOQueue(5, [tf.int32, tf.float32], shapes=[[2], []])
    with pytest.raises(ValueError, match=r'Shapes \(3,\) and \(2,\) are incompatible'):
        q.enqueue([[1, 2, 3], 1.0])
    with pytest.raises(ValueError, match=r'Shapes \(\) and \(2,\) are incompatible'):
        q.enqueue_many([[1, 2, 3], [1.0]])
    with pytest.raises(TypeError):
        q.enqueue(['a', 1.0])
    with pytest.raises(ValueError, match='2 components'):
        q.enqueue([[1, 2]])
    with pytest.raises(ValueError, match='All shapes must be fully defined'):
        queues.FIFOQueue(3, tf.int32, shapes=[[None]])
    with pytest.raises(ValueError, match='When providing partial shapes, a list of shapes must be provided.'):
        queues.PaddingFIFOQueue(3, tf.int32, shapes=None)
    named = queues.FIFOQueue(3, [tf.int32, tf.float32], names=['a', 'b'])
    with pytest.raises(ValueError, match='You must enqueue a dictionary in a Queue with names'):
        named.enqueue([1, 2.0])
    with pytest.raises(ValueError, match='Keys in dictionary to enqueue do not match names of Queue'):
        named.enqueue({'a': 1, 'c': 2.0})
    out = named.dequeue()
    assert sorted(out) == ['a', 'b'] and out['b'].dtype == tf.float32
    with _session() as sess:
        sess.run(named.enqueue({'a': 1, 'b': 2.0}))
        assert sess.run(out) == {'a': 1, 'b': 2.0}


def test_runtime_shape_and_count_errors():
    q = queues.FIFOQueue(5, [tf.int32, tf.float32], shapes=[[2], []])
    a = tf.placeholder(tf.int32)
    b = tf.placeholder(tf.float32)
    em = q.enqueue_many([a, b])
    e = q.enqueue([a, b])
    n = tf.placeholder(tf.int32)
    dm = q.dequeue_many(n)
    unshaped = queues.FIFOQueue(5, tf.int32)
    with _session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'Shape mismatch in tuple component 0\. '
                                                                   r'Expected \[2\], got \[3\]'):
            sess.run(e, {a: [1, 2, 3], b: 1.0})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'Shape mismatch in tuple component 0\. '
                                                                   r'Expected \[1,2\], got \[1,3\]'):
            sess.run(em, {a: [[1, 2, 3]], b: [1.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'Shape mismatch in tuple component 1\. '
                                                                   r'Expected \[2\], got \[1\]'):
            sess.run(em, {a: [[1, 2], [3, 4]], b: [1.0]})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'DequeueManyOp requested -1 < 0 elements'):
            sess.run(dm, {n: -1})
        empty = sess.run(dm, {n: 0})
        assert empty[0].shape == (0, 2) and empty[0].dtype == np.int32 and empty[1].shape == (0,)
        sess.run(unshaped.enqueue(1))
        with pytest.raises(tf.errors.InvalidArgumentError, match="FIFOQueue's DequeueMany and DequeueUpTo require "
                                                                 "the components to have specified shapes."):
            sess.run(unshaped.dequeue_many(1))
        assert sess.run(q.size()) == 0 and sess.run(unshaped.size()) == 1


# -- blocking, deadlines and closing ---------------------------------------------------------------------

def test_random_shuffle_queue_takes_ten_gives_eight_then_blocks():
    tf.set_random_seed(1)
    q = queues.RandomShuffleQueue(10, 2, tf.int32, shapes=[[]])
    assert q.queue_ref.op.type == 'RandomShuffleQueueV2'
    assert q.queue_ref.op.get_attr('min_after_dequeue') == 2
    fill = q.enqueue_many([list(range(10))])
    x = q.dequeue()
    with _session() as sess:
        sess.run(fill)
        got = [int(sess.run(x)) for _ in range(8)]
        with pytest.raises(tf.errors.DeadlineExceededError, match='Timed out waiting for notification'):
            sess.run(x, options=SHORT)
        assert sess.run(q.size()) == 2
        sess.run(q.close())  # min_after_dequeue no longer holds
        with pytest.raises(tf.errors.OutOfRangeError) as info:
            sess.run(q.dequeue_many(3))
        assert _closed_message('RandomShuffleQueue', 'random_shuffle_queue', 3, 2).match(info.value.message)
        got += [int(sess.run(x)), int(sess.run(x))]
        with pytest.raises(tf.errors.OutOfRangeError) as info:
            sess.run(x)
        assert _closed_message('RandomShuffleQueue', 'random_shuffle_queue', 1, 0).match(info.value.message)
    assert sorted(got) == list(range(10))
    assert got != list(range(10))  # shuffled (a fixed seed: deterministic)


def test_random_shuffle_seeds_are_repeatable():
    def order():
        tf.reset_default_graph()
        q = queues.RandomShuffleQueue(10, 0, tf.int32, shapes=[[]], seed=7)
        fill = q.enqueue_many([list(range(10))])
        out = q.dequeue_many(10)
        with _session() as sess:
            sess.run(fill)
            return sess.run(out).tolist()
    assert order() == order()


def test_timeouts_on_empty_and_full_queues():
    q = queues.FIFOQueue(1, tf.float32)
    x = q.dequeue()
    e = q.enqueue(1.0)
    with _session() as sess:
        start = time.monotonic()
        with pytest.raises(tf.errors.DeadlineExceededError, match='Timed out waiting for notification'):
            sess.run(x, options=SHORT)
        assert 0.1 < time.monotonic() - start < 3
        sess.run(e)
        with pytest.raises(tf.errors.DeadlineExceededError, match='Timed out waiting for notification'):
            sess.run(e, options=SHORT)
        assert sess.run(q.size()) == 1
    # The session-wide deadline (ConfigProto.operation_timeout_in_ms) bounds blocked ops too.
    with tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=100)) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError, match='Timed out waiting for notification'):
            sess.run(x)


def test_op_timeout_attr_is_honoured():
    q = queues.FIFOQueue(1, tf.float32)
    g = tf.get_default_graph()
    with g.colocate_with(q.queue_ref.op):
        op = g._create_op('QueueDequeueV2', [q.queue_ref], {'component_types': [tf.float32], 'timeout_ms': 100})
    with _session() as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(op._outputs[0])


def test_close_without_cancel_waits_for_blocked_enqueues():
    q = queues.FIFOQueue(1, tf.float32, name='q3')
    e = q.enqueue([1.0])
    e2 = q.enqueue([2.0])
    close = q.close()
    cancel = q.close(cancel_pending_enqueues=True)
    d = q.dequeue()
    with _session() as sess:
        sess.run(e)
        blocked = _Background(lambda: sess.run(e2))
        time.sleep(0.1)
        closer = _Background(lambda: sess.run(close))  # TF: close waits behind the blocked enqueue
        time.sleep(0.1)
        assert closer.alive() and not sess.run(q.is_closed())
        with pytest.raises(tf.errors.CancelledError, match=r"FIFOQueue '_\d+_q3' is closed\."):
            sess.run(q.enqueue([3.0]))  # no new enqueue once a close is under way
        assert sess.run(d) == 1.0
        blocked.result()
        closer.result()
        assert sess.run(q.is_closed())
        assert sess.run(d) == 2.0
        with pytest.raises(tf.errors.OutOfRangeError) as info:
            sess.run(d)
        assert _closed_message('FIFOQueue', 'q3', 1, 0).match(info.value.message)
        with pytest.raises(tf.errors.CancelledError, match=r"^FIFOQueue '_\d+_q3' is closed\."):
            sess.run(e)
        with pytest.raises(tf.errors.CancelledError, match=r"^Queue '_\d+_q3' is already closed\."):
            sess.run(close)
        sess.run(cancel)  # closing with cancel again is fine


def test_close_with_cancel_pending_enqueues():
    q = queues.FIFOQueue(1, tf.float32, name='qq')
    e = q.enqueue([1.0])
    cancel = q.close(cancel_pending_enqueues=True)
    d = q.dequeue()
    with _session() as sess:
        sess.run(e)
        blocked = _Background(lambda: sess.run(e))
        time.sleep(0.1)
        assert blocked.alive()
        sess.run(cancel)
        with pytest.raises(tf.errors.CancelledError, match='^Enqueue operation was cancelled'):
            blocked.result()
        assert sess.run(q.size()) == 1
        assert sess.run(d) == 1.0
        with pytest.raises(tf.errors.OutOfRangeError) as info:
            sess.run(d)
        assert _closed_message('FIFOQueue', 'qq', 1, 0).match(info.value.message)


def test_close_wakes_blocked_dequeues_with_out_of_range():
    q = queues.FIFOQueue(5, tf.int32, shapes=[[]])
    dm = q.dequeue_many(3)
    with _session() as sess:
        sess.run(q.enqueue_many([[1, 2]]))
        waiting = _Background(lambda: sess.run(dm))
        time.sleep(0.1)
        sess.run(q.close())
        with pytest.raises(tf.errors.OutOfRangeError) as info:
            waiting.result()
        assert _closed_message('FIFOQueue', 'fifo_queue', 3, 2).match(info.value.message)
        np.testing.assert_array_equal(sess.run(q.dequeue_up_to(3)), [1, 2])  # what is left, at once
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(q.dequeue_up_to(3))


def test_session_close_wakes_blocked_ops():
    q = queues.FIFOQueue(1, tf.float32)
    full = queues.FIFOQueue(1, tf.float32)
    d = q.dequeue()
    e = full.enqueue(1.0)
    sess = tf.Session()
    sess.run(e)
    waiting = _Background(lambda: sess.run(d))
    pushing = _Background(lambda: sess.run(e))
    time.sleep(0.15)
    assert waiting.alive() and pushing.alive()
    sess.close()
    with pytest.raises(tf.errors.CancelledError, match='^Dequeue operation was cancelled'):
        waiting.result()
    with pytest.raises(tf.errors.CancelledError, match='^Enqueue operation was cancelled'):
        pushing.result()


def test_failed_dequeue_many_leaves_queue_intact():
    q = queues.FIFOQueue(5, tf.int32, shapes=[[]])
    dm = q.dequeue_many(3)
    with _session() as sess:
        sess.run(q.enqueue_many([[1, 2]]))
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(dm, options=SHORT)
        assert sess.run(q.size()) == 2
        sess.run(q.enqueue(3))
        np.testing.assert_array_equal(sess.run(dm), [1, 2, 3])


def test_batches_larger_than_the_capacity():
    # Beyond TF: a timed-out DequeueMany bigger than the capacity puts back what it gathered.
    q = queues.FIFOQueue(2, tf.int32, shapes=[[]], name='big')
    fill = q.enqueue_many([[1, 2, 3, 4, 5]])
    take4 = q.dequeue_many(4)
    with _session() as sess:
        pushing = _Background(lambda: sess.run(fill))
        _wait_until(lambda: sess.run(q.size()) == 2)
        np.testing.assert_array_equal(sess.run(take4), [1, 2, 3, 4])
        pushing.result()
        assert sess.run(q.size()) == 1
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(take4, options=SHORT)
        assert sess.run(q.size()) == 1  # TF loses this element
        assert sess.run(q.dequeue()) == 5


def test_out_of_range_texts_for_each_queue_kind():
    kinds = [(queues.FIFOQueue(3, tf.int32, shapes=[[]]), 'FIFOQueue', 'fifo_queue'),
             (queues.PaddingFIFOQueue(3, tf.int32, shapes=[[]]), 'FIFOQueue', 'padding_fifo_queue'),
             (queues.RandomShuffleQueue(3, 1, tf.int32, shapes=[[]]), 'RandomShuffleQueue', 'random_shuffle_queue'),
             (queues.PriorityQueue(3, tf.int32, shapes=[[]]), 'PriorityQueue', 'priority_queue')]
    with _session() as sess:
        for q, kind, node in kinds:
            sess.run(q.close())
            with pytest.raises(tf.errors.OutOfRangeError) as info:
                sess.run(q.dequeue())
            assert _closed_message(kind, node, 1, 0).match(info.value.message), info.value.message
            with pytest.raises(tf.errors.OutOfRangeError) as info:
                sess.run(q.dequeue_up_to(4))
            assert _closed_message(kind, node, 4, 0).match(info.value.message)


# -- padding and priority ---------------------------------------------------------------------------------------

def test_padding_fifo_queue_pads_batches():
    q = queues.PaddingFIFOQueue(10, [tf.int32, tf.string], shapes=[[None], []])
    v = tf.placeholder(tf.int32, [None])
    e = q.enqueue([v, 'x'])
    dm = q.dequeue_many(3)
    du = q.dequeue_up_to(2)
    assert dm[0].shape.as_list() == [3, None] and du[0].shape.as_list() == [None, None]
    with _session() as sess:
        for value in ([1], [1, 2, 3], [4, 5]):
            sess.run(e, {v: value})
        ints, strings = sess.run(dm)
        np.testing.assert_array_equal(ints, [[1, 0, 0], [1, 2, 3], [4, 5, 0]])  # TF's output
        assert ints.dtype == np.int32 and strings.tolist() == [b'x', b'x', b'x']
        sess.run(e, {v: [7, 7]})
        sess.run(e, {v: [8]})
        sess.run(q.close())
        ints, _ = sess.run(du)
        np.testing.assert_array_equal(ints, [[7, 7], [8, 0]])
        with pytest.raises(tf.errors.CancelledError, match=r"^FIFOQueue '_\d+_padding_fifo_queue' is closed\."):
            sess.run(e, {v: [1]})


def test_padding_queue_checks_ranks():
    q = queues.PaddingFIFOQueue(10, [tf.int32], shapes=[[None, 2]])
    v = tf.placeholder(tf.int32)
    with _session() as sess:
        sess.run(q.enqueue([v]), {v: np.zeros([3, 2])})
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'Expected \[\?,2\], got \[3,3\]'):
            sess.run(q.enqueue([v]), {v: np.zeros([3, 3])})


def test_priority_queue_order():
    q = queues.PriorityQueue(10, [tf.string], shapes=[[]])
    assert q.dtypes == [tf.int64, tf.string] and q.queue_ref.op.type == 'PriorityQueueV2'
    fill = q.enqueue_many([[5, 1, 3, 1], ['five', 'one', 'three', 'one_b']])
    one = q.enqueue((tf.constant(2, tf.int64), 'two'))
    d = q.dequeue()
    dm = q.dequeue_many(2)
    with _session() as sess:
        sess.run(fill)
        sess.run(one)
        assert sess.run(d) == [1, b'one']
        priorities, values = sess.run(dm)
        assert priorities.tolist() == [1, 2] and priorities.dtype == np.int64
        assert values.tolist() == [b'one_b', b'two']
        assert sess.run(d) == [3, b'three']
        assert sess.run(d) == [5, b'five']


# -- values, devices and sharing ---------------------------------------------------------------------------------

def test_enqueue_keeps_a_snapshot_of_variable_values():
    v = tf.Variable([1.0, 2.0])
    q = queues.FIFOQueue(3, tf.float32, shapes=[[2]])
    e = q.enqueue([v])
    bump = tf.assign_add(v, [10.0, 10.0])
    with _session() as sess:
        sess.run(v.initializer)
        sess.run(e)
        sess.run(bump)
        np.testing.assert_array_equal(sess.run(q.dequeue()), [1.0, 2.0])


def test_queues_live_on_the_cpu_and_gpu_consumers_get_copies(device):
    # TF: queue kernels are CPU-only and FIFOQueue builds its node under device('CPU'), so the
    # queue and its ops land on CPU:0 even under a GPU scope; the multiply runs on the scope's device.
    with tf.device(device):
        q = queues.FIFOQueue(4, tf.float32, shapes=[[3]])
        init = q.enqueue_many([np.arange(6, dtype=np.float32).reshape(2, 3)])
        x = q.dequeue()
        doubled = x * 2.0
        inc = q.enqueue([doubled])
        batch = q.dequeue_many(2)
        total = tf.reduce_sum(batch)
    with _session() as sess:
        sess.run(init)
        sess.run(inc)
        np.testing.assert_array_equal(sess.run(batch), [[3, 4, 5], [0, 2, 4]])
        sess.run(q.enqueue_many([np.ones((2, 3), np.float32)]))
        assert sess.run(total) == 6.0
        ops = [q.queue_ref.op, init, x.op, inc, batch.op]
        placed = {sess._placer.device_of(op).name for op in ops}
        assert placed == {'/job:localhost/replica:0/task:0/device:CPU:0'}
        assert sess._placer.device_of(doubled.op).device_type == ('GPU' if 'gpu' in device else 'CPU')
        assert sess._placer.device_of(total.op).device_type == ('GPU' if 'gpu' in device else 'CPU')


def test_fifo_queue_asks_for_the_cpu_as_tensorflow_does():
    # Node devices as tensorflow.compat.v1 2.21 sets them: its FIFOQueue builds the node under
    # init_scope() and device('CPU'), merged into the outer scope; the other queues keep the scope.
    c = tf.constant(1, name='c')
    with tf.control_dependencies([c]):
        q = queues.FIFOQueue(2, tf.int32)
        r = queues.RandomShuffleQueue(2, 0, tf.int32)
    assert q.queue_ref.op.device == '/device:CPU:*'
    assert q.queue_ref.op.control_inputs == [] and r.queue_ref.op.control_inputs == [c.op]
    with tf.device('/gpu:0'):
        q = queues.FIFOQueue(2, tf.int32, name='under_gpu')
        r = queues.RandomShuffleQueue(2, 0, tf.int32)
        p = queues.PaddingFIFOQueue(2, tf.int32, shapes=[[None]])
        with tf.device(None):
            cleared = queues.FIFOQueue(2, tf.int32, name='cleared')
    assert q.queue_ref.op.device == '/device:CPU:0'
    assert r.queue_ref.op.device == p.queue_ref.op.device == '/device:GPU:0'
    assert cleared.queue_ref.op.device == '/device:CPU:*'
    with tf.device('/job:worker/task:1'):
        q = queues.FIFOQueue(2, tf.int32, name='on_worker')
    assert q.queue_ref.op.device == '/job:worker/task:1/device:CPU:*'
    with tf.name_scope('outer'):
        assert queues.FIFOQueue(2, tf.int32).name == 'outer/fifo_queue'


def test_a_queue_pinned_to_a_gpu_needs_soft_placement():
    # No GPU kernel: TF's placer error (its class and the start of its message), or the CPU when soft.
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            q = queues.RandomShuffleQueue(4, 0, tf.int32, shapes=[[]], name='rsq')
            e = q.enqueue(7)
            d = q.dequeue()
        with _session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=r"Cannot assign a device for operation rsq: Could not satisfy explicit device "
                                     r"specification '/device:GPU:0' because no supported kernel for GPU devices is "
                                     r"available"):
                sess.run(e)
        config = tf.ConfigProto(allow_soft_placement=True, operation_timeout_in_ms=10000)
        with tf.Session(config=config) as sess:
            sess.run(e)
            assert sess.run(d) == 7
            assert {sess._placer.device_of(op).device_type for op in (q.queue_ref.op, e, d.op)} == {'CPU'}


def test_queue_with_strings_stays_on_the_host():
    with devices.fake_gpus(1):
        q = queues.FIFOQueue(2, tf.string)
        e = q.enqueue('hello')
        with _session() as sess:
            sess.run(e)
            assert sess.run(q.dequeue()) == b'hello'
            assert sess._placer.device_of(q.queue_ref.op).device_type == 'CPU'


def test_shared_name_shares_one_queue_per_session():
    a = queues.FIFOQueue(5, tf.int32, shared_name='shared', name='a')
    b = queues.FIFOQueue(5, tf.int32, shared_name='shared', name='b')
    c = queues.FIFOQueue(5, tf.float32, shared_name='shared', name='c')
    with _session() as sess:
        sess.run(a.enqueue(7))
        assert sess.run(b.size()) == 1
        assert sess.run(b.dequeue()) == 7
        with pytest.raises(tf.errors.InvalidArgumentError, match="Shared queue 'shared' has component types int32 "
                                                                 "but requested component types were float"):
            sess.run(c.size())
    with _session() as other:
        assert other.run(b.size()) == 0


def test_many_producers_and_consumers_deliver_each_element_once():
    q = queues.FIFOQueue(8, tf.int64, shapes=[[]])
    values = tf.placeholder(tf.int64, [None])
    push = q.enqueue_many([values])
    pop1 = q.dequeue()
    pop4 = q.dequeue_up_to(4)
    close = q.close()
    per_producer = 250
    with _session() as sess:
        push_fn = sess.make_callable(push, [values])
        pop1_fn = sess.make_callable(pop1)
        pop4_fn = sess.make_callable(pop4)
        received = [[] for _ in range(4)]

        def produce(k):
            base = k * per_producer
            for start in range(0, per_producer, 5):
                push_fn(np.arange(base + start, base + start + 5))
            return True

        def consume(k):
            fn = pop1_fn if k % 2 else pop4_fn
            while True:
                try:
                    got = fn()
                except tf.errors.OutOfRangeError:
                    return True
                received[k].extend(np.atleast_1d(got).tolist())

        consumers = [_Background(lambda k=k: consume(k)) for k in range(4)]
        producers = [_Background(lambda k=k: produce(k)) for k in range(4)]
        for p in producers:
            assert p.result(20)
        sess.run(close)
        for c in consumers:
            assert c.result(20)
    everything = sorted(v for part in received for v in part)
    assert everything == list(range(4 * per_producer))
