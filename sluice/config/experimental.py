"""tf.config.experimental: the process's physical and logical devices, GPU memory growth, virtual
devices and visible devices (TF 1.15's names and errors), and TensorFloat-32 for float32 products
on GPUs (engine/tensor_float_32.py). The device settings apply to Sessions created with no config,
as in TF 1.x (engine/process_config.py)."""
import collections

from sluice.engine import devices as _devices
from sluice.engine import process_config as _process
from sluice.engine import tensor_float_32 as _tf32


class PhysicalDevice(collections.namedtuple('PhysicalDevice', ['name', 'device_type'])):
    """A device of this machine: '/physical_device:GPU:0'."""


class LogicalDevice(collections.namedtuple('LogicalDevice', ['name', 'device_type'])):
    """A device Sessions place ops on: '/device:GPU:0'."""


class VirtualDeviceConfiguration(collections.namedtuple('VirtualDeviceConfiguration', ['memory_limit'])):
    """A logical GPU carved out of a physical one: its memory limit in MB."""

    def __new__(cls, memory_limit=None):
        return super().__new__(cls, memory_limit)


def _physical():
    gpus = [PhysicalDevice('/physical_device:GPU:%d' % i, 'GPU') for i in range(_devices.physical_gpu_count())]
    return [PhysicalDevice('/physical_device:CPU:0', 'CPU')] + gpus


def _gpu_index(device):
    if device not in _physical():
        raise ValueError('Unrecognized device: %r' % (device,))
    return int(device.name.rsplit(':', 1)[1]) if device.device_type == 'GPU' else None


def list_physical_devices(device_type=None):
    return [d for d in _physical() if device_type is None or d.device_type == device_type]


def get_visible_devices(device_type=None):
    chosen = _process.visible_gpus(_devices.physical_gpu_count())
    visible = [d for d in _physical() if d.device_type != 'GPU' or _gpu_index(d) in chosen]
    return [d for d in visible if device_type is None or d.device_type == device_type]


def set_visible_devices(devices, device_type=None):
    """Which physical GPUs Sessions with no config see (the CPU stays visible)."""
    if not isinstance(devices, list):
        devices = [devices]
    for d in devices:
        _gpu_index(d)
        if device_type is not None and d.device_type != device_type:
            raise ValueError('Unrecognized device: %r' % (d,))
    visible = [d for d in get_visible_devices() if device_type is not None and d.device_type != device_type]
    gpus = sorted({_gpu_index(d) for d in visible + devices if d.device_type == 'GPU'})
    _process.set('visible_gpus', gpus)


def list_logical_devices(device_type=None):
    """The devices a Session with no config gets: '/device:CPU:0', '/device:GPU:i' (virtual ones too)."""
    logical = [LogicalDevice('/device:CPU:0', 'CPU')]
    n = 0
    for i in _process.visible_gpus(_devices.physical_gpu_count()):
        for _ in _process.virtual_limits(i) or [None]:
            logical.append(LogicalDevice('/device:GPU:%d' % n, 'GPU'))
            n += 1
    return [d for d in logical if device_type is None or d.device_type == device_type]


def get_memory_growth(device):
    index = _gpu_index(device)
    if index is None:
        raise ValueError('Cannot get memory growth on non-GPU devices')
    return _process.memory_growth(index)


def set_memory_growth(device, enable):
    """A GPU's memory pool grows on demand (True) instead of reserving most of the GPU up front."""
    index = _gpu_index(device)
    if index is not None and _process.virtual_limits(index):
        raise ValueError('Cannot set memory growth on device when virtual devices configured')
    if index is None:
        raise ValueError('Cannot set memory growth on non-GPU devices')
    _process.update('memory_growth', index, bool(enable))


def get_virtual_device_configuration(device):
    index = _gpu_index(device)
    limits = _process.virtual_limits(index) if index is not None else None
    return None if limits is None else [VirtualDeviceConfiguration(m) for m in limits]


def set_virtual_device_configuration(device, virtual_devices):
    """Splits a physical GPU into logical GPUs with these memory limits (MB), as GPUOptions'
    virtual_devices does for one Session."""
    index = _gpu_index(device)
    if index is None:
        for v in virtual_devices:
            if v.memory_limit is not None:
                raise ValueError('Setting memory limit on CPU virtual devices is currently not supported')
        raise ValueError('sluice does not implement virtual CPU devices yet: use ConfigProto(device_count)')
    for v in virtual_devices:
        if v.memory_limit is None:
            raise ValueError('Setting memory limit is required for GPU virtual devices is')
    _process.update('virtual', index, [v.memory_limit for v in virtual_devices])


def enable_tensor_float_32_execution(enabled):
    """Lets float32 matrix products and convolutions on GPUs (Ampere and later) round their inputs
    to TensorFloat-32 (True), or keeps them float32 throughout (False, the default: TF1's semantics)."""
    _tf32.enable(enabled)


def tensor_float_32_execution_enabled():
    """Whether TensorFloat-32 execution is enabled (False unless enable_tensor_float_32_execution(True))."""
    return _tf32.enabled()


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.config.experimental')
