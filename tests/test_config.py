"""tf.config (TF 1.15's): physical/logical devices, memory growth, visible and virtual devices, threads
and soft placement, applied to Sessions created with no config (a given ConfigProto wins), as TF 1.x."""
import pytest

import sluice as tf
from sluice.engine import devices, process_config

cfg = tf.config.experimental


@pytest.fixture(autouse=True)
def fresh_process_config():
    process_config.reset()
    yield
    process_config.reset()


def _session_devices(config=None):
    with tf.Graph().as_default(), tf.Session(config=config) as sess:
        return [d.name.split('device:')[1] for d in sess._devices]


@pytest.mark.tf
def test_cpu_only_machine_matches_tensorflow():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    theirs = tf1.config.experimental
    assert [tuple(d) for d in cfg.list_physical_devices()] == [tuple(d) for d in theirs.list_physical_devices()]
    assert cfg.list_physical_devices('GPU') == [] == theirs.list_physical_devices('GPU')
    assert [tuple(d) for d in cfg.list_logical_devices()] == [tuple(d) for d in theirs.list_logical_devices()]
    cpu = cfg.list_physical_devices('CPU')[0]
    assert repr(cpu) == repr(theirs.list_physical_devices('CPU')[0])
    tf_cpu = theirs.list_physical_devices('CPU')[0]
    for mine_device, their_device in ((cpu, tf_cpu), ('x', 'x')):  # a CPU, an unknown device
        with pytest.raises(ValueError) as mine:
            cfg.set_memory_growth(mine_device, True)
        with pytest.raises(ValueError) as tfs:
            theirs.set_memory_growth(their_device, True)
        # TF 2.x adds "and non-Pluggable" to TF 1.15's "Cannot set memory growth on non-GPU devices"
        assert str(mine.value).split(' non-')[0] == str(tfs.value).split(' non-')[0]
    assert tf.config.threading.get_inter_op_parallelism_threads() == 0


def test_memory_growth_visible_and_virtual_devices_on_fake_gpus():
    with devices.fake_gpus(2):
        gpus = cfg.list_physical_devices('GPU')
        assert [d.name for d in gpus] == ['/physical_device:GPU:0', '/physical_device:GPU:1']
        assert cfg.get_memory_growth(gpus[0]) is False
        cfg.set_memory_growth(gpus[0], True)
        assert cfg.get_memory_growth(gpus[0]) is True and cfg.get_memory_growth(gpus[1]) is False
        cfg.set_visible_devices(gpus[1], 'GPU')
        assert cfg.get_visible_devices('GPU') == [gpus[1]]
        assert _session_devices() == ['CPU:0', 'GPU:0']
        cfg.set_virtual_device_configuration(gpus[1], [cfg.VirtualDeviceConfiguration(64),
                                                       cfg.VirtualDeviceConfiguration(64)])
        assert [d.name for d in cfg.list_logical_devices('GPU')] == ['/device:GPU:0', '/device:GPU:1']
        assert cfg.get_virtual_device_configuration(gpus[1]) == [cfg.VirtualDeviceConfiguration(64)] * 2
        assert _session_devices() == ['CPU:0', 'GPU:0', 'GPU:1']
        # a Session given a config ignores the process's settings, as in TF 1.x
        assert _session_devices(tf.ConfigProto()) == ['CPU:0', 'GPU:0', 'GPU:1']
        with pytest.raises(ValueError, match='when virtual devices configured'):
            cfg.set_memory_growth(gpus[1], True)
        with pytest.raises(ValueError, match='Setting memory limit is required'):
            cfg.set_virtual_device_configuration(gpus[0], [cfg.VirtualDeviceConfiguration()])
        with pytest.raises(ValueError, match='Unrecognized device'):
            cfg.set_visible_devices(gpus[0], 'CPU')


def test_soft_placement_and_threads_for_sessions_without_config():
    with tf.Graph().as_default():
        with tf.device('/gpu:0'):
            x = tf.constant(2.0) * 3.0
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(x)
        tf.config.set_soft_device_placement(True)
        assert tf.config.get_soft_device_placement()
        with tf.Session() as sess:
            assert sess.run(x) == 6.0
    tf.config.threading.set_inter_op_parallelism_threads(2)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    assert (tf.config.threading.get_inter_op_parallelism_threads(),
            tf.config.threading.get_intra_op_parallelism_threads()) == (2, 1)
