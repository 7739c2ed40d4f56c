"""Keras training throughput: sluice.keras `model.fit` against TF's graph-mode Keras (tf_keras's v1 path).

Case: the 784-128-10 MLP (ReLU, softmax), SGD(0.01) on categorical crossentropy with metrics=['accuracy'],
synthetic MNIST-shaped data (uniform pixels, one-hot labels), 50 batches of 128 per epoch, shuffle=True,
verbose=0. Each side runs in its own process (TF's graph-mode Keras needs TF_USE_LEGACY_KERAS=1 before
TensorFlow is imported), with sessions of intra/inter-op threads = --threads. A side fits one warm-up
epoch, then times --epochs single-epoch fit() calls; its rate is steps / median epoch time. The sides
alternate for --rounds rounds so that load on the machine spreads over both; the table gives the median
round. Ratio: sluice / TF (above 1: sluice is faster).

    python benchmarks/keras_fit.py [--rounds 3] [--epochs 5] [--threads 1] [--no-tf]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

STEPS, BATCH = 50, 128


def _side(name, epochs, threads):
    """Runs in the child process: builds, warms up and times fit; prints JSON {'steps_per_s': ...}."""
    import numpy as np
    if name == 'tf':
        os.environ['TF_USE_LEGACY_KERAS'] = '1'
        os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
        import tensorflow.compat.v1 as tf
        tf.disable_v2_behavior()
        keras = tf.keras
        optimizer = keras.optimizers.SGD(0.01)
    else:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        sys.path.insert(0, root)
        sys.path.insert(0, os.path.join(root, 'tests', 'keras'))
        import models_standins  # the modules other engineers build, while they are absent
        models_standins.install()
        import sluice as tf
        keras = tf.keras
        optimizer = keras.optimizers.SGD(0.01)
    config = tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
    keras.backend.set_session(tf.Session(config=config))
    model = keras.Sequential([keras.layers.Dense(128, activation='relu', input_shape=(784,)),
                              keras.layers.Dense(10, activation='softmax')])
    model.compile(optimizer, 'categorical_crossentropy', metrics=['accuracy'])
    rng = np.random.RandomState(0)
    x = rng.uniform(0, 1, (STEPS * BATCH, 784)).astype('float32')
    y = np.eye(10, dtype='float32')[rng.randint(0, 10, STEPS * BATCH)]
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
        times.append(time.perf_counter() - start)
    print(json.dumps({'steps_per_s': STEPS / statistics.median(times)}))


def _run(name, epochs, threads):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), '--side', name, '--epochs', str(epochs),
                           '--threads', str(threads)], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError('%s side failed:\n%s' % (name, proc.stderr[-3000:]))
    return json.loads(proc.stdout.strip().splitlines()[-1])['steps_per_s']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--no-tf', action='store_true')
    parser.add_argument('--side', choices=('sluice', 'tf'))
    args = parser.parse_args(argv)
    if args.side:
        _side(args.side, args.epochs, args.threads)
        return
    sides = ['sluice'] + ([] if args.no_tf else ['tf'])
    rates = {side: [] for side in sides}
    for _ in range(args.rounds):
        for side in sides:
            rates[side].append(_run(side, args.epochs, args.threads))
    print('| case | sluice steps/s | TF steps/s | sluice / TF |')
    print('|---|---|---|---|')
    ours = statistics.median(rates['sluice'])
    theirs = statistics.median(rates['tf']) if 'tf' in rates else None
    print('| mlp 784-128-10, batch %d, fit | %.1f | %s | %s |' % (
        BATCH, ours, '-' if theirs is None else '%.1f' % theirs, '-' if theirs is None else '%.2f' % (ours / theirs)))
    print('rounds: ' + json.dumps(rates))


if __name__ == '__main__':
    main()
