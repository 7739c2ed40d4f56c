"""Elementwise fusion on the CPU: the MNIST MLP training step (benchmarks/training.py's graph) with
fusion on and off in one process, each fused group's loop against its unfused kernels, and the
cost of compiling a plan's loops.

  step      sess.run(train_op, feed_dict) steps/s: sluice fused, sluice unfused (global_jit_level=OFF)
            and TensorFlow compat.v1 when it imports; rounds interleaved (benchmarks/_harness.py),
            median batch; ratios from this one run.
  groups    per fused group of the step: its members, then the C loop against the members' own
            kernels on the arrays of a real step (median of interleaved batches, microseconds).
  split     the step's large C loops (RMSProp on the 784x625 and 625x625 weights, dropout's uniforms
            for 128x784) in one part against the parts the BLAS pool's threads allow (--threads, or
            2): median of interleaved batches, microseconds. Only an idle machine shows the gain.
  compile   planning the step and building its loops (which a plan does at a group's third run):
            cold (empty cache dir: cc runs), from the disk cache (a new process's case: the .so is
            loaded) and in-process (the library is already loaded); unfused planning beside it.

    python benchmarks/fusion.py [--batch 128] [--seconds 2] [--repeats 5] [--threads 1] [--no-tf]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

from training import build_mlp  # noqa: E402


def _config(tf, threads, fused=True):
    config = tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
    if not fused:
        config.graph_options.optimizer_options.global_jit_level = -1  # OFF
    return config


def _session(tf, batch, config):
    graph, init, train_op, loss, feed, _ = build_mlp(tf, batch, device='/cpu:0')
    sess = tf.Session(graph=graph, config=config)
    sess.run(init)
    return sess, train_op, feed


def steps(args, tf, tf1):
    runners = {}
    for name, fused in (('sluice fused', True), ('sluice unfused', False)):
        sess, train_op, feed = _session(tf, args.batch, _config(tf, args.threads, fused))
        runners[name] = (lambda s=sess, t=train_op, f=feed: s.run(t, feed_dict=f))
    if tf1 is not None:
        sess, train_op, feed = _session(tf1, args.batch, _config(tf1, args.threads))
        runners['TF compat.v1'] = (lambda s=sess, t=train_op, f=feed: s.run(t, feed_dict=f))
    timings = _harness.interleave(runners, args.seconds, args.repeats)
    rates = {n: t.rate for n, t in timings.items()}
    rows = [[n, _harness.fmt_rate(r), _harness.fmt_ratio(r / rates['sluice unfused'])] for n, r in rates.items()]
    print(_harness.table(['MLP b=%d step' % args.batch, 'steps/s', 'vs unfused'], rows, 'lrr'))
    if 'TF compat.v1' in rates:
        print('fused vs TF compat.v1: %s' % _harness.fmt_ratio(rates['sluice fused'] / rates['TF compat.v1']))


def _captured_groups(tf, batch, threads):
    """[(fused function, its input arrays)] from one step of the fused plan, walked step by step."""
    sess, train_op, feed = _session(tf, batch, _config(tf, threads))
    sess.run(train_op, feed)
    sig = sess._signature(train_op, tuple(feed))
    captured = []

    def before(step, index):
        if step.kind == 'fused':
            captured.append((step.fn, step.inputs))

    arrays = {}

    def after(step, index, outputs):
        for r, v in zip(step.outputs, outputs):
            arrays[r] = v.copy() if hasattr(v, 'copy') else v
    values = [c(v) for c, v in zip(sig.convert, feed.values())]
    arrays.update(enumerate(values))
    sig.plan.run_traced(values, after, before)
    consts = {s.outputs[0]: s.fn() for s in sig.plan.steps if s.kind == 'kernel' and s.op.type == 'Const'}
    return [(fn, [arrays[r] if r in arrays else consts[r] for r in regs]) for fn, regs in captured]


def groups(args, tf):
    rows = []
    total = {'loop': 0.0, 'unfused': 0.0}
    for fn, arrays in _captured_groups(tf, args.batch, args.threads):
        loop, unfused = fn.loop(), fn.unfused
        if loop(*arrays) is None:
            rows.append([' '.join(m.type for m in fn.members), '', 'declined', '', ''])
            continue
        timings = _harness.interleave({'loop': lambda: loop(*arrays), 'unfused': lambda: unfused(*arrays)},
                                      args.seconds / 4, args.repeats)
        shape = max((a.shape for a in arrays if hasattr(a, 'shape')), key=len)
        rows.append([' '.join(m.type for m in fn.members), 'x'.join(map(str, shape)),
                     '%.1f' % (timings['loop'].median * 1e6), '%.1f' % (timings['unfused'].median * 1e6),
                     _harness.fmt_ratio(timings['unfused'].median / timings['loop'].median)])
        for k in total:
            total[k] += timings[k].median
    rows.append(['all groups', '', '%.1f' % (total['loop'] * 1e6), '%.1f' % (total['unfused'] * 1e6),
                 _harness.fmt_ratio(total['unfused'] / total['loop']) if total['loop'] else '-'])
    print(_harness.table(['fused group (members)', 'shape', 'loop us', 'unfused us', 'speedup'], rows, 'llrrr'))


def split_loops(args):
    from sluice.kernels import native
    loops = native.loops
    if loops is None or not hasattr(loops, 'set_threads'):
        print('split loops: the C loops are not built')
        return
    parts = args.threads if args.threads > 1 else 2
    rng = np.random.default_rng(0)
    cases = []
    for rows, cols in ((784, 625), (625, 625)):
        n = rows * cols
        var, ms, mom, grad = (rng.uniform(0.1, 1, n).astype(np.float32) for _ in range(4))
        cases.append(('RMSProp %dx%d' % (rows, cols), lambda n=n, a=(var, ms, mom, grad):
                      loops.rms_prop(n, a[0], a[1], a[2], 0.001, 0.9, 0.0, 1e-10, a[3])))
    uniforms, out = native.pcg64_uniforms(np.random.PCG64(0)), np.empty((args.batch, 784), np.float32)
    cases.append(('uniforms %dx784' % args.batch, lambda: uniforms.fill(out)))
    before, rows = loops.get_threads(), []
    try:
        for name, fn in cases:
            def in_parts(k, fn=fn):
                def run():
                    loops.set_threads(k)
                    fn()
                return run
            timings = _harness.interleave({'one': in_parts(1), 'split': in_parts(parts)}, args.seconds / 4,
                                          args.repeats)
            one, split = timings['one'].median, timings['split'].median
            rows.append([name, '%.1f' % (one * 1e6), '%.1f' % (split * 1e6), _harness.fmt_ratio(one / split)])
    finally:
        loops.set_threads(before)
    print(_harness.table(['C loop', 'one part us', '%d parts us' % parts, 'speedup'], rows, 'lrrr'))


def compile_times(args, tf):
    from sluice.kernels import fused_elementwise
    old = os.environ.get('SLUICE_CACHE_DIR')
    tmp = tempfile.mkdtemp(prefix='sluice_fused_bench_')
    os.environ['SLUICE_CACHE_DIR'] = tmp
    rows = []
    try:
        for label, clear_process, clear_disk in (('cold: cc runs', True, True), ('disk cache', True, False),
                                                 ('in-process cache', False, False)):
            if clear_disk:
                shutil.rmtree(tmp)
                os.makedirs(tmp)
            if clear_process:
                fused_elementwise._LIBRARIES.clear()
            first = {}
            for name, fused in (('fused', True), ('unfused', False)):
                sess, train_op, feed = _session(tf, args.batch, _config(tf, args.threads, fused))
                start = time.perf_counter()
                plan = sess._signature(train_op, tuple(feed)).plan  # plans without running
                for step in plan.steps:
                    if step.kind == 'fused':
                        step.fn.loop()  # builds the loops (at the third run otherwise)
                first[name] = time.perf_counter() - start
                sess.close()
            rows.append([label, '%.1f' % (first['fused'] * 1e3), '%.1f' % (first['unfused'] * 1e3),
                         '%.1f' % ((first['fused'] - first['unfused']) * 1e3)])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is None:
            os.environ.pop('SLUICE_CACHE_DIR', None)
        else:
            os.environ['SLUICE_CACHE_DIR'] = old
    print(_harness.table(['plan build (train step)', 'fused ms', 'unfused ms', 'fusion ms'], rows, 'lrrr'))
    print('goals: fusion + codegen under 2000 ms cold, under 50 ms from the disk cache')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--seconds', type=float, default=2.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--no-tf', action='store_true')
    args = parser.parse_args()
    import sluice as tf
    tf1, note = (None, 'skipped (--no-tf)') if args.no_tf else _harness.import_tensorflow('CPU only')
    print('# Elementwise fusion, MNIST MLP training step on the CPU')
    for line in _harness.environment_lines():
        print(line)
    print('TensorFlow: %s' % note)
    print('load average before: %s\n' % (os.getloadavg(),))
    steps(args, tf, tf1)
    print()
    groups(args, tf)
    print()
    split_loops(args)
    print()
    compile_times(args, tf)
    print('\nload average after: %s' % (os.getloadavg(),))


if __name__ == '__main__':
    main()
