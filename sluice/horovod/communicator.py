"""The process group of sluice.horovod: MPI's COMM_WORLD through mpi4py (an MPI from the package
registry, e.g. the `mpich` wheel: the `distributed` extra).

Every collective is non-blocking and waited for with a deadline (SLUICE_HOROVOD_TIMEOUT seconds,
default 600, or the run's own earlier one: RunOptions.timeout_in_ms), so that a peer that died or
never joins makes this rank fail with DeadlineExceededError naming the collective instead of
hanging; Session.close() ends the wait with CancelledError. Collectives are issued
in program order by every rank: the graph's order, as Horovod requires of TF1 programs.
"""
import os
import threading
import time

import numpy as np

from sluice.engine import errors, run_context

_state = {}
_lock = threading.Lock()  # one collective at a time: MPI calls from a plan's threads are serialized


def init():
    """Initializes MPI (idempotent); ImportError says how to get it."""
    if 'comm' in _state:
        return
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError('sluice.horovod needs mpi4py and an MPI: pip install "sluice[distributed]" '
                          '(mpi4py with the mpich wheel)') from e
    comm = MPI.COMM_WORLD
    _state.update(MPI=MPI, comm=comm, local=comm.Split_type(MPI.COMM_TYPE_SHARED, key=comm.rank))


def _comm():
    if 'comm' not in _state:
        raise ValueError('Horovod has not been initialized; use hvd.init().')
    return _state['comm']


def rank():
    return _comm().rank


def size():
    return _comm().size


def local_rank():
    _comm()
    return _state['local'].rank


def local_size():
    _comm()
    return _state['local'].size


def _timeout():
    return float(os.environ.get('SLUICE_HOROVOD_TIMEOUT', '600'))


def deadlines():
    """(start, own deadline, effective deadline) of a collective starting now: SLUICE_HOROVOD_TIMEOUT,
    or the run's own earlier timeout."""
    start = time.monotonic()
    own = start + _timeout()
    run_deadline = run_context.deadline()
    return start, own, own if run_deadline is None else min(own, run_deadline)


def _wait(request, what, cancelled=None):
    """Waits for a non-blocking MPI request: spinning on Test (which drives MPI's progress) for the
    first milliseconds, then polling with short sleeps, so that a deadline or a closed session
    (`cancelled()`) can end the wait."""
    start, own, deadline = deadlines()
    spin_until = start + 0.02
    pause = 0.0
    while not request.Test():
        now = time.monotonic()
        if now < spin_until:
            continue
        if cancelled is not None and cancelled():
            raise errors.CancelledError(None, None, '%s: the session was closed while it waited for its peers'
                                        % what)
        if now > deadline:
            limit = 'SLUICE_HOROVOD_TIMEOUT' if deadline == own else "the run's timeout"
            raise errors.DeadlineExceededError(
                None, None, '%s did not complete within %g s on rank %d of %d: a peer process has stopped or '
                            'has not reached the same collective (%s)' % (what, deadline - start, rank(), size(), limit))
        time.sleep(pause)
        pause = min(0.001, pause + 0.00005)


def allreduce(array, what='allreduce', cancelled=None):
    """The elementwise sum of `array` over the ranks (a new array)."""
    comm = _comm()
    send = np.ascontiguousarray(array)
    out = np.empty_like(send)
    with _lock:
        _wait(comm.Iallreduce(send, out, op=_state['MPI'].SUM), what, cancelled)
    return out


def allgather(array, what='allgather', cancelled=None):
    """The ranks' arrays concatenated along the first dimension (their first dimensions may differ)."""
    comm = _comm()
    send = np.ascontiguousarray(array)
    with _lock:
        counts = np.empty(comm.size, np.int64)
        _wait(comm.Iallgather(np.array([send.shape[0] if send.ndim else 1], np.int64), counts), what, cancelled)
        row = int(np.prod(send.shape[1:])) if send.ndim > 1 else 1
        out = np.empty((int(counts.sum()),) + send.shape[1:], send.dtype)
        _wait(comm.Iallgatherv(send, [out, counts * row]), what, cancelled)
    return out


def broadcast(array, root_rank, what='broadcast', cancelled=None):
    """`array` of rank `root_rank`, on every rank."""
    comm = _comm()
    out = np.array(array, copy=True, order='C')
    with _lock:
        _wait(comm.Ibcast(out, root=root_rank), what, cancelled)
    return out
