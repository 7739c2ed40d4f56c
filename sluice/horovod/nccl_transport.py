"""GPU tensors of sluice.horovod through NCCL (Horovod's own way): one communicator per process's GPU,
its unique id made by rank 0 and sent to the others over MPI (communicator.broadcast, with its
deadline), each allreduce or broadcast queued on the device's current stream.

A collective's completion is waited for as MPI's are: an event recorded after it is polled until
SLUICE_HOROVOD_TIMEOUT (or the run's own deadline) passes or the session closes; then the
communicator is aborted (a peer that died would otherwise leave the stream blocked for ever) and
the run fails with DeadlineExceededError / CancelledError. The path is taken for a kernel on a real
GPU when CuPy has NCCL and there are two ranks or more (`usable`); elsewhere, and for allgather
(NCCL needs equal sizes), tensors go through the host over MPI. Never run on real GPUs yet: the
selection, the id exchange and the waits are tested with stand-ins.
"""
import time

import numpy as np

from sluice.engine import errors
from sluice.horovod import communicator

_TYPES = {'float16': 'NCCL_FLOAT16', 'float32': 'NCCL_FLOAT32', 'float64': 'NCCL_FLOAT64',
          'int32': 'NCCL_INT32', 'int64': 'NCCL_INT64', 'uint8': 'NCCL_UINT8', 'int8': 'NCCL_INT8'}
_UNIQUE_ID_BYTES = 128  # NCCL_UNIQUE_ID_BYTES
_communicators = {}     # physical GPU index -> NcclCommunicator


def nccl_module():
    """cupy.cuda.nccl when CuPy was built with it, else None."""
    try:
        from cupy.cuda import nccl
    except ImportError:
        return None
    return nccl if getattr(nccl, 'available', True) and hasattr(nccl, 'NcclCommunicator') else None


def usable(device, dtype):
    """True when this kernel's collectives go through NCCL: a real GPU, NCCL, >= 2 ranks, its dtype."""
    return (not device.is_host and not device.fake and np.dtype(dtype).name in _TYPES
            and communicator.size() > 1 and nccl_module() is not None)


def _communicator(nccl, device, what, cancelled):
    comm = _communicators.get(device.physical_index)
    if comm is None:
        uid = np.zeros(_UNIQUE_ID_BYTES, np.int64)
        if communicator.rank() == 0:
            uid[:] = nccl.get_unique_id()
        uid = communicator.broadcast(uid, 0, what + ' (sending the NCCL unique id)', cancelled)
        with device.context():
            comm = nccl.NcclCommunicator(communicator.size(), tuple(int(v) for v in uid), communicator.rank())
        _communicators[device.physical_index] = comm
    return comm


def wait(event, comm, device, what, cancelled=None):
    """Polls `event` (recorded after the collective) until done; aborts `comm` on a deadline or a
    closed session, so the stream is released, and raises as the MPI path does."""
    start, _, deadline = communicator.deadlines()
    pause = 0.0
    while not event.done:
        now = time.monotonic()
        failure = None
        if cancelled is not None and cancelled():
            failure = errors.CancelledError(None, None, '%s: the session was closed while it waited for its peers'
                                            % what)
        elif now > deadline:
            message = ('%s (NCCL) did not complete within %g s on rank %d of %d: a peer process has stopped or '
                       'has not reached the same collective'
                       % (what, deadline - start, communicator.rank(), communicator.size()))
            failure = errors.DeadlineExceededError(None, None, message)
        if failure is not None:
            comm.abort()
            _communicators.pop(device.physical_index, None)
            raise failure
        time.sleep(pause)
        pause = min(0.001, pause + 0.00005)


def allreduce(device, array, what, cancelled=None):
    """The elementwise sum over the ranks of `array` (on `device`), as a new device array."""
    nccl, xp = nccl_module(), device.xp
    with communicator._lock:
        comm = _communicator(nccl, device, what, cancelled)
        with device.context():
            send = xp.ascontiguousarray(array)
            out = xp.empty_like(send)
            stream = xp.cuda.get_current_stream()
            comm.allReduce(send.data.ptr, out.data.ptr, send.size, getattr(nccl, _TYPES[send.dtype.name]),
                           nccl.NCCL_SUM, stream.ptr)
            wait(stream.record(), comm, device, what, cancelled)
    return out


def broadcast(device, array, root_rank, what, cancelled=None):
    """`array` of rank `root_rank` on every rank, as a new device array."""
    nccl, xp = nccl_module(), device.xp
    with communicator._lock:
        comm = _communicator(nccl, device, what, cancelled)
        with device.context():
            out = xp.array(array, copy=True, order='C')
            stream = xp.cuda.get_current_stream()
            comm.bcast(out.data.ptr, out.size, getattr(nccl, _TYPES[out.dtype.name]), root_rank, stream.ptr)
            wait(stream.record(), comm, device, what, cancelled)
    return out
