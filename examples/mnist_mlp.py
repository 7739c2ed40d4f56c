"""The MNIST multilayer perceptron of the TF1 tutorials, unchanged but for `import sluice as tf`.

784-625-625-10 with ReLU, dropout on the input (keep 0.8) and the hidden layers (keep 0.5),
RMSProp(0.001, 0.9), batches of 128. Prints test accuracy after every epoch. Saves a checkpoint
each epoch (the last five are kept) and, when restarted, resumes from the latest one.

    python examples/mnist_mlp.py                       # best device present, 15 epochs
    python examples/mnist_mlp.py --device cpu --epochs 3 --data_dir MNIST_data/

The MNIST files come with sluice (sluice/examples/tutorials/mnist/data); --data_dir names another folder.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sluice as tf  # noqa: E402
from sluice.examples.device_choice import choose_device  # noqa: E402
from sluice.examples.tutorials.mnist import input_data  # noqa: E402


def init_weights(shape):
    return tf.Variable(tf.random_normal(shape, stddev=0.01))


def model(X, w_h, w_h2, w_o, p_keep_input, p_keep_hidden):
    X = tf.nn.dropout(X, p_keep_input)
    h = tf.nn.relu(tf.matmul(X, w_h))
    h = tf.nn.dropout(h, p_keep_hidden)
    h2 = tf.nn.relu(tf.matmul(h, w_h2))
    h2 = tf.nn.dropout(h2, p_keep_hidden)
    return tf.matmul(h2, w_o)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cpu', 'gpu'], default=None,
                        help='where to run (default: GPU when one is present, else CPU)')
    parser.add_argument('--data_dir', default='MNIST_data/',
                        help='folder with the four MNIST .gz files (when it lacks them: $SLUICE_MNIST_DIR, '
                             'else the copy shipped with sluice in %s)' % input_data.DATA_DIR)
    parser.add_argument('--epochs', type=int, default=15)
    parser.add_argument('--batch_size', type=int, default=128)
    parser.add_argument('--ckpt_dir', default=None, help='checkpoint folder (default: none, no resuming)')
    parser.add_argument('--seed', type=int, default=None)
    parser.add_argument('--train_images', type=int, default=None, help='use only the first N training images')
    args = parser.parse_args()

    device = choose_device(args.device, parser)
    try:
        mnist = input_data.read_data_sets(args.data_dir, one_hot=True)
    except (OSError, ValueError) as e:   # missing or damaged files: the message says what to do
        parser.exit(1, '%s: %s\n' % (parser.prog, e))
    trX, trY, teX, teY = mnist.train.images, mnist.train.labels, mnist.test.images, mnist.test.labels
    if args.train_images:
        trX, trY = trX[:args.train_images], trY[:args.train_images]
    if args.seed is not None:
        tf.set_random_seed(args.seed)

    with tf.device('/%s:0' % device):
        X = tf.placeholder('float', [None, 784])
        Y = tf.placeholder('float', [None, 10])
        w_h = init_weights([784, 625])
        w_h2 = init_weights([625, 625])
        w_o = init_weights([625, 10])
        p_keep_input = tf.placeholder('float')
        p_keep_hidden = tf.placeholder('float')
        py_x = model(X, w_h, w_h2, w_o, p_keep_input, p_keep_hidden)
        cost = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=py_x, labels=Y))
        global_step = tf.Variable(0, name='global_step', trainable=False)
        train_op = tf.train.RMSPropOptimizer(0.001, 0.9).minimize(cost, global_step=global_step)
        predict_op = tf.argmax(py_x, 1)
    saver = tf.train.Saver(max_to_keep=5) if args.ckpt_dir else None

    print('MNIST MLP on %s: %d training images, %d test images' % (device.upper(), len(trX), len(teX)))
    with tf.Session() as sess:
        tf.global_variables_initializer().run()
        start_epoch = 0
        if saver is not None:
            os.makedirs(args.ckpt_dir, exist_ok=True)
            latest = tf.train.latest_checkpoint(args.ckpt_dir)
        steps = list(zip(range(0, len(trX), args.batch_size), range(args.batch_size, len(trX) + 1, args.batch_size)))
        if saver is not None and latest:
            saver.restore(sess, latest)
            start_epoch = sess.run(global_step) // len(steps)
            print('resumed from %s (epoch %d done)' % (latest, start_epoch))
        train = sess.make_callable(train_op, [X, Y, p_keep_input, p_keep_hidden])
        for epoch in range(start_epoch, args.epochs):
            began = time.time()
            order = np.random.permutation(len(trX))
            trX, trY = trX[order], trY[order]
            for i, (start, end) in enumerate(steps):
                train(trX[start:end], trY[start:end], 0.8, 0.5)
                if (i + 1) % 43 == 0 or i + 1 == len(steps):
                    done = (i + 1) / len(steps)
                    print('\repoch %2d [%-30s] %3d%%' % (epoch + 1, '=' * int(30 * done), 100 * done), end='', flush=True)
            predicted = sess.run(predict_op, feed_dict={X: teX, p_keep_input: 1.0, p_keep_hidden: 1.0})
            accuracy = np.mean(np.argmax(teY, axis=1) == predicted)
            elapsed = time.time() - began
            print('\repoch %2d  test accuracy %.4f  (%.1f s, %.0f steps/s)' % (epoch + 1, accuracy, elapsed,
                                                                           len(steps) / elapsed))
            if saver is not None:
                saver.save(sess, os.path.join(args.ckpt_dir, 'model.ckpt'), global_step=global_step)


if __name__ == '__main__':
    main()
