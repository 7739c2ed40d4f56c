"""Batches built in pinned host memory for GPU consumers (engine/pinned_batches.py, the executor's copy
steps, the DequeueMany kernel). On the fake GPU the pool's NumPy buffers stand in for page-locked ones;
a deferred copy backend stands in for the copy stream, whose copies finish only when the test says."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices, pinned_batches


def _fake_gpu(count=1):
    with devices.fake_gpus(count):
        return [d for d in devices.local_devices() if not d.is_host][0]


class DeferredCopies(pinned_batches.HostCopies):
    """Copies that read their buffer only when their event completes (as a copy stream does later):
    a buffer overwritten before then would give the device the wrong batch."""

    def __init__(self, device):
        super().__init__(device)
        self.pending = []   # [(event, buffer, device array)]
        self.waits = 0

    def copy(self, buffer):
        out = np.empty_like(buffer)
        event = {'done': False}
        self.pending.append((event, buffer, out, buffer.copy()))
        return out, event

    def done(self, event):
        return event is None or event['done']

    def wait(self, event):
        self.waits += 1
        self.complete(event)

    def complete(self, event=None):
        for e, buffer, out, expected in list(self.pending):
            if event is None or e is event:
                np.copyto(out, buffer)      # the copy reads the buffer now
                np.testing.assert_array_equal(out, expected)   # nobody wrote it in between
                e['done'] = True
                self.pending.remove((e, buffer, out, expected))


def test_buffers_are_reused_once_their_copy_is_done():
    pool = pinned_batches.PinnedBatches(_fake_gpu())
    results = []
    for k in range(5):
        buffer = pool.acquire(0, (2, 3), np.float32)
        buffer[...] = k
        results.append(pool.upload(buffer))
    assert pool.allocated == 1 and pool.reused == 4 and pool.uploaded == 5 and pool.passed == 0
    for k, r in enumerate(results):
        np.testing.assert_array_equal(r, np.full((2, 3), k))
        assert not np.shares_memory(r, pool.buffers()[0])


def test_a_buffer_being_copied_is_never_handed_out():
    copies = DeferredCopies(_fake_gpu())
    pool = pinned_batches.PinnedBatches(copies.device, depth=2, copies=copies)
    outs = []
    for k in range(6):   # copies never finish on their own: the ring grows to depth, then waits
        buffer = pool.acquire(0, (4,), np.int64)
        assert all(buffer is not b for _, b, _, _ in copies.pending)
        buffer[...] = k
        outs.append(pool.upload(buffer))
    copies.complete()
    assert pool.allocated == 2 and copies.waits == 4 and pool.waited == 4
    for k, out in enumerate(outs):
        np.testing.assert_array_equal(out, np.full(4, k))


def test_rings_are_kept_per_output_shape_and_dtype():
    pool = pinned_batches.PinnedBatches(_fake_gpu())
    a = pool.acquire(0, (2,), np.float32)
    b = pool.acquire(1, (2,), np.float32)
    c = pool.acquire(0, (3,), np.float32)
    d = pool.acquire(0, (2,), np.float32)   # `a` is held (not uploaded yet): another buffer
    assert len({id(x) for x in (a, b, c, d)}) == 4
    for x in (a, b, c, d):
        pool.upload(x)
    assert pool.acquire(0, (2,), np.float32) in (a, d)


def test_other_values_are_copied_plainly():
    pool = pinned_batches.PinnedBatches(_fake_gpu())
    value = np.arange(3.0)
    out = pool.upload(value)
    np.testing.assert_array_equal(out, value)
    assert pool.passed == 1 and pool.uploaded == 0 and not np.shares_memory(out, value)


def test_no_pinned_memory_falls_back_to_ordinary_buffers():
    class NoPinned(pinned_batches.HostCopies):
        def allocate(self, shape, dtype):
            raise MemoryError('cudaHostAlloc failed')
    device = _fake_gpu()
    pool = pinned_batches.PinnedBatches(device, copies=NoPinned(device))
    buffer = pool.acquire(0, (2,), np.float32)
    buffer[...] = 7
    np.testing.assert_array_equal(pool.upload(buffer), [7, 7])
    assert type(pool.copies) is pinned_batches.HostCopies


def _queue_graph(gpu_consumer=True, fetch_batch=False, up_to=False, queue=None):
    q = tf.FIFOQueue(40, [tf.float32, tf.int64], shapes=[[2, 3], []])
    if queue is not None:
        queue.append(q)
    enqueue = q.enqueue_many([tf.reshape(tf.range(40 * 6, dtype=tf.float32), [40, 2, 3]),
                              tf.range(40, dtype=tf.int64)])
    images, labels = q.dequeue_up_to(6) if up_to else q.dequeue_many(4)
    with tf.device('/gpu:0' if gpu_consumer else '/cpu:0'):
        out = [tf.reduce_sum(images, axis=[1, 2]) * 2.0, tf.cast(labels, tf.float32) + 0.5]
    return enqueue, out + ([images] if fetch_batch else [])


def _pools(sess, fetches):
    return list(sess._signature(fetches, ()).plan._pinned_pools.values())


def test_dequeued_batches_for_a_gpu_go_through_the_pool():
    with devices.fake_gpus(1):
        enqueue, fetches = _queue_graph()
        with tf.Session() as sess:
            sess.run(enqueue)
            got = [sess.run(fetches) for _ in range(10)]
            pool, = _pools(sess, fetches)
            copies = [s for s in sess._signature(fetches, ()).plan.steps if s.kind == 'copy']
    assert [s.fn for s in copies] == [pool.upload, pool.upload]
    assert pool.uploaded == 20 and pool.allocated == 2 and pool.passed == 0
    rows = np.arange(40 * 6, dtype=np.float32).reshape(40, 2, 3)
    for k, (sums, labels) in enumerate(got):
        np.testing.assert_array_equal(sums, rows[4 * k:4 * k + 4].sum(axis=(1, 2)) * 2.0)
        np.testing.assert_array_equal(labels, np.arange(4 * k, 4 * k + 4) + 0.5)


def test_dequeue_up_to_takes_a_smaller_last_batch():
    with devices.fake_gpus(1):
        queue = []
        enqueue, fetches = _queue_graph(up_to=True, queue=queue)
        close = queue[0].close()
        with tf.Session() as sess:
            sess.run(enqueue)
            sess.run(close)
            got = [sess.run(fetches) for _ in range(7)]   # 6 batches of 6, then the last 4
            pool, = _pools(sess, fetches)
    assert [len(g[1]) for g in got] == [6] * 6 + [4]
    assert pool.uploaded == 14 and pool.allocated == 4   # two shapes, two outputs
    np.testing.assert_array_equal(got[6][1], np.arange(36, 40) + 0.5)


@pytest.mark.parametrize('case', ['cpu consumer', 'batch fetched', 'two gpus'])
def test_batches_read_on_the_host_or_on_two_gpus_are_plain(case):
    with devices.fake_gpus(2):
        enqueue, fetches = _queue_graph(gpu_consumer=case != 'cpu consumer', fetch_batch=case == 'batch fetched')
        if case == 'two gpus':
            with tf.device('/gpu:1'):
                fetches.append(tf.reduce_max(fetches[0].op.inputs[0].op.inputs[0]))
        with tf.Session() as sess:
            sess.run(enqueue)
            got = sess.run(fetches)
            assert _pools(sess, fetches) == []
    np.testing.assert_array_equal(got[1], np.arange(4) + 0.5)


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv('SLUICE_PINNED_BATCHES', '0')
    with devices.fake_gpus(1):
        enqueue, fetches = _queue_graph()
        with tf.Session() as sess:
            sess.run(enqueue)
            got = sess.run(fetches)
            assert _pools(sess, fetches) == []
    np.testing.assert_array_equal(got[1], np.arange(4) + 0.5)


def test_cpu_plans_have_no_pools():
    enqueue, fetches = _queue_graph(gpu_consumer=False)
    with tf.Session() as sess:
        sess.run(enqueue)
        sess.run(fetches)
        assert _pools(sess, fetches) == []


def test_train_batch_with_queue_runners_feeds_a_gpu_from_the_pool(no_leaked_threads):
    with devices.fake_gpus(1):
        counter = tf.train.limit_epochs(tf.range(12, dtype=tf.float32), num_epochs=1)
        value = tf.train.input_producer(counter, shuffle=False).dequeue()
        batch = tf.train.batch([tf.fill([3], value)], batch_size=4)
        with tf.device('/gpu:0'):
            total = tf.reduce_sum(batch, axis=1)
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess, coord)
            got = [sess.run(total) for _ in range(3)]
            pool, = _pools(sess, total)
            coord.request_stop()
            coord.join(threads)
    np.testing.assert_array_equal(np.concatenate(got), np.arange(12) * 3)
    assert pool.uploaded == 3 and pool.allocated == 1


@pytest.mark.gpu
def test_real_gpu_batches_are_page_locked_and_copied_on_the_copy_stream():
    cp = devices.cupy_module()
    if cp is None:
        pytest.skip('no GPU present')
    enqueue, fetches = _queue_graph()
    with tf.Session() as sess:
        sess.run(enqueue)
        got = [sess.run(fetches) for _ in range(10)]
        pool, = _pools(sess, fetches)
    assert type(pool.copies) is pinned_batches.StreamCopies and pool.uploaded == 20 and pool.allocated <= 6
    for buffer in pool.buffers():
        attributes = cp.cuda.runtime.pointerGetAttributes(buffer.ctypes.data)
        assert attributes.type == 1   # cudaMemoryTypeHost: page-locked
    rows = np.arange(40 * 6, dtype=np.float32).reshape(40, 2, 3)
    for k, (sums, labels) in enumerate(got):
        np.testing.assert_array_equal(sums, rows[4 * k:4 * k + 4].sum(axis=(1, 2)) * 2.0)
        np.testing.assert_array_equal(labels, np.arange(4 * k, 4 * k + 4) + 0.5)
