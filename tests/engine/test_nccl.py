"""tf.contrib.nccl: values vs NumPy on CPU devices and fake GPUs, gradients, TF's errors, and towers
whose gradients are all-summed on the devices (examples/multi_gpu_nccl.py) giving the weights one
device gives with the summed batch, on 2 CPU devices, 2 fake GPUs and 2 virtual GPUs."""
import contextlib
import importlib.util
import os

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices

nccl = tf.contrib.nccl
_EXAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', 'examples', 'multi_gpu_nccl.py')
_spec = importlib.util.spec_from_file_location('multi_gpu_nccl', _EXAMPLE)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)

_SETUPS = {'cpu': ('cpu', 3, 0), 'fake_gpu': ('gpu', 1, 3)}


@contextlib.contextmanager
def _session(setup, graph):
    _, cpus, gpus = _SETUPS[setup]
    with devices.fake_gpus(gpus) if gpus else contextlib.nullcontext():
        with tf.Session(graph=graph, config=tf.ConfigProto(device_count={'CPU': cpus})) as sess:
            yield sess


def _inputs(values, setup):
    kind = _SETUPS[setup][0]
    tensors = []
    for i, v in enumerate(values):
        with tf.device('/%s:%d' % (kind, i)):
            tensors.append(tf.constant(v))
    return tensors


@pytest.mark.parametrize('setup', sorted(_SETUPS))
@pytest.mark.parametrize('name, reduce', [('all_sum', np.add), ('all_prod', np.multiply),
                                          ('all_min', np.minimum), ('all_max', np.maximum)])
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int32])
def test_all_reduce_matches_numpy_on_every_device(setup, name, reduce, dtype):
    rng = np.random.RandomState(0)
    values = [(rng.randn(3, 4) * 5).astype(dtype) for _ in range(3)]
    graph = tf.Graph()
    with graph.as_default():
        outputs = getattr(nccl, name)(_inputs(values, setup))
    assert [t.op.type for t in outputs] == ['NcclAllReduce'] * 3
    assert len({t.op.get_attr('shared_name') for t in outputs}) == 1
    with _session(setup, graph) as sess:
        results = sess.run(outputs)
        placed = [sess._placer.device_of(t.op).name for t in outputs]
    expected = reduce(reduce(values[0], values[1]), values[2])
    for r in results:
        assert r.dtype == dtype
        np.testing.assert_array_equal(r, expected)
    kind = _SETUPS[setup][0].upper()
    assert [p.split('device:')[-1] for p in placed] == ['%s:%d' % (kind, i) for i in range(3)]


@pytest.mark.parametrize('setup', sorted(_SETUPS))
def test_reduce_sum_and_broadcast(setup):
    values = [np.full((2, 2), i + 1, np.float32) for i in range(3)]
    graph = tf.Graph()
    kind = _SETUPS[setup][0]
    with graph.as_default():
        tensors = _inputs(values, setup)
        with tf.device('/%s:1' % kind):
            total = nccl.reduce_sum(tensors)
        sent = nccl.broadcast(tensors[2])
        with tf.device('/%s:0' % kind):
            received = sent * 2.
    with _session(setup, graph) as sess:
        got_total, got_received = sess.run([total, received])
        assert sess._placer.device_of(total.op).name.endswith('%s:1' % kind.upper())
        assert sess._placer.device_of(sent.op).name.endswith('%s:2' % kind.upper())
    np.testing.assert_array_equal(got_total, np.full((2, 2), 6, np.float32))
    np.testing.assert_array_equal(got_received, np.full((2, 2), 6, np.float32))


@pytest.mark.parametrize('setup', sorted(_SETUPS))
def test_all_sum_gradient_is_the_all_sum_of_the_gradients(setup):
    rng = np.random.RandomState(1)
    values = [rng.randn(2, 3).astype(np.float64) for _ in range(3)]
    weights = [rng.randn(2, 3) for _ in range(3)]
    graph = tf.Graph()
    kind = _SETUPS[setup][0]
    with graph.as_default():
        tensors = _inputs(values, setup)
        summed = nccl.all_sum(tensors)
        losses = []
        for i, (s, w) in enumerate(zip(summed, weights)):
            with tf.device('/%s:%d' % (kind, i)):
                losses.append(tf.reduce_sum(s * w))
        grads = tf.gradients(tf.add_n(losses), tensors, colocate_gradients_with_ops=True)
    # As TF: one NcclAllReduce per member, of its output gradient, on its device, shared_name + '_grad'.
    assert [g.op.type for g in grads] == ['NcclAllReduce'] * 3
    assert {g.op.get_attr('shared_name') for g in grads} == {summed[0].op.get_attr('shared_name') + '_grad'}
    assert [g.op.inputs[0].op.name.split('/')[-2] for g in grads] == ['mul_grad', 'mul_1_grad', 'mul_2_grad']
    with _session(setup, graph) as sess:
        results = sess.run(grads)
    for r in results:
        np.testing.assert_allclose(r, sum(weights), rtol=1e-12)


def test_all_sum_gradient_needs_gradients_on_the_members_devices():
    with tf.Graph().as_default():
        tensors = _inputs([np.ones(2), np.ones(2)], 'cpu')
        loss = tf.add_n([tf.reduce_sum(s) for s in nccl.all_sum(tensors)])
        with pytest.raises(ValueError, match='Device assignment required for nccl collective ops'):
            tf.gradients(loss, tensors)


def test_reduce_sum_and_broadcast_gradients():
    graph = tf.Graph()
    with graph.as_default():
        tensors = _inputs([np.ones(3), 2 * np.ones(3)], 'cpu')
        with tf.device('/cpu:0'):
            total = nccl.reduce_sum(tensors)
        sent = nccl.broadcast(tensors[1])
        with tf.device('/cpu:0'):
            a = tf.reduce_sum(sent * [1., 2., 3.])
        with tf.device('/cpu:2'):
            b = tf.reduce_sum(sent * 10.)
        with tf.device('/cpu:0'):
            reduce_grads = tf.gradients(tf.reduce_sum(total * [4., 5., 6.]), tensors)
        broadcast_grad, = tf.gradients(a + b, [tensors[1]])
    assert broadcast_grad.op.type == 'NcclReduce'
    with _session('cpu', graph) as sess:
        got_reduce, got_broadcast = sess.run([reduce_grads, broadcast_grad])
    for g in got_reduce:
        np.testing.assert_array_equal(g, [4., 5., 6.])
    np.testing.assert_array_equal(got_broadcast, [11., 12., 13.])


def test_only_sums_have_gradients():
    with tf.Graph().as_default():
        tensors = _inputs([np.ones(2), np.ones(2)], 'cpu')
        with pytest.raises(LookupError, match='No gradient defined for NcclAllReduce except sum'):
            tf.gradients(nccl.all_max(tensors)[0], tensors)


def test_errors_as_tf():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match='Must pass >0 tensors to all reduce operations'):
            nccl.all_sum([])
        with pytest.raises(ValueError, match='Must pass >0 tensors to reduce operations'):
            nccl.reduce_sum([])
        with pytest.raises(ValueError, match='Device assignment required for nccl collective ops'):
            nccl.all_sum([tf.constant(1.)])
        tensors = _inputs([np.ones(2), np.ones(2)], 'cpu')
        with tf.device('/cpu:2'):
            with pytest.raises(ValueError, match='One input tensor must be assigned to current device'):
                nccl.reduce_sum(tensors)
        with pytest.raises(TypeError):
            nccl.all_sum(_inputs([np.array([True]), np.array([False])], 'cpu'))


def test_tensors_of_different_shapes_fail_at_run_time():
    graph = tf.Graph()
    with graph.as_default():
        placeholders = []
        for i in range(2):
            with tf.device('/cpu:%d' % i):
                placeholders.append(tf.placeholder(tf.float32))
        summed = nccl.all_sum(placeholders)
    with _session('cpu', graph) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match='NcclAllReduce: input 1 has shape'):
            sess.run(summed, {placeholders[0]: np.ones(2), placeholders[1]: np.ones(3)})


def _train(build, num_devices, device_type, config, steps=3, batch=24):
    graph = tf.Graph()
    with graph.as_default():
        images, labels, _, train_op = build(num_devices, device_type)
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph, config=config) as sess:
        sess.run(init)
        for step in range(steps):
            x, y = example.towers.synthetic_batch(batch, step)
            sess.run(train_op, {images: x, labels: y})
        placed = {op.name: sess._placer.device_of(op).name.split('device:')[-1]
                  for op in graph.get_operations() if op.type == 'NcclAllReduce'}
        weights = sess.run(graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES))
    return weights, placed


def _config(device_count=1, virtual=None):
    config = tf.ConfigProto(allow_soft_placement=True, device_count={'CPU': device_count})
    if virtual:
        config.gpu_options.experimental.virtual_devices.add(memory_limit_mb=virtual)
    return config


@pytest.mark.parametrize('setup', ['cpu', 'fake_gpus', 'virtual_gpus'])
def test_towers_with_all_sum_equal_one_device_with_the_summed_batch(setup):
    reference, _ = _train(example.towers.build, 1, 'cpu', _config())
    if setup == 'cpu':
        weights, placed = _train(example.build, 2, 'cpu', _config(2))
        kind = 'CPU'
    else:
        with devices.fake_gpus(2 if setup == 'fake_gpus' else 1):
            weights, placed = _train(example.build, 2, 'gpu', _config(virtual=[256, 256] if setup == 'virtual_gpus'
                                                                        else None))
        kind = 'GPU'
    assert len(placed) == 2 * len(reference)  # one NcclAllReduce per variable and tower
    assert sorted(set(placed.values())) == ['%s:0' % kind, '%s:1' % kind]
    assert len(weights) == len(reference) == 3
    for a, b in zip(weights, reference):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_the_example_runs():
    assert np.isfinite(example.main(num_devices=2, device_type='cpu', steps=2, batch_size=8))
