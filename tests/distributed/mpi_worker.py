"""Run by tests/distributed/test_horovod.py under `mpiexec -n 2`: one check per mode (argv[1])."""
import sys
import time

import numpy as np

import sluice as tf
import sluice.horovod as hvd


def many_tensors():
    """10,000 tensors of mixed sizes and dtypes in grouped collectives: sums exact."""
    rng = np.random.RandomState(0)
    sizes = rng.randint(1, 50, 10000)
    arrays = [(rng.randint(-1000, 1000, n) * (hvd.rank() + 1)).astype(np.float32 if i % 3 else np.float64)
              for i, n in enumerate(sizes)]
    with tf.Graph().as_default(), tf.Session() as sess:
        by_dtype = {}
        for a in arrays:
            by_dtype.setdefault(a.dtype, []).append(tf.constant(a))
        outs = [hvd.grouped_allreduce(ts) for ts in by_dtype.values()]
        results = sess.run(outs)
    expected_scale = sum(r + 1 for r in range(hvd.size()))
    flat = [r for group in results for r in group]
    ordered = [a for dt in by_dtype for a in arrays if a.dtype == dt]
    for got, a in zip(flat, ordered):
        assert np.array_equal(got, a / (hvd.rank() + 1) * expected_scale), 'sum differs'
    assert len(flat) == 10000
    print('rank %d ok' % hvd.rank())


def collectives():
    with tf.Graph().as_default(), tf.Session() as sess:
        x = tf.constant(np.arange(hvd.rank() + 2, dtype=np.float32))  # rank r holds r + 2 rows
        gathered = hvd.allgather(x)
        y = tf.constant([float(hvd.rank()) * 10 + 1])
        values = sess.run([gathered, hvd.allreduce(y), hvd.allreduce(y, average=False), hvd.broadcast(y, 1)])
        grad = sess.run(tf.gradients(tf.reduce_sum(hvd.allgather(x) * 3.0), x)[0])
    assert values[0].tolist() == [0, 1, 0, 1, 2], values[0]
    assert values[1].tolist() == [6.0] and values[2].tolist() == [12.0] and values[3].tolist() == [11.0]
    assert grad.tolist() == [6.0] * (hvd.rank() + 2), grad  # each rank's rows, summed over 2 ranks
    print('rank %d ok' % hvd.rank())


def dead_peer():
    """Rank 1 leaves before the collective: rank 0 must fail with DeadlineExceededError, not hang."""
    if hvd.rank() == 1:
        return
    with tf.Graph().as_default(), tf.Session() as sess:
        start = time.time()
        try:
            sess.run(hvd.allreduce(tf.constant([1.0])))
        except tf.errors.DeadlineExceededError as e:
            print('rank 0 failed after %.1f s: %s' % (time.time() - start, e.message))
            return
    raise AssertionError('the allreduce completed without its peer')


def run_timeout_and_close():
    """Rank 1 never joins: rank 0's allreduce ends at the run's timeout, then at Session.close()."""
    if hvd.rank() == 1:
        time.sleep(8)
        return
    import threading
    with tf.Graph().as_default():
        sess = tf.Session()
        total = hvd.allreduce(tf.constant([1.0]))
        start = time.time()
        try:
            sess.run(total, options=tf.RunOptions(timeout_in_ms=1000))
        except tf.errors.DeadlineExceededError as e:
            print('run timeout after %.1f s: %s' % (time.time() - start, "the run's timeout" in e.message))
        threading.Timer(1.0, sess.close).start()
        start = time.time()
        try:
            sess.run(total)
        except tf.errors.CancelledError:
            print('closed after %.1f s' % (time.time() - start))


if __name__ == '__main__':
    hvd.init()
    {'many_tensors': many_tensors, 'collectives': collectives, 'dead_peer': dead_peer,
     'run_timeout_and_close': run_timeout_and_close}[sys.argv[1]]()
