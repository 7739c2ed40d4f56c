"""Towers in one graph (examples/multi_gpu_towers.py): on 2 CPU devices, on 2 fake GPUs and with
soft placement on fewer devices than towers, k steps give the weights one device gives with the
summed batch."""
import importlib.util
import os

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices

_EXAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', 'examples', 'multi_gpu_towers.py')
_spec = importlib.util.spec_from_file_location('multi_gpu_towers', _EXAMPLE)
towers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(towers)


def _train(num_devices, device_type, device_count, steps=3, batch=24):
    graph = tf.Graph()
    with graph.as_default():
        images, labels, loss, train_op = towers.build(num_devices, device_type)
        init = tf.global_variables_initializer()
    config = tf.ConfigProto(allow_soft_placement=True, device_count={'CPU': device_count})
    with tf.Session(graph=graph, config=config) as sess:
        sess.run(init)
        for step in range(steps):
            x, y = towers.synthetic_batch(batch, step)
            sess.run(train_op, {images: x, labels: y})
        placed = {op.name: sess._placer.device_of(op).name for op in graph.get_operations()}
        weights = sess.run(graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES))
    return weights, placed


@pytest.mark.parametrize('num_devices, device_type, device_count, fake_gpus', [
    (2, 'cpu', 2, 0), (2, 'gpu', 1, 2), (4, 'gpu', 1, 2), (3, 'cpu', 1, 0)])
def test_towers_equal_one_device_with_the_summed_batch(num_devices, device_type, device_count, fake_gpus):
    reference, _ = _train(1, 'cpu', 1)
    if fake_gpus:
        with devices.fake_gpus(fake_gpus):
            weights, placed = _train(num_devices, device_type, device_count)
    else:
        weights, placed = _train(num_devices, device_type, device_count)
    for a, b in zip(weights, reference):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    tower_devices = {placed['tower_%d/conv1/Conv2D' % i] for i in range(num_devices)}
    available = fake_gpus if device_type == 'gpu' else device_count
    assert len(tower_devices) == min(num_devices, available)
    assert all(name.endswith('CPU:0') for op, name in placed.items() if op.endswith('weights'))


def test_the_example_runs():
    assert np.isfinite(towers.main(num_devices=2, device_type='cpu', steps=2, batch_size=8))


def _virtual_config(limits, device_count=1):
    config = tf.ConfigProto(allow_soft_placement=True, device_count={'CPU': device_count})
    for mbs in limits:
        config.gpu_options.experimental.virtual_devices.add(memory_limit_mb=mbs)
    return config


def test_virtual_gpus_split_one_physical_gpu():
    with devices.fake_gpus(1):
        with tf.Session(config=_virtual_config([[100, 200]]), graph=tf.Graph()) as sess:
            gpus = [d for d in sess.list_devices() if d.device_type == 'GPU']
            assert [d.name.split('/')[-1] for d in gpus] == ['device:GPU:0', 'device:GPU:1']
            assert [d.memory_limit_bytes for d in gpus] == [100 << 20, 200 << 20]
        with pytest.raises(tf.errors.UnknownError, match="doesn't match the number of elements"):
            tf.Session(config=_virtual_config([[100], [100]]), graph=tf.Graph())


def test_towers_on_virtual_gpus_equal_one_device():
    reference, _ = _train(1, 'cpu', 1)
    graph = tf.Graph()
    with graph.as_default():
        images, labels, loss, train_op = towers.build(2, 'gpu')
        init = tf.global_variables_initializer()
    with devices.fake_gpus(1), tf.Session(graph=graph, config=_virtual_config([[256, 256]])) as sess:
        sess.run(init)
        for step in range(3):
            x, y = towers.synthetic_batch(24, step)
            sess.run(train_op, {images: x, labels: y})
        assert {sess._placer.device_of(graph.get_operation_by_name('tower_%d/conv1/Conv2D' % i)).name
                for i in range(2)} == {'/job:localhost/replica:0/task:0/device:GPU:0',
                                       '/job:localhost/replica:0/task:0/device:GPU:1'}
        weights = sess.run(graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES))
    assert len(weights) == len(reference) == 3
    for a, b in zip(weights, reference):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
