"""The TF1 basics, unchanged under `import sluice as tf`: constants, a counter variable,
tf.group, random numbers and device placement with soft placement and a placement log.

    python examples/basics.py
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sluice as tf  # noqa: E402


def main(argv=None):
    argparse.ArgumentParser(description=__doc__.split('\n')[0] + ' ' + __doc__.split('\n')[1]).parse_args(argv)

    # A matrix product of constants.
    matrix1 = tf.constant([[3., 3.]])
    matrix2 = tf.constant([[2.], [2.]])
    product = tf.matmul(matrix1, matrix2)
    with tf.Session() as sess:
        print('product:', sess.run(product))

    # A counter updated by tf.assign in a loop.
    state = tf.Variable(0, name='counter')
    one = tf.constant(1)
    new_value = tf.add(state, one)
    update = tf.assign(state, new_value)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print('counter:', sess.run(state), end='')
        for _ in range(3):
            sess.run(update)
            print('', sess.run(state), end='')
        print()

    # tf.group returns None when run; random_uniform between 10 and 11.
    a = tf.Variable(tf.random_uniform([2, 3], 10, 11), name='a')
    init = tf.group(tf.global_variables_initializer())
    with tf.Session() as sess:
        print('group returns:', sess.run(init))
        print('uniform in [10, 11):\n', sess.run(a))

    # Devices: ask for a GPU, fall back to what exists, and log where each node runs.
    with tf.device('/gpu:0'):
        x = tf.constant([1.0, 2.0], name='x')
        y = tf.multiply(x, 2.0, name='y')
    config = tf.ConfigProto(allow_soft_placement=True, log_device_placement=True)
    with tf.Session(config=config) as sess:
        print('y =', sess.run(y))
        print('devices:', [d.name for d in sess.list_devices()])


if __name__ == '__main__':
    main()
