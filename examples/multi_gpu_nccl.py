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

import sluice as tf

_spec = importlib.util.spec_from_file_location(
    'multi_gpu_towers', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'multi_gpu_towers.py'))
towers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(towers)


def all_sum_gradients(tower_grads):
    """Each variable's mean gradient over the towers, all-summed on the towers' devices: tower 0's
    copy is the one applied (every tower holds the same sum; the others run, as the collective needs)."""
    averaged = []
    for grads_and_vars in zip(*tower_grads):
        summed = tf.contrib.nccl.all_sum([g for g, _ in grads_and_vars])
        # Every member of an all-reduce must run (TF blocks otherwise): the applied sum waits for all.
        with tf.device(summed[0].device), tf.control_dependencies(summed[1:]):
            averaged.append((summed[0] / len(summed), grads_and_vars[0][1]))
    return averaged


def build(num_devices, device_type, learning_rate=0.1):
    """multi_gpu_towers.build with the gradients all-summed on the devices."""
    return towers.build(num_devices, device_type, learning_rate, combine=all_sum_gradients)


def main(num_devices=2, device_type='gpu', steps=20, batch_size=64):
    return towers.main(num_devices, device_type, steps, batch_size, combine=all_sum_gradients)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num_devices', type=int, default=2)
    parser.add_argument('--device_type', default='gpu', choices=['cpu', 'gpu'])
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--batch_size', type=int, default=64)
    args = parser.parse_args()
    main(args.num_devices, args.device_type, args.steps, args.batch_size)
