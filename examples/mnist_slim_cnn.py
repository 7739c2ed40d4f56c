"""A slim-style MNIST CNN, as TF1 programs write it with tf.contrib.slim, unchanged but for `import sluice as tf`.

conv 5x5 (batch norm, ReLU) -> max pool -> conv 5x5 (batch norm) -> max pool -> flatten -> fully connected
(dropout) -> logits, built under one slim.arg_scope (xavier weights, L2 weight decay); the loss is
slim.losses.softmax_cross_entropy plus the regularization losses (slim.losses.get_total_loss); the train
op is slim.learning.create_train_op with Adam (batch norm's moving averages run through UPDATE_OPS).
Prints the loss every --log_every steps and the test accuracy at the end (batch norm in inference mode);
--save writes a checkpoint whose variable names are TF's ('conv1/weights', 'conv1/BatchNorm/moving_mean').

    python examples/mnist_slim_cnn.py                      # best device present, 500 steps
    python examples/mnist_slim_cnn.py --device cpu --steps 100 --conv1 8 --conv2 16 --fc 64
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

slim = tf.contrib.slim


def lenet(images, is_training, conv1=32, conv2=64, fc=1024, keep_prob=0.5):
    """Logits of the slim LeNet for images [batch, 28, 28, 1]."""
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        weights_initializer=slim.xavier_initializer(),
                        weights_regularizer=slim.l2_regularizer(0.0005)):
        with slim.arg_scope([slim.conv2d], normalizer_fn=slim.batch_norm,
                            normalizer_params={'is_training': is_training, 'decay': 0.9}):
            net = slim.conv2d(images, conv1, [5, 5], scope='conv1')
            net = slim.max_pool2d(net, [2, 2], scope='pool1')
            net = slim.conv2d(net, conv2, [5, 5], scope='conv2')
            net = slim.max_pool2d(net, [2, 2], scope='pool2')
        net = slim.flatten(net)
        net = slim.fully_connected(net, fc, scope='fc3')
        net = slim.dropout(net, keep_prob, is_training=is_training, scope='dropout3')
        return slim.fully_connected(net, 10, activation_fn=None, scope='fc4')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', choices=['cpu', 'gpu'], default=None)
    parser.add_argument('--data_dir', default='MNIST_data/')
    parser.add_argument('--steps', type=int, default=500)
    parser.add_argument('--batch_size', type=int, default=64)
    parser.add_argument('--learning_rate', type=float, default=0.001)
    parser.add_argument('--conv1', type=int, default=32)
    parser.add_argument('--conv2', type=int, default=64)
    parser.add_argument('--fc', type=int, default=1024)
    parser.add_argument('--test_images', type=int, default=None, help='evaluate on the first N test images')
    parser.add_argument('--log_every', type=int, default=50)
    parser.add_argument('--save', default=None, help='checkpoint path prefix to write after training')
    parser.add_argument('--seed', type=int, default=None)
    args = parser.parse_args()

    device = choose_device(args.device, parser)
    try:
        mnist = input_data.read_data_sets(args.data_dir, one_hot=True)
    except (OSError, ValueError) as e:
        parser.exit(1, '%s: %s\n' % (parser.prog, e))
    if args.seed is not None:
        tf.set_random_seed(args.seed)
        np.random.seed(args.seed)
    with tf.device('/%s:0' % device):
        images = tf.placeholder(tf.float32, [None, 784])
        labels = tf.placeholder(tf.float32, [None, 10])
        is_training = tf.placeholder(tf.bool, [])
        logits = lenet(tf.reshape(images, [-1, 28, 28, 1]), is_training, args.conv1, args.conv2, args.fc)
        slim.losses.softmax_cross_entropy(logits, labels)
        total_loss = slim.losses.get_total_loss()
        train_op = slim.learning.create_train_op(total_loss, tf.train.AdamOptimizer(args.learning_rate))
        correct = tf.equal(tf.argmax(logits, 1), tf.argmax(labels, 1))
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))

    print('slim MNIST CNN on %s: %d model variables' % (device.upper(), len(slim.get_model_variables())))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        began = time.time()
        for step in range(1, args.steps + 1):
            batch_x, batch_y = mnist.train.next_batch(args.batch_size)
            loss = sess.run(train_op, {images: batch_x, labels: batch_y, is_training: True})
            if step % args.log_every == 0 or step == args.steps:
                print('step %4d  loss %.4f  (%.1f steps/s)' % (step, loss, step / (time.time() - began)))
        test_x, test_y = mnist.test.images, mnist.test.labels
        if args.test_images:
            test_x, test_y = test_x[:args.test_images], test_y[:args.test_images]
        hits = [sess.run(accuracy, {images: test_x[i:i + 1000], labels: test_y[i:i + 1000], is_training: False})
                * len(test_x[i:i + 1000]) for i in range(0, len(test_x), 1000)]
        print('test accuracy %.4f' % (sum(hits) / len(test_x)))
        if args.save:
            print('saved %s' % tf.train.Saver().save(sess, args.save))


if __name__ == '__main__':
    main()
