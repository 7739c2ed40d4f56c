"""Op record of EditDistance (ops/edit_distance_ops.py): rank-3 SparseTensors whose groups cover every case
(both sequences, hypothesis only, truth only, neither), normalized and not, with int64 and string values.
Loaded at the end of op_records.py."""
import numpy as np

from op_records import F32, I64, const, fixed, record

_CPU = 'a CPU kernel only, as in TF 1.15 (sequence alignment on the host)'
# hypothesis [2, 3, 4]: (0,0)=[1,2,3] (0,2)=[5] (1,1)=[4,4,4,4]; truth [2, 2, 5]: (0,0)=[1,3] (0,1)=[7] (1,1)=[4,9,4]
_H_IDX = fixed([[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 2, 0], [1, 1, 0], [1, 1, 1], [1, 1, 2], [1, 1, 3]], I64)
_T_IDX = fixed([[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 1, 0], [1, 1, 1], [1, 1, 2]], I64)
_H_VALS, _T_VALS = [1, 2, 3, 5, 4, 4, 4, 4], [1, 3, 7, 4, 9, 4]


def _distances(tf, h_idx, h_vals, t_idx, t_vals):
    hyp, truth = tf.SparseTensor(h_idx, h_vals, [2, 3, 4]), tf.SparseTensor(t_idx, t_vals, [2, 2, 5])
    return [tf.edit_distance(hyp, truth), tf.edit_distance(hyp, truth, normalize=False),
            tf.edit_distance(truth, hyp, normalize=True)]


record('EditDistance', _distances, [_H_IDX, fixed(_H_VALS, I64), _T_IDX, fixed(_T_VALS, I64)], dtypes=(F32,),
       cpu_only=_CPU)
record('EditDistance', _distances,
       [_H_IDX, const(np.array([b'%d' % v for v in _H_VALS], object), object), _T_IDX,
        const(np.array([b'%d' % v for v in _T_VALS], object), object)],
       dtypes=(F32,), cpu_only=_CPU, name='EditDistance/strings')
