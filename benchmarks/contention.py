"""MNIST MLP training speed on a busy machine: sluice beside TensorFlow with 0, 1, 2 CPU-bound competitors.

The case: one training step of examples/mnist_mlp.py (784-625-625-10, ReLU, dropout, RMSProp(0.001, 0.9),
batch 128, fed through the callable of sess.make_callable), built by benchmarks/training.py's build_mlp for
both libraries. Both run with DEFAULT settings (no ConfigProto, no *_NUM_THREADS set by this script):
what a user of either library gets.

Method:
  * columns: k = 0, 1, 2 competitors. A competitor is a child Python process spinning on integer additions
    (CPU-bound, no I/O) with a deadline of its own (it exits by itself even if this script dies) and is
    killed when its column ends.
  * each library runs in a fresh child process (`--worker sluice|tf`), so neither's thread pools (OpenBLAS
    workers, Eigen's pool) are present while the other is timed. The child builds the graph, warms up for
    --warmup seconds (plan building, thread pools, and sluice's BLAS thread choice settling), then counts
    steps for --seconds and prints steps/s; it also reports its own CPU time per step.
  * within a column the two libraries alternate, --rounds times each (sluice, TF, sluice, TF, ...), so drift
    in the machine's other load spreads over both; the table gives the median of each library's rounds.
  * ratio = sluice steps/s / TF steps/s. The goal (issue 10): >= 0.9 in every column and >= 1.0 at k = 0.

    python benchmarks/contention.py [--competitors 0,1,2] [--seconds 6] [--warmup 3] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_COMPETITOR = ('import time\n'
               'end = time.monotonic() + %f\n'
               'x = 0\n'
               'while time.monotonic() < end:\n'
               '    for _ in range(100000):\n'
               '        x += 1\n')


def start_competitors(k, lifetime):
    return [subprocess.Popen([sys.executable, '-c', _COMPETITOR % lifetime], stdin=subprocess.DEVNULL)
            for _ in range(k)]


def stop_competitors(procs):
    for p in procs:
        p.kill()
    for p in procs:
        p.wait()


def worker(library, seconds, warmup):
    """Runs in a child process: times the MLP step of `library` and prints one JSON line."""
    _harness.ensure_repo_on_path()
    if library == 'tf':
        tf, note = _harness.import_tensorflow()
        if tf is None:
            print(json.dumps({'error': note}))
            return
    else:
        import sluice as tf
    from training import build_mlp
    graph, init, train_op, _, feed, _ = build_mlp(tf, 128)
    sess = tf.Session(graph=graph)
    sess.run(init)
    placeholders = list(feed)
    train = sess.make_callable(train_op, placeholders)
    values = [feed[p] for p in placeholders]

    def steps_for(duration):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < duration:
            for _ in range(10):
                train(*values)
            n += 10
        return n, time.perf_counter() - start

    steps_for(warmup)
    cpu0 = time.process_time()
    n, elapsed = steps_for(seconds)
    cpu = time.process_time() - cpu0
    sess.close()
    print(json.dumps({'rate': n / elapsed, 'cpu_ms_per_step': 1e3 * cpu / n}))


def run_worker(library, args):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), '--worker', library,
                           '--seconds', str(args.seconds), '--warmup', str(args.warmup)],
                          capture_output=True, text=True, timeout=120 + 4 * (args.seconds + args.warmup))
    lines = [line for line in proc.stdout.splitlines() if line.startswith('{')]
    if proc.returncode != 0 or not lines:
        return {'error': (proc.stderr.strip().splitlines() or ['exit %d' % proc.returncode])[-1]}
    return json.loads(lines[-1])


def measure(args):
    columns = [int(k) for k in args.competitors.split(',')]
    libraries = ['sluice'] + ([] if args.no_tf else ['tf'])
    results = {}
    for k in columns:
        per_round = args.seconds + args.warmup + 15  # + process start and TF's import
        procs = start_competitors(k, lifetime=args.rounds * len(libraries) * per_round + 30)
        try:
            time.sleep(0.5 if k else 0)
            samples = {lib: [] for lib in libraries}
            for _ in range(args.rounds):
                for lib in libraries:
                    samples[lib].append(run_worker(lib, args))
        finally:
            stop_competitors(procs)
        results[k] = samples
        print('  %d competitor(s): %s' % (k, ', '.join(
            '%s %s' % (lib, ' '.join(_fmt_sample(s) for s in samples[lib])) for lib in libraries)), flush=True)
    return columns, libraries, results


def _fmt_sample(sample):
    return 'ERR(%s)' % sample['error'] if 'error' in sample else '%.0f' % sample['rate']


def _median(samples, key):
    values = [s[key] for s in samples if key in s]
    return statistics.median(values) if values else None


def report(columns, libraries, results):
    headers = ['MLP step, batch 128'] + ['%d competitor%s' % (k, '' if k == 1 else 's') for k in columns]
    rows = []
    for lib in libraries:
        name = 'sluice' if lib == 'sluice' else 'TensorFlow'
        rows.append([name + ' steps/s'] + [_harness.fmt_rate(_median(results[k][lib], 'rate')) for k in columns])
        rows.append([name + ' CPU ms/step'] + ['%.1f' % c if c is not None else '-'
                                                for c in (_median(results[k][lib], 'cpu_ms_per_step')
                                                          for k in columns)])
    if 'tf' in libraries:
        ratios = []
        for k in columns:
            s, t = _median(results[k]['sluice'], 'rate'), _median(results[k]['tf'], 'rate')
            ratios.append(_harness.fmt_ratio(s / t) if s and t else '-')
        rows.append(['sluice / TF'] + ratios)
    return _harness.table(headers, rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--competitors', default='0,1,2', help='comma-separated competitor counts (columns)')
    parser.add_argument('--seconds', type=float, default=6.0, help='timed seconds per round')
    parser.add_argument('--warmup', type=float, default=3.0, help='untimed seconds before each round')
    parser.add_argument('--rounds', type=int, default=3, help='rounds per library per column')
    parser.add_argument('--no-tf', action='store_true', help='time sluice only')
    parser.add_argument('--worker', choices=['sluice', 'tf'], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.seconds, args.warmup)
        return
    for line in _harness.environment_lines():
        print(line)
    print('load average before: %s' % open('/proc/loadavg').read().split()[:3] if os.path.exists('/proc/loadavg')
          else '')
    columns, libraries, results = measure(args)
    print()
    print(report(columns, libraries, results))


if __name__ == '__main__':
    main()
