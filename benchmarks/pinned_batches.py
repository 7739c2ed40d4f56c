"""Queue-fed GPU training steps with batches built in pinned memory against plain copies.

An MLP step (784-625-625-10 ReLU, SGD on the mean softmax cross-entropy) on /gpu:0 whose batch comes
from a FIFOQueue that a QueueRunner thread keeps full (tf.train.batch's arrangement). Two sessions in
one process, planned with SLUICE_PINNED_BATCHES=1 (the dequeued batch is stacked into a page-locked
buffer and copied on the copy stream: engine/pinned_batches.py) and =0 (stacked in pageable memory,
copied synchronously); rounds interleaved (benchmarks/_harness.py), median batch. Per batch size:
steps/s of both and the ratio, and how many batches went through the pool.

    python benchmarks/pinned_batches.py [--batches 128,4096] [--seconds 1] [--repeats 5] [--fake-gpu]

Without a GPU, --fake-gpu runs the same on a NumPy fake GPU (it checks the script, not speed).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402


def build(tf, batch, pinned):
    """(step, session, coordinator, threads, pool getter) of the queue-fed MLP planned with pinned on/off."""
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (1024, 784)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 1024)]
    graph = tf.Graph()
    with graph.as_default():
        queue = tf.FIFOQueue(4 * batch, [tf.float32, tf.float32], shapes=[[784], [10]])
        block = [tf.constant(images), tf.constant(labels)]
        tf.train.add_queue_runner(tf.train.QueueRunner(queue, [queue.enqueue_many(block)]))
        x, y = queue.dequeue_many(batch)
        with tf.device('/gpu:0'):
            w = [tf.Variable(rng.normal(0, 0.01, s).astype(np.float32)) for s in ([784, 625], [625, 625], [625, 10])]
            h = tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, w[0])), w[1]))
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=tf.matmul(h, w[2]), labels=y))
            train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = tf.global_variables_initializer()
    old = os.environ.get('SLUICE_PINNED_BATCHES')
    os.environ['SLUICE_PINNED_BATCHES'] = '1' if pinned else '0'
    try:
        sess = tf.Session(graph=graph)
        sess.run(init)
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        sess.run(train)   # the plan is made here, under the switch
    finally:
        if old is None:
            del os.environ['SLUICE_PINNED_BATCHES']
        else:
            os.environ['SLUICE_PINNED_BATCHES'] = old

    def pool():
        pools = list(sess._signature(train, ()).plan._pinned_pools.values())
        return pools[0] if pools else None
    return (lambda: sess.run(train)), sess, coord, threads, pool


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--batches', default='128,4096')
    parser.add_argument('--seconds', type=float, default=1.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--fake-gpu', action='store_true')
    args = parser.parse_args(argv)
    import sluice as tf
    from sluice.engine import devices
    if args.fake_gpu:
        devices._fake_gpu_count = 1
    elif devices.cupy_module() is None:
        print('no GPU (CuPy sees none): run with --fake-gpu to check the script')
        return 0
    rows = []
    for batch in [int(b) for b in args.batches.split(',')]:
        runs = {'pinned': build(tf, batch, True), 'plain': build(tf, batch, False)}
        timings = _harness.interleave({k: v[0] for k, v in runs.items()}, seconds=args.seconds, repeats=args.repeats)
        pool = runs['pinned'][4]()
        rate = {k: 1.0 / t.median for k, t in timings.items()}
        rows.append([str(batch), _harness.fmt_rate(rate['pinned']), _harness.fmt_rate(rate['plain']),
                     '%.2fx' % (rate['pinned'] / rate['plain']),
                     '%d (%d buffers)' % (pool.uploaded, pool.allocated) if pool else 'none'])
        for _, sess, coord, threads, _ in runs.values():
            coord.request_stop()
            sess.close()   # closes the queues: runners blocked on a full queue end
            coord.join(threads, stop_grace_period_secs=5)
    print(_harness.table(['batch', 'pinned steps/s', 'plain steps/s', 'pinned / plain', 'copies via the pool'], rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
