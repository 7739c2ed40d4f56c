"""Local devices: the CPUs and GPUs a Session can place ops on.

A Device knows its canonical name, its type and index, the array module its kernels compute
with (`xp`: NumPy for CPU, CuPy for GPU) and how to move arrays to and from host memory.

GPUs are found through CuPy, imported lazily so that sluice works without it. For tests of
placement and cross-device copies on machines without a GPU, `fake_gpus(n)` makes sessions see
n GPUs whose kernels are the NumPy ones and whose "device memory" is separate host arrays
(every copy is a real copy, so a missing copy step still shows up as aliasing).
"""
import contextlib
import os

import numpy as np

from sluice.engine import errors
from sluice.engine import process_config

_PREFIX = '/job:localhost/replica:0/task:0/device:'
CPU_MEMORY_LIMIT = 268435456  # what TF reports for a CPU's memory_limit_bytes
_fake_gpu_count = int(os.environ.get('SLUICE_FAKE_GPUS', '0') or 0)


class Device:
    """One local device. `memory_limit` is in bytes (0 when unknown)."""

    def __init__(self, device_type, index, xp, physical_index=None, memory_limit=0, fake=False):
        self.device_type = device_type
        self.index = index
        self.xp = xp
        self.physical_index = index if physical_index is None else physical_index
        self.memory_limit = memory_limit
        self.fake = fake
        self.name = '%s%s:%d' % (_PREFIX, device_type, index)
        self.is_host = device_type == 'CPU'

    def from_host(self, array):
        """A copy of a host array in this device's memory."""
        if self.is_host:
            return array
        if hasattr(array, 'elements'):
            return _moved_elements(array, self.from_host)
        if self.fake:
            return np.array(array, copy=True)
        with self.xp.cuda.Device(self.physical_index):
            return self.xp.asarray(array)

    def to_host(self, array):
        """A host (NumPy) array with the value of a device array."""
        if self.is_host:
            return array
        if hasattr(array, 'elements'):
            return _moved_elements(array, self.to_host)
        if self.fake:
            return np.array(array, copy=True)
        return array.get()

    def context(self):
        """A context manager making this device current for CuPy (a no-op elsewhere)."""
        if self.is_host or self.fake:
            return contextlib.nullcontext()
        return self.xp.cuda.Device(self.physical_index)

    def __repr__(self):
        return '<Device %s>' % self.name


@contextlib.contextmanager
def fake_gpus(count=1):
    """Sessions created inside see `count` NumPy-backed GPUs (for tests without a GPU)."""
    global _fake_gpu_count
    old, _fake_gpu_count = _fake_gpu_count, count
    try:
        yield
    finally:
        _fake_gpu_count = old


_cupy = None


def cupy_module():
    """CuPy when it is installed and sees a GPU, else None (imported once, lazily)."""
    global _cupy
    if _cupy is None:
        try:
            import cupy
            _cupy = cupy if cupy.cuda.runtime.getDeviceCount() > 0 else False
        except Exception:  # not installed, no driver, no device: CPU only
            _cupy = False
    return _cupy or None


def physical_gpu_count():
    if _fake_gpu_count:
        return _fake_gpu_count
    cp = cupy_module()
    return cp.cuda.runtime.getDeviceCount() if cp else 0


def local_devices(config=None):
    """The devices a session with `config` (a ConfigProto or None) gets, CPUs first."""
    device_count = dict(config.device_count) if config is not None else {}
    cpus = max(1, device_count.get('CPU', 1))
    devices = [Device('CPU', i, np, memory_limit=CPU_MEMORY_LIMIT) for i in range(cpus)]
    physical = physical_gpu_count()
    # a Session given no config takes the process's tf.config settings (engine/process_config.py)
    visible = list(range(physical)) if config is not None else process_config.visible_gpus(physical)
    gpu_options = config.gpu_options if config is not None and config.HasField('gpu_options') else None
    if gpu_options is not None and gpu_options.visible_device_list:
        visible = []
        for part in gpu_options.visible_device_list.split(','):
            idx = int(part)
            if idx < 0 or idx >= physical:
                raise errors.InvalidArgumentError(
                    None, None, "'visible_device_list' listed an invalid GPU id '%d' but visible device count "
                                "is %d" % (idx, physical))
            visible.append(idx)
    limit = device_count.get('GPU', len(visible))
    visible = visible[:limit]
    fake = bool(_fake_gpu_count)
    xp = np if fake else cupy_module()
    logical = _logical_gpus(visible, gpu_options) if config is not None else _process_logical_gpus(visible)
    for i, (phys, limit_mb) in enumerate(logical):
        devices.append(Device('GPU', i, xp, physical_index=phys, fake=fake))
    if not fake and visible:
        from sluice.engine import gpu_memory
        for d in devices:
            if not d.is_host:
                gpu_memory.configure(d, gpu_options, config is None and process_config.memory_growth(d.physical_index))
        from sluice.engine import tensor_float_32
        tensor_float_32.apply_to(xp)  # TF1's float32 products unless the program enabled TF32
    for d, (_, limit_mb) in zip(devices[cpus:], logical):
        if limit_mb:  # a virtual device's share of its GPU, as TF reports it
            d.memory_limit = int(limit_mb * (1 << 20))
    return devices


def _process_logical_gpus(visible):
    """_logical_gpus from the virtual devices set with tf.config.experimental."""
    logical = []
    for phys in visible:
        limits = process_config.virtual_limits(phys)
        logical.extend([(phys, limit) for limit in limits] if limits else [(phys, None)])
    return logical


def _logical_gpus(visible, gpu_options):
    """(physical index, memory limit in MB or None) of each logical GPU: one per visible GPU, or as
    many as `GPUOptions.experimental.virtual_devices` lists limits for it (TF's virtual devices,
    which share the physical GPU, its memory pool and its streams)."""
    if gpu_options is None or not gpu_options.HasField('experimental') or \
            not gpu_options.experimental.virtual_devices:
        return [(phys, None) for phys in visible]
    virtual = gpu_options.experimental.virtual_devices
    if len(virtual) != len(visible):
        raise errors.UnknownError(
            None, None, "The number of GPUs in visible_device_list doesn't match the number of elements in the "
                        "virtual_devices list. #GPUs in visible_device_list: %d virtual_devices.size(): %d"
                        % (len(visible), len(virtual)))
    return [(phys, mb) for phys, entry in zip(visible, virtual) for mb in (list(entry.memory_limit_mb) or [None])]


def _moved_elements(value, move):
    """A list value (a TensorList: a host object with `copy()` and `elements`) with each element moved."""
    moved = value.copy()
    moved.elements = [None if e is None else move(e) for e in value.elements]
    return moved
