"""Op records of the SparseTensor ops (ops/sparse_ops.py, ops/sparse_manip_ops.py): each builder makes
SparseTensors from fed indices (int64, row-major unless the record is about order), fed values and constant
dense shapes, and returns the dense results or the three parts of the SparseTensor results. Loaded at the
end of op_records.py."""
from op_records import EXEMPT, F32, F64, FLOATS, I32, I64, arg, const, fixed, record

_CPU = 'a CPU kernel only, as in TF 1.15 (index bookkeeping on the host)'
_IDX = fixed([[0, 0], [0, 3], [1, 1], [2, 0], [2, 2]], I64)   # rows of a [3, 4] SparseTensor, row-major
_SHAPE = const([3, 4], I64)
_VALS = arg((5,))


def _parts(st):
    return [st.indices, st.values, st.dense_shape]


def _to_dense(tf, idx, v, d):
    return [tf.sparse_to_dense(idx, [3, 4], v, d), tf.sparse_to_dense(idx, [3, 4], v, d, validate_indices=False),
            tf.sparse_to_dense([1, 3], [5], 2.0), tf.sparse_to_dense([2], [4], v[0], d)]


record('SparseToDense', _to_dense, [_IDX, _VALS, arg(())], dtypes=FLOATS + (I32,), grad=True)
record('SparseToDense', lambda tf, idx, v, shape: tf.sparse.to_dense(tf.SparseTensor(idx, v, shape), 7),
       [_IDX, _VALS, _SHAPE], dtypes=(F32, I32, I64), name='SparseToDense/to_dense')


def _matmul(tf, idx, v, shape, b, b_adj_a, b_adj_b, b_both):
    sp = tf.SparseTensor(idx, v, shape)
    return [tf.sparse_tensor_dense_matmul(sp, b), tf.sparse.matmul(sp, b_adj_a, adjoint_a=True),
            tf.sparse.sparse_dense_matmul(sp, b_adj_b, adjoint_b=True),
            tf.sparse_tensor_dense_matmul(sp, b_both, adjoint_a=True, adjoint_b=True)]


record('SparseTensorDenseMatMul', _matmul, [_IDX, _VALS, _SHAPE, arg((4, 2)), arg((3, 2)), arg((2, 4)), arg((2, 3))],
       grad=True)


def _reduce_sum(tf, idx, v, shape):
    sp = tf.SparseTensor(idx, v, shape)
    return [tf.sparse_reduce_sum(sp, 1), tf.sparse.reduce_sum(sp, 0, keepdims=True), tf.sparse_reduce_sum(sp),
            tf.sparse.reduce_sum(sp, -1)]


record('SparseReduceSum', _reduce_sum, [_IDX, _VALS, _SHAPE], dtypes=FLOATS + (I32,), grad=True)


def _reduce_sparse(tf, idx, v, shape):
    sp = tf.SparseTensor(idx, v, shape)
    return (_parts(tf.sparse_reduce_sum_sparse(sp, 1)) + _parts(tf.sparse.reduce_sum_sparse(sp, 0, keepdims=True))
            + _parts(tf.sparse.reduce_max_sparse(sp, 1)))


record(('SparseReduceSumSparse', 'SparseReduceMaxSparse'), _reduce_sparse, [_IDX, _VALS, _SHAPE],
       dtypes=(F32, I32), cpu_only=_CPU)
record('SparseReduceMax', lambda tf, idx, v, shape: [tf.sparse_reduce_max(tf.SparseTensor(idx, v, shape), 1),
                                                     tf.sparse.reduce_max(tf.SparseTensor(idx, v, shape), 0),
                                                     tf.sparse.reduce_max(tf.SparseTensor(idx, v, shape))],
       [_IDX, _VALS, _SHAPE], dtypes=(F32, F64, I32), cpu_only=_CPU)
record('SparseTensorDenseAdd', lambda tf, idx, v, shape, d: [tf.sparse.add(tf.SparseTensor(idx, v, shape), d),
                                                             tf.sparse_add(d, tf.SparseTensor(idx, v, shape))],
       [_IDX, _VALS, _SHAPE, arg((3, 4))], grad=True)


def _cwise(tf, idx, v, shape, row, full):
    sp = tf.SparseTensor(idx, v, shape)
    return [(sp * row).values, (sp / full).values]


record(('SparseDenseCwiseMul', 'SparseDenseCwiseDiv'), _cwise,
       [_IDX, _VALS, _SHAPE, arg((4,)), arg((3, 4), away=0.5, high=2.0)], grad=True)
EXEMPT['SparseDenseCwiseAdd'] = ('no public TF 1.15 function builds it: the SparseSoftmax record checks it through '
                                 "its gradient (TF's and sluice's are built of it), vs finite differences and TF")

_ROWS = fixed([[0, 0], [0, 2], [1, 1], [2, 0], [2, 1], [2, 3]], I64)
record('SparseSoftmax', lambda tf, idx, v: _parts(tf.sparse.softmax(tf.SparseTensor(idx, v, [3, 4]))),
       [_ROWS, arg((6,), -2, 2)], grad=True, cpu_only=_CPU)
_UNORDERED = fixed([[2, 1], [0, 3], [1, 0], [0, 1], [2, 0]], I64)
record('SparseReorder', lambda tf, idx, v: _parts(tf.sparse.reorder(tf.SparseTensor(idx, v, [3, 4]))),
       [_UNORDERED, _VALS], dtypes=FLOATS + (I32,), grad=True, cpu_only=_CPU)


def _reshape(tf, idx, v, shape):
    sp = tf.SparseTensor(idx, v, shape)
    return _parts(tf.sparse.reshape(sp, [2, -1])) + _parts(tf.sparse_reshape(sp, [4, 3, 1]))


record('SparseReshape', _reshape, [_IDX, _VALS, _SHAPE], dtypes=(F32,), cpu_only=_CPU)

_OTHER = fixed([[0, 0], [0, 1], [1, 1], [2, 2]], I64)


def _add(tf, idx, v, idx2, w):
    a, b = tf.SparseTensor(idx, v, [3, 4]), tf.SparseTensor(idx2, w, [3, 4])
    return _parts(tf.sparse.add(a, b)) + _parts(tf.sparse_add(a, b, 0.5))


record('SparseAdd', _add, [_IDX, _VALS, _OTHER, arg((4,))], grad=True, cpu_only=_CPU)
EXEMPT['SparseAddGrad'] = 'the gradient of SparseAdd: checked against TF by the SparseAdd record (grad_tf)'


def _concat(tf, idx, v, idx2, w):
    a, b = tf.SparseTensor(idx, v, [3, 4]), tf.SparseTensor(idx2, w, [3, 4])
    c = tf.SparseTensor(idx2, w, [4, 3])
    return (_parts(tf.sparse.concat(1, [a, b])) + _parts(tf.sparse_concat(0, [a, b, a]))
            + _parts(tf.sparse.concat(0, [a, c], expand_nonconcat_dim=True)))


record('SparseConcat', _concat, [_IDX, _VALS, _OTHER, arg((4,))], dtypes=(F32, I32), cpu_only=_CPU)


def _split(tf, idx, v, shape):
    sp = tf.SparseTensor(idx, v, shape)
    pieces = tf.sparse.split(sp_input=sp, num_split=3, axis=1) + tf.sparse_split(sp_input=sp, num_split=2, axis=0)
    return [part for piece in pieces for part in _parts(piece)]


record('SparseSplit', _split, [_IDX, _VALS, _SHAPE], dtypes=(F32, I32), cpu_only=_CPU)


def _slice(tf, idx, v, shape):
    sp = tf.SparseTensor(idx, v, shape)
    return _parts(tf.sparse.slice(sp, [0, 1], [2, 9])) + _parts(tf.sparse_slice(sp, [1, 0], [2, 3]))


record('SparseSlice', _slice, [_IDX, _VALS, _SHAPE], grad=True, cpu_only=_CPU)
EXEMPT['SparseSliceGrad'] = 'the gradient of SparseSlice: checked against TF by the SparseSlice record (grad_tf)'


def _fill(tf, idx, v, d):
    filled, empty = tf.sparse.fill_empty_rows(tf.SparseTensor(idx, v, [5, 4]), d)
    return _parts(filled) + [empty]


record('SparseFillEmptyRows', _fill, [fixed([[0, 1], [0, 3], [2, 0], [4, 2]], I64), arg((4,)), arg(())],
       grad=True, cpu_only=_CPU)
EXEMPT['SparseFillEmptyRowsGrad'] = ('the gradient of SparseFillEmptyRows: checked against TF by the '
                                     'SparseFillEmptyRows record (grad_tf)')


def _extrema(tf, idx, v, idx2, w):
    a, b = tf.SparseTensor(idx, v, [3, 4]), tf.SparseTensor(idx2, w, [3, 4])
    return _parts(tf.sparse.maximum(a, b)) + _parts(tf.sparse_minimum(a, b))


record(('SparseSparseMaximum', 'SparseSparseMinimum'), _extrema, [_IDX, _VALS, _OTHER, arg((4,))],
       dtypes=(F32, F64, I32), cpu_only=_CPU)
