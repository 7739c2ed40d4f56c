"""Regenerates the golden MetaGraphDef and checkpoint in this folder with a real TensorFlow.

    /tmp/tfenv/bin/python tests/data/metagraph/make_golden.py

A linear regression trained 3 steps with GradientDescentOptimizer and saved by tf.train.Saver
(save_relative_paths=True): model.ckpt-3.{index,data-00000-of-00001,meta} and `checkpoint`.
Graph: placeholders x [?, 2] and y [?, 1], variables layer/W (2x1) and layer/b (1), 'pred',
'loss' (mean squared error), global_step (get_or_create_global_step), 'train' (minimize).
Collections beyond TF's own: train_op [train], 'outputs' [pred:0], 'hyper' (float 0.1),
'steps' (ints 3, 7), 'note' (bytes b'golden').
It prints the values TF gives; tests/test_meta_graph.py restates them (TF_META_*).
"""
import os
import shutil

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
HERE = os.path.dirname(os.path.abspath(__file__))
X = np.array([[1.0, 2.0], [0.5, -1.0], [-2.0, 0.25]], np.float32)
Y = np.array([[1.0], [-0.5], [2.0]], np.float32)


def main():
    for name in os.listdir(HERE):
        if name.startswith('model.ckpt') or name == 'checkpoint':
            os.remove(os.path.join(HERE, name))
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 2], name='x')
        y = tf.placeholder(tf.float32, [None, 1], name='y')
        with tf.name_scope('layer'):
            w = tf.Variable([[0.5], [-0.25]], name='W')
            b = tf.Variable([0.1], name='b')
        pred = tf.add(tf.matmul(x, w), b, name='pred')
        loss = tf.reduce_mean(tf.square(pred - y), name='loss')
        step = tf.train.get_or_create_global_step()
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step, name='train')
        tf.add_to_collection(tf.GraphKeys.TRAIN_OP, train)
        tf.add_to_collection('outputs', pred)
        tf.add_to_collection('hyper', 0.1)
        tf.add_to_collections(['steps'], 3)
        tf.add_to_collection('steps', 7)
        tf.add_to_collection('note', b'golden')
        saver = tf.train.Saver(save_relative_paths=True)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {x: X, y: Y})
            saver.save(sess, os.path.join(HERE, 'model.ckpt'), global_step=step)
            print('W, b, step', sess.run([w, b, step]))
            print('pred, loss', sess.run([pred, loss], {x: X, y: Y}))
            sess.run(train, {x: X, y: Y})
            print('after one more step W, b', sess.run([w, b]))
        print(sorted({op.type for op in g.get_operations()}))


if __name__ == '__main__':
    main()
