"""Data-parallel towers in one graph, the pattern of TF's cifar10_multi_gpu_train.py, on synthetic
CIFAR-shaped data: a tower per device under `tower_i` name scopes sharing variables pinned to
/cpu:0, gradients averaged over the towers, one apply_gradients.

    python examples/multi_gpu_towers.py --num_devices 2 --device_type cpu   # two CPU devices
    python examples/multi_gpu_towers.py --num_devices 2                     # GPUs (soft placement
                                                                            # falls back to the CPU)
"""
import argparse
import time

import numpy as np

import sluice as tf

IMAGE, CLASSES = 24, 10


def inference(images):
    """A small CNN (conv-pool-conv-pool-dense) whose variables live on /cpu:0, shared by the towers."""
    def variable(name, shape, stddev):
        with tf.device('/cpu:0'):
            return tf.get_variable(name, shape, initializer=tf.truncated_normal_initializer(stddev=stddev, seed=1))
    with tf.variable_scope('conv1'):
        h = tf.nn.relu(tf.nn.conv2d(images, variable('weights', [5, 5, 3, 16], 0.05), [1, 1, 1, 1], 'SAME'))
        h = tf.nn.max_pool(h, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME')
    with tf.variable_scope('conv2'):
        h = tf.nn.relu(tf.nn.conv2d(h, variable('weights', [5, 5, 16, 16], 0.05), [1, 1, 1, 1], 'SAME'))
        h = tf.nn.max_pool(h, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME')
    with tf.variable_scope('softmax_linear'):
        flat = tf.reshape(h, [-1, 6 * 6 * 16])
        return tf.matmul(flat, variable('weights', [6 * 6 * 16, CLASSES], 0.01))


def tower_loss(images, labels):
    logits = inference(images)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def average_gradients(tower_grads):
    """The mean over towers of each variable's gradient (the towers' lists are in the same order)."""
    averaged = []
    for grads_and_vars in zip(*tower_grads):
        grads = tf.stack([g for g, _ in grads_and_vars])
        averaged.append((tf.reduce_mean(grads, 0), grads_and_vars[0][1]))
    return averaged


def build(num_devices, device_type, learning_rate=0.1, combine=average_gradients):
    """The training graph: placeholders for the whole batch, split across the towers; `combine`
    turns the towers' (gradient, variable) lists into the one list applied."""
    with tf.device('/cpu:0'):
        images = tf.placeholder(tf.float32, [None, IMAGE, IMAGE, 3], name='images')
        labels = tf.placeholder(tf.int32, [None], name='labels')
        opt = tf.train.GradientDescentOptimizer(learning_rate)
        tower_grads, losses = [], []
        with tf.variable_scope(tf.get_variable_scope()):
            for i, (x, y) in enumerate(zip(tf.split(images, num_devices), tf.split(labels, num_devices))):
                with tf.device('/%s:%d' % (device_type, i)), tf.name_scope('tower_%d' % i):
                    loss = tower_loss(x, y)
                    tf.get_variable_scope().reuse_variables()
                    losses.append(loss)
                    tower_grads.append(opt.compute_gradients(loss))
        train_op = opt.apply_gradients(combine(tower_grads))
        return images, labels, tf.add_n(losses) / num_devices, train_op


def synthetic_batch(batch_size, seed):
    rng = np.random.RandomState(seed)
    return (rng.rand(batch_size, IMAGE, IMAGE, 3).astype(np.float32),
            rng.randint(0, CLASSES, batch_size).astype(np.int32))


def main(num_devices=2, device_type='gpu', steps=20, batch_size=64, combine=average_gradients):
    graph = tf.Graph()
    with graph.as_default():
        images, labels, loss, train_op = build(num_devices, device_type, combine=combine)
        init = tf.global_variables_initializer()
    config = tf.ConfigProto(allow_soft_placement=True, device_count={'CPU': num_devices})
    with tf.Session(graph=graph, config=config) as sess:
        sess.run(init)
        start = time.time()
        for step in range(steps):
            x, y = synthetic_batch(batch_size, step)
            value, _ = sess.run([loss, train_op], {images: x, labels: y})
            if step % 10 == 0 or step == steps - 1:
                print('step %d, loss %.4f' % (step, value))
        print('%.1f examples/s on %d %s towers (%s)' % (steps * batch_size / (time.time() - start), num_devices,
                                                        device_type, combine.__name__))
        return value


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num_devices', type=int, default=2)
    parser.add_argument('--device_type', default='gpu', choices=['cpu', 'gpu'])
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--batch_size', type=int, default=64)
    args = parser.parse_args()
    main(args.num_devices, args.device_type, args.steps, args.batch_size)
