"""The MNIST convolutional network of TF 1.x's layers tutorial, written with tf.layers, unchanged but for
`import sluice as tf`.

conv 5x5 (32, ReLU) -> max pool 2 -> batch normalization -> conv 5x5 (64, ReLU) -> max pool 2 -> dense 1024
(ReLU) -> dropout 0.4 -> dense 10, trained with Adam(1e-3) on batches of 100. `training` is a bool
placeholder, so the same graph trains (batch statistics, dropout) and evaluates (moving statistics, no
dropout); the batch-norm moving averages update through tf.GraphKeys.UPDATE_OPS, run with the train op.
Prints the loss as it trains and the test accuracy at the end; --ckpt saves a checkpoint TF can restore.

    python examples/mnist_layers_cnn.py                          # best device present, 2000 steps
    python examples/mnist_layers_cnn.py --device cpu --steps 50 --filters 8 --test_images 1000

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


def cnn_model(images, training, filters=32):
    """Logits [batch, 10] for images [batch, 784]."""
    x = tf.reshape(images, [-1, 28, 28, 1])
    x = tf.layers.conv2d(x, filters, 5, padding='same', activation=tf.nn.relu)
    x = tf.layers.max_pooling2d(x, 2, 2)
    x = tf.layers.batch_normalization(x, training=training)
    x = tf.layers.conv2d(x, 2 * filters, 5, padding='same', activation=tf.nn.relu)
    x = tf.layers.max_pooling2d(x, 2, 2)
    x = tf.layers.flatten(x)
    x = tf.layers.dense(x, 32 * filters, activation=tf.nn.relu)
    x = tf.layers.dropout(x, rate=0.4, training=training)
    return tf.layers.dense(x, 10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cpu', 'gpu'], default=None,
                        help='where to run (default: GPU when one is present, else CPU)')
    parser.add_argument('--data_dir', default='MNIST_data/',
                        help='folder with the four MNIST .gz files (when it lacks them: $SLUICE_MNIST_DIR, '
                             'else the copy shipped with sluice in %s)' % input_data.DATA_DIR)
    parser.add_argument('--steps', type=int, default=2000)
    parser.add_argument('--batch_size', type=int, default=100)
    parser.add_argument('--filters', type=int, default=32, help='filters of the first convolution')
    parser.add_argument('--test_images', type=int, default=None, help='evaluate on the first N test images')
    parser.add_argument('--ckpt', default=None, help='save the trained model to this checkpoint prefix')
    parser.add_argument('--seed', type=int, default=None)
    args = parser.parse_args()

    device = choose_device(args.device, parser)
    try:
        mnist = input_data.read_data_sets(args.data_dir, one_hot=False)
    except (OSError, ValueError) as e:  # missing or damaged files: the message says what to do
        parser.exit(1, '%s: %s\n' % (parser.prog, e))
    if args.seed is not None:
        tf.set_random_seed(args.seed)
        np.random.seed(args.seed)
    test_x, test_y = mnist.test.images[:args.test_images], mnist.test.labels[:args.test_images]

    with tf.device('/%s:0' % device):
        images = tf.placeholder(tf.float32, [None, 784], name='images')
        labels = tf.placeholder(tf.int64, [None], name='labels')
        training = tf.placeholder_with_default(False, [], name='training')
        logits = cnn_model(images, training, args.filters)
        loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
        global_step = tf.train.get_or_create_global_step()
        with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
            train_op = tf.train.AdamOptimizer(1e-3).minimize(loss, global_step=global_step)
        accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))

    print('MNIST tf.layers CNN on %s: %d steps of %d images, %d test images'
          % (device.upper(), args.steps, args.batch_size, len(test_x)))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        began = time.time()
        for step in range(1, args.steps + 1):
            batch_x, batch_y = mnist.train.next_batch(args.batch_size)
            _, value = sess.run([train_op, loss], {images: batch_x, labels: batch_y, training: True})
            if step % 100 == 0 or step == args.steps:
                print('step %5d  loss %.4f  (%.1f steps/s)' % (step, value, step / (time.time() - began)), flush=True)
        correct = 0.0
        for start in range(0, len(test_x), 1000):
            chunk = slice(start, start + 1000)
            correct += sess.run(accuracy, {images: test_x[chunk], labels: test_y[chunk]}) * len(test_x[chunk])
        print('test accuracy %.4f' % (correct / len(test_x)))
        if args.ckpt:
            print('saved %s' % tf.train.Saver().save(sess, args.ckpt))


if __name__ == '__main__':
    main()
