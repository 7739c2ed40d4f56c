"""CUDA-graph replay against the plain path: the MNIST MLP training step on one GPU.

The step is benchmarks/training.py's MLP without dropout (784-625-625-10 ReLU, RMSProp(0.001, 0.9)
on the mean softmax cross-entropy): random ops are not capturable (a generator's position would be
baked into the graph), so the dropout graph runs plain by design. Two sessions in one process, one
planned with SLUICE_CUDA_GRAPHS=0 (plain), one with capture on; both with elementwise fusion as
configured by the environment. Per batch size:
  check   the first 12 steps of both from the same initial values and batches: the largest
          relative difference of the losses (0 on a fake GPU; cuBLAS rounding aside, 0 on a GPU);
  step    sess.run([train_op, loss], feed_dict) steps/s with host-fed NumPy batches, rounds
          interleaved (benchmarks/_harness.py), median batch; the ratio captured / plain.

    python benchmarks/capture.py [--batches 128,4096] [--seconds 1] [--repeats 5] [--fake-gpu] [--debug]

--debug prints sluice's DEBUG lines: why a plan was not captured, or why a capture failed.

Without a GPU, --fake-gpu runs the same on a NumPy-backed fake GPU (it checks the script and the
replay path; its timings say nothing about GPUs).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402


def build_mlp(tf, batch, seed=0):
    graph = tf.Graph()
    with graph.as_default(), tf.device('/gpu:0'):
        tf.set_random_seed(seed)
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        w_h, w_h2, w_o = [tf.Variable(tf.random_normal(s, stddev=0.01)) for s in ([784, 625], [625, 625], [625, 10])]
        h = tf.nn.relu(tf.matmul(x, w_h))
        h2 = tf.nn.relu(tf.matmul(h, w_h2))
        logits = tf.matmul(h2, w_o)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
        train_op = tf.train.RMSPropOptimizer(0.001, 0.9).minimize(loss)
        init = tf.global_variables_initializer()
    rng = np.random.default_rng(seed)
    feeds = [{x: rng.uniform(0, 1, (batch, 784)).astype(np.float32),
              y: np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]} for _ in range(4)]
    return graph, init, train_op, loss, feeds


def _session(tf, batch, capture):
    graph, init, train_op, loss, feeds = build_mlp(tf, batch)
    sess = tf.Session(graph=graph)
    sess.run(init)
    old = os.environ.get('SLUICE_CUDA_GRAPHS')
    os.environ['SLUICE_CUDA_GRAPHS'] = '1' if capture else '0'  # read when the step's plan is built
    try:
        sess.run([train_op, loss], feeds[0])
    finally:
        if old is None:
            del os.environ['SLUICE_CUDA_GRAPHS']
        else:
            os.environ['SLUICE_CUDA_GRAPHS'] = old
    return sess, train_op, loss, feeds


def _check(tf, batch, steps=12):
    losses = {}
    for capture in (False, True):
        sess, train_op, loss, feeds = _session(tf, batch, capture)
        losses[capture] = [sess.run([train_op, loss], feeds[k % len(feeds)])[1] for k in range(1, steps)]
        run = sess._signature([train_op, loss], tuple(feeds[0])).plan.run
        captured = getattr(run, '__self__', None)
        sess.close()
    plain, replayed = np.array(losses[False], np.float64), np.array(losses[True], np.float64)
    return float(np.max(np.abs(plain - replayed) / np.maximum(np.abs(plain), 1e-30))), captured


def measure(tf, batch, seconds, repeats):
    difference, captured = _check(tf, batch)
    calls = {}
    sessions = []
    for name, capture in (('plain', False), ('captured', True)):
        sess, train_op, loss, feeds = _session(tf, batch, capture)
        sessions.append(sess)
        counter = [0]

        def step(sess=sess, fetches=[train_op, loss], feeds=feeds, counter=counter):
            counter[0] += 1
            return sess.run(fetches, feeds[counter[0] & 3])
        calls[name] = step
    results = _harness.interleave(calls, seconds=seconds, repeats=repeats)
    for sess in sessions:
        sess.close()
    return difference, captured, results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batches', default='128,4096')
    parser.add_argument('--seconds', type=float, default=1.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--fake-gpu', action='store_true')
    parser.add_argument('--debug', action='store_true')
    args = parser.parse_args(argv)
    import sluice as tf
    if args.debug:
        tf.logging.set_verbosity(tf.logging.DEBUG)
    from sluice.engine import devices
    if args.fake_gpu:
        devices._fake_gpu_count = 1
    elif devices.cupy_module() is None:
        print('no GPU (CuPy sees none): run with --fake-gpu to exercise the script on a fake GPU')
        return 0
    print('device: %s' % ('fake GPU (NumPy): timings say nothing about GPUs' if args.fake_gpu else _gpu_name()))
    print('| batch | plain steps/s | captured steps/s | captured / plain | max rel. loss difference (12 steps) |')
    print('|---|---|---|---|---|')
    for batch in [int(b) for b in args.batches.split(',')]:
        difference, captured, results = measure(tf, batch, args.seconds, args.repeats)
        plain, replayed = results['plain'].rate, results['captured'].rate
        note = '' if captured is not None and captured.programs else ' (not captured: see the DEBUG log)'
        print('| %d | %s | %s | %.2fx%s | %.2g |' % (batch, _harness.fmt_rate(plain), _harness.fmt_rate(replayed),
                                                   replayed / plain, note, difference))
    return 0


def _gpu_name():
    import cupy
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    return props['name'].decode() if isinstance(props['name'], bytes) else str(props['name'])


if __name__ == '__main__':
    sys.exit(main())
