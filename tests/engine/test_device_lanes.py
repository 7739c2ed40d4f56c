"""Device lanes (engine/device_lanes.py): towers' steps on a thread per device give the values and
weights of the sequential plan, errors of a lane surface as the op's error without a hang,
state changes stay in plan order, and plans that do not qualify keep the compiled function."""
import importlib.util
import os

import numpy as np
import pytest

import sluice as tf
from sluice.engine import device_lanes, devices, executor

_EXAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', 'examples', 'multi_gpu_towers.py')
_spec = importlib.util.spec_from_file_location('multi_gpu_towers_lanes', _EXAMPLE)
towers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(towers)
_spec = importlib.util.spec_from_file_location('multi_gpu_nccl_lanes', os.path.join(os.path.dirname(_EXAMPLE),
                                                                                  'multi_gpu_nccl.py'))
nccl_towers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nccl_towers)


def _config(inter_op, cpus=2):
    return tf.ConfigProto(device_count={'CPU': cpus}, inter_op_parallelism_threads=inter_op)


def _chain(x, n, scale):
    for _ in range(n):
        x = tf.tanh(x * scale)
    return x


def _two_towers(n=device_lanes.MIN_KERNELS):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [4])
        outs = []
        for i in range(2):
            with tf.device('/cpu:%d' % i):
                outs.append(_chain(x, n, 0.5 + i))
        with tf.device('/cpu:0'):
            total = outs[0] + outs[1]
    return graph, x, outs, total


def _is_lanes(plan):
    return getattr(plan.run, '__self__', None).__class__.__name__ == '_LaneRunner'


def test_towers_run_in_lanes_and_give_the_sequential_values():
    graph, x, outs, total = _two_towers()
    value = np.linspace(-1, 1, 4)
    results = {}
    for inter_op in (1, 2):
        with tf.Session(graph=graph, config=_config(inter_op)) as sess:
            plan = executor.ExecutionPlan(sess, [x], outs + [total], [])
            assert _is_lanes(plan) == (inter_op == 2)
            results[inter_op] = [sess.run(outs + [total], {x: value}) for _ in range(3)]
    for a, b in zip(results[1], results[2]):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


def test_short_towers_and_one_device_keep_the_compiled_plan():
    graph, x, outs, total = _two_towers(n=device_lanes.MIN_KERNELS // 2)
    with tf.Session(graph=graph, config=_config(2)) as sess:
        assert not _is_lanes(executor.ExecutionPlan(sess, [x], outs + [total], []))
    graph = tf.Graph()
    with graph.as_default():
        y = tf.placeholder(tf.float64, [4])
        out = _chain(y, 3 * device_lanes.MIN_KERNELS, 1.)
    with tf.Session(graph=graph, config=_config(2)) as sess:
        assert not _is_lanes(executor.ExecutionPlan(sess, [y], [out], []))


def test_a_failing_lane_raises_the_op_s_error_and_the_other_lane_does_not_hang():
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float64, [None])
        with tf.device('/cpu:1'):
            bad = tf.reshape(_chain(x, device_lanes.MIN_KERNELS, 1.), [3], name='bad_reshape')
        with tf.device('/cpu:0'):
            good = _chain(x, device_lanes.MIN_KERNELS, 2.)
            total = good[:3] + _chain(bad, device_lanes.MIN_KERNELS, 1.)  # cpu:0 waits for cpu:1's value
    with tf.Session(graph=graph, config=_config(2)) as sess:
        assert _is_lanes(executor.ExecutionPlan(sess, [x], [total], []))
        with pytest.raises(tf.errors.InvalidArgumentError, match='bad_reshape'):
            sess.run(total, {x: np.ones(4)})
        assert sess.run(total, {x: np.ones(3)}).shape == (3,)  # the session still works


@pytest.mark.parametrize('kind', ['cpu', 'gpu'])
@pytest.mark.parametrize('example', ['towers', 'nccl_towers'])
def test_towers_training_gives_the_sequential_weights(kind, example):
    weights = {}
    for inter_op in (1, 2):
        graph = tf.Graph()
        with graph.as_default():
            images, labels, loss, train_op = globals()[example].build(2, kind)
            init = tf.global_variables_initializer()
        with devices.fake_gpus(2 if kind == 'gpu' else 0), \
                tf.Session(graph=graph, config=_config(inter_op, cpus=2 if kind == 'cpu' else 1)) as sess:
            sess.run(init)
            plan = executor.ExecutionPlan(sess, [images, labels], [loss], [train_op])
            assert _is_lanes(plan) == (inter_op == 2)
            for step in range(3):
                x, y = towers.synthetic_batch(16, step)
                sess.run([loss, train_op], {images: x, labels: y})
            weights[inter_op] = sess.run(graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES))
    for a, b in zip(weights[1], weights[2]):
        np.testing.assert_array_equal(a, b)


def test_state_changes_keep_plan_order():
    """An assign on one device between reads on both: every read sees what the sequential plan sees."""
    graph = tf.Graph()
    with graph.as_default():
        with tf.device('/cpu:0'):
            v = tf.Variable(1., dtype=tf.float64)
        before = []
        for i in range(2):
            with tf.device('/cpu:%d' % i):
                before.append(_chain(tf.fill([3], v.read_value() if hasattr(v, 'read_value') else v),
                                     device_lanes.MIN_KERNELS, 1.))
        with tf.device('/cpu:0'), tf.control_dependencies(before):
            assign = tf.assign(v, 5.)
        after = []
        for i in range(2):
            with tf.device('/cpu:%d' % i), tf.control_dependencies([assign]):
                after.append(_chain(tf.fill([3], tf.identity(v)), device_lanes.MIN_KERNELS, 1.))
    results = {}
    for inter_op in (1, 2):
        with tf.Session(graph=graph, config=_config(inter_op)) as sess:
            sess.run(v.initializer)
            results[inter_op] = sess.run(before + after)
    for a, b in zip(results[1], results[2]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(results[2][0], _tanh_chain(1.))
    np.testing.assert_allclose(results[2][3], _tanh_chain(5.))


def _tanh_chain(value):
    x = np.full(3, value)
    for _ in range(device_lanes.MIN_KERNELS):
        x = np.tanh(x)
    return x


def test_threads_follow_inter_op_parallelism_threads():
    assert device_lanes.threads_for(tf.ConfigProto(inter_op_parallelism_threads=3)) == 3
    assert device_lanes.threads_for(tf.ConfigProto(inter_op_parallelism_threads=1)) == 1
    assert device_lanes.threads_for(tf.ConfigProto()) == 1 == device_lanes.threads_for(None)
