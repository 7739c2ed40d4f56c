"""CPU convolution kernels: sluice against TensorFlow 1.x (compat.v1) in the same process.

Cases (each graph built by the same code for both libraries, `import sluice as tf` style):
  conv 32x32x64->64 3x3 b32    Conv2D forward and both gradients (Conv2DBackpropInput,
  conv 56x56x64->64 3x3 b8     Conv2DBackpropFilter) of one NHWC float32 convolution, SAME padding,
  conv 14x14x32->64 5x5 b64    stride 1; input and filter are variables, the output gradient a
                               random constant; one step fetches y, dx and df (a tf.group of them
                               would let TF's graph optimizer prune the stateless ops).
  lenet b64, lenet b256        one training step of a LeNet-5-like CNN on 28x28x1 images:
                               conv 5x5 SAME 1->6, bias, ReLU, max-pool 2x2; conv 5x5 VALID 6->16,
                               bias, ReLU, max-pool 2x2; dense 400-120-84-10 with ReLU; mean softmax
                               cross-entropy; GradientDescent(0.01); a fixed batch fed each step.

Threads: every case runs twice, ConfigProto(intra_op_parallelism_threads=T, inter_op_parallelism_threads=T)
with T = 1 (sluice's BLAS pinned to one thread, TF's Eigen/oneDNN pools to one) and T = 0 (each
library's default: sluice's BLAS pool follows the free cores, TF picks its own).

Timing (benchmarks/_harness.py): warm-up, calibrated batches, GC off in a batch, sluice and TF
interleaved round by round; times are the MEDIAN batch. Ratio: TF time / sluice time (above 1: sluice
is faster). The issue's goal: >= 0.8x on every row at one thread.

    python benchmarks/cpu_kernels.py [--seconds 2] [--repeats 5] [--threads 1,0] [--cases conv,lenet]
                                     [--no-tf]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

# name: (H, W, C, O, K, batch)
CONV_SHAPES = {
    'conv 32x32x64->64 3x3 b32': (32, 32, 64, 64, 3, 32),
    'conv 56x56x64->64 3x3 b8': (56, 56, 64, 64, 3, 8),
    'conv 14x14x32->64 5x5 b64': (14, 14, 32, 64, 5, 64),
}
LENET_BATCHES = {'lenet b64': 64, 'lenet b256': 256}


def build_conv(tf, shape, seed=0):
    """(graph, init, step op) of conv2d forward + both gradients for shape (H, W, C, O, K, batch)."""
    h, w, c, o, k, n = shape
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        x = tf.Variable(rng.standard_normal((n, h, w, c)).astype(np.float32))
        f = tf.Variable((rng.standard_normal((k, k, c, o)) * 0.1).astype(np.float32))
        y = tf.nn.conv2d(x, f, strides=[1, 1, 1, 1], padding='SAME')
        dy = tf.constant(rng.standard_normal((n, h, w, o)).astype(np.float32))
        dx, df = tf.gradients(y, [x, f], grad_ys=dy)
        step = [y, dx, df]
        init = tf.global_variables_initializer()
    return graph, init, step, {}


def build_lenet(tf, batch, seed=0):
    """(graph, init, train op, feed) of one LeNet-5-like training step at `batch`."""
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        images = tf.placeholder(tf.float32, [None, 28, 28, 1])
        labels = tf.placeholder(tf.float32, [None, 10])

        def weight(shape):
            return tf.Variable(tf.truncated_normal(shape, stddev=0.1))

        def conv_layer(x, k, c, o, padding):
            y = tf.nn.conv2d(x, weight([k, k, c, o]), strides=[1, 1, 1, 1], padding=padding)
            y = tf.nn.relu(tf.nn.bias_add(y, tf.Variable(tf.zeros([o]))))
            return tf.nn.max_pool(y, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='VALID')

        def dense(x, i, o, relu=True):
            y = tf.matmul(x, weight([i, o])) + tf.Variable(tf.zeros([o]))
            return tf.nn.relu(y) if relu else y
        h = conv_layer(images, 5, 1, 6, 'SAME')
        h = conv_layer(h, 5, 6, 16, 'VALID')
        h = tf.reshape(h, [-1, 400])
        logits = dense(dense(dense(h, 400, 120), 120, 84), 84, 10, relu=False)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=labels))
        train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = tf.global_variables_initializer()
    feed = {images: rng.uniform(0, 1, (batch, 28, 28, 1)).astype(np.float32),
            labels: np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]}
    return graph, init, train, feed


def build(tf, case):
    if case in CONV_SHAPES:
        return build_conv(tf, CONV_SHAPES[case])
    return build_lenet(tf, LENET_BATCHES[case])


def step_fn(tf, case, threads):
    """A zero-argument callable running one step of `case`, and the session to close."""
    graph, init, op, feed = build(tf, case)
    config = tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
    sess = tf.Session(graph=graph, config=config)
    sess.run(init)
    run = sess.run
    return (lambda: run(op, feed_dict=feed)), sess


def selected_cases(spec):
    cases = []
    for part in spec.split(','):
        part = part.strip()
        if part == 'conv':
            cases += list(CONV_SHAPES)
        elif part == 'lenet':
            cases += list(LENET_BATCHES)
        elif part in CONV_SHAPES or part in LENET_BATCHES:
            cases.append(part)
        elif part:
            raise SystemExit('unknown case %r' % part)
    return cases


def measure(args):
    import sluice
    tf1, note = (None, 'not run (--no-tf)') if args.no_tf else _harness.import_tensorflow()
    for line in _harness.environment_lines():
        print(line)
    print('TF: %s' % (note if tf1 is None else note))
    rows = []
    for threads in [int(t) for t in args.threads.split(',')]:
        for case in selected_cases(args.cases):
            fns = {}
            sessions = []
            fn, sess = step_fn(sluice, case, threads)
            fns['sluice'], _ = fn, sessions.append(sess)
            if tf1 is not None:
                fn, sess = step_fn(tf1, case, threads)
                fns['tf'], _ = fn, sessions.append(sess)
            timings = _harness.interleave(fns, seconds=args.seconds, repeats=args.repeats)
            for sess in sessions:
                sess.close()
            ours = timings['sluice'].median
            theirs = timings['tf'].median if 'tf' in timings else None
            rows.append([case, str(threads) if threads else 'default', _fmt_ms(ours), _fmt_ms(theirs),
                         _harness.fmt_ratio(theirs / ours) if theirs else '-'])
            print('  %s, threads %s: sluice %s ms, TF %s ms' % tuple(rows[-1][:4]), flush=True)
    print()
    print(_harness.table(['case', 'threads', 'sluice ms', 'TF ms', 'ratio (TF time / sluice time)'], rows))


def _fmt_ms(seconds):
    return '-' if seconds is None else '%.2f' % (seconds * 1e3)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=2.0, help='time budget per runner and case')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', default='1,0', help='comma-separated thread counts (0: defaults)')
    parser.add_argument('--cases', default='conv,lenet', help='conv, lenet, or case names, comma-separated')
    parser.add_argument('--no-tf', action='store_true', help='time sluice only')
    measure(parser.parse_args(argv))


if __name__ == '__main__':
    main()
