"""tf.import_graph_def of large GraphDefs: sluice against TensorFlow 1.x (compat.v1), round by round.

The GraphDef is built once with sluice's API from blocks like a real model's layers: a variable
(zeros Const, VariableV2, Assign and read Identity, both colocated with the variable by
'_class'), a bias Const with its own values, MatMul -> Add -> Relu on the previous layer, an
Identity, and every fourth block a NoOp with control inputs (tf.group); exported with
'_output_shapes' (add_shapes=True) and serialized. Each round times, from the bytes: parse
(GraphDef.FromString) + import_graph_def into a new empty graph (name='' and the default
'import' prefix are separate cases). The libraries alternate within a round so that load on
the machine spreads over both, and garbage is collected between rounds, outside the timing.
Reported: the median and best wall-clock seconds, and the best CPU seconds of the process
(time.process_time; on a shared machine the wall clock also counts waiting for a core).

    python benchmarks/graph_import.py [--sizes 10000,100000] [--rounds 5] [--no-tf] [--profile N]

--profile N: cProfile one sluice import of N nodes instead (the 25 costliest functions).
"""
import argparse
import gc
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

NODES_PER_BLOCK = 10  # about: Variable (4 nodes), bias Const, MatMul, Add, Relu, Identity, + a NoOp per 4


def graph_def_bytes(tf, n_nodes, width=8):
    """A serialized GraphDef of about `n_nodes` nodes (see the module docstring)."""
    graph = tf.Graph()
    with graph.as_default():
        h = tf.placeholder(tf.float32, [None, width], name='input')
        pending = []
        block = 0
        while len(graph.get_operations()) < n_nodes:
            with tf.name_scope('layer%d' % block):
                w = tf.Variable(tf.zeros([width, width]), name='w')
                b = tf.constant([0.001 * block] * width, name='b')
                h = tf.nn.relu(tf.matmul(h, w) + b)
                h = tf.identity(h, name='out')
            pending.append(w.initializer)
            if len(pending) == 4:
                tf.group(*pending, name='init%d' % block)
                pending = []
            block += 1
    return graph.as_graph_def(add_shapes=True).SerializeToString(), len(graph.get_operations())


def import_once(tf, data, name):
    """(wall seconds, CPU seconds, the graph) of parsing `data` and importing it into a new graph."""
    graph = tf.Graph()
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    graph_def = tf.GraphDef.FromString(data)
    with graph.as_default():
        tf.import_graph_def(graph_def, name=name)
    return time.perf_counter() - start, time.process_time() - cpu, graph


def compare(libs, data, rounds, name):
    """{library: ([wall seconds], [CPU seconds])}, the libraries taking turns in each round."""
    times = {lib: ([], []) for lib in libs}
    for _ in range(rounds):
        for lib, tf in libs.items():
            wall, cpu, graph = import_once(tf, data, name)
            times[lib][0].append(wall)
            times[lib][1].append(cpu)
            del graph
    return times


def profile(n):
    import cProfile
    import pstats
    import sluice
    data, count = graph_def_bytes(sluice, n)
    print('%d nodes, %d bytes' % (count, len(data)))
    profiler = cProfile.Profile()
    profiler.enable()
    import_once(sluice, data, '')
    profiler.disable()  # (import_graph_def pauses the collector: the profile has no collections)
    pstats.Stats(profiler).sort_stats('tottime').print_stats(25)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='10000,100000')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--no-tf', action='store_true')
    parser.add_argument('--profile', type=int, default=0)
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.profile)
    import sluice
    libs = {'sluice': sluice}
    if not args.no_tf:
        tf1, note = _harness.import_tensorflow()
        if tf1 is None:
            print('(TensorFlow is not available: %s; its column is left out)' % note)
        else:
            libs['TF'] = tf1
            print(note)
    print('\n'.join(_harness.environment_lines()))
    rows = []
    for n in [int(s) for s in args.sizes.split(',')]:
        data, count = graph_def_bytes(sluice, n)
        for name in ('', 'import'):
            times = compare(libs, data, args.rounds, name)
            row = ['%d nodes, name=%r' % (count, name)]
            for lib in libs:
                wall, cpu = times[lib]
                row.append('%.3f / %.3f / %.3f' % (statistics.median(wall), min(wall), min(cpu)))
            rows.append(row)
    print('parse + import_graph_def from bytes, seconds: median wall / best wall / best CPU of %d rounds'
          % args.rounds)
    print(_harness.table(['case'] + list(libs), rows))


if __name__ == '__main__':
    main()
