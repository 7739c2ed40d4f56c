"""sluice.horovod's NCCL path for GPU tensors (horovod/nccl_transport.py), with stand-ins for NCCL and
the device: which kernels take it, the unique id made by rank 0 and sent over MPI, and waits that end
at the deadline or a closed session by aborting the communicator. (The collectives themselves run
only on real GPUs: benchmarks/gpu_check.sh.)"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices
from sluice.horovod import communicator, nccl_transport


class _Event:
    def __init__(self, done):
        self.done = done


class _Comm:
    def __init__(self, *args):
        self.args, self.aborted = args, False

    def abort(self):
        self.aborted = True


class _Nccl:
    NcclCommunicator = _Comm

    @staticmethod
    def get_unique_id():
        return tuple(range(-64, 64))


@pytest.fixture
def two_ranks(monkeypatch):
    monkeypatch.setattr(communicator, 'size', lambda: 2)
    monkeypatch.setattr(communicator, 'rank', lambda: 0)
    monkeypatch.setattr(nccl_transport, 'nccl_module', lambda: _Nccl)
    sent = []

    def broadcast(array, root, what, cancelled=None):
        sent.append((np.array(array), root, what))
        return np.array(array)
    monkeypatch.setattr(communicator, 'broadcast', broadcast)
    monkeypatch.setattr(nccl_transport, '_communicators', {})
    yield sent


def _gpu(fake):
    return devices.Device('GPU', 0, np, physical_index=0, fake=fake)


def test_only_real_gpus_with_nccl_and_two_ranks_take_the_path(two_ranks, monkeypatch):
    host = devices.Device('CPU', 0, np)
    assert not nccl_transport.usable(host, np.float32)
    assert not nccl_transport.usable(_gpu(fake=True), np.float32)
    real = _gpu(fake=False)
    assert nccl_transport.usable(real, np.float32)
    assert not nccl_transport.usable(real, np.complex64)  # NCCL has no complex type: the host path
    monkeypatch.setattr(communicator, 'size', lambda: 1)
    assert not nccl_transport.usable(real, np.float32)
    monkeypatch.setattr(communicator, 'size', lambda: 2)
    monkeypatch.setattr(nccl_transport, 'nccl_module', lambda: None)
    assert not nccl_transport.usable(real, np.float32)


def test_rank_0_makes_the_unique_id_and_sends_it_once(two_ranks):
    device = _gpu(fake=True)  # context() is a no-op: the stand-in communicator needs no GPU
    comm = nccl_transport._communicator(_Nccl, device, 'HorovodAllreduce (node a)', None)
    assert nccl_transport._communicator(_Nccl, device, 'again', None) is comm
    (uid, root, what), = two_ranks
    assert root == 0 and 'NCCL unique id' in what and list(uid) == list(range(-64, 64))
    assert comm.args == (2, tuple(range(-64, 64)), 0)


def test_a_wait_ends_at_the_deadline_or_a_closed_session_aborting_the_communicator(two_ranks, monkeypatch):
    device = _gpu(fake=True)
    monkeypatch.setenv('SLUICE_HOROVOD_TIMEOUT', '0.05')
    comm = nccl_transport._communicators[0] = _Comm()
    with pytest.raises(tf.errors.DeadlineExceededError, match=r'HorovodAllreduce \(node g\) \(NCCL\) did not complete'):
        nccl_transport.wait(_Event(False), comm, device, 'HorovodAllreduce (node g)')
    assert comm.aborted and 0 not in nccl_transport._communicators
    comm = _Comm()
    with pytest.raises(tf.errors.CancelledError, match='the session was closed'):
        nccl_transport.wait(_Event(False), comm, device, 'HorovodBroadcast (node b)', cancelled=lambda: True)
    assert comm.aborted
    nccl_transport.wait(_Event(True), _Comm(), device, 'done')  # a finished collective returns at once
