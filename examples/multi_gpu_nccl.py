"""Towers whose gradients are summed on the devices with tf.contrib.nccl.all_sum, not through
/cpu:0: the model and data of multi_gpu_towers.py, a tower per device, each variable's tower
gradients all-summed (one NcclAllReduce per tower, on its device), then tower 0's sum divided by
the tower count is applied to the variables on /cpu:0.

    python examples/multi_gpu_nccl.py --num_devices 2 --device_type cpu   # two CPU devices
    python examples/multi_gpu_nccl.py --num_devices 2                     # GPUs
"""
import argparse
import importlib.util
import os
import time

import sluice as tf

_spec = importlib.util.spec_from_file_location(
    'multi_gpu_towers', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'multi_gpu_towers.py'))
towers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(towers)


def all_sum_gradients(tower_grads):
    """Each variable's mean gradient over the towers, all-summed on the towers' devices: tower 0's
    copy is the one applied (every tower holds the same sum)."""
    averaged = []
    for grads_and_vars in zip(*tower_grads):
        summed = tf.contrib.nccl.all_sum([g for g, _ in grads_and_vars])
        with tf.device(summed[0].device):
            averaged.append((summed[0] / len(summed), grads_and_vars[0][1]))
    return averaged


def build(num_devices, device_type, learning_rate=0.1):
    """multi_gpu_towers.build with the gradients all-summed on the devices."""
    with tf.device('/cpu:0'):
        images = tf.placeholder(tf.float32, [None, towers.IMAGE, towers.IMAGE, 3], name='images')
        labels = tf.placeholder(tf.int32, [None], name='labels')
        opt = tf.train.GradientDescentOptimizer(learning_rate)
        tower_grads, losses = [], []
        with tf.variable_scope(tf.get_variable_scope()):
            for i, (x, y) in enumerate(zip(tf.split(images, num_devices), tf.split(labels, num_devices))):
                with tf.device('/%s:%d' % (device_type, i)), tf.name_scope('tower_%d' % i):
                    loss = towers.tower_loss(x, y)
                    tf.get_variable_scope().reuse_variables()
                    losses.append(loss)
                    tower_grads.append(opt.compute_gradients(loss))
        train_op = opt.apply_gradients(all_sum_gradients(tower_grads))
        return images, labels, tf.add_n(losses) / num_devices, train_op


def main(num_devices=2, device_type='gpu', steps=20, batch_size=64):
    graph = tf.Graph()
    with graph.as_default():
        images, labels, loss, train_op = build(num_devices, device_type)
        init = tf.global_variables_initializer()
    config = tf.ConfigProto(allow_soft_placement=True, device_count={'CPU': num_devices})
    with tf.Session(graph=graph, config=config) as sess:
        sess.run(init)
        start = time.time()
        for step in range(steps):
            x, y = towers.synthetic_batch(batch_size, step)
            value, _ = sess.run([loss, train_op], {images: x, labels: y})
            if step % 10 == 0 or step == steps - 1:
                print('step %d, loss %.4f' % (step, value))
        print('%.1f examples/s on %d %s towers, gradients all-summed on the devices'
              % (steps * batch_size / (time.time() - start), num_devices, device_type))
        return value


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num_devices', type=int, default=2)
    parser.add_argument('--device_type', default='gpu', choices=['cpu', 'gpu'])
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--batch_size', type=int, default=64)
    args = parser.parse_args()
    main(args.num_devices, args.device_type, args.steps, args.batch_size)
