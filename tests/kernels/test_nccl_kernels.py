"""The NCCL path of the NcclAllReduce group step (kernels/nccl_kernels.py), without GPUs: which
device sets take it (two or more distinct real GPUs only), and its protocol against a recording
stand-in for `cupy.cuda.nccl` whose collectives run when the group ends, as NCCL's do: one
communicator set per device set, made once; one allReduce per member between groupStart and
groupEnd, on the member's device and stream; the inputs kept alive until the group ends."""
import contextlib
import types

import numpy as np
import pytest

import sluice.contrib.nccl  # noqa: F401  (registers the kernels)
from sluice.engine import collectives, devices
from sluice.kernels import nccl_kernels


class _DeviceArray(np.ndarray):
    """A NumPy array with CuPy's `.data.ptr`."""

    @property
    def data(self):
        return types.SimpleNamespace(ptr=self.ctypes.data)


class _FakeCuPy:
    def __init__(self, log):
        self.log = log
        self.current = [None]
        self.cuda = types.SimpleNamespace(Device=self._device, get_current_stream=self._stream)

    @contextlib.contextmanager
    def _device(self, index):
        old, self.current[0] = self.current[0], index
        try:
            yield
        finally:
            self.current[0] = old

    def _stream(self):
        return types.SimpleNamespace(ptr=1000 + self.current[0])

    def ascontiguousarray(self, a):
        return np.ascontiguousarray(a).copy().view(_DeviceArray)  # a new buffer, like a strided input's copy

    def empty_like(self, a):
        return np.empty_like(a).view(_DeviceArray)


class _FakeNccl:
    NCCL_FLOAT32, NCCL_FLOAT64, NCCL_SUM, NCCL_MAX = 7, 8, 0, 2
    _DTYPES = {7: np.float32, 8: np.float64}

    def __init__(self, log, cupy):
        self.log, self.cupy, self.pending, self.in_group = log, cupy, [], False
        fake = self

        class NcclCommunicator:
            def __init__(self, device):
                self.device = device

            @staticmethod
            def initAll(physical):
                fake.log.append(('initAll', tuple(physical)))
                return [NcclCommunicator(d) for d in physical]

            def allReduce(self, send, recv, count, dtype, op, stream):
                assert fake.in_group and fake.cupy.current[0] == self.device and stream == 1000 + self.device
                fake.log.append(('allReduce', self.device, count, dtype, op))
                fake.pending.append((send, recv, count, dtype, op))
        self.NcclCommunicator = NcclCommunicator

    def groupStart(self):
        self.in_group = True
        self.log.append('groupStart')

    def groupEnd(self):
        self.log.append('groupEnd')
        self.in_group = False
        calls, self.pending = self.pending, []
        view = [np.ctypeslib.as_array((np.ctypeslib.as_ctypes_type(self._DTYPES[d]) * n).from_address(s))
                for s, _, n, d, _ in calls]
        combine = np.add if calls[0][4] == self.NCCL_SUM else np.maximum
        total = view[0].copy()
        for v in view[1:]:
            total = combine(total, v)
        for _, recv, n, d, _ in calls:
            np.ctypeslib.as_array((np.ctypeslib.as_ctypes_type(self._DTYPES[d]) * n).from_address(recv))[:] = total


class _Op:
    def __init__(self, reduction='sum'):
        self.type, self.name, self._attrs = 'NcclAllReduce', 'NcclAllReduce', {'reduction': reduction}

    def get_attr(self, name):
        return self._attrs[name]


def _members(gpu_indices, xp=None, fake=False, reduction='sum'):
    return [collectives.GroupMember(_Op(reduction), devices.Device('GPU', i, xp, physical_index=p, fake=fake), None)
            for i, p in enumerate(gpu_indices)]


def test_only_distinct_real_gpus_take_the_nccl_path():
    assert nccl_kernels._nccl_library(_members([0, 0])) is None           # virtual GPUs of one GPU
    assert nccl_kernels._nccl_library(_members([0, 1], fake=True)) is None  # fake GPUs
    assert nccl_kernels._nccl_library(_members([0])) is None              # a group of one
    cpus = [collectives.GroupMember(_Op(), devices.Device('CPU', i, np), None) for i in range(2)]
    assert nccl_kernels._nccl_library(cpus) is None


@pytest.mark.parametrize('reduction, combine', [('sum', np.add), ('max', np.maximum)])
def test_the_group_step_drives_nccl_as_one_group(monkeypatch, reduction, combine):
    log = []
    cupy = _FakeCuPy(log)
    nccl = _FakeNccl(log, cupy)
    monkeypatch.setattr(nccl_kernels, '_communicators', {})
    members = _members([3, 5], xp=cupy, reduction=reduction)
    step = nccl_kernels._nccl_all_reduce(nccl, members)
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = a[::-1].T.copy().T  # a strided input: sent as a contiguous copy
    for _ in range(2):
        outputs = step(a, b)
        assert len(outputs) == 2 and outputs[0] is not outputs[1]
        for out in outputs:
            np.testing.assert_array_equal(out, combine(a, b))
    op = nccl.NCCL_SUM if reduction == 'sum' else nccl.NCCL_MAX
    round_ = ['groupStart', ('allReduce', 3, 6, nccl.NCCL_FLOAT32, op), ('allReduce', 5, 6, nccl.NCCL_FLOAT32, op),
              'groupEnd']
    assert log == [('initAll', (3, 5))] + round_ * 2
    assert nccl_kernels._communicators_for(nccl, (3, 5)) is nccl_kernels._communicators[(3, 5)]
    assert log.count(('initAll', (3, 5))) == 1


def test_members_of_different_shapes_fail_before_any_launch(monkeypatch):
    log = []
    cupy = _FakeCuPy(log)
    nccl = _FakeNccl(log, cupy)
    monkeypatch.setattr(nccl_kernels, '_communicators', {})
    step = nccl_kernels._nccl_all_reduce(nccl, _members([0, 1], xp=cupy))
    from sluice.engine import errors
    with pytest.raises(errors.InvalidArgumentError, match='input 1 has shape'):
        step(np.ones(3, np.float64), np.ones(4, np.float64))
    assert 'groupStart' not in log
