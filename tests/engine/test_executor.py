"""The executor's plan: pruning, ordering, copies, frees, caching and the traced walk."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices, executor


def _plan(sess, fetches, feeds=()):
    return sess._signature(fetches, tuple(feeds)).plan


def test_feeding_cuts_the_graph_so_an_unfed_placeholder_upstream_never_runs():
    with tf.device('/cpu:0'):  # on a GPU, the fed y would also get a copy step
        x = tf.placeholder(tf.float32, name='x')
        y = tf.identity(x, name='y')
        z = tf.identity(y, name='z')
    with tf.Session() as sess:
        assert sess.run(z, {y: 3.0}) == 3.0
        plan = _plan(sess, z, [y])
        assert [s.op.name for s in plan.steps] == ['z']


def test_pruning_runs_only_what_fetches_need():
    a = tf.constant(1.0, name='a')
    tf.placeholder(tf.float32, name='never_fed')
    b = tf.identity(a, name='b')
    with tf.Session() as sess:
        assert sess.run(b) == 1.0
        assert [s.op.name for s in _plan(sess, b).steps] == ['a', 'b']


def test_control_dependencies_order_side_effects_before_reads():
    v = tf.Variable(1.0, name='v')
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        read = tf.identity(v.value(), name='after')
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(read) == 2.0
        assert sess.run(read) == 3.0


def test_a_variable_is_read_when_its_consumer_runs():
    v = tf.Variable(1.0, name='v')
    with tf.control_dependencies([tf.assign(v, 5.0)]):
        after = tf.identity(v._ref(), name='after')
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(after) == 5.0


def test_intermediates_are_freed_after_their_last_use_and_fetches_are_kept():
    a = tf.constant([1.0, 2.0])
    b = tf.identity(a)
    c = tf.identity(b)
    d = tf.identity(c)
    with tf.Session() as sess:
        plan = _plan(sess, [d, b])
        freed = {r for s in plan.steps for r in s.frees}
        assert set(plan.fetch_regs).isdisjoint(freed)
        assert freed  # a and c die inside the run
        np.testing.assert_array_equal(sess.run([d, b])[0], [1.0, 2.0])


def test_traced_walk_matches_compiled_run():
    x = tf.placeholder(tf.float32, [2])
    y = tf.identity(tf.identity(x))
    seen = []
    with tf.Session() as sess:
        plan = _plan(sess, [y], [x])
        fed = [np.array([1.0, 2.0], np.float32)]
        traced = plan.run_traced(fed, lambda step, i, outs: seen.append(step.op.name))
        np.testing.assert_array_equal(traced[0], plan.run(fed)[0])
        assert len(seen) == len(plan.steps)


def test_plans_are_cached_per_signature():
    x = tf.placeholder(tf.float32)
    y = tf.identity(x)
    with tf.Session() as sess:
        sess.run(y, {x: 1.0})
        sess.run(y, {x: 2.0})
        sess.run([y], {x: 2.0})
        assert len(sess._signatures) == 2


def test_cross_device_edges_get_one_copy_per_device():
    with devices.fake_gpus(1):
        with tf.device('/cpu:0'):
            a = tf.constant([1.0, 2.0], name='a')
        with tf.device('/gpu:0'):
            b = tf.identity(a, name='b')
            c = tf.identity(a, name='c')
        with tf.Session() as sess:
            out = sess.run([b, c])
            kinds = [s.kind for s in _plan(sess, [b, c]).steps]
    assert kinds.count('copy') == 1  # one upload of a, shared by b and c (fetches convert on the way out)
    np.testing.assert_array_equal(out[0], [1.0, 2.0])


def test_kernel_errors_name_the_node_and_the_user_line():
    x = tf.placeholder(tf.float32, name='needs_feed')
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(x)
    assert info.value.op is x.op
    assert 'needs_feed' in info.value.message
    assert 'test_executor.py' in str(info.value)


def test_a_cycle_is_reported():
    a = tf.identity(tf.constant(1.0), name='a')
    b = tf.identity(a, name='b')
    a.op._inputs[0] = b  # only possible by editing internals; the executor must not loop forever
    with pytest.raises(tf.errors.InvalidArgumentError, match='cycle'):
        executor.prune_and_order([b], [], {})


def test_stateless_ops_behind_control_edges_do_not_run_but_the_effects_behind_them_do():
    # TF's graph optimizer drops a stateless op nobody reads (here a MatMul only grouped), while an
    # assignment behind it still runs before the op that waits for it.
    v = tf.Variable(1.0, name='v')
    bump = tf.assign_add(v, 1.0, name='bump')
    with tf.control_dependencies([bump]):
        unread = tf.matmul(tf.ones([2, 2]), tf.ones([2, 2]), name='unread')
    gate = tf.group(unread, name='gate')
    with tf.control_dependencies([gate]):
        after = tf.identity(v.value(), name='after')
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(after) == 2.0
        names = [s.op.name for s in _plan(sess, after).steps]
    assert 'unread' not in names and 'gate' not in names
    assert names.index('bump') < names.index('after')
