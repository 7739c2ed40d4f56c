"""Costs that grow with the graph: sluice against TensorFlow 1.x (compat.v1) in the same process.

Cases:
  chain N      a run of a chain of N cheap nodes (Neg and Identity alternating) on a scalar feed;
               us per node (the issue's goal: <= 1.5 us, flat within 20% from 1k to 100k nodes).
               Graph rewriting is off on both sides (TF's grappler would cancel the Neg pairs,
               sluice's fusion would make the chain one loop): this measures the cost per node run.
  as_graph_def GraphDef export of a graph of 1,000 variables (~5,000 nodes): first and repeated
               export, us per node
  save         Saver.save of those 1,000 variables (each save exports the MetaGraph), seconds
  first init   the first sess.run of their initializer (plan building included), seconds

    python benchmarks/graph_costs.py [--sizes 1000,10000,100000] [--repeats 5] [--no-tf]
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()


def chain_cost(tf, n, repeats):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [])
        y = x
        for i in range(n):
            y = tf.identity(y) if i % 2 else tf.negative(y)
    config = tf.ConfigProto()
    if hasattr(config.graph_options, 'rewrite_options'):
        config.graph_options.rewrite_options.disable_meta_optimizer = True
    config.graph_options.optimizer_options.global_jit_level = -1  # OFF
    with tf.Session(graph=graph, config=config) as sess:
        run = sess.make_callable(y, [x])
        run(1.0)
        best = min(_timed(lambda: run(1.0)) for _ in range(repeats))
    return best / n * 1e6


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def variables_costs(tf, repeats, n=1000):
    graph = tf.Graph()
    with graph.as_default():
        for i in range(n):
            tf.Variable(tf.zeros([10]), name='v%d' % i)
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
    nodes = len(graph.get_operations())
    first = _timed(graph.as_graph_def) / nodes * 1e6
    again = min(_timed(graph.as_graph_def) for _ in range(repeats)) / nodes * 1e6
    with tf.Session(graph=graph) as sess:
        first_init = _timed(lambda: sess.run(init))
        folder = tempfile.mkdtemp()
        saver.save(sess, os.path.join(folder, 'model'))
        save = min(_timed(lambda: saver.save(sess, os.path.join(folder, 'model'), global_step=1))
                   for _ in range(repeats))
    return {'as_graph_def first (us/node)': first, 'as_graph_def again (us/node)': again,
            'Saver.save (s)': save, 'first init run (s)': first_init}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='1000,10000,100000')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--no-tf', action='store_true')
    args = parser.parse_args(argv)
    import sluice
    libs = {'sluice': sluice}
    if not args.no_tf:
        try:
            os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
            import tensorflow.compat.v1 as tf1
            tf1.disable_v2_behavior()
            libs['TF'] = tf1
        except ImportError:
            print('(TensorFlow is not installed: its column is left out)')
    rows = {}
    for n in [int(s) for s in args.sizes.split(',')]:
        for name, tf in libs.items():
            rows.setdefault('chain %d (us/node)' % n, {})[name] = chain_cost(tf, n, args.repeats)
    for name, tf in libs.items():
        for key, value in variables_costs(tf, args.repeats).items():
            rows.setdefault(key, {})[name] = value
    print('| case | %s |\n|---|%s' % (' | '.join(libs), '---|' * len(libs)))
    for key, cells in rows.items():
        print('| %s | %s |' % (key, ' | '.join('%.3g' % cells[name] for name in libs)))


if __name__ == '__main__':
    main()
