"""The SparseTensor ops that make SparseTensors from SparseTensors, each a block (declaration, gradient,
public function): SparseAdd (tf.sparse.add; with a dense operand, SparseTensorDenseAdd), SparseConcat,
SparseSplit, SparseSlice, SparseFillEmptyRows, SparseSparseMaximum/Minimum; and the functions TF 1.15
writes in Python over other ops: sparse_retain (a gather), sparse_transpose (a gather and a reorder),
from_dense, expand_dims, eye, to_indicator, reset_shape and sparse_placeholder (three placeholders).
Kernels in kernels/sparse_manip_kernels.py; the ops on dense results are in ops/sparse_ops.py.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, filling_ops, graph_ops, indexing_ops, math_ops, shape_fns
from sluice.ops.sparse_ops import _as_sparse, _dims, _rank_of, sparse_reorder, sparse_tensor_dense_add, \
    sparse_to_dense
from sluice.ops.sparse_tensor import SparseTensor

# TF 1.15's top-level names; from_dense, expand_dims and eye are tf.sparse's only.
__all__ = ['sparse_add', 'sparse_concat', 'sparse_split', 'sparse_slice', 'sparse_fill_empty_rows',
           'sparse_maximum', 'sparse_minimum', 'sparse_retain', 'sparse_transpose', 'sparse_to_indicator',
           'sparse_placeholder', 'sparse_reset_shape']

_SPARSE_OUT = ['output_indices: int64', 'output_values: T', 'output_shape: int64']


def _rank_from(*shape_tensors):
    for t in shape_tensors:
        rank = _rank_of(t)
        if rank is not None:
            return rank
    return None


# -- SparseAdd ------------------------------------------------------------------------------------------
register_op('SparseAdd', ['a_indices: int64', 'a_values: T', 'a_shape: int64', 'b_indices: int64', 'b_values: T',
                          'b_shape: int64', 'thresh: Treal'],
            ['sum_indices: int64', 'sum_values: T', 'sum_shape: int64'],
            {'T': 'type', 'Treal': 'type'},
            lambda op: [TensorShape([None, _rank_from(op._inputs[2], op._inputs[5])]), TensorShape([None]),
                        op._inputs[2]._shape])
register_op('SparseAddGrad', ['backprop_val_grad: T', 'a_indices: int64', 'b_indices: int64', 'sum_indices: int64'],
            ['a_val_grad: T', 'b_val_grad: T'], {'T': 'type'},
            lambda op: [TensorShape([_dims(op._inputs[1])[0] if _dims(op._inputs[1]) else None]),
                        TensorShape([_dims(op._inputs[2])[0] if _dims(op._inputs[2]) else None])])
no_gradient('SparseAddGrad')


@register_gradient('SparseAdd')
def _sparse_add_grad(op, *grads):
    """Each operand's values get the sum's gradient at their index (SparseAddGrad matches the indices)."""
    a_grad, b_grad = op_builder.apply('SparseAddGrad', [grads[1], op._inputs[0], op._inputs[3],
                                                        op._outputs[0]])._outputs
    return [None, a_grad, None, None, b_grad, None, None]


def sparse_add(a, b, threshold=None, thresh=None):
    """a + b for two SparseTensors (a SparseTensor: sums whose magnitude is below threshold are dropped) or a
    SparseTensor and a Tensor (a Tensor). `thresh` is threshold's deprecated name."""
    thresh = threshold if threshold is not None else (thresh if thresh is not None else 0)
    a_sparse, b_sparse = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sparse or b_sparse):
        raise TypeError('At least one input should be SparseTensor; do you mean to use tf.add()?')
    if a_sparse and b_sparse:
        a.get_shape().assert_is_compatible_with(b.get_shape())
        thresh = _graph.convert_to_tensor(thresh, dtype=a.values.dtype.real_dtype, name='threshold')
        op = op_builder.apply('SparseAdd', [a.indices, a.values, a.dense_shape, b.indices, b.values,
                                            b.dense_shape, thresh])
        static = a.get_shape().merge_with(b.get_shape())
        shape = op._outputs[2]
        if static.is_fully_defined():
            shape = constant_op.constant(static.as_list(), dtype=dtypes.int64)
        return SparseTensor(op._outputs[0], op._outputs[1], shape)
    if b_sparse:
        a, b = b, a
    return sparse_tensor_dense_add(a, _graph.convert_to_tensor(b, dtype=a.dtype))


# -- SparseConcat -------------------------------------------------------------------------------------
def _concat_shape(op):
    n = op._attrs['N']
    rank = _rank_from(*op._inputs[2 * n:])
    counts = [(_dims(t) or [None])[0] for t in op._inputs[:n]]
    total = None if None in counts else sum(counts)
    return [TensorShape([total, rank]), TensorShape([total]), TensorShape([rank])]


register_op('SparseConcat', ['indices: N * int64', 'values: N * T', 'shapes: N * int64'], _SPARSE_OUT,
            {'concat_dim': 'int', 'N': 'int', 'T': 'type'},
            lambda op: _concat_shape(op))
no_gradient('SparseConcat')


def sparse_concat(axis, sp_inputs, name=None, expand_nonconcat_dim=False, concat_dim=None,
                  expand_nonconcat_dims=None):
    """The SparseTensors concatenated along axis (their other dimensions must match, or are grown to the
    largest with expand_nonconcat_dim)."""
    if concat_dim is not None:
        axis = concat_dim
    if expand_nonconcat_dims is not None:
        expand_nonconcat_dim = expand_nonconcat_dims
    sp_inputs = [_as_sparse(s) for s in sp_inputs]
    if len(sp_inputs) == 1:
        return sp_inputs[0]
    shapes = [s.dense_shape for s in sp_inputs]
    if expand_nonconcat_dim:
        rank = _rank_from(*shapes)
        axis = int(axis) + rank if rank is not None and int(axis) < 0 else int(axis)
        largest = math_ops.reduce_max(array_ops.stack(shapes), axis=0)
        shapes = [array_ops.concat([largest[:axis], s[axis:axis + 1], largest[axis + 1:]], 0) for s in shapes]
    op = op_builder.apply('SparseConcat', [[s.indices for s in sp_inputs], [s.values for s in sp_inputs], shapes],
                          {'concat_dim': int(axis)}, name)
    statics = [s.get_shape() for s in sp_inputs]
    shape = op._outputs[2]
    if not expand_nonconcat_dim and all(s.is_fully_defined() for s in statics):
        dims = statics[0].as_list()
        axis_n = int(axis) % len(dims)
        dims[axis_n] = sum(s.as_list()[axis_n] for s in statics)
        shape = constant_op.constant(dims, dtype=dtypes.int64)
    return SparseTensor(op._outputs[0], op._outputs[1], shape)


# -- SparseSplit --------------------------------------------------------------------------------------
def _split_shape(op):
    n, rank = op._attrs['num_split'], _rank_of(op._inputs[3])
    return [TensorShape([None, rank])] * n + [TensorShape([None])] * n + [TensorShape([rank])] * n


register_op('SparseSplit', ['split_dim: int64', 'indices: int64', 'values: T', 'shape: int64'],
            ['output_indices: num_split * int64', 'output_values: num_split * T', 'output_shape: num_split * int64'],
            {'num_split': 'int', 'T': 'type'}, _split_shape)
no_gradient('SparseSplit')


def sparse_split(keyword_required=None, sp_input=None, num_split=None, axis=None, name=None, split_dim=None):
    """num_split SparseTensors cut from sp_input along axis (the first size % num_split pieces are one larger)."""
    if keyword_required is not None:
        raise ValueError('Keyword arguments are required for this function.')
    if split_dim is not None:
        axis = split_dim
    if sp_input is None:
        raise ValueError('sp_input is required')
    if num_split is None:
        raise ValueError('num_split is required')
    if axis is None:
        raise ValueError('axis is required')
    sp_input = _as_sparse(sp_input)
    outs = op_builder.apply('SparseSplit', [_graph.convert_to_tensor(axis, dtype=dtypes.int64), sp_input.indices,
                                            sp_input.values, sp_input.dense_shape],
                            {'num_split': int(num_split)}, name)._outputs
    n = int(num_split)
    return [SparseTensor(outs[i], outs[n + i], outs[2 * n + i]) for i in range(n)]


# -- SparseSlice --------------------------------------------------------------------------------------
register_op('SparseSlice', ['indices: int64', 'values: T', 'shape: int64', 'start: int64', 'size: int64'],
            _SPARSE_OUT, {'T': 'type'},
            lambda op: [TensorShape([None, _rank_of(op._inputs[2])]), TensorShape([None]), op._inputs[2]._shape])
register_op('SparseSliceGrad', ['backprop_val_grad: T', 'input_indices: int64', 'input_start: int64',
                                'output_indices: int64'], ['val_grad: T'], {'T': 'type'},
            lambda op: [TensorShape([_dims(op._inputs[1])[0] if _dims(op._inputs[1]) else None])])
no_gradient('SparseSliceGrad')


@register_gradient('SparseSlice')
def _sparse_slice_grad(op, *grads):
    indices, start = op._inputs[0], op._inputs[3]
    val_grad = op_builder.output('SparseSliceGrad', [grads[1], indices, start, op._outputs[0]])
    return [None, val_grad, None, None, None]


def sparse_slice(sp_input, start, size, name=None):
    """The entries of sp_input inside the box [start, start + size), re-indexed from start."""
    sp_input = _as_sparse(sp_input)
    op = op_builder.apply('SparseSlice', [sp_input.indices, sp_input.values, sp_input.dense_shape,
                                          _graph.convert_to_tensor(start, dtype=dtypes.int64),
                                          _graph.convert_to_tensor(size, dtype=dtypes.int64)], None, name)
    return SparseTensor(*op._outputs)


# -- SparseFillEmptyRows --------------------------------------------------------------------------------
def _dense_rows(dense_shape):
    value = shape_fns.constant_value(dense_shape)
    return None if value is None or not np.size(value) else int(np.reshape(value, [-1])[0])


register_op('SparseFillEmptyRows', ['indices: int64', 'values: T', 'dense_shape: int64', 'default_value: T'],
            ['output_indices: int64', 'output_values: T', 'empty_row_indicator: bool', 'reverse_index_map: int64'],
            {'T': 'type'},
            lambda op: [TensorShape([None, _rank_of(op._inputs[2])]), TensorShape([None]),
                        TensorShape([_dense_rows(op._inputs[2])]),
                        TensorShape([_dims(op._inputs[0])[0] if _dims(op._inputs[0]) else None])])
register_op('SparseFillEmptyRowsGrad', ['reverse_index_map: int64', 'grad_values: T'],
            ['d_values: T', 'd_default_value: T'], {'T': 'type'},
            lambda op: [op._inputs[0]._shape, TensorShape([])])
no_gradient('SparseFillEmptyRowsGrad')


@register_gradient('SparseFillEmptyRows')
def _sparse_fill_empty_rows_grad(op, *grads):
    d_values, d_default = op_builder.apply('SparseFillEmptyRowsGrad', [op._outputs[3], grads[1]])._outputs
    return [None, d_values, None, d_default]


def sparse_fill_empty_rows(sp_input, default_value, name=None):
    """(sp_input with an entry [row, 0, ...] = default_value in each empty row, the empty-row indicator)."""
    sp_input = _as_sparse(sp_input)
    default_value = _graph.convert_to_tensor(default_value, dtype=sp_input.values.dtype)
    op = op_builder.apply('SparseFillEmptyRows', [sp_input.indices, sp_input.values, sp_input.dense_shape,
                                                  default_value], None, name)
    return SparseTensor(op._outputs[0], op._outputs[1], sp_input.dense_shape), op._outputs[2]


# -- SparseSparseMaximum, SparseSparseMinimum ---------------------------------------------------------------
for _kind in ('Maximum', 'Minimum'):
    register_op('SparseSparse' + _kind, ['a_indices: int64', 'a_values: T', 'a_shape: int64', 'b_indices: int64',
                                         'b_values: T', 'b_shape: int64'], ['output_indices: int64',
                                                                            'output_values: T'], {'T': 'type'},
                lambda op: [TensorShape([None, None]), TensorShape([None])])


@register_gradient('SparseSparseMaximum')
def _sparse_sparse_maximum_grad(op, *grads):
    raise NotImplementedError('Gradient for SparseSparseMaximum is currently not implemented yet.')


@register_gradient('SparseSparseMinimum')
def _sparse_sparse_minimum_grad(op, *grads):
    raise NotImplementedError('Gradient for SparseSparseMinimum is currently not implemented yet.')


def _sparse_sparse(kind, sp_a, sp_b, name):
    sp_a, sp_b = _as_sparse(sp_a), _as_sparse(sp_b)
    op = op_builder.apply('SparseSparse' + kind, [sp_a.indices, sp_a.values, sp_a.dense_shape, sp_b.indices,
                                                  sp_b.values, sp_b.dense_shape], None, name)
    return SparseTensor(op._outputs[0], op._outputs[1], sp_a.dense_shape)


def sparse_maximum(sp_a, sp_b, name=None):
    """The elementwise maximum of two SparseTensors of one shape (a missing entry counts as 0)."""
    return _sparse_sparse('Maximum', sp_a, sp_b, name)


def sparse_minimum(sp_a, sp_b, name=None):
    return _sparse_sparse('Minimum', sp_a, sp_b, name)


# -- Python over other ops, as in TF 1.15 ---------------------------------------------------------------
def sparse_retain(sp_input, to_retain):
    """sp_input keeping the entries where the bool vector to_retain is True (a gather of both parts)."""
    sp_input = _as_sparse(sp_input)
    to_retain = _graph.convert_to_tensor(to_retain)
    to_retain.shape.with_rank(1)
    sp_input.values.shape[0].merge_with(to_retain.shape[0])
    where_true = array_ops.reshape(indexing_ops.where(to_retain), [-1])
    return SparseTensor(indexing_ops.gather(sp_input.indices, where_true),
                        indexing_ops.gather(sp_input.values, where_true), graph_ops.identity(sp_input.dense_shape))


def sparse_transpose(sp_input, perm=None, name=None):
    """sp_input with its dimensions permuted (reversed when perm is None), reordered to row-major."""
    sp_input = _as_sparse(sp_input)
    with _graph.name_scope(name, 'SparseTranspose', [sp_input]):
        if perm is None:
            rank = array_ops.size(sp_input.dense_shape)  # the rank of the dense value
            perm = (rank - 1) - filling_ops.range(0, rank, 1)
        indices = sp_input.indices
        transposed_indices = array_ops.transpose(indexing_ops.gather(array_ops.transpose(indices), perm))
        shape = sp_input.dense_shape
        perm_value = shape_fns.constant_value(_graph.convert_to_tensor(perm)) \
            if not isinstance(perm, (list, tuple)) else np.asarray(perm)
        static = shape_fns.constant_value(shape)
        if perm_value is not None and static is not None:
            transposed_shape = constant_op.constant(np.asarray(static)[np.asarray(perm_value)], dtype=dtypes.int64)
        else:
            transposed_shape = indexing_ops.gather(shape, perm)
        return sparse_reorder(SparseTensor(transposed_indices, sp_input.values, transposed_shape))


def from_dense(tensor, name=None):
    """The SparseTensor of tensor's non-zero entries (row-major order)."""
    with _graph.name_scope(name, 'dense_to_sparse'):
        tensor = _graph.convert_to_tensor(tensor)
        indices = indexing_ops.where(math_ops.not_equal(tensor, array_ops.zeros_like(tensor)))
        values = indexing_ops.gather_nd(tensor, indices)
        shape = array_ops.shape(tensor, out_type=dtypes.int64)
        return SparseTensor(indices, values, shape)


def sparse_expand_dims(sp_input, axis=None, name=None):
    """sp_input with a dimension of size 1 inserted at axis (negative axes count from the end, -1 appends)."""
    sp_input = _as_sparse(sp_input)
    with _graph.name_scope(name, 'expand_dims', [sp_input]):
        axis = _graph.convert_to_tensor(0 if axis is None else axis, dtype=dtypes.int32)
        rank = math_ops.cast(array_ops.shape(sp_input.dense_shape)[0], dtypes.int32)
        axis = math_ops.floormod(axis, rank + 1)  # axis in [-rank - 1, rank] -> [0, rank]
        column = array_ops.zeros_like(sp_input.indices[:, :1])
        indices = array_ops.concat([sp_input.indices[:, :axis], column, sp_input.indices[:, axis:]], axis=1)
        one = array_ops.ones([1], dtypes.int64)
        shape = array_ops.concat([sp_input.dense_shape[:axis], one, sp_input.dense_shape[axis:]], 0)
        return SparseTensor(indices, sp_input.values, shape)


def sparse_eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """The identity matrix [num_rows, num_columns] as a SparseTensor."""
    with _graph.name_scope(name, 'eye', [num_rows, num_columns]):
        num_rows = math_ops.cast(_graph.convert_to_tensor(num_rows), dtypes.int64)
        num_columns = num_rows if num_columns is None else \
            math_ops.cast(_graph.convert_to_tensor(num_columns), dtypes.int64)
        diag_size = math_ops.minimum(num_rows, num_columns)
        diag_range = filling_ops.range(diag_size)
        return SparseTensor(indices=array_ops.stack([diag_range, diag_range], axis=1),
                            values=array_ops.ones(array_ops.reshape(diag_size, [1]), dtype=dtype),
                            dense_shape=array_ops.stack([num_rows, num_columns]))


def sparse_to_indicator(sp_input, vocab_size, name=None):
    """The bool dense [..., vocab_size] tensor that is True at [..., id] for each id in sp_input's last
    dimension's values (which are ids in [0, vocab_size))."""
    sp_input = _as_sparse(sp_input)
    with _graph.name_scope(name, 'SparseToIndicator', [sp_input]) as scope:
        num_entries = array_ops.shape(sp_input.indices)[0]
        new_values = filling_ops.fill(array_ops.expand_dims(num_entries, 0), True)
        sp_values = SparseTensor(sp_input.indices, new_values, sp_input.dense_shape)
        ids = math_ops.cast(sp_input.values, dtypes.int64)
        new_indices = array_ops.concat([sp_input.indices[:, :-1], array_ops.expand_dims(ids, 1)], 1)
        new_shape = array_ops.concat([sp_input.dense_shape[:-1],
                                      array_ops.reshape(math_ops.cast(vocab_size, dtypes.int64), [1])], 0)
        ordered = sparse_reorder(SparseTensor(new_indices, sp_values.values, new_shape))
        return sparse_to_dense(ordered.indices, ordered.dense_shape, ordered.values, default_value=False,
                               validate_indices=False, name=scope)


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor of three placeholders (name/indices, name/values, name/shape); a dense shape given in
    full becomes a constant. Feed it a SparseTensorValue or an (indices, values, dense_shape) tuple."""
    shape_name = None if name is None else name + '/shape'
    rank = None
    if shape is not None:
        rank = shape.shape[0].value if isinstance(shape, _graph.Tensor) else len(shape)
        if not isinstance(shape, _graph.Tensor) and None in list(shape):
            shape = None
        elif not isinstance(shape, _graph.Tensor):
            shape = _graph.convert_to_tensor(shape, dtype=dtypes.int64, name=shape_name)
    if shape is None:
        shape = graph_ops.placeholder(dtypes.int64, shape=[rank], name=shape_name)
    return SparseTensor(values=graph_ops.placeholder(dtype, shape=[None],
                                                     name=None if name is None else name + '/values'),
                        indices=graph_ops.placeholder(dtypes.int64, shape=[None, rank],
                                                      name=None if name is None else name + '/indices'),
                        dense_shape=shape)


def sparse_reset_shape(sp_input, new_shape=None):
    """sp_input with dense shape new_shape (no smaller than the old one), or, when None, the tightest shape
    holding its indices (max index + 1 in each dimension)."""
    from sluice.ops import check_ops, control_flow_ops
    sp_input = _as_sparse(sp_input)
    indices, values = graph_ops.identity(sp_input.indices), graph_ops.identity(sp_input.values)
    in_shape = graph_ops.identity(sp_input.dense_shape)
    if new_shape is None:
        tightest = math_ops.reduce_max(indices, axis=0) + array_ops.ones_like(in_shape)
        return SparseTensor(indices, values, math_ops.maximum(constant_op.constant(0, dtypes.int64), tightest))
    shape = math_ops.cast(_graph.convert_to_tensor(new_shape), dtypes.int64)
    shape.shape.with_rank(1)
    shape.shape[0].merge_with(in_shape.shape[0])
    known = shape_fns.constant_value(shape)
    if known is not None and sp_input.get_shape().is_fully_defined():
        old = np.array(sp_input.get_shape().as_list())
        if not np.all(old <= known):
            raise ValueError('Requested new_shape should have dimension sizes >= sp_input.shape.  Found new_shape '
                             '(%s), sp_input.shape (%s).' % (old, known))
        return SparseTensor(indices, values, constant_op.constant(known, dtype=dtypes.int64))
    shape = control_flow_ops.with_dependencies(
        [check_ops.assert_equal(array_ops.shape(in_shape), array_ops.shape(shape))], shape)
    shape = control_flow_ops.with_dependencies([check_ops.assert_less_equal(in_shape, shape)], shape)
    return SparseTensor(indices, values, shape)
