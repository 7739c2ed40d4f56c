"""Do towers on 2 CPU devices gain from running concurrently (engine/device_lanes.py)?

One training step of examples/multi_gpu_towers.py (2 towers on /cpu:0 and /cpu:1, the batch split
between them, gradients averaged on /cpu:0), timed in four configurations, interleaved round by
round (benchmarks/_harness.py) so that other load on the machine spreads over all of them:

  sequential, BLAS N     inter_op_parallelism_threads=1 (one thread walks the plan), BLAS on all cores
  sequential, BLAS 1     the same with BLAS on one thread
  lanes, BLAS 1          inter_op_parallelism_threads=2: a thread per tower, BLAS one thread each
  lanes, BLAS N          a thread per tower, BLAS on all cores (threads compete for the cores)

    python benchmarks/towers_concurrency.py [--batch 64,256] [--seconds 2] [--repeats 7] [--quick]
"""
import argparse
import importlib.util
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()
import sluice as tf  # noqa: E402
from sluice.engine import blas_threads  # noqa: E402

_spec = importlib.util.spec_from_file_location(
    'multi_gpu_towers', os.path.join(_harness.REPO_ROOT, 'examples', 'multi_gpu_towers.py'))
towers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(towers)

_CONFIGS = [('sequential, BLAS N', 1, 0), ('sequential, BLAS 1', 1, 1), ('lanes, BLAS 1', 2, 1),
            ('lanes, BLAS N', 2, 0)]


def _step_function(batch, inter_op, blas):
    cores = os.cpu_count()  # BLAS N: fixed (not the free-core tracker, which would fight the other cells)
    graph = tf.Graph()
    with graph.as_default():
        images, labels, loss, train_op = towers.build(2, 'cpu')
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph, config=tf.ConfigProto(device_count={'CPU': 2},
                                                         inter_op_parallelism_threads=inter_op,
                                                         intra_op_parallelism_threads=blas or cores))
    sess.run(init)
    step = sess.make_callable([loss, train_op], feed_list=[images, labels])
    x, y = towers.synthetic_batch(batch, 0)

    def run():
        blas_threads.set_num_threads(blas or cores)  # the process-wide BLAS pool, set per configuration
        step(x, y)
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', default='64,256')
    parser.add_argument('--seconds', type=float, default=2.0)
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--quick', action='store_true')
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.repeats = 0.5, 3
    print('%d cores, load average %s' % (os.cpu_count(), ' '.join('%.2f' % v for v in os.getloadavg())))
    for batch in [int(b) for b in args.batch.split(',')]:
        results = _harness.interleave({name: _step_function(batch, inter, blas) for name, inter, blas in _CONFIGS},
                                      seconds=args.seconds, repeats=args.repeats)
        base = min(results[name].median for name, _, _ in _CONFIGS[:2])
        print('\nbatch %d (2 towers of %d)' % (batch, batch // 2))
        print('%-20s %12s %12s %16s' % ('configuration', 'median ms', 'best ms', 'vs best seq.'))
        for name, _, _ in _CONFIGS:
            r = results[name]
            print('%-20s %12.1f %12.1f %15.2fx' % (name, r.median * 1e3, r.best * 1e3, base / r.median))


if __name__ == '__main__':
    main()
