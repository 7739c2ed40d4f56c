"""A While that recorded its iterations for sluice's gradient is written in TF's accumulator form
(io/loop_records_export.py): the exported graph has no '_history', TF imports it and computes the
loop's outputs and gradients as sluice does, and sluice re-imports and runs it the same."""
import numpy as np
import pytest

import sluice as tf

X = np.array([1.0, -0.5, 0.25], np.float32)


def _graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [3], name='x')
        w = tf.Variable([1.0, 2.0, 3.0], name='w')

        def outer(i, h):
            def inner(j, a):  # a nested loop: its records live inside the outer body's function
                return j + 1, tf.sin(a * w)
            _, a = tf.while_loop(lambda j, a: j < 2, inner, [0, h])
            return i + 1, tf.tanh(a + x)
        _, h = tf.while_loop(lambda i, h: i < 3, outer, [0, tf.zeros([3])])
        tf.identity(h, name='y')
        for i, d in enumerate(tf.gradients(tf.reduce_sum(h * h), [x, w])):
            tf.identity(d, name='d%d' % i)
        tf.global_variables_initializer()
        with tf.Session() as sess:
            sess.run('init')
            expected = sess.run(['y:0', 'd0:0', 'd1:0'], {'x:0': X})
    return g.as_graph_def(), expected


def test_export_has_accumulators_not_records_and_reimports():
    graph_def, expected = _graph()
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    assert not any('_history' in n.attr for n in nodes)
    assert {'TensorListPushBack', 'TensorListStack', 'EmptyTensorList'} <= {n.op for n in nodes}
    with tf.Graph().as_default():
        tf.import_graph_def(graph_def, name='')
        with tf.Session() as sess:
            sess.run('init')
            for a, e in zip(sess.run(['y:0', 'd0:0', 'd1:0'], {'x:0': X}), expected):
                np.testing.assert_allclose(a, e, rtol=1e-6)


@pytest.mark.tf
def test_tensorflow_runs_sluice_loop_gradients():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    graph_def, expected = _graph()
    with tf1.Graph().as_default():
        tf1.import_graph_def(tf1.GraphDef.FromString(graph_def.SerializeToString()), name='')
        with tf1.Session() as sess:
            sess.run('init')
            for a, e in zip(sess.run(['y:0', 'd0:0', 'd1:0'], {'x:0': X}), expected):
                np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
