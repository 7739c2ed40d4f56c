"""`import sluice.horovod as hvd`: Horovod's TF1 API for data-parallel training over MPI.

    mpiexec -n 4 python train.py          # one process per GPU or CPU socket, one machine or many

    hvd.init()
    opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(0.001 * hvd.size()))
    hooks = [hvd.BroadcastGlobalVariablesHook(0)]

Collectives run over MPI (mpi4py; the `distributed` extra brings MPICH from the package registry)
on host arrays; GPU tensors are copied to the host for them (NCCL is not used yet). Every
collective waits with a deadline, so a dead peer is an error, not a hang (communicator.py).
"""
from sluice.horovod.communicator import init, local_rank, local_size, rank, size  # noqa: F401
from sluice.horovod.mpi_ops import allgather, broadcast, grouped_allreduce  # noqa: F401
from sluice.horovod.optimizer import (BroadcastGlobalVariablesHook, DistributedOptimizer, allreduce,  # noqa: F401
                                      broadcast_global_variables)


def mpi_threads_supported():
    from mpi4py import MPI
    return MPI.Query_thread() == MPI.THREAD_MULTIPLE
