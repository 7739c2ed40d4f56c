"""`tensorflow.python.client.device_lib`: list_local_devices(), the devices a session would see.

Each is a DeviceAttributes proto as TF 1.15 fills it: name '/device:CPU:0' or '/device:GPU:0',
device_type, memory_limit in bytes (TF's 256 MiB for a CPU; for a GPU what the session's GPUOptions
leave of its memory), locality (a GPU's bus id and an empty link list), a random incarnation, and for
a GPU a physical_device_desc naming the card. `session_config` (a ConfigProto) filters them as a
Session's would (device_count, gpu_options.visible_device_list). sluice has no XLA devices.
"""
import random

from sluice.engine import devices as _devices
from sluice.io.protos.device_attributes_pb2 import DeviceAttributes

__all__ = ['list_local_devices']


def _physical_description(device):
    if device.fake:
        return 'device: %d, name: sluice fake GPU (NumPy arrays), pci bus id: none' % device.physical_index
    props = _devices.cupy_module().cuda.runtime.getDeviceProperties(device.physical_index)
    name = props['name'].decode() if isinstance(props['name'], bytes) else props['name']
    bus = '%04x:%02x:%02x.0' % (props.get('pciDomainID', 0), props.get('pciBusID', 0), props.get('pciDeviceID', 0))
    return 'device: %d, name: %s, pci bus id: %s, compute capability: %d.%d' % (
        device.physical_index, name, bus, props['major'], props['minor'])


def _attributes(device, rng):
    attrs = DeviceAttributes(name='/device:%s:%d' % (device.device_type, device.index),
                             device_type=device.device_type, memory_limit=device.memory_limit,
                             incarnation=rng.getrandbits(64))
    attrs.locality.SetInParent()
    if not device.is_host:
        attrs.locality.bus_id = 1
        attrs.locality.links.SetInParent()
        attrs.physical_device_desc = _physical_description(device)
    return attrs


def list_local_devices(session_config=None):
    """The local devices as DeviceAttributes protos, CPUs first."""
    rng = random.SystemRandom()
    return [_attributes(d, rng) for d in _devices.local_devices(session_config)]
