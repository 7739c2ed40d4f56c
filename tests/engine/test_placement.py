"""Placement: which device each op runs on, soft placement, colocation, copies, device lists.

GPUs here are `devices.fake_gpus(n)`: NumPy-backed devices with their own memory, so placement
and cross-device copies are exercised without a GPU. The rules follow TensorFlow 1.x's placer:
unpinned ops go to GPU:0 when it has a kernel, explicit requests are honoured or are an
InvalidArgumentError (TF 1.15 wording) unless allow_soft_placement, ops writing a variable
(Ref inputs) follow the variable, and log_device_placement prints 'name: (Type): device'.
"""
import logging
import re

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices
from sluice.engine import errors
from sluice.engine import op_registry
from sluice.kernels import registry as kernel_registry
from sluice.ops import shape_fns

ConfigProto = tf.ConfigProto

CPU0 = '/job:localhost/replica:0/task:0/device:CPU:0'
GPU0 = '/job:localhost/replica:0/task:0/device:GPU:0'
GPU1 = '/job:localhost/replica:0/task:0/device:GPU:1'
_LINE = re.compile(r'^(\S+): \((\w+)\): (/job:\S+)$')


@pytest.fixture
def placements(caplog):
    """A function returning {op name: device} from the placement log seen so far."""
    caplog.set_level(logging.INFO, logger='sluice')

    def read():
        found = {}
        for record in caplog.records:
            if record.name != 'tensorflow':
                continue
            m = _LINE.match(record.getMessage())
            if m:
                found[m.group(1)] = m.group(3)
        return found
    return read


def logged_session(**kwargs):
    return tf.Session(config=ConfigProto(log_device_placement=True, **kwargs))


@pytest.fixture
def cpu_only_op(monkeypatch):
    """Declares, for this test only, an op type with a CPU kernel and no GPU kernel."""
    op_type = 'SluiceTestCpuOnly'
    op_def = op_registry.OpDef(op_type, ['x: T'], ['y: T'], {'T': 'type'}, shape_fns.unchanged, False)
    monkeypatch.setitem(op_registry._REGISTRY, op_type, op_def)
    kdef = kernel_registry.KernelDef(op_type, 'CPU', lambda op, ctx: (lambda x: x.copy()), False, (), True)
    monkeypatch.setitem(kernel_registry._KERNELS, (op_type, 'CPU'), kdef)

    def make(x, name='cpu_only'):
        return tf.get_default_graph()._create_op(op_type, [tf.convert_to_tensor(x)], {}, name=name)._outputs[0]
    return make


# -- default choice -----------------------------------------------------------------------------------

def test_unpinned_ops_go_to_gpu0_when_present(placements):
    x = tf.placeholder(tf.float32, [2], name='x')
    y = tf.identity(x, name='y')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [1, 2]}), [1, 2])
    assert placements()['y'] == GPU0


def test_unpinned_ops_go_to_cpu0_without_gpu(placements):
    x = tf.placeholder(tf.float32, [2], name='x')
    y = tf.identity(x, name='y')
    with logged_session(device_count={'GPU': 0}) as sess:  # no GPU, even on a machine with one
        sess.run(y, {x: [1, 2]})
    assert placements()['y'] == CPU0


def test_explicit_cpu_is_honoured(placements):
    x = tf.placeholder(tf.float32, [2], name='x')
    with tf.device('/cpu:0'):
        y = tf.identity(x, name='y')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            sess.run(y, {x: [1, 2]})
    assert placements()['y'] == CPU0


def test_second_gpu(placements):
    x = tf.placeholder(tf.float32, [2], name='x')
    with tf.device('/gpu:1'):
        y = tf.identity(x, name='y')
    z = tf.identity(y, name='z')
    with devices.fake_gpus(2):
        with logged_session() as sess:
            np.testing.assert_array_equal(sess.run(z, {x: [1, 2]}), [1, 2])
            steps = next(iter(sess._signatures.values())).plan.steps
    found = placements()
    assert (found['y'], found['z']) == (GPU1, GPU0)
    assert [s.kind for s in steps].count('copy') >= 2  # host -> GPU:1 -> GPU:0


# -- unmet requests -----------------------------------------------------------------------------------

def test_missing_gpu_is_an_invalid_argument_error():
    with tf.device('/gpu:1'):
        a = tf.constant(1.0, name='a')
    with devices.fake_gpus(1):
        with tf.Session() as sess:
            with pytest.raises(errors.InvalidArgumentError) as info:
                sess.run(a)
    # TF 1.15 wording.
    assert info.value.message.startswith(
        'Cannot assign a device for operation a: Operation was explicitly assigned to /device:GPU:1 but '
        'available devices are [ %s, %s ]. Make sure the device specification refers to a valid device.'
        % (CPU0, GPU0))
    assert info.value.op is a.op


def test_missing_cpu_is_an_invalid_argument_error():
    with tf.device('/cpu:1'):
        c = tf.constant(1.0, name='c1')
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError) as info:
            sess.run(c)
    assert info.value.message.startswith(
        'Cannot assign a device for operation c1: Operation was explicitly assigned to /device:CPU:1 but '
        'available devices are [ %s' % CPU0)


def test_soft_placement_moves_to_an_existing_gpu(placements):
    with tf.device('/gpu:1'):
        a = tf.constant(1.0, name='a')
    b = tf.identity(a, name='b')
    with devices.fake_gpus(1):
        with logged_session(allow_soft_placement=True) as sess:
            assert sess.run(b) == 1.0
    assert placements()['a'] == GPU0


def test_soft_placement_without_gpus_goes_to_cpu(placements):
    with tf.device('/gpu:0'):
        a = tf.constant(1.0, name='a')
    with logged_session(allow_soft_placement=True, device_count={'GPU': 0}) as sess:
        assert sess.run(a) == 1.0
    assert placements()['a'] == CPU0


def test_op_without_gpu_kernel(cpu_only_op, placements):
    x = tf.placeholder(tf.float32, [2], name='x')
    y = cpu_only_op(x, name='unpinned')
    with tf.device('/gpu:0'):
        z = cpu_only_op(x, name='pinned')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            np.testing.assert_array_equal(sess.run(y, {x: [1, 2]}), [1, 2])
            with pytest.raises(errors.InvalidArgumentError) as info:
                sess.run(z, {x: [1, 2]})
        with logged_session(allow_soft_placement=True) as sess:
            np.testing.assert_array_equal(sess.run(z, {x: [3, 4]}), [3, 4])
    assert placements()['unpinned'] == CPU0
    assert placements()['pinned'] == CPU0
    assert info.value.message.startswith(
        "Cannot assign a device for operation pinned: Could not satisfy explicit device specification "
        "'/device:GPU:0' because no supported kernel for GPU devices is available")


# -- colocation ---------------------------------------------------------------------------------------

def test_variable_nodes_share_the_variable_device(placements):
    with tf.device('/gpu:0'):
        v = tf.Variable([1.0, 2.0], name='v')
    with tf.device('/cpu:0'):
        w = tf.Variable([3.0], name='w')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            sess.run(tf.global_variables_initializer())
            r = sess.run([v.value(), w.value()])
    np.testing.assert_array_equal(r[0], [1.0, 2.0])
    found = placements()
    assert (found['v'], found['v/Assign'], found['v/read']) == (GPU0, GPU0, GPU0)
    assert (found['w'], found['w/Assign'], found['w/read']) == (CPU0, CPU0, CPU0)


def test_unpinned_variable_joins_a_pinned_writer(placements):
    # TF merges the requests of a Ref edge's two ends when they agree: both go to CPU:0.
    v = tf.Variable([1.0, 2.0], name='v')
    with tf.device('/cpu:0'):
        asg = tf.assign(v, [3.0, 4.0], name='asg')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(asg), [3.0, 4.0])
    found = placements()
    assert found['v'] == found['v/Assign'] == found['asg'] == CPU0


def test_ref_writer_under_another_device_follows_the_variable(placements):
    with tf.device('/gpu:0'):
        v = tf.Variable([1.0, 2.0], name='v')
    with tf.device('/cpu:0'):
        asg = tf.assign(v, [3.0, 4.0], name='asg')
        inc = v.assign_add([1.0, 1.0], name='inc')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(asg), [3.0, 4.0])
            np.testing.assert_array_equal(sess.run(inc), [4.0, 5.0])
    found = placements()
    assert (found['v'], found['asg'], found['inc']) == (GPU0, GPU0, GPU0)


def test_colocate_with_places_with_the_target(placements):
    with tf.device('/cpu:0'):
        v = tf.Variable(1.0, name='v')
    with tf.colocate_with(v):
        c = tf.identity(v.value(), name='c')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            sess.run(v.initializer)
            assert sess.run(c) == 1.0
    assert placements()['c'] == CPU0


# -- the placement log --------------------------------------------------------------------------------

def test_log_device_placement_lines(caplog):
    caplog.set_level(logging.INFO, logger='sluice')
    x = tf.placeholder(tf.float32, [2], name='x')
    y = tf.identity(x, name='y')
    with logged_session(device_count={'GPU': 0}) as sess:
        sess.run(y, {x: [1, 2]})
    messages = [r.getMessage() for r in caplog.records if r.name == 'tensorflow']
    assert 'y: (Identity): %s' % CPU0 in messages
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name == 'tensorflow')


def test_log_device_placement_covers_fed_nodes(caplog):
    # TF places every node of the graph at the first run; sluice places what a run needs plus the fed
    # nodes, so a bad device request in an unrelated corner of the graph does not fail every run.
    caplog.set_level(logging.INFO, logger='sluice')
    x = tf.placeholder(tf.float32, [2], name='x')
    y = tf.identity(x, name='y')
    tf.constant(1.0, name='unused')
    with logged_session(device_count={'GPU': 0}) as sess:
        sess.run(y, {x: [1, 2]})
    messages = [r.getMessage() for r in caplog.records if r.name == 'tensorflow']
    assert 'x: (Placeholder): %s' % CPU0 in messages
    assert not any(m.startswith('unused:') for m in messages)


def test_no_placement_log_by_default(caplog):
    caplog.set_level(logging.INFO, logger='sluice')
    x = tf.placeholder(tf.float32, [2], name='x')
    with tf.Session() as sess:
        sess.run(tf.identity(x), {x: [1, 2]})
    assert not [r for r in caplog.records if r.name == 'tensorflow' and _LINE.match(r.getMessage())]


# -- copies between devices ---------------------------------------------------------------------------

def test_cpu_to_gpu_to_cpu_copies(placements):
    x = tf.placeholder(tf.float32, [3], name='x')
    with tf.device('/cpu:0'):
        a = tf.identity(x, name='a')
    b = tf.identity(a, name='b')             # GPU:0
    with tf.device('/cpu:0'):
        c = tf.identity(b, name='c')
    with devices.fake_gpus(1):
        with logged_session() as sess:
            rb, rc = sess.run([b, c], {x: [1, 2, 3]})
            sig = next(iter(sess._signatures.values()))
    assert type(rb) is np.ndarray and type(rc) is np.ndarray
    np.testing.assert_array_equal(rb, [1, 2, 3])
    np.testing.assert_array_equal(rc, [1, 2, 3])
    found = placements()
    assert (found['a'], found['b'], found['c']) == (CPU0, GPU0, CPU0)
    kinds = [(s.kind, s.op.name) for s in sig.plan.steps]
    assert kinds == [('kernel', 'a'), ('copy', 'b'), ('kernel', 'b'), ('copy', 'c'), ('kernel', 'c')]


def test_arithmetic_across_devices():
    with tf.device('/cpu:0'):
        a = tf.constant([1.0, 2.0])
    with tf.device('/gpu:0'):
        b = tf.constant([10.0, 20.0])
        s = tf.add(a, b)
    with tf.device('/cpu:0'):
        t = tf.add(s, a)
    with devices.fake_gpus(1):
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run([s, t])[1], [12.0, 24.0])


def test_gpu_variable_read_on_cpu_sees_updates():
    with tf.device('/gpu:0'):
        v = tf.Variable([1.0, 2.0], name='v')
        inc = tf.assign_add(v, [1.0, 1.0])
    with tf.device('/cpu:0'):
        r = tf.identity(v.value(), name='r')
    with devices.fake_gpus(1):
        with tf.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(r), [1.0, 2.0])
            sess.run(inc)
            np.testing.assert_array_equal(sess.run(r), [2.0, 3.0])
            got = sess.run(v)
            got[0] = 100.0
            np.testing.assert_array_equal(sess.run(v), [2.0, 3.0])


# -- the device list ----------------------------------------------------------------------------------

def test_device_count_gpu_zero_hides_gpus(placements):
    x = tf.placeholder(tf.float32, [2], name='x')
    y = tf.identity(x, name='y')
    with tf.device('/gpu:0'):
        g = tf.identity(x, name='g')
    with devices.fake_gpus(2):
        with logged_session(device_count={'GPU': 0}) as sess:
            assert [d.name for d in sess.list_devices()] == [CPU0]
            sess.run(y, {x: [1, 2]})
            with pytest.raises(errors.InvalidArgumentError):
                sess.run(g, {x: [1, 2]})
    assert placements()['y'] == CPU0


def test_fake_gpus_are_listed():
    with devices.fake_gpus(2):
        with tf.Session() as sess:
            devs = sess.list_devices()
    assert [d.name for d in devs] == [CPU0, GPU0, GPU1]
    assert [d.device_type for d in devs] == ['CPU', 'GPU', 'GPU']
    if devices.cupy_module() is None:
        with tf.Session() as sess:
            assert [d.name for d in sess.list_devices()] == [CPU0]


def test_visible_device_list():
    config = ConfigProto()
    config.gpu_options.visible_device_list = '1'
    with tf.device('/gpu:1'):
        a = tf.constant(1.0, name='a')
    with devices.fake_gpus(2):
        with tf.Session(config=config) as sess:
            assert [d.name for d in sess.list_devices()] == [CPU0, GPU0]
            with pytest.raises(errors.InvalidArgumentError):
                sess.run(a)
        config.gpu_options.visible_device_list = '1,0'
        with tf.Session(config=config) as sess:
            assert [d.name for d in sess.list_devices()] == [CPU0, GPU0, GPU1]
            assert sess.run(a) == 1.0


def test_invalid_visible_device_is_an_error():
    config = ConfigProto()
    config.gpu_options.visible_device_list = '2'
    with devices.fake_gpus(2):
        with pytest.raises(errors.InvalidArgumentError) as info:
            tf.Session(config=config)
    assert info.value.message == "'visible_device_list' listed an invalid GPU id '2' but visible device count is 2"


def test_tf_test_gpu_queries():
    with devices.fake_gpus(1):
        assert tf.test.is_gpu_available()
        assert tf.test.gpu_device_name() == '/device:GPU:0'
    if devices.cupy_module() is None:
        assert not tf.test.is_gpu_available()
        assert tf.test.gpu_device_name() == ''
