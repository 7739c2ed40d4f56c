"""k-means training step: sluice against TensorFlow 1.x (compat.v1), the same graph built by the same code
(TF 1.15 core's clustering_ops.KMeans, which TF 2.x still ships).

Case: the aymericdamien TensorFlow-Examples k-means (MNIST-sized rows: --rows x 784 floats in [0, 1),
k = 25): one sess.run of train_op with the whole data fed, as the example runs it, for
  * 'cosine mini-batch': distance_metric='cosine', use_mini_batch=True (the example's settings);
  * 'euclidean Lloyd': the full-batch squared Euclidean step.
Both sessions use ConfigProto intra/inter_op_parallelism_threads = --threads. Rate: steps/s.

Timing: benchmarks/_harness.py (warm-up, calibrated batches, runners interleaved; median batch).

    python benchmarks/kmeans.py [--rows 10000] [--seconds 3] [--repeats 5] [--threads 1] [--no-tf]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

CASES = {'cosine mini-batch': dict(distance_metric='cosine', use_mini_batch=True),
         'euclidean Lloyd': dict(distance_metric='squared_euclidean', use_mini_batch=False)}


def build_step(tf, kmeans_class, data, kwargs, threads):
    """(callable running one training step, session) for library `tf`."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, data.shape[1]])
        _, _, scores, _, init_op, train_op = kmeans_class(x, 25, initial_clusters=data[:25], **kwargs).training_graph()
        config = tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
        sess = tf.Session(config=config)
        sess.run(tf.global_variables_initializer(), {x: data})
        sess.run(init_op, {x: data})
    return (lambda: sess.run(train_op, {x: data})), sess


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=10000)
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--no-tf', action='store_true')
    args = parser.parse_args(argv)
    data = np.random.RandomState(0).rand(args.rows, 784).astype(np.float32)
    import sluice
    from sluice.ops.kmeans import KMeans
    libraries = {'sluice': (sluice, KMeans)}
    note = ''
    if not args.no_tf:
        try:
            os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
            import tensorflow.compat.v1 as tf1
            from tensorflow.python.ops.clustering_ops import KMeans as TFKMeans
            tf1.disable_v2_behavior()
            libraries['tf'] = (tf1, TFKMeans)
        except ImportError:
            note = 'TensorFlow is not installed here: no TF column.'
    rows = []
    for case, kwargs in CASES.items():
        runners = {name: build_step(lib, cls, data, kwargs, args.threads) for name, (lib, cls) in libraries.items()}
        results = _harness.interleave({k: fn for k, (fn, _) in runners.items()}, args.seconds, args.repeats)
        for name, r in results.items():
            rows.append([case, name, '%.2f' % r.rate, '%.1f ms' % (r.median * 1e3)])
        if 'tf' in results:
            rows.append([case, 'sluice / TF', '%.2fx' % (results['sluice'].rate / results['tf'].rate), ''])
        for _, sess in runners.values():
            sess.close()
    print('k-means step, %d x 784 rows, k = 25, %d thread(s)' % (args.rows, args.threads))
    print(_harness.table(['case', 'runner', 'steps/s', 'per step'], rows))
    if note:
        print(note)


if __name__ == '__main__':
    main()
