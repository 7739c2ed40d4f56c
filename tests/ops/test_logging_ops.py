"""tf.Print (op Print).

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np

import sluice as tf
from conftest import run_graph


def test_print_op(capfd):
    x = tf.constant([1., 2., 3., 4., 5.])
    p = tf.Print(x, [x, 'hello', tf.constant([[1, 2], [3, 4]])], message='msg: ', first_n=2)
    assert p.name == 'Print:0' and p.op.type == 'Print' and p.shape.as_list() == [5]
    assert p.op.get_attr('summarize') == 3 and p.op.get_attr('first_n') == 2
    assert [t.dtype for t in p.op.inputs] == [tf.float32, tf.float32, tf.string, tf.int32]
    assert p.op.inputs[2].name == 'Print/data_1:0'
    p2 = tf.Print(x, [x], summarize=10)
    p3 = tf.Print(x, [tf.constant(3.5), tf.constant(True), tf.constant([1.5, 2.25])], 'm')
    with tf.Session() as sess:
        for _ in range(3):
            np.testing.assert_array_equal(sess.run(p), [1, 2, 3, 4, 5])
        sess.run(p2)
        sess.run(p3)
    err = capfd.readouterr().err
    assert err.splitlines() == ['msg: [1 2 3...][hello][[1 2][3...]...]'] * 2 + ['[1 2 3 4 5]', 'm[3.5][1][1.5 2.25]']
    (g,) = tf.gradients(tf.reduce_sum(p * 2.0), [x])
    np.testing.assert_array_equal(run_graph(g), [2.] * 5)
