"""tf.metrics.accuracy / mean (local variables, update ops) and tf.report_uninitialized_variables.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import op_types
from sluice.engine import errors


def test_metrics_accuracy():
    labels = tf.placeholder(tf.int64, [None])
    predictions = tf.placeholder(tf.int32, [None])
    acc, update = tf.metrics.accuracy(labels, predictions)
    assert acc.name == 'accuracy/value:0' and update.name == 'accuracy/update_op:0'
    assert acc.op.type == 'DivNoNan' and acc.dtype == tf.float32 and acc.shape.as_list() == []
    assert [v.name for v in tf.local_variables()] == ['accuracy/total:0', 'accuracy/count:0']
    assert [v.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)] == ['accuracy/total:0',
                                                                                 'accuracy/count:0']
    assert tf.global_variables() == [] and tf.trainable_variables() == []
    names = [n for n, _ in op_types()]
    assert names[2:5] == ['Cast', 'Equal', 'Cast_1'] and 'accuracy/total/Initializer/zeros' in names
    weights = tf.placeholder(tf.float32, [None])
    acc2, update2 = tf.metrics.accuracy(labels, predictions, weights=weights, name='wacc')
    assert acc2.name == 'wacc/value:0' and update2.name == 'wacc/update_op:0'
    acc3, update3 = tf.metrics.accuracy(tf.constant([[1], [2]]), tf.constant([1, 3]))
    assert acc3.name == 'accuracy_1/value:0'
    with tf.Session() as sess:
        with pytest.raises(errors.FailedPreconditionError):
            sess.run(acc)
        sess.run(tf.local_variables_initializer())
        assert sess.run(acc) == 0.0
        assert sess.run(update, {labels: [1, 2, 3, 4], predictions: [1, 2, 0, 0]}) == np.float32(0.5)
        np.testing.assert_allclose(sess.run(update, {labels: [1, 2], predictions: [1, 2]}), 0.6666667)
        np.testing.assert_allclose(sess.run(acc), 0.6666667)
        np.testing.assert_allclose(sess.run(update2, {labels: [1, 2, 3], predictions: [1, 0, 3],
                                                      weights: [1., 2., .5]}), 0.42857143)
        np.testing.assert_allclose(sess.run(acc2), 0.42857143)
        assert sess.run(update3) == 0.5


def test_report_uninitialized_variables():
    v1 = tf.Variable(1.0, name='v1')
    with tf.variable_scope('sc'):
        v2 = tf.get_variable('v2', [2])
    r = tf.report_uninitialized_variables()
    r2 = tf.report_uninitialized_variables([v2])
    r3 = tf.report_uninitialized_variables([])
    assert r.dtype == tf.string and r.shape.as_list() == [None]
    assert r.name.startswith('report_uninitialized_variables/')
    assert r3.name == 'report_uninitialized_variables_2/Const:0' and r3.shape.as_list() == [0]
    with tf.Session() as sess:
        a, b, c = sess.run([r, r2, r3])
        assert list(a) == [b'v1', b'sc/v2'] and list(b) == [b'sc/v2'] and list(c) == []
        sess.run(v1.initializer)
        assert list(sess.run(r)) == [b'sc/v2']
        sess.run(v2.initializer)
        assert sess.run(r).shape == (0,)
