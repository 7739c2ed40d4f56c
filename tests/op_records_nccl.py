"""Op-record exemptions of the NCCL collectives (TF runs them on GPUs with NCCL only, so there is no
TF forward to compare with on this machine)."""
import sluice.contrib.nccl  # noqa: F401  (registers the ops, so the exemptions are not stale)
from op_records import EXEMPT

EXEMPT.update(dict.fromkeys(('NcclAllReduce', 'NcclReduce', 'NcclBroadcast'),
                            'collectives across devices (TF runs them on GPUs with NCCL only): values vs NumPy, '
                            'gradients and towers in tests/engine/test_nccl.py, graphs written by TF in '
                            'tests/engine/test_nccl_tf_graphs.py, groups in tests/engine/test_collective_groups.py'))
