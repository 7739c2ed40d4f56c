"""tf.data input pipelines: batches per second, sluice beside TensorFlow 1.x (compat.v1) in the same run.

Cases (batch 128):
  slices    60000 x 784 float32 images + int32 labels (fed once through placeholders to an
            initializable iterator): from_tensor_slices -> shuffle(10000) -> batch(128) -> prefetch(1)
            (then repeat(), so the measurement can span epochs: each epoch refills the buffer);
  tfrecord  20000 tf.train.Examples (784 floats + an int64 label) in 4 TFRecord files:
            TFRecordDataset -> map(parse_single_example) -> batch(128) (then repeat()).
Each pipeline is built in its own graph and session; after a warm-up, the batches fetched with
`sess.make_callable(get_next)` in `--seconds` are counted, `--windows` times, and the median rate
is reported. The frameworks alternate per window so that load from other processes spreads evenly.

    python benchmarks/data_pipeline.py [--seconds 2] [--windows 3] [--cases slices,tfrecord] [--no-tf]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()
if sys.path[0] != _harness.REPO_ROOT:  # this checkout before any installed copy of sluice
    sys.path.insert(0, _harness.REPO_ROOT)

import numpy as np  # noqa: E402

import sluice  # noqa: E402
from input_pipeline import _data, load_tf, write_records  # noqa: E402

BATCH = 128


def build_slices(tf, images, labels, files):
    x = tf.placeholder(tf.float32, images.shape)
    y = tf.placeholder(tf.int32, labels.shape)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10000).batch(BATCH).prefetch(1).repeat()
    it = ds.make_initializable_iterator()
    return it.get_next(), it.initializer, {x: images, y: labels}


def build_tfrecord(tf, images, labels, files):
    features = {'image': tf.FixedLenFeature([784], tf.float32), 'label': tf.FixedLenFeature([], tf.int64)}
    ds = tf.data.TFRecordDataset(files).map(lambda s: tf.parse_single_example(s, features)).batch(BATCH).repeat()
    it = ds.make_initializable_iterator()
    return it.get_next(), it.initializer, None


CASES = {'slices': build_slices, 'tfrecord': build_tfrecord}


class Pipeline:
    """One pipeline in a graph and session of its own, ready to fetch batches."""

    def __init__(self, tf, build, data):
        self.graph = tf.Graph()
        with self.graph.as_default():
            batch, init, feed = build(tf, *data)
        self.sess = tf.Session(graph=self.graph)
        self.sess.run(init, feed)
        self.run = self.sess.make_callable(batch)

    def rate(self, seconds):
        run, n, start = self.run, 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            run()
            n += 1
        return n / (time.perf_counter() - start)

    def close(self):
        self.sess.close()


def measure(frameworks, build, data, seconds, windows):
    """{name: (median batches/s, window rates)}, the frameworks' windows alternating."""
    pipes = {name: Pipeline(tf, build, data) for name, tf in frameworks.items()}
    try:
        for p in pipes.values():
            p.rate(max(1.0, seconds / 2))  # warm-up: plans built, buffers full
        rates = {name: [] for name in pipes}
        for _ in range(windows):
            for name, p in pipes.items():
                rates[name].append(p.rate(seconds))
        return {name: (statistics.median(r), r) for name, r in rates.items()}
    finally:
        for p in pipes.values():
            p.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=2.0)
    parser.add_argument('--windows', type=int, default=3)
    parser.add_argument('--cases', default='slices,tfrecord')
    parser.add_argument('--no-tf', action='store_true')
    args = parser.parse_args(argv)
    tf = None if args.no_tf else load_tf()
    frameworks = {'sluice': sluice} if tf is None else {'TensorFlow': tf, 'sluice': sluice}
    images, labels = _data()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        files = write_records(folder, images, labels) if 'tfrecord' in args.cases else []
        for case in args.cases.split(','):
            results = measure(frameworks, CASES[case], (images, labels, files), args.seconds, args.windows)
            for name, (rate, rates) in results.items():
                print('%-9s %-10s %8.1f batches/s  (windows: %s)'
                      % (case, name, rate, ', '.join('%.1f' % r for r in rates)), flush=True)
            rows.append((case, results.get('TensorFlow', (None,))[0], results['sluice'][0]))
    print()
    print('| case | TF 1.x (compat.v1) batches/s | sluice batches/s | sluice / TF |')
    print('|---|---:|---:|---:|')
    for case, tf_rate, rate in rows:
        print('| %s | %s | %.1f | %s |' % (case, '-' if tf_rate is None else '%.1f' % tf_rate, rate,
                                          '-' if tf_rate is None else '%.2fx' % (rate / tf_rate)))
    print('\n(batch %d; %s, %d CPUs, numpy %s)' % (BATCH, sys.version.split()[0], os.cpu_count(), np.__version__))


if __name__ == '__main__':
    main()
