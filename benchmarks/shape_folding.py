"""Shape-specialized plans (engine/shape_folding.py) on the CPU: the MNIST MLP training step
(benchmarks/training.py's graph) with the per-feed-shape variants on and off, in one process.

  step    sess.run(train_op, feed_dict) for each --batch: sluice specialized, sluice plain
          (rewrite_options.constant_folding = OFF) and TensorFlow compat.v1 when it imports; rounds
          interleaved (benchmarks/_harness.py), median batch; also the CPU time of the calling
          thread per step (with --threads 1 that is all of sluice's work, and it barely moves with
          other load on the machine), and how many of the plan's steps the variant leaves out.
  small   a make_callable plan of a few shape steps (reshape to a computed shape): what the key
          lookup costs where little is folded.

    python benchmarks/shape_folding.py [--batch 128,4096] [--seconds 1.5] [--repeats 7] [--threads 0] [--no-tf]
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

from training import build_mlp  # noqa: E402

_OFF = 2  # RewriterConfig.OFF


def _config(tf, threads, folding=True):
    config = tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
    if not folding:
        config.graph_options.rewrite_options.constant_folding = _OFF
    return config


def _mlp_step(tf, batch, config):
    graph, init, train_op, _, feed, _ = build_mlp(tf, batch, device='/cpu:0')
    sess = tf.Session(graph=graph, config=config)
    sess.run(init)
    return sess, (lambda: sess.run(train_op, feed_dict=feed)), (train_op, tuple(feed))


def _thread_cpu(fn, calls, rounds=5):
    """Median CPU seconds of the calling thread per call."""
    samples = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(calls):
            fn()
        samples.append((time.thread_time() - start) / calls)
    return statistics.median(samples)


def steps(args, tf, tf1):
    rows = []
    for batch in [int(b) for b in args.batch.split(',')]:
        runners, sessions = {}, {}
        for name, folding in (('sluice specialized', True), ('sluice plain', False)):
            sess, step, key = _mlp_step(tf, batch, _config(tf, args.threads, folding))
            runners[name], sessions[name] = step, (sess, key)
        if tf1 is not None:
            _, runners['TF compat.v1'], _ = _mlp_step(tf1, batch, _config(tf1, args.threads))
        timings = _harness.interleave(runners, args.seconds, args.repeats)
        sess, key = sessions['sluice specialized']
        plan = sess._signature(*key).plan
        folded = len(plan.run.__self__._foldable or ())
        calls = max(3, int(0.3 / timings['sluice plain'].median))
        cpu = {n: _thread_cpu(runners[n], calls) for n in ('sluice specialized', 'sluice plain')}
        plain = timings['sluice plain'].rate
        for name, t in timings.items():
            rows.append(['mlp%d' % batch, name, '%.4g' % t.rate, _harness.fmt_ratio(t.rate / plain),
                         '%.3f' % (cpu[name] * 1e3) if name in cpu else '-',
                         '%d of %d' % (folded, len(plan.steps)) if name == 'sluice specialized' else '-'])
        for sess, _ in sessions.values():
            sess.close()
    print(_harness.table(['step', 'engine', 'steps/s', 'vs plain', 'thread CPU ms', 'steps folded'], rows))


def small(args, tf):
    rows = []
    timings = {}
    for name, folding in (('specialized', True), ('plain', False)):
        graph = tf.Graph()
        with graph.as_default():
            x = tf.placeholder(tf.float32, [None, 8])
            y = tf.reshape(x * 2.0, tf.stack([tf.shape(x)[0] * 2, tf.size(x) // (tf.shape(x)[0] * 2)]))
        sess = tf.Session(graph=graph, config=_config(tf, args.threads, folding))
        run = sess.make_callable(y, [x])
        value = np.ones((4, 8), np.float32)
        timings[name] = lambda run=run: run(value)
    result = _harness.interleave(timings, args.seconds, args.repeats)
    for name, t in result.items():
        rows.append([name, _harness.fmt_us(t.median), _harness.fmt_rate(t.rate)])
    print(_harness.table(['reshape to a computed shape', 'per call', 'calls/s'], rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', default='128,4096')
    parser.add_argument('--seconds', type=float, default=1.5)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--threads', type=int, default=0, help='intra_op threads (0: the default policy)')
    parser.add_argument('--no-tf', action='store_true')
    args = parser.parse_args()
    import sluice as tf
    tf1, tf_note = (None, 'TensorFlow: not run (--no-tf)') if args.no_tf else _harness.import_tensorflow()
    print('\n'.join(_harness.environment_lines() + [tf_note, 'load: %.2f %.2f %.2f' % os.getloadavg()]))
    steps(args, tf, tf1)
    small(args, tf)


if __name__ == '__main__':
    main()
