"""Module paths TF1 programs import directly: `tensorflow.core.*.X_pb2` as `sluice.core.*.X_pb2`, and
`tensorflow.python.client.device_lib` as `sluice.python.client.device_lib`."""
import importlib
import os

import pytest

import sluice as tf
from sluice.engine import devices
from sluice.python.client import device_lib

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(tf.__file__)))
_CORE = os.path.join(_ROOT, 'sluice', 'core')
MODULES = sorted(
    (os.path.relpath(os.path.join(root, name), _ROOT)[:-3].replace(os.sep, '.'))
    for root, _, files in os.walk(_CORE) for name in files if name.endswith('_pb2.py'))
# names TF 2.21's modules have that TF 1.15's did not, or that sluice leaves out (TPU worker heartbeats)
KNOWN_ABSENT = {'sluice.core.util.event_pb2': {'DEFAULT', 'INTERNAL_ERROR', 'NOT_CONFIGURED', 'OK',
                                               'RECEIVED_SHUTDOWN_SIGNAL', 'RequestedExitCode',
                                               'SHUTDOWN_AFTER_TIMEOUT', 'SHUTDOWN_IMMEDIATELY', 'SHUTTING_DOWN',
                                               'WAIT_FOR_COORDINATOR', 'WatchdogConfig', 'WorkerHealth',
                                               'WorkerHeartbeatRequest', 'WorkerHeartbeatResponse',
                                               'WorkerShutdownMode'},
                'sluice.core.protobuf.config_pb2': {'BatchingOptions'}}


def test_the_modules_programs_import():
    from sluice.core.framework import attr_value_pb2, graph_pb2, node_def_pb2, summary_pb2, tensor_pb2, types_pb2
    from sluice.core.framework import tensor_shape_pb2, variable_pb2
    from sluice.core.protobuf import config_pb2, meta_graph_pb2, saver_pb2
    from sluice.core.util import event_pb2
    from sluice.core.example import example_pb2
    assert graph_pb2.GraphDef is tf.GraphDef and node_def_pb2.NodeDef is tf.NodeDef
    assert attr_value_pb2.AttrValue is tf.AttrValue and config_pb2.ConfigProto is tf.ConfigProto
    assert summary_pb2.Summary is tf.Summary and summary_pb2.HistogramProto is tf.HistogramProto
    assert event_pb2.Event is tf.Event and meta_graph_pb2.MetaGraphDef is tf.MetaGraphDef
    assert example_pb2.Example is tf.train.Example and saver_pb2.SaverDef is tf.train.SaverDef
    assert types_pb2.DT_FLOAT == 1 and tensor_pb2.TensorProto and tensor_shape_pb2.TensorShapeProto
    assert variable_pb2.VariableDef.DESCRIPTOR.full_name == 'tensorflow.VariableDef'
    assert importlib.import_module('sluice.core.framework.graph_pb2').DESCRIPTOR.package == 'tensorflow'


@pytest.mark.tf
@pytest.mark.parametrize('module', MODULES)
def test_names_match_tensorflow(module):
    pytest.importorskip('tensorflow')
    try:
        theirs = importlib.import_module('tensorflow' + module[len('sluice'):])
    except ImportError:
        pytest.skip('TensorFlow 2.x moved ' + module)
    ours = importlib.import_module(module)
    their_names = {n for n in dir(theirs) if n[:1].isupper()}
    missing = their_names - set(dir(ours)) - KNOWN_ABSENT.get(module, set())
    assert not missing


@pytest.mark.tf
def test_graph_def_bytes_parse_in_tensorflow():
    tf_real = pytest.importorskip('tensorflow')
    from sluice.core.framework import graph_pb2
    with tf.Graph().as_default() as g:
        tf.add(tf.constant(1.0, name='a'), 2.0, name='sum')
    data = g.as_graph_def().SerializeToString()
    assert isinstance(graph_pb2.GraphDef.FromString(data), graph_pb2.GraphDef)
    theirs = tf_real.compat.v1.GraphDef.FromString(data)
    assert [n.name for n in theirs.node] == ['a', 'sum/y', 'sum']


def test_list_local_devices_cpu():
    cpu, = device_lib.list_local_devices()
    assert (cpu.name, cpu.device_type, cpu.memory_limit) == ('/device:CPU:0', 'CPU', 268435456)
    assert cpu.HasField('locality') and cpu.incarnation != 0
    assert cpu.DESCRIPTOR.full_name == 'tensorflow.DeviceAttributes'


@pytest.mark.tf
def test_list_local_devices_cpu_as_tensorflow():
    tf_device_lib = pytest.importorskip('tensorflow.python.client.device_lib')
    theirs = [d for d in tf_device_lib.list_local_devices() if d.device_type == 'CPU'][0]
    ours = device_lib.list_local_devices()[0]
    assert (ours.name, ours.device_type, ours.memory_limit) == (theirs.name, theirs.device_type, theirs.memory_limit)
    assert ours.HasField('locality') == theirs.HasField('locality')
    assert type(theirs).FromString(ours.SerializeToString()) == theirs.__class__(
        name=ours.name, device_type=ours.device_type, memory_limit=ours.memory_limit, locality={},
        incarnation=ours.incarnation)


def test_list_local_devices_follows_the_session_config():
    with devices.fake_gpus(2):
        names = [d.name for d in device_lib.list_local_devices()]
        assert names == ['/device:CPU:0', '/device:GPU:0', '/device:GPU:1']
        gpu = device_lib.list_local_devices()[1]
        assert gpu.device_type == 'GPU' and gpu.locality.bus_id == 1
        assert gpu.physical_device_desc.startswith('device: 0')
        config = tf.ConfigProto(device_count={'GPU': 0})
        assert [d.name for d in device_lib.list_local_devices(config)] == ['/device:CPU:0']
        config = tf.ConfigProto(gpu_options=tf.GPUOptions(visible_device_list='1'))
        gpu, = [d for d in device_lib.list_local_devices(config) if d.device_type == 'GPU']
        assert gpu.name == '/device:GPU:0' and gpu.physical_device_desc.startswith('device: 1')
