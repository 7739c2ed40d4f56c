"""Collective groups in the plan (engine/collectives.py): TF's per-device NcclAllReduce nodes of one
shared_name become one step, after all their inputs; a run with part of a group, a group that
disagrees on its size or that waits on its own output fail at plan time; each member owns its output."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import executor, op_builder

nccl = tf.contrib.nccl


def _session(graph, cpus=3):
    return tf.Session(graph=graph, config=tf.ConfigProto(device_count={'CPU': cpus}))


def _member(value, device, shared_name, num_devices, reduction='sum'):
    with tf.device(device):
        return op_builder.output('NcclAllReduce', [value], {
            'reduction': reduction, 'num_devices': num_devices, 'shared_name': shared_name})


def test_members_are_one_step_after_every_input():
    graph = tf.Graph()
    with graph.as_default():
        inputs = []
        for i in range(3):
            with tf.device('/cpu:%d' % i):
                inputs.append(tf.constant(np.full(4, i + 1.)) * 2.)
        summed = nccl.all_sum(inputs)
        with tf.device('/cpu:0'):
            after = summed[0] + summed[1] + summed[2]
    with _session(graph) as sess:
        plan = executor.ExecutionPlan(sess, [], summed + [after], [])
        groups = [s for s in plan.steps if s.kind == 'group']
        assert len(groups) == 1 and len(groups[0].outputs) == 3
        assert not [s for s in plan.steps if s.kind == 'kernel' and s.op.type == 'NcclAllReduce']
        producers = {r: i for i, s in enumerate(plan.steps) for r in s.outputs}
        position = plan.steps.index(groups[0])
        assert all(producers[r] < position for r in groups[0].inputs)
        results = sess.run(summed + [after])
    for r in results[:3]:
        np.testing.assert_array_equal(r, np.full(4, 12.))
    np.testing.assert_array_equal(results[3], np.full(4, 36.))


def test_each_member_owns_its_output_on_a_shared_device():
    graph = tf.Graph()
    with graph.as_default():
        with tf.device('/cpu:0'):
            a, b = tf.constant([1., 2.]), tf.constant([3., 4.])
        summed = nccl.all_sum([a, b])
        with tf.device('/cpu:0'):
            with tf.control_dependencies(summed):
                left = tf.identity(summed[0])
    with _session(graph, cpus=1) as sess:
        first, second, _ = sess.run(summed + [left])
    np.testing.assert_array_equal(first, [4., 6.])
    np.testing.assert_array_equal(second, [4., 6.])
    assert not np.shares_memory(first, second)


def test_a_run_with_part_of_a_group_fails_at_plan_time():
    graph = tf.Graph()
    with graph.as_default():
        inputs = []
        for i in range(2):
            with tf.device('/cpu:%d' % i):
                inputs.append(tf.constant([1., 2.]))
        summed = nccl.all_sum(inputs)
    with _session(graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"NcclAllReduce 'c\d+' is a collective of 2 devices, but this run executes 1 of "
                                 r"its nodes \(NcclAllReduce\); not run: NcclAllReduce_1"):
            sess.run(summed[0])
        # A member reached through a control dependency runs: the group is whole.
        with graph.as_default(), tf.control_dependencies([summed[1]]):
            waited = tf.identity(summed[0])
        np.testing.assert_array_equal(sess.run(waited), [2., 4.])


def test_members_disagreeing_on_the_group_size_fail():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant([1.])
        outputs = [_member(x, '/cpu:0', 'g', 2), _member(x, '/cpu:1', 'g', 3)]
    with _session(graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="disagree on num_devices: NcclAllReduce: 2, "
                                                                 "NcclAllReduce_1: 3"):
            sess.run(outputs)


def test_members_disagreeing_on_the_reduction_fail():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant([1.])
        outputs = [_member(x, '/cpu:0', 'g', 2), _member(x, '/cpu:1', 'g', 2, reduction='max')]
    with _session(graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match='NcclAllReduce_1 has reduction max'):
            sess.run(outputs)


def test_a_group_waiting_on_its_own_output_fails():
    graph = tf.Graph()
    with graph.as_default():
        first = _member(tf.constant([1.]), '/cpu:0', 'loop', 2)
        second = _member(first * 2., '/cpu:1', 'loop', 2)
    with _session(graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match='depends on its own output'):
            sess.run([first, second])


def test_groups_of_one_run_and_separate_groups_stay_apart():
    graph = tf.Graph()
    with graph.as_default():
        with tf.device('/cpu:0'):
            x = tf.constant([5.])
            y = x + 1.
        alone = nccl.all_sum([x])
        pair = nccl.all_max([x, y])
    with _session(graph) as sess:
        got = sess.run(alone + pair)
    assert [float(v[0]) for v in got] == [5., 6., 6.]
