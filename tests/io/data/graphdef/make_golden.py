"""Regenerates the golden GraphDefs in this folder with a real TensorFlow (not run by tests).

    /tmp/tfenv/bin/python tests/data/graphdef/make_golden.py

graph.pb      tf.Graph.as_graph_def() of a small graph (binary): placeholder x [?, 3], variable w
              (3x2) with its initializer, constant b, MatMul, AddV2, Relu 'h', Sum 'total' (all
              axes) and Sum 'rows' (axis 1, keepdims), NoOp 'init'.
graph.pbtxt   the same graph as text, written with add_shapes=True (nodes carry '_output_shapes').
It prints the values TF computes for x = X; tests/test_graph_def.py restates them (TF_GOLDEN_*).
"""
import os

import numpy as np
import tensorflow.compat.v1 as tf
from google.protobuf import text_format

tf.disable_v2_behavior()
HERE = os.path.dirname(os.path.abspath(__file__))
X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], np.float32)


def main():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 3], name='x')
        w = tf.Variable((np.arange(6, dtype=np.float32).reshape(3, 2) / 4 - 0.5), name='w')
        b = tf.constant([0.25, -1.0], name='b')
        h = tf.nn.relu(tf.matmul(x, w) + b, name='h')
        total = tf.reduce_sum(h, name='total')
        rows = tf.reduce_sum(h, axis=1, keepdims=True, name='rows')
        init = tf.global_variables_initializer()
    with open(os.path.join(HERE, 'graph.pb'), 'wb') as f:
        f.write(g.as_graph_def().SerializeToString(deterministic=True))
    with open(os.path.join(HERE, 'graph.pbtxt'), 'w') as f:
        f.write(text_format.MessageToString(g.as_graph_def(add_shapes=True)))
    with tf.Session(graph=g) as sess:
        sess.run(init)
        for name, value in zip(['h', 'total', 'rows'], sess.run([h, total, rows], {x: X})):
            print(name, repr(value))


if __name__ == '__main__':
    main()
