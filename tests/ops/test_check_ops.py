"""tf.check_numerics and the tf.assert_* family, at run time and static.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import re

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


def _more_checks(m):
    """What TF 1.15's other checks do on one graph of module `m` (sluice or tensorflow.compat.v1): run-time
    outcomes, assertion messages, static errors and name scopes (TF 2.21 words run-time errors and the
    assert_integer message slightly differently: the parts TF 1.15 and 2.21 share are compared)."""
    out = []
    g = m.Graph()
    with g.as_default():
        p = m.placeholder(m.float32, [None], name='p')
        checks = [m.assert_greater(p, 0.5), m.assert_greater_equal(p, 1.0), m.assert_none_equal(p, 2.0),
                  m.debugging.assert_near(p, m.constant([1.0, 3.0]), rtol=0.1, atol=0.0),
                  m.debugging.assert_near(p, m.constant([1.0, 3.0]))]
        monotone = [m.is_non_decreasing(p), m.math.is_strictly_increasing(p)]
        out.append([c.name.split('/')[0] for c in checks] + [t.name for t in monotone])
        with m.Session() as sess:
            for value in ([1.0, 3.0], [1.0, 3.2], [2.0, 2.0], [0.25, 3.0], [5.0]):
                row = []
                for c in checks:
                    try:
                        sess.run(c, {p: value})
                        row.append('ok')
                    except m.errors.InvalidArgumentError as e:
                        row.append(re.search(r'assertion failed: \[[^\]]*\]', e.message).group(0))
                out.append((value, row, [bool(v) for v in sess.run(monotone, {p: value})]))
        for make in (lambda: m.assert_greater(m.constant([1, 2], name='a'), m.constant(1, name='b')),
                     lambda: m.assert_greater_equal(m.constant([1, 2]), 2, message='ge'),
                     lambda: m.assert_none_equal(m.constant([1, 2]), m.constant([3, 4])),
                     lambda: m.assert_integer(m.constant([1.0], name='f')),
                     lambda: m.assert_integer(m.constant([1], name='i')),
                     lambda: m.assert_scalar(m.constant([1.0], name='v')),
                     lambda: m.assert_scalar(m.constant(1.0, name='s')),
                     lambda: m.is_non_decreasing(m.constant(['a'])),
                     lambda: m.is_numeric_tensor(m.constant(1.5)) and not m.is_numeric_tensor(m.constant(True))):
            try:
                made = make()
                out.append((made.name, str(made.shape)) if hasattr(made, 'shape') else getattr(made, 'type', made))
            except Exception as e:
                out.append((type(e).__name__, getattr(e, 'message', str(e)).strip()))
    return out


def test_greater_near_integer_scalar_and_monotone_checks_as_tf():
    got = _more_checks(tf)
    assert got[0] == ['assert_greater', 'assert_greater_equal', 'assert_none_equal', 'assert_near', 'assert_near_1',
                      'is_non_decreasing/All:0', 'is_strictly_increasing/All:0']
    failed = 'assertion failed: []'
    assert got[1:6] == [
        ([1.0, 3.0], ['ok'] * 5, [True, True]),
        ([1.0, 3.2], ['ok', 'ok', 'ok', 'ok', failed], [True, True]),  # within rtol 0.1, not within 10 eps
        ([2.0, 2.0], ['ok', 'ok', 'assertion failed: [Condition x != y did not hold element-wise:]', failed, failed],
         [True, False]),
        ([0.25, 3.0], ['assertion failed: [Condition x > y did not hold element-wise:]',
                       'assertion failed: [Condition x >= y did not hold element-wise:]', 'ok', failed, failed],
         [True, True]),
        ([5.0], ['ok', 'ok', 'ok', failed, failed], [True, True])]  # one element is monotone
    assert got[6] == ('InvalidArgumentError', 'Condition x > y did not hold element-wise:\nx (a:0) = \n[1 2]\n'
                                              'y (b:0) = \n1')
    assert got[8:] == ['Assert', ('TypeError', 'Expected "x" to be integer type.  Found: f:0 of dtype '
                                               "<dtype: 'float32'>"), 'NoOp',
                       ('ValueError', 'Expected scalar shape for v:0, saw shape: (1,).'), ('s:0', '()'),
                       ('TypeError', 'Expected x to be numeric, instead found: Tensor("is_non_decreasing_1/Reshape:0",'
                                     ' shape=(1,), dtype=string)'), True]


@pytest.mark.tf
def test_more_checks_equal_tensorflows():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    assert _more_checks(tf) == _more_checks(tf1)
