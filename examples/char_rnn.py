"""A character-level language model: a 2-layer LSTM trained on a small bundled text, the TF1 way.

The text (the opening of Lewis Carroll's "Alice's Adventures in Wonderland", public domain) is
cut into --batch parallel streams; each step trains on the next --steps characters of every
stream (truncated backpropagation through time): embedding -> MultiRNNCell of two BasicLSTMCell
under tf.nn.dynamic_rnn, the final state fed back as the next step's initial state ->
a softmax layer -> tf.contrib.seq2seq.sequence_loss -> gradients clipped by global norm ->
Adam. Every --report steps it prints the loss (nats per character); at the end it samples text
from the model one character at a time (a second graph of the same cell, batch 1, one step,
sharing the variables) and saves a checkpoint whose variable names are TF's
('rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel', ...).

    python examples/char_rnn.py [--train_steps 300] [--hidden 128] [--steps 32] [--batch 16]
"""
import argparse
import os
import sys
import time

import numpy as np

if __package__ in (None, ''):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sluice as tf  # noqa: E402

TEXT = (
    "Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to do: "
    "once or twice she had peeped into the book her sister was reading, but it had no pictures or conversations "
    "in it, 'and what is the use of a book,' thought Alice 'without pictures or conversations?' So she was "
    "considering in her own mind (as well as she could, for the hot day made her feel very sleepy and stupid), "
    "whether the pleasure of making a daisy-chain would be worth the trouble of getting up and picking the "
    "daisies, when suddenly a White Rabbit with pink eyes ran close by her. There was nothing so very remarkable "
    "in that; nor did Alice think it so very much out of the way to hear the Rabbit say to itself, 'Oh dear! "
    "Oh dear! I shall be late!' (when she thought it over afterwards, it occurred to her that she ought to have "
    "wondered at this, but at the time it all seemed quite natural); but when the Rabbit actually took a watch "
    "out of its waistcoat-pocket, and looked at it, and then hurried on, Alice started to her feet, for it "
    "flashed across her mind that she had never before seen a rabbit with either a waistcoat-pocket, or a watch "
    "to take out of it, and burning with curiosity, she ran across the field after it, and fortunately was just "
    "in time to see it pop down a large rabbit-hole under the hedge.")


class Model:
    """The LM graph for [batch, steps] character ids; `state` in, `final_state` out."""

    def __init__(self, vocab, hidden, batch, steps, reuse=None):
        with tf.variable_scope('char_rnn', reuse=reuse):
            self.inputs = tf.placeholder(tf.int32, [batch, steps], name='inputs')
            self.targets = tf.placeholder(tf.int32, [batch, steps], name='targets')
            embedding = tf.get_variable('embedding', [vocab, hidden])
            x = tf.nn.embedding_lookup(embedding, self.inputs)
            cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.BasicLSTMCell(hidden) for _ in range(2)])
            self.initial_state = cell.zero_state(batch, tf.float32)
            outputs, self.final_state = tf.nn.dynamic_rnn(cell, x, initial_state=self.initial_state)
            w = tf.get_variable('softmax_w', [hidden, vocab])
            b = tf.get_variable('softmax_b', [vocab], initializer=tf.zeros_initializer())
            logits = tf.reshape(tf.matmul(tf.reshape(outputs, [-1, hidden]), w) + b, [batch, steps, vocab])
            self.probabilities = tf.nn.softmax(logits)
            self.loss = tf.contrib.seq2seq.sequence_loss(logits, self.targets, tf.ones([batch, steps]))

    def feed_state(self, feed, state):
        for (c, h), (c_value, h_value) in zip(self.initial_state, state):
            feed[c], feed[h] = c_value, h_value
        return feed


def batches(ids, batch, steps):
    """(inputs, targets) for successive windows of `batch` parallel streams of the text."""
    stream = len(ids) // batch
    data = np.array(ids[:stream * batch]).reshape(batch, stream)
    for start in range(0, stream - steps - 1, steps):
        yield data[:, start:start + steps], data[:, start + 1:start + steps + 1]


def train(args):
    chars = sorted(set(TEXT))
    index = {c: i for i, c in enumerate(chars)}
    ids = [index[c] for c in TEXT]
    tf.set_random_seed(args.seed)
    model = Model(len(chars), args.hidden, args.batch, args.steps)
    params = tf.trainable_variables()
    grads, _ = tf.clip_by_global_norm(tf.gradients(model.loss, params), 5.0)
    train_op = tf.train.AdamOptimizer(args.learning_rate).apply_gradients(zip(grads, params))
    sampler = Model(len(chars), args.hidden, 1, 1, reuse=True)
    saver = tf.train.Saver(params)
    losses = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        step, start = 0, time.time()
        while step < args.train_steps:
            state = sess.run(model.initial_state)
            for x, y in batches(ids, args.batch, args.steps):
                feed = model.feed_state({model.inputs: x, model.targets: y}, state)
                loss, state, _ = sess.run([model.loss, model.final_state, train_op], feed)
                losses.append(loss)
                step += 1
                if step % args.report == 0 or step == args.train_steps:
                    print('step %4d  loss %.3f  (%.1f steps/s)' % (step, np.mean(losses[-args.report:]),
                                                                   step / (time.time() - start)))
                if step == args.train_steps:
                    break
        text = sample(sess, sampler, chars, index, args.sample, np.random.RandomState(args.seed))
        print('sample: %r' % text)
        if args.checkpoint:
            print('saved', saver.save(sess, args.checkpoint))
    return losses, text


def sample(sess, model, chars, index, length, rng):
    state = sess.run(model.initial_state)
    current, out = index['A'], ['A']
    for _ in range(length):
        feed = model.feed_state({model.inputs: [[current]]}, state)
        probs, state = sess.run([model.probabilities, model.final_state], feed)
        p = probs[0, 0].astype(np.float64)
        current = rng.choice(len(chars), p=p / p.sum())
        out.append(chars[current])
    return ''.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--train_steps', type=int, default=300)
    parser.add_argument('--hidden', type=int, default=128)
    parser.add_argument('--steps', type=int, default=32)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--learning_rate', type=float, default=0.01)
    parser.add_argument('--report', type=int, default=20)
    parser.add_argument('--sample', type=int, default=80)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--checkpoint', default='')
    args = parser.parse_args(argv)
    return train(args)


if __name__ == '__main__':
    main()
