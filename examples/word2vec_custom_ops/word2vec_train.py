"""Trains word2vec embeddings with the custom ops of this folder, as TF's word2vec_optimized.py.

    python examples/word2vec_custom_ops/word2vec_train.py [--epochs 3] [--emb_dim 32] [--device /cpu:0]

The graph: SkipgramWord2vec reads corpus.txt (or --train_data) and yields skip-gram batches; the
learning rate falls linearly with the corpus words read, to 0.0001 of its start at the last
epoch; NegTrainWord2vec updates the embeddings in place after incrementing the global step.
At the end it prints, for a few words, their nearest neighbours by cosine similarity, and the
share of words whose nearest neighbour belongs to the same topic of make_corpus.py.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))   # this checkout's sluice, when not installed

import sluice as tf  # noqa: E402


def build(word2vec, args):
    (words, counts, words_per_epoch, epoch, total_words, examples, labels) = word2vec.skipgram_word2vec(
        filename=args.train_data, batch_size=args.batch_size, window_size=args.window_size, min_count=args.min_count,
        subsample=args.subsample)
    with tf.Session() as sess:
        vocab_words, vocab_counts, per_epoch = sess.run([words, counts, words_per_epoch])
    vocab_size = len(vocab_words)
    with tf.device(args.device):
        w_in = tf.Variable(tf.random_uniform([vocab_size, args.emb_dim], -0.5 / args.emb_dim, 0.5 / args.emb_dim,
                                             seed=args.seed), name='w_in')
        w_out = tf.Variable(tf.zeros([vocab_size, args.emb_dim]), name='w_out')
    global_step = tf.Variable(0, name='global_step')
    words_to_train = float(per_epoch * args.epochs)
    lr = args.learning_rate * tf.maximum(0.0001, 1.0 - tf.cast(total_words, tf.float32) / words_to_train)
    inc = global_step.assign_add(1)
    with tf.control_dependencies([inc]):
        with tf.device(args.device):
            train = word2vec.neg_train_word2vec(w_in, w_out, examples, labels, lr,
                                                vocab_count=vocab_counts.tolist(),
                                                num_negative_samples=args.num_samples)
    return dict(words=[w.decode() for w in vocab_words], w_in=w_in, train=train, epoch=epoch, lr=lr,
                total_words=total_words)


def nearest(embeddings, index, k):
    normed = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    similarity = normed @ normed[index]
    similarity[index] = -np.inf
    return np.argsort(-similarity)[:k]


def topic_accuracy(words, embeddings):
    """Share of topic words whose nearest neighbour (among topic words) is in the same topic."""
    sys.path.insert(0, HERE)
    from make_corpus import TOPICS
    topic_of = {w: t for t, ws in TOPICS.items() for w in ws.split()}
    ids = [i for i, w in enumerate(words) if w in topic_of]
    subset = embeddings[ids]
    hits = sum(topic_of[words[ids[nearest(subset, j, 1)[0]]]] == topic_of[words[i]] for j, i in enumerate(ids))
    return hits / len(ids)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--train_data', default=os.path.join(HERE, 'corpus.txt'))
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--emb_dim', type=int, default=32)
    parser.add_argument('--batch_size', type=int, default=256)
    parser.add_argument('--window_size', type=int, default=3)
    parser.add_argument('--min_count', type=int, default=5)
    parser.add_argument('--subsample', type=float, default=1e-3)
    parser.add_argument('--num_samples', type=int, default=5)
    parser.add_argument('--learning_rate', type=float, default=0.2)
    parser.add_argument('--device', default='/cpu:0', help="where the embeddings live: '/cpu:0' or '/gpu:0'")
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)

    word2vec = tf.load_op_library(HERE)
    model = build(word2vec, args)
    start = time.time()
    with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
        sess.run(tf.global_variables_initializer())
        steps = 0
        while sess.run(model['epoch']) < args.epochs:
            sess.run(model['train'])
            steps += 1
            if steps % 200 == 0:
                print('step %d: epoch %d, words read %d, lr %.4f' % (
                    steps, *sess.run([model['epoch'], model['total_words'], model['lr']])))
        embeddings = sess.run(model['w_in'])
    words = model['words']
    print('trained %d steps in %.1f s' % (steps, time.time() - start))
    for word in ('cat', 'red', 'three', 'bread', 'rain', 'piano'):
        if word in words:
            print('%-6s -> %s' % (word, ' '.join(words[i] for i in nearest(embeddings, words.index(word), 4))))
    accuracy = topic_accuracy(words, embeddings)
    print('topic accuracy of nearest neighbours: %.2f' % accuracy)
    return accuracy


if __name__ == '__main__':
    main()
