"""RNN training step: sluice against TensorFlow 1.x (compat.v1), the same graph built by the same code.

Case: a 2-layer LSTM language model step as in TF's PTB tutorial (small sizes of the issue):
word ids [batch 20, 35 steps] -> embedding (vocab 1000 x 256) -> MultiRNNCell of two
BasicLSTMCell(256) under tf.nn.dynamic_rnn -> softmax layer over the vocabulary ->
contrib.seq2seq-style mean cross entropy -> gradients clipped by global norm 5 -> SGD(1.0).
One sess.run(train_op) per step, the ids fed each step. Rate: steps/s.
TF runs with TF_USE_LEGACY_KERAS=1 (tf.compat.v1.nn.rnn_cell), both with ConfigProto
intra/inter_op_parallelism_threads = --threads.

Timing: benchmarks/_harness.py (warm-up, calibrated batches, runners interleaved; median batch).
Ratio: sluice rate / TF rate (the issue's goal: >= 1).

    python benchmarks/rnn.py [--seconds 3] [--repeats 5] [--threads 1] [--no-tf] [--hidden 256]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

_harness.ensure_repo_on_path()

import numpy as np  # noqa: E402

VOCAB, BATCH, STEPS = 1000, 20, 35


def build_step(tf, hidden, threads):
    """(callable running one training step, session) for library `tf`."""
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(0)
        ids = tf.placeholder(tf.int32, [BATCH, STEPS])
        targets = tf.placeholder(tf.int32, [BATCH, STEPS])
        embedding = tf.get_variable('embedding', [VOCAB, hidden], initializer=tf.random_uniform_initializer(-.1, .1))
        inputs = tf.nn.embedding_lookup(embedding, ids)
        cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(hidden) for _ in range(2)])
        outputs, _ = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
        w = tf.get_variable('softmax_w', [hidden, VOCAB])
        b = tf.get_variable('softmax_b', [VOCAB], initializer=tf.zeros_initializer())
        logits = tf.matmul(tf.reshape(outputs, [-1, hidden]), w) + b
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf.reshape(targets, [-1]), logits=logits))
        params = tf.trainable_variables()
        grads, _ = tf.clip_by_global_norm(tf.gradients(loss, params), 5.0)
        train = tf.train.GradientDescentOptimizer(1.0).apply_gradients(zip(grads, params))
        config = tf.ConfigProto(intra_op_parallelism_threads=threads, inter_op_parallelism_threads=threads)
        sess = tf.Session(graph=g, config=config)
        sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(0)
    feed = {ids: rng.randint(0, VOCAB, (BATCH, STEPS)), targets: rng.randint(0, VOCAB, (BATCH, STEPS))}
    return (lambda: sess.run(train, feed)), sess


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=3.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--hidden', type=int, default=256)
    parser.add_argument('--no-tf', action='store_true')
    args = parser.parse_args(argv)
    import sluice
    runners = {'sluice cpu': build_step(sluice, args.hidden, args.threads)}
    note = ''
    if not args.no_tf:
        try:
            os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
            os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
            import tensorflow.compat.v1 as tf1
            tf1.disable_v2_behavior()
            runners['tf cpu'] = build_step(tf1, args.hidden, args.threads)
        except ImportError:
            note = 'TensorFlow is not installed here: no TF column.'
    results = _harness.interleave({k: fn for k, (fn, _) in runners.items()}, args.seconds, args.repeats)
    rows = [[name, '%.2f' % r.rate, '%.1f ms' % (r.median * 1e3)] for name, r in results.items()]
    print('2-layer LSTM LM step (hidden %d, %d steps, batch %d, vocab %d), %d thread(s)'
          % (args.hidden, STEPS, BATCH, VOCAB, args.threads))
    print(_harness.table(['runner', 'steps/s', 'per step'], rows))
    if 'tf cpu' in results:
        print('sluice / TF: %.2fx' % (results['sluice cpu'].rate / results['tf cpu'].rate))
    if note:
        print(note)
    for _, sess in runners.values():
        sess.close()


if __name__ == '__main__':
    main()
