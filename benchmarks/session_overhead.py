"""Per-call overhead of Session.run: sluice against TensorFlow 1.x (compat.v1) and plain NumPy.

Cases (each graph is built with the same code for both libraries, `import sluice as tf` style):
  fed       placeholder float32 [2] -> x * 2 + 1, fed a float32 2-vector each call
  const     fetch of a Const float32 [2]
  chain10   placeholder float32 [4, 4] -> 10 elementwise ops (* and + alternating), fed each call
            (fed rather than a constant: TF's grappler would fold a chain of constants away)

Runners: plain NumPy doing the same arithmetic (the floor), sluice Session.run, sluice
make_callable, TF Session.run and TF make_callable (TF only when `tensorflow` imports in this
same process, e.g. `/tmp/tfenv/bin/python benchmarks/session_overhead.py`; else its rows are left
out with a note). Until sluice has `*` and `+`, every case uses tf.identity instead of arithmetic
(the report says which).

Timing (benchmarks/_harness.py): warm-up, calibrated batches, GC off in a batch, the runners of a
case interleaved round by round; the table shows the MEDIAN batch's time per call (and the best).
Ratios are times: "vs TF" = sluice us / TF us of the same mode (run vs run, callable vs callable),
"vs NumPy" = us / NumPy us; below 1 means faster.

    python benchmarks/session_overhead.py [--seconds 1.0] [--repeats 5] [--quick] [--no-tf]
                                          [--tf-inline] [--cases fed,const] [--breakdown] [--profile]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

CASES = ('fed', 'const', 'chain10')
CHAIN_LENGTH = 10


def has_arithmetic(tf):
    """Whether sluice's math ops (`*`, `+` on tensors) exist yet."""
    try:
        with tf.Graph().as_default():
            tf.constant(1.) * 2 + 1
        return True
    except Exception:
        return False


def build(tf, case, arith):
    """Builds `case` in a new graph of library `tf`; returns (graph, fetch, placeholder or None, feed value)."""
    graph = tf.Graph()
    with graph.as_default():
        if case == 'const':
            return graph, tf.constant([1.0, 2.0], dtype=tf.float32), None, None
        if case == 'fed':
            x = tf.placeholder(tf.float32, [2], name='x')
            y = x * 2 + 1 if arith else tf.identity(x)
            return graph, y, x, np.array([1.0, 2.0], dtype=np.float32)
        x = tf.placeholder(tf.float32, [4, 4], name='x')
        y = x
        for i in range(CHAIN_LENGTH):
            if arith:
                y = y * 1.01 if i % 2 == 0 else y + 0.5
            else:
                y = tf.identity(y)
        return graph, y, x, np.arange(16, dtype=np.float32).reshape(4, 4) / 16


def numpy_runner(case, arith):
    """Plain NumPy doing what the graph does (constants pre-made, as a plan's Const nodes are)."""
    f32 = np.float32
    if case == 'const':
        c = np.array([1.0, 2.0], dtype=f32)
        return lambda: np.array(c)  # Session.run returns a copy of a Const's value
    if case == 'fed':
        v = np.array([1.0, 2.0], dtype=f32)
        two, one = np.array(2, f32), np.array(1, f32)
        return (lambda: v * two + one) if arith else (lambda: v)
    v = np.arange(16, dtype=f32).reshape(4, 4) / 16
    if not arith:
        return lambda: v
    mul, add = np.array(1.01, f32), np.array(0.5, f32)

    def chain():  # straight-line, as the plan runs it (no loop overhead in the floor)
        y = v * mul + add
        y = y * mul + add
        y = y * mul + add
        y = y * mul + add
        return y * mul + add
    assert CHAIN_LENGTH == 10
    return chain


def session_runners(tf, label, case, arith, config=None):
    """(session, {name: fn}) for Session.run and make_callable of library `tf` on `case`."""
    graph, fetch, x, value = build(tf, case, arith)
    sess = tf.Session(graph=graph, config=config)
    if x is None:
        run = lambda: sess.run(fetch)  # noqa: E731
        call = sess.make_callable(fetch)
        calls = call
    else:
        feed = {x: value}
        run = lambda: sess.run(fetch, feed_dict=feed)  # noqa: E731
        call = sess.make_callable(fetch, [x])
        calls = lambda: call(value)  # noqa: E731
    return sess, {'%s run' % label: run, '%s callable' % label: calls}


def check_agree(runners):
    """All runners of a case return the same values (else timing them means nothing)."""
    values = {name: np.asarray(fn()) for name, fn in runners.items()}
    ref_name, ref = next(iter(values.items()))
    for name, v in values.items():
        if v.shape != ref.shape or not np.allclose(v, ref, rtol=1e-5):
            raise AssertionError('%s returned %r but %s returned %r' % (name, v, ref_name, ref))


def measure(args):
    import sluice
    arith = has_arithmetic(sluice)
    tf, tf_note = (None, 'skipped (--no-tf)') if args.no_tf else _harness.import_tensorflow('default ConfigProto')
    tf_config = None
    if tf is not None and args.tf_inline:
        # Negative inter_op: every op runs in the caller's thread (no thread-pool hand-offs).
        tf_config = tf.ConfigProto(inter_op_parallelism_threads=-1, intra_op_parallelism_threads=1)
        tf_note = tf_note.replace('default ConfigProto', 'ConfigProto(inter_op=-1, intra_op=1): inline')

    print('# Session.run overhead')
    for line in _harness.environment_lines():
        print(line)
    print('sluice %s; ops: %s' % (sluice.version.SLUICE_VERSION, 'arithmetic (* and +)' if arith
                                  else 'tf.identity stand-ins (sluice has no * and + yet)'))
    print('TensorFlow: %s' % tf_note)
    print('timing: %.2f s per cell, %d repeats, median of batch means (best shown too)\n'
          % (args.seconds, args.repeats))

    rows = []
    sessions = []
    for case in args.cases:
        runners = {'numpy': numpy_runner(case, arith)}
        sess, fns = session_runners(sluice, 'sluice', case, arith)
        sessions.append(sess)
        runners.update(fns)
        if tf is not None:
            sess, fns = session_runners(tf, 'tf', case, arith, tf_config)
            sessions.append(sess)
            runners.update(fns)
        check_agree(runners)
        timings = _harness.interleave(runners, args.seconds, args.repeats)
        ref_np = timings['numpy'].median
        for name, t in timings.items():
            mode = name.split()[-1]
            vs_tf = None
            if name.startswith('sluice') and tf is not None:
                vs_tf = t.median / timings['tf ' + mode].median
            vs_np = None if name == 'numpy' else t.median / ref_np
            rows.append([case, name, _harness.fmt_rate(t.rate), _harness.fmt_us(t.median),
                         _harness.fmt_us(t.best), _harness.fmt_ratio(vs_tf), _harness.fmt_ratio(vs_np)])
    for sess in sessions:
        sess.close()
    print(_harness.table(['case', 'runner', 'calls/s', 'us/call (median)', 'us/call (best)', 'vs TF', 'vs NumPy'],
                         rows, 'llrrrrr'))
    if tf is None:
        print('\nTF columns absent: %s' % tf_note)


def breakdown(args):
    """Times the parts of one sluice Session.run on the `fed` case, each in its own loop."""
    import sluice
    from sluice.engine import session as session_mod

    arith = has_arithmetic(sluice)
    graph, fetch, x, value = build(sluice, 'fed', arith)
    sess = sluice.Session(graph=graph)
    feed = {x: value}
    sess.run(fetch, feed)
    keys = tuple(feed)
    sig = sess._signature(fetch, keys)
    convert = sig.convert
    values = [c(v) for c, v in zip(convert, feed.values())]
    plan_run, pack = sig.plan.run, sig.pack
    result = plan_run(values)
    parts = {
        'whole Session.run': lambda: sess.run(fetch, feed),
        'whole make_callable call': (lambda c=sess.make_callable(fetch, [x]): c(value)),
        '1 _fetch_key(fetch)': lambda: session_mod._fetch_key(fetch),
        '2 tuple(feed_dict)': lambda: tuple(feed),
        '3 _signature() (incl. 1; dict lookup, version check)': lambda: sess._signature(fetch, keys),
        '4 feed conversion (list of converters)': lambda: [c(v) for c, v in zip(convert, feed.values())],
        '5 plan.run(values) (generated function)': lambda: plan_run(values),
        '6 pack(result)': lambda: pack(result),
        'NumPy floor (same arithmetic)': numpy_runner('fed', arith),
        'empty Python call': lambda: None,
    }
    print('# Breakdown of sluice Session.run, case "fed" (%s), median us per call'
          % ('x * 2 + 1' if arith else 'identity'))
    print('plan source:\n' + sig.plan.source + '\n')
    timings = _harness.interleave(parts, args.seconds, args.repeats)
    print(_harness.table(['part', 'us/call (median)', 'us/call (best)'],
                         [[n, _harness.fmt_us(t.median), _harness.fmt_us(t.best)] for n, t in timings.items()]))
    sess.close()


def profile(args):
    """cProfile of many sluice Session.run calls on the `fed` case (profiler overhead inflates it)."""
    import cProfile
    import pstats
    import sluice
    graph, fetch, x, value = build(sluice, 'fed', has_arithmetic(sluice))
    sess = sluice.Session(graph=graph)
    feed = {x: value}
    sess.run(fetch, feed)
    n = 20000 if not args.quick else 2000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        sess.run(fetch, feed)
    profiler.disable()
    print('# cProfile: %d x Session.run, case "fed"' % n)
    pstats.Stats(profiler).sort_stats('tottime').print_stats(15)
    sess.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=1.0, help='time budget per cell (runner x case)')
    parser.add_argument('--repeats', type=int, default=5, help='measured batches per cell')
    parser.add_argument('--quick', action='store_true', help='CI smoke run: tiny budget, 3 repeats')
    parser.add_argument('--no-tf', action='store_true', help='leave TensorFlow out even when installed')
    parser.add_argument('--tf-inline', action='store_true',
                        help="run TF's ops in the caller's thread (inter_op=-1, intra_op=1), its fastest "
                             'setting for tiny graphs; the intra-op pool is per process, so not mixed with default')
    parser.add_argument('--cases', default=','.join(CASES), help='comma-separated subset of ' + ', '.join(CASES))
    parser.add_argument('--breakdown', action='store_true', help='time the parts of sluice Session.run instead')
    parser.add_argument('--profile', action='store_true', help='cProfile sluice Session.run instead')
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.repeats = min(args.seconds, 0.05), 3
    args.cases = [c for c in args.cases.split(',') if c]
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error('unknown case(s): %s' % ', '.join(sorted(unknown)))
    if args.breakdown:
        breakdown(args)
    elif args.profile:
        profile(args)
    else:
        measure(args)


if __name__ == '__main__':
    main()
