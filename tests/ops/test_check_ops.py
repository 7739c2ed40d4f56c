"""tf.check_numerics and the tf.assert_* family, at run time and static.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import run_graph
from sluice.engine import errors


def test_check_numerics():
    c = tf.check_numerics(tf.constant([1., 2.]), 'ok')
    assert c.name == 'CheckNumerics:0' and c.op.get_attr('message') == 'ok' and c.shape.as_list() == [2]
    np.testing.assert_array_equal(run_graph(c), [1., 2.])
    for values, msg, what in (([1., np.nan], 'mymsg', 'NaN'), ([1., np.inf], 'm2', 'Inf'),
                              ([-np.inf, np.nan], 'm3', 'Inf and NaN')):
        with pytest.raises(errors.InvalidArgumentError, match='%s : Tensor had %s values' % (msg, what)):
            run_graph(tf.check_numerics(tf.constant(values), msg))
    with pytest.raises(TypeError, match='DataType int32 not in list of allowed values'):
        tf.check_numerics(tf.constant([1]), 'x')


def test_asserts_at_run_time():
    p = tf.placeholder(tf.float32, [None])
    q = tf.placeholder(tf.float32, name='q')
    cases = [
        (tf.assert_equal(p, 1.0), 'assertion failed: [Condition x == y did not hold element-wise:] '
                                  '[x (Placeholder:0) = ] [1 -2 5...] [y (assert_equal/y:0) = ] [1]'),
        (tf.assert_rank(q, 2), 'assertion failed: [] [Tensor q:0 must have rank] [2] [Received shape: ] [2]'),
        (tf.assert_positive(p), 'assertion failed: [] [Condition x > 0 did not hold element-wise:] '
                                '[x (Placeholder:0) = ] [1 -2 5...]'),
        (tf.assert_non_negative(p, message='nn'), 'assertion failed: [nn.  ] [Condition x >= 0 did not hold '
                                                  'element-wise:] [x (Placeholder:0) = ] [1 -2 5...]'),
        (tf.assert_less(p, 3.0), 'assertion failed: [Condition x < y did not hold element-wise:] '
                                 '[x (Placeholder:0) = ] [1 -2 5...] [y (assert_less/y:0) = ] [3]'),
    ]
    with tf.Session() as sess:
        for op, message in cases:
            feed = {q: [1., 2.]} if op.name.startswith('assert_rank') else {p: [1., -2., 5., 6., 7.]}
            with pytest.raises(errors.InvalidArgumentError) as info:
                sess.run(op, feed)
            assert info.value.message.startswith(message)
        sess.run([cases[2][0], cases[3][0], cases[4][0]], {p: [1., 2.]})
        sess.run(cases[0][0], {p: [1., 1.]})
        sess.run(cases[1][0], {q: [[1.]]})


def test_asserts_static():
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.assert_equal(tf.constant([1, 2], name='a'), tf.constant([1, 3], name='b'), message='boo')
    assert info.value.message == 'boo\nCondition x == y did not hold element-wise:\nx (a:0) = \n[1 2]\ny (b:0) = \n[1 3]'
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.assert_positive(tf.constant([1, -2], name='c'))
    assert info.value.message == '\nCondition x > 0 did not hold element-wise:\nx (c:0) = \n[ 1 -2]'
    with pytest.raises(errors.InvalidArgumentError, match='Condition x >= 0'):
        tf.assert_non_negative(tf.constant([1, -2]))
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.assert_less(tf.constant([1, 5], name='d'), tf.constant(3, name='e'))
    assert info.value.message == 'Condition x < y did not hold element-wise:\nx (d:0) = \n[1 5]\ny (e:0) = \n3'
    with pytest.raises(ValueError) as info:
        tf.assert_rank(tf.constant([1, 2], name='f'), 2)
    assert str(info.value) == 'Tensor f:0 must have rank 2.  Received rank 1, shape (2,)'
    with pytest.raises(ValueError) as info:
        tf.assert_rank(tf.placeholder(tf.float32, [2, 3], name='g'), 1, message='mm')
    assert str(info.value) == 'mm.  Tensor g:0 must have rank 1.  Received rank 2, shape (2, 3)'
    ok = tf.assert_rank(tf.placeholder(tf.float32, [2, 3]), 2)
    assert ok.type == 'NoOp' and ok.name == 'assert_rank_2/static_checks_determined_all_ok'
    ok2 = tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 2]))
    assert ok2.type == 'Assert'
    run_graph(ok2)
    with pytest.raises(TypeError):
        tf.assert_equal(tf.constant([1, 2]), tf.constant([1., 2.]))
