"""tf.cond, tf.case, tf.while_loop, tf.map_fn, tf.scan, tf.foldl/foldr and tf.Assert.

Expected values, structures and error messages are those TensorFlow 1.x gives (checked with
tensorflow.compat.v1, graph mode) unless a comment says they are NumPy's.
"""
import collections
import threading

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.engine.subgraph import FuncGraph
from conftest import assert_allclose, run_graph


def _session():
    return tf.Session()


# -- cond --
def test_cond_runs_only_the_taken_branch(device):
    with tf.device(device):
        v = tf.Variable(1.0, name='v')
        p = tf.placeholder(tf.bool, [], name='p')
        r = tf.cond(p, lambda: tf.assign_add(v, 1.0), lambda: tf.assign_add(v, 10.0))
        with _session() as sess:
            sess.run(v.initializer)
            assert sess.run(r, {p: True}) == 2.0
            assert sess.run(v) == 2.0
            assert sess.run(r, {p: False}) == 12.0
            assert sess.run(v) == 12.0


def test_cond_untaken_branch_ops_do_not_run(device):
    with tf.device(device):
        x = tf.placeholder(tf.float32, [], name='x')

        def failing():
            with tf.control_dependencies([tf.Assert(tf.constant(False), ['untaken branch ran'])]):
                return tf.identity(x)
        r = tf.cond(x > 0, lambda: x * 2.0, failing)
        with _session() as sess:
            assert sess.run(r, {x: 3.0}) == 6.0
            with pytest.raises(errors.InvalidArgumentError, match='untaken branch ran'):
                sess.run(r, {x: -3.0})


def test_cond_side_effect_not_returned_still_runs(device):
    # A functional If runs every stateful op of the taken branch (TF2 functional semantics).
    with tf.device(device):
        v = tf.Variable(0, name='v')
        p = tf.placeholder(tf.bool, [])

        def true_fn():
            tf.assign_add(v, 5)
            return tf.constant(1)
        r = tf.cond(p, true_fn, lambda: tf.constant(2))
        with _session() as sess:
            sess.run(v.initializer)
            assert sess.run(r, {p: False}) == 2 and sess.run(v) == 0
            assert sess.run(r, {p: True}) == 1 and sess.run(v) == 5


def test_cond_captures_outer_tensors_and_fed_placeholders(device):
    with tf.device(device):
        x = tf.placeholder(tf.float32, [], name='x')
        y = tf.constant(5.0)
        r = tf.cond(x > 0, lambda: x * y, lambda: x - y)
        with _session() as sess:
            assert sess.run(r, {x: 3.0}) == 15.0   # TF: 15.0
            assert sess.run(r, {x: -2.0}) == -7.0  # TF: -7.0
    captured = [outer for outer, _ in r.op.get_attr('then_branch').captures]
    assert x in captured and y in captured
    assert x in r.op.inputs and y in r.op.inputs  # captures are inputs of the If node


def test_cond_capture_from_two_levels_out(device):
    with tf.device(device):
        a = tf.placeholder(tf.int32, [], name='a')
        b = tf.constant(100)
        r = tf.cond(a > 0, lambda: tf.cond(a > 10, lambda: a + b, lambda: a - b), lambda: b)
        with _session() as sess:
            assert [sess.run(r, {a: v}) for v in (20, 5, -1)] == [120, -95, 100]


def test_cond_structures_and_singletons():
    p = tf.placeholder(tf.bool, [])
    x = tf.constant(1.0)
    pair = tf.cond(p, lambda: (x, {'a': x}), lambda: (x, {'a': x + 1.0}))
    assert isinstance(pair, tuple) and set(pair[1]) == {'a'}
    assert isinstance(tf.cond(p, lambda: [x], lambda: [x]), tf.Tensor)
    strict = tf.cond(p, lambda: [x], lambda: [x], strict=True)
    assert isinstance(strict, list) and len(strict) == 1
    with tf.Session() as sess:
        assert sess.run(pair, {p: False}) == (1.0, {'a': 2.0})
        assert sess.run(tf.cond(p, fn1=lambda: x, fn2=lambda: x + 1.0), {p: False}) == 2.0


def test_cond_python_values_and_ops_as_results():
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: 1.0, lambda: 2.0)
    assert r.dtype == tf.float32
    done = tf.cond(p, lambda: tf.no_op(), lambda: tf.no_op())
    assert done.dtype == tf.bool  # TF1: a bool tensor, True from true_fn
    with tf.Session() as sess:
        assert sess.run([r, done], {p: True}) == [1.0, True]
        assert sess.run([r, done], {p: False}) == [2.0, False]


def test_cond_static_shapes_and_names():
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: tf.zeros([2, 3]), lambda: tf.zeros([2, 4]))
    assert r.shape.as_list() == [2, None]  # TF: (2, ?)
    r2 = tf.cond(p, lambda: tf.zeros([2, 3]), lambda: tf.zeros([3]))
    assert r2.shape.ndims is None  # TF: <unknown>
    assert (r.op.type, r.op.name, r2.op.name) == ('If', 'cond', 'cond_1')
    then_graph = r.op.get_attr('then_branch')
    assert isinstance(then_graph, FuncGraph) and then_graph.name.startswith('cond_true_')
    outer_ops = set(tf.get_default_graph().get_operations())
    assert not outer_ops & set(then_graph.get_operations())
    with tf.name_scope('outer'):
        assert tf.cond(p, lambda: 1, lambda: 2).op.name == 'outer/cond'


def test_cond_errors():
    p = tf.placeholder(tf.bool, [])
    x = tf.constant(1.0)
    with pytest.raises(TypeError, match="'true_fn' must be callable."):
        tf.cond(p, 1, lambda: x)
    with pytest.raises(TypeError, match="'false_fn' must be callable."):
        tf.cond(p, lambda: x, 2)
    with pytest.raises(TypeError, match="'false_fn' argument required"):
        tf.cond(p, lambda: x)
    with pytest.raises(TypeError, match="'true_fn' and 'fn1' may not be set simultaneously"):
        tf.cond(p, lambda: x, lambda: x, fn1=lambda: x)
    with pytest.raises(TypeError, match="'pred' must not be a Python bool."):
        tf.cond(True, lambda: x, lambda: x)
    with pytest.raises(TypeError, match='does not match expected type of bool'):
        tf.cond(x, lambda: x, lambda: x)
    with pytest.raises(ValueError, match='Shape must be rank 0 but is rank 1'):
        tf.cond(tf.constant([True, False]), lambda: x, lambda: x)
    with pytest.raises(ValueError, match="'true_fn' must have a return value."):
        tf.cond(p, lambda: None, lambda: None)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.cond(p, lambda: (x, x), lambda: x)
    with pytest.raises(TypeError, match="don't have the same nested structure"):
        tf.cond(p, lambda: [x, x], lambda: (x, x))
    with pytest.raises(ValueError, match="Outputs of 'true_fn' and 'false_fn' must have the same type"
                                         r"\(s\). Received float32 from 'true_fn' and int32 from 'false_fn'."):
        tf.cond(p, lambda: x, lambda: tf.constant(1))


def test_cond_predicate_must_be_scalar_at_run_time(device):
    with tf.device(device):
        p = tf.placeholder(tf.bool, None)
        r = tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(2))
        with _session() as sess:
            with pytest.raises(errors.InvalidArgumentError, match=r'must be a scalar, but it has shape \[2\]'):
                sess.run(r, {p: [True, False]})


def test_cond_variable_read_is_a_snapshot(device):
    with tf.device(device):
        v = tf.Variable([1.0, 2.0])
        p = tf.placeholder(tf.bool, [])
        r = tf.cond(p, lambda: v.read_value(), lambda: tf.constant([0.0, 0.0]))
        inc = v.assign_add([5.0, 5.0])
        with _session() as sess:
            sess.run(v.initializer)
            got = sess.run(r, {p: True})
            sess.run(inc)
            assert_allclose(got, [1.0, 2.0])  # TF: the value at the time of the run


def test_cond_control_dependency_on_outer_op(device):
    with tf.device(device):
        v = tf.Variable(0)
        bump = tf.assign_add(v, 1)
        p = tf.placeholder(tf.bool, [])

        def true_fn():
            with tf.control_dependencies([bump]):
                return tf.constant(7)
        r = tf.cond(p, true_fn, lambda: tf.constant(8))
        assert bump.op in r.op.control_inputs
        with _session() as sess:
            sess.run(v.initializer)
            assert sess.run(r, {p: True}) == 7
            assert sess.run(v) == 1
            assert sess.run(r, {p: False}) == 8
            assert sess.run(v) == 2  # TF1 too: the outer op runs whichever branch is taken


# -- case --
def test_case(device):
    with tf.device(device):
        p1 = tf.placeholder(tf.bool, [], 'p1')
        p2 = tf.placeholder(tf.bool, [], 'p2')
        pairs = [(p1, lambda: tf.constant(1)), (p2, lambda: tf.constant(2))]
        c = tf.case(pairs, default=lambda: tf.constant(3))
        exclusive = tf.case(pairs, default=lambda: tf.constant(3), exclusive=True)
        no_default = tf.case(pairs)
        with _session() as sess:
            got = [sess.run(c, {p1: a, p2: b}) for a in (True, False) for b in (True, False)]
            assert got == [1, 1, 2, 3]  # TF
            assert sess.run(exclusive, {p1: False, p2: True}) == 2
            with pytest.raises(errors.InvalidArgumentError,
                               match=r'assertion failed: \[Input error: exclusive=True: more than 1 conditions '
                                     r'\(p1:0, p2:0\) evaluated as True:\] \[1 1\]'):
                sess.run(exclusive, {p1: True, p2: True})
            assert sess.run(no_default, {p1: False, p2: True}) == 2
            assert sess.run(no_default, {p1: True, p2: True}) == 1
            with pytest.raises(errors.InvalidArgumentError,
                               match=r'assertion failed: \[Input error: None of conditions evaluated as True:\] '
                                     r'\[0 0\]'):
                sess.run(no_default, {p1: False, p2: False})
    assert c.name == 'case/cond:0'


def test_case_arguments():
    p = tf.placeholder(tf.bool, [], 'p')
    single = tf.case([(p, lambda: [tf.constant(1)])], default=lambda: [tf.constant(2)])
    assert isinstance(single, tf.Tensor)
    strict = tf.case([(p, lambda: [tf.constant(1)])], default=lambda: [tf.constant(2)], strict=True)
    assert isinstance(strict, list)
    with pytest.raises(TypeError, match="'pred_fn_pairs' must be a list, tuple, or dict"):
        tf.case(3)
    with pytest.raises(TypeError, match="Each entry in 'pred_fn_pairs' must be a 2-tuple"):
        tf.case([(p,)])
    with pytest.raises(TypeError, match='fn for pred p:0 must be callable.'):
        tf.case([(p, 1)])
    with pytest.raises(TypeError, match='pred must be a Tensor, got: True'):
        tf.case([(True, lambda: 1)])
    with pytest.raises(TypeError, match='pred must be Tensor of type bool'):
        tf.case([(tf.constant(1), lambda: 1)])
    with pytest.raises(TypeError, match="'false_fn' must be callable."):
        tf.case([(p, lambda: 1)], default=1)


# -- while_loop --
def test_while_loop_counts_to_ten(device):
    with tf.device(device):
        i = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [tf.constant(0)])
        pair = tf.while_loop(lambda i, t: i < 10, lambda i, t: (i + 1, t + i), [0, 0])
        assert isinstance(i, tf.Tensor) and i.op.type == 'While' and i.op.name == 'while'
        assert isinstance(pair, tuple)  # the body's structure
        assert run_graph([i, pair]) == [10, (10, 45)]  # TF


def test_while_loop_captures_and_feeds(device):
    with tf.device(device):
        n = tf.placeholder(tf.int32, [], name='n')
        step = tf.constant(3)
        r = tf.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + step), [0, 0])
        with _session() as sess:
            assert sess.run(r, {n: 4}) == (4, 12)
            assert sess.run(r, {n: 0}) == (0, 0)
            call = sess.make_callable(r[1], [n])
            assert [call(k) for k in (1, 2, 5)] == [3, 6, 15]


def test_while_loop_shape_invariants(device):
    with tf.device(device):
        start = tf.constant([1])
        w = tf.while_loop(lambda x: tf.size(x) < 8, lambda x: tf.concat([x, x], 0), [start],
                          shape_invariants=[tf.TensorShape([None])])
        assert w.shape.as_list() == [None]
        np.testing.assert_array_equal(run_graph(w), [1] * 8)  # TF
    with pytest.raises(ValueError, match=r"Input tensor 'Const:0' enters the loop with shape \(1,\), but has shape "
                                         r"\(2,\) after one iteration. To allow the shape to vary across "
                                         r"iterations, use the `shape_invariants` argument of tf.while_loop to "
                                         r"specify a less-specific shape."):
        tf.while_loop(lambda x: tf.size(x) < 8, lambda x: tf.concat([x, x], 0), [start])
    with pytest.raises(ValueError, match=r'The shape invariant specified for Const:0 is not compatible with the '
                                         r'initial shape of the loop variable. It enters the loop with shape \(1,\), '
                                         r'but the specified shape invariant is \(2,\).'):
        tf.while_loop(lambda x: tf.size(x) < 8, lambda x: tf.concat([x, x], 0), [start],
                      shape_invariants=[tf.TensorShape([2])])
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.while_loop(lambda x: True, lambda x: x, [start], shape_invariants=[tf.TensorShape([1])] * 2)


def test_nested_loops(device):
    with tf.device(device):
        def outer(i, total):
            _, t = tf.while_loop(lambda j, t: j < 4, lambda j, t: (j + 1, t + i * j), [0, total])
            return i + 1, t
        r = tf.while_loop(lambda i, t: i < 3, outer, [0, 0])
        assert run_graph(r) == (3, 18)  # TF


def test_cond_in_while_and_while_in_cond(device):
    with tf.device(device):
        r = tf.while_loop(lambda i, n: i < 10,
                          lambda i, n: (tf.cond(tf.equal(i % 2, 0), lambda: i + 1, lambda: i + 3), n + 1), [0, 0])
        q = tf.placeholder(tf.bool, [])
        w = tf.cond(q, lambda: tf.while_loop(lambda i: i < 5, lambda i: i + 2, [0]), lambda: tf.constant(-1))
        with _session() as sess:
            assert sess.run(r) == (12, 6)  # TF
            assert [sess.run(w, {q: b}) for b in (True, False)] == [6, -1]  # TF


def test_while_loop_structures():
    P = collections.namedtuple('P', 'a b')
    nt = tf.while_loop(lambda p: p.a < 4, lambda p: [P(p.a + 1, p.b * 2.0)], [P(tf.constant(0), tf.constant(1.0))])
    assert isinstance(nt, list) and isinstance(nt[0], P)  # TF: the body's structure
    d = tf.while_loop(lambda d: d['k'] < 4, lambda d: [{'k': d['k'] + 1, 'a': d['a'] + [1, 1]}],
                      [{'k': 0, 'a': tf.constant([0, 0])}])
    same = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [tf.constant(0)], return_same_structure=True)
    assert isinstance(same, list) and len(same) == 1
    packed = tf.while_loop(lambda i: i < 10, lambda i: (i + 1,), (tf.constant(0),))
    assert isinstance(packed, tf.Tensor)
    bounded = tf.while_loop(lambda i, j: i < 10, lambda i, j: (i + 1, j - 1), (0, 0), maximum_iterations=4)
    single = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [0], maximum_iterations=3)
    assert isinstance(single, tf.Tensor)
    with tf.Session() as sess:
        got = sess.run([nt, d, same, packed, bounded, single])
    assert got[0] == [P(4, 16.0)]
    assert got[1][0]['k'] == 4 and list(got[1][0]['a']) == [4, 4]
    assert got[2:] == [[10], 10, (4, -4), 3]  # TF


def test_while_loop_errors():
    x = tf.constant(0)
    with pytest.raises(TypeError, match="'cond' must be callable."):
        tf.while_loop(1, lambda i: i, [x])
    with pytest.raises(TypeError, match="'body' must be callable."):
        tf.while_loop(lambda i: i < 3, 1, [x])
    with pytest.raises(ValueError, match="'loop_vars' must be provided."):
        tf.while_loop(lambda: True, lambda: 1, [])
    with pytest.raises(TypeError, match="'parallel_iterations' must be a positive integer."):
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [x], parallel_iterations=0)
    with pytest.raises(ValueError, match="don't have the same number of elements"):
        tf.while_loop(lambda i, j: i < 3, lambda i, j: i, [x, 1])
    with pytest.raises(TypeError, match='does not match expected type of bool'):
        tf.while_loop(lambda i: 1, lambda i: i + 1, [x])
    with pytest.raises(TypeError, match='enters the loop with type int32 but has type float32'):
        tf.while_loop(lambda i: i < 3, lambda i: tf.cast(i, tf.float32), [x])
    with pytest.raises(ValueError, match=r"'maximum_iterations' must be a scalar. Received shape: \(2,\)"):
        tf.while_loop(lambda i: i < 3, lambda i: i + 1, [x], maximum_iterations=[1, 2])


def test_while_loop_variable_updates(device):
    with tf.device(device):
        v = tf.Variable(0.0)

        def body(i):
            with tf.control_dependencies([tf.assign_add(v, 2.0)]):
                return i + 1
        r = tf.while_loop(lambda i: i < 5, body, [0])
        with _session() as sess:
            sess.run(v.initializer)
            assert sess.run(r) == 5
            assert sess.run(v) == 10.0


def test_while_loop_concurrent_runs():
    n = tf.placeholder(tf.int32, [])
    r = tf.while_loop(lambda i, t: i < n, lambda i, t: (i + 1, t + i), [0, 0])
    results = {}
    with tf.Session() as sess:
        sess.run(r, {n: 1})

        def work(k):
            results[k] = [sess.run(r, {n: k}) for _ in range(20)]
        threads = [threading.Thread(target=work, args=(k,)) for k in (10, 20, 30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    for k in (10, 20, 30):
        assert results[k] == [(k, k * (k - 1) // 2)] * 20


# -- map_fn, scan, foldl, foldr --
def test_map_fn(device):
    with tf.device(device):
        e = tf.constant([1.0, 2.0, 3.0, 4.0])
        y = tf.constant(5.0)
        squares = tf.map_fn(lambda x: x * x, e)
        products = tf.map_fn(lambda t: t[0] * t[1], (tf.constant([1, 2, 3]), tf.constant([4, 5, 6])), dtype=tf.int32)
        pairs = tf.map_fn(lambda x: (x, x * 2.0), e, dtype=(tf.float32, tf.float32))
        row_sums = tf.map_fn(lambda r: tf.reduce_sum(r) * y, tf.constant([[1.0, 2.0], [3.0, 4.0]]))
        empty = tf.map_fn(lambda x: x * 2.0, tf.zeros([0, 2]))
        assert squares.shape.as_list() == [4] and squares.op.type == 'MapFn' and squares.op.name == 'map'
        got = run_graph([squares, products, pairs, row_sums, empty])
    assert_allclose(got[0], [1, 4, 9, 16])
    np.testing.assert_array_equal(got[1], [4, 10, 18])
    assert_allclose(got[2][0], [1, 2, 3, 4])
    assert_allclose(got[2][1], [2, 4, 6, 8])
    assert_allclose(got[3], [15, 35])
    assert got[4].shape == (0, 2)


def test_map_fn_errors():
    e = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match='Elements in elems must be 1\\+ dimensional Tensors, not scalars'):
        tf.map_fn(lambda x: x, tf.constant(1.0))
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.map_fn(lambda x: (x, x), e)
    with pytest.raises(ValueError, match="don't have the same nested structure"):
        tf.map_fn(lambda t: t[0] * t[1], (e, e))
    with pytest.raises(TypeError, match='fn must be callable'):
        tf.map_fn(1, e)


def test_scan(device):
    with tf.device(device):
        e = tf.constant([1.0, 2.0, 3.0, 4.0])
        sums = tf.scan(lambda a, x: a + x, e)
        from_ten = tf.scan(lambda a, x: a + x, e, initializer=10.0)
        backwards = tf.scan(lambda a, x: a + x, e, reverse=True)
        pair = tf.scan(lambda a, x: (a[0] + x, a[1] * x), e, initializer=(0.0, 1.0))
        assert sums.shape.as_list() == [4] and sums.op.name == 'scan'
        got = run_graph([sums, from_ten, backwards, pair])
    assert_allclose(got[0], [1, 3, 6, 10])  # TF
    assert_allclose(got[1], [11, 13, 16, 20])
    assert_allclose(got[2], [10, 9, 7, 4])
    assert_allclose(got[3][0], [1, 3, 6, 10])
    assert_allclose(got[3][1], [1, 2, 6, 24])
    with pytest.raises(ValueError, match=r'Inconsistent shapes: saw \(2,\) but expected \(\)'):
        tf.scan(lambda a, x: tf.stack([a, a]), e)


def test_foldl_foldr(device):
    with tf.device(device):
        e = tf.constant([1.0, 2.0, 3.0, 4.0])
        total = tf.foldl(lambda a, x: a + x, e)
        assert total.shape.as_list() == [] and total.op.name == 'foldl'
        rows = tf.foldl(lambda a, r: a + r, tf.constant([[1, 2], [3, 4], [5, 6]]))
        left = tf.foldl(lambda a, x: a - x, e, initializer=100.0)
        right = tf.foldr(lambda a, x: a - x, e, initializer=100.0)
        digits = tf.foldr(lambda a, x: a * 10 + x, tf.constant([1, 2, 3, 4]))
        pairs = tf.foldl(lambda a, x: a + x[0] * x[1], (e, e), initializer=0.0)
        empty = tf.foldl(lambda a, x: a + x, tf.zeros([0]))
        with _session() as sess:
            got = sess.run([total, rows, left, right, digits, pairs])
            with pytest.raises(errors.InvalidArgumentError, match='Tried to read from index 0 but array size is: 0'):
                sess.run(empty)
    assert got[0] == 10.0 and list(got[1]) == [9, 12]  # TF
    assert got[2:] == [90.0, 90.0, 4321, 30.0]


# -- Assert --
def test_assert_message():
    a = tf.Assert(tf.constant(False), ['msg', tf.constant([[1, 2], [3, 4]]), tf.constant(2.5),
                                       tf.constant([True, False, True, True]), tf.constant(7)], summarize=3)
    b = tf.Assert(tf.constant(False), [tf.constant([[1, 2], [3, 4]]), tf.constant([0.1, 1e-7, 123456789.0])],
                  summarize=10)
    ok = tf.Assert(tf.constant(True), ['fine'])
    assert (a.name, a.type) == ('Assert/Assert', 'Assert')
    with tf.Session() as sess:
        assert sess.run(ok) is None
        expected = r'assertion failed: \[msg\] \[\[1 2\]\[3\.\.\.\]\.\.\.\] \[2\.5\] \[1 0 1\.\.\.\] \[7\]'
        with pytest.raises(errors.InvalidArgumentError, match=expected):
            sess.run(a)
        with pytest.raises(errors.InvalidArgumentError,
                           match=r'assertion failed: \[\[1 2\]\[3 4\]\] \[0\.1 1e-07 123456792\]'):
            sess.run(b)


def test_assert_condition_must_be_scalar():
    p = tf.placeholder(tf.bool)
    a = tf.Assert(p, ['x'])
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match=r'In\[0\] should be a scalar: \[2\]'):
            sess.run(a, {p: [True, True]})


def test_results_passed_through_are_not_aliased(device):
    with tf.device(device):
        x = tf.constant([1.0, 2.0])
        w = tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, x), [0, x])[1]
        c = tf.cond(tf.constant(True), lambda: x, lambda: x)
        f = tf.foldl(lambda a, r: a, tf.constant([[1.0, 2.0]]))
        with _session() as sess:
            for t in (w, c, f):
                got = sess.run(t)
                got[0] = 99.0
                assert_allclose(sess.run(t), [1.0, 2.0])
