"""tf.contrib.nccl: all-reduce, reduce and broadcast across the devices of one graph (TF 1.15's
`all_sum`, `all_prod`, `all_min`, `all_max`, `reduce_sum`, `broadcast`; ops in sluice/ops/nccl_ops.py,
kernels in sluice/kernels/nccl_kernels.py)."""
from sluice.kernels import nccl_kernels  # noqa: F401  (registers the kernels)
from sluice.ops.nccl_ops import all_max, all_min, all_prod, all_sum, broadcast, reduce_sum  # noqa: F401

__all__ = ['all_sum', 'all_prod', 'all_min', 'all_max', 'reduce_sum', 'broadcast']
