"""Data-parallel MNIST over MPI with sluice.horovod (Horovod's TF1 API):

    mpiexec -n 2 python examples/horovod_mnist.py          # two processes, one machine or many
    python examples/horovod_mnist.py                        # one process: the same program

Each step takes the next global batch of batch_size * hvd.size() images in file order; rank r
trains on its slice, and DistributedOptimizer averages the gradients over the ranks. So k steps of
N processes give the weights one process gives with N times the batch (up to float rounding).
"""
import argparse

import numpy as np

import sluice as tf
import sluice.horovod as hvd
from sluice.examples.tutorials.mnist import input_data


def build(learning_rate):
    x = tf.placeholder(tf.float32, [None, 784], name='x')
    y = tf.placeholder(tf.int64, [None], name='y')
    init = tf.truncated_normal_initializer(stddev=0.1, seed=7)
    hidden = tf.layers.dense(x, 128, activation=tf.nn.relu, kernel_initializer=init, name='hidden')
    logits = tf.layers.dense(hidden, 10, kernel_initializer=init, name='logits')
    loss = tf.losses.sparse_softmax_cross_entropy(y, logits)
    global_step = tf.train.get_or_create_global_step()
    opt = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(learning_rate))
    train_op = opt.minimize(loss, global_step=global_step)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
    return x, y, loss, train_op, accuracy


def main(steps=50, batch_size=64, learning_rate=0.1, save=None):
    hvd.init()
    mnist = input_data.read_data_sets('MNIST-data', validation_size=0)
    images, labels = mnist.train.images, mnist.train.labels.astype(np.int64)
    with tf.Graph().as_default():
        x, y, loss, train_op, accuracy = build(learning_rate)
        init, bcast = tf.global_variables_initializer(), hvd.broadcast_global_variables(0)
        config = tf.ConfigProto(intra_op_parallelism_threads=1)  # one core per process
        with tf.Session(config=config) as sess:
            sess.run(init)
            sess.run(bcast)  # every rank starts from rank 0's weights
            for step in range(steps):
                start = (step * hvd.size() + hvd.rank()) * batch_size % (len(images) - batch_size)
                batch = slice(start, start + batch_size)
                value, _ = sess.run([loss, train_op], {x: images[batch], y: labels[batch]})
                if hvd.rank() == 0 and step % 10 == 0:
                    print('step %d, loss %.4f' % (step, value))
            weights = sess.run(tf.trainable_variables())
            test = sess.run(accuracy, {x: mnist.test.images, y: mnist.test.labels.astype(np.int64)})
    if hvd.rank() == 0:
        print('rank 0 of %d: test accuracy %.4f' % (hvd.size(), test))
    if save:
        np.savez(save % hvd.rank() if '%' in save else save, *weights)
    return weights


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--steps', type=int, default=50)
    parser.add_argument('--batch_size', type=int, default=64, help='per process')
    parser.add_argument('--learning_rate', type=float, default=0.1)
    parser.add_argument('--save', help='write the final weights to this .npz (%%d: the rank)')
    args = parser.parse_args()
    main(args.steps, args.batch_size, args.learning_rate, args.save)
