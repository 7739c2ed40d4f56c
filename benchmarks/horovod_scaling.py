"""sluice.horovod over MPI: data-parallel speed-up and allreduce bandwidth.

    python benchmarks/horovod_scaling.py                 # runs itself under mpiexec -n 1 and -n 2

Each process trains the MNIST MLP (784-625-625-10, RMSProp, synthetic batch) at --batch per process
with one BLAS thread; samples/s of N processes = N * batch * steps / slowest rank's time. Bandwidth:
the mean time of a HorovodGroupedAllreduce of 1M float32 against mpi4py's own Allreduce of the same
buffer, in the same processes. Goals (issue): 2 processes >= 1.6x one process's samples/s;
allreduce within 1.5x of mpi4py's.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def worker(args):
    import _harness
    _harness.ensure_repo_on_path()
    import sluice as tf
    import sluice.horovod as hvd
    import training
    from mpi4py import MPI
    hvd.init()
    graph, init, _, loss, feed, _ = training.build_mlp(tf, args.batch, seed=hvd.rank())
    with graph.as_default():
        opt = hvd.DistributedOptimizer(tf.train.RMSPropOptimizer(0.001, 0.9))
        train = opt.minimize(loss)
        init = tf.global_variables_initializer()
        big = tf.placeholder(tf.float32, [1 << 20])
        summed = hvd.grouped_allreduce([big])[0]
    config = tf.ConfigProto(intra_op_parallelism_threads=1, inter_op_parallelism_threads=1)
    with tf.Session(graph=graph, config=config) as sess:
        sess.run(init)
        for _ in range(3):
            sess.run(train, feed)
        MPI.COMM_WORLD.Barrier()
        start = time.perf_counter()
        for _ in range(args.steps):
            sess.run(train, feed)
        elapsed = MPI.COMM_WORLD.allreduce(time.perf_counter() - start, op=MPI.MAX)
        buf = np.ones(1 << 20, np.float32)
        out = np.empty_like(buf)
        times = {'sluice': [], 'mpi4py': []}
        for _ in range(args.repeats):
            MPI.COMM_WORLD.Barrier()
            t = time.perf_counter()
            sess.run(summed, {big: buf})
            times['sluice'].append(time.perf_counter() - t)
            MPI.COMM_WORLD.Barrier()
            t = time.perf_counter()
            MPI.COMM_WORLD.Allreduce(buf, out)
            times['mpi4py'].append(time.perf_counter() - t)
    if hvd.rank() == 0:
        print(json.dumps({'size': hvd.size(), 'samples_per_s': hvd.size() * args.batch * args.steps / elapsed,
                          'allreduce_s': {k: float(np.median(v)) for k, v in times.items()}}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=512)
    parser.add_argument('--steps', type=int, default=30)
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--worker', action='store_true')
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    mpiexec = shutil.which('mpiexec', path=os.path.dirname(sys.executable)) or shutil.which('mpiexec')
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1')
    results = {}
    for n in (1, 2):
        out = subprocess.run([mpiexec, '-n', str(n), sys.executable, __file__, '--worker', '--batch', str(args.batch),
                              '--steps', str(args.steps), '--repeats', str(args.repeats)],
                             capture_output=True, text=True, env=env, timeout=900)
        line = [l for l in out.stdout.splitlines() if l.startswith('{')]
        if not line:
            sys.exit(out.stdout + out.stderr)
        results[n] = json.loads(line[-1])
    one, two = results[1], results[2]
    print('| processes | samples/s | speed-up |\n|---|--:|--:|')
    for n, r in results.items():
        print('| %d | %.0f | %.2fx |' % (n, r['samples_per_s'], r['samples_per_s'] / one['samples_per_s']))
    a = two['allreduce_s']
    print('\nallreduce of 1M float32 on 2 processes: sluice %.2f ms, mpi4py %.2f ms (%.2fx)'
          % (a['sluice'] * 1e3, a['mpi4py'] * 1e3, a['sluice'] / a['mpi4py']))


if __name__ == '__main__':
    main()
