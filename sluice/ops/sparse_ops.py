"""The SparseTensor ops that read or make dense tensors, each a block (declaration, gradient, public
function): SparseToDense (tf.sparse_to_dense, tf.sparse.to_dense), SparseTensorDenseMatMul
(tf.sparse.sparse_dense_matmul), SparseReduceSum/Max and their *Sparse forms, SparseTensorDenseAdd and
SparseDenseCwiseAdd/Mul/Div (SparseTensor (op) Tensor), SparseSoftmax, SparseReorder, SparseReshape.
The ops that make SparseTensors from SparseTensors (add, concat, split, slice, ...) are in
ops/sparse_manip_ops.py; kernels in kernels/sparse_kernels.py.

A SparseTensor is the three tensors (indices int64 [N, rank], values [N], dense_shape int64 [rank]); an op
takes them as three inputs. Gradients flow to `values` only (and to a dense operand), as in TF 1.15.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, constant_op, filling_ops, graph_ops, indexing_ops, math_ops, reduction_ops, shape_fns
from sluice.ops.elementwise import NUMBER
from sluice.ops.math_ops import _shape_error
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['sparse_to_dense', 'sparse_tensor_to_dense', 'sparse_tensor_dense_matmul', 'sparse_reduce_sum',
           'sparse_reduce_sum_sparse', 'sparse_reduce_max', 'sparse_reduce_max_sparse', 'sparse_softmax',
           'sparse_reorder', 'sparse_reshape']  # TF 1.15's top-level names (the cwise functions serve operators)

_INDEX_TYPES = (dtypes.int32, dtypes.int64)


def _dims(t):
    return t._shape._dims


def _rank_of(shape_tensor):
    """The rank a dense_shape vector states statically (its length), or None."""
    dims = _dims(shape_tensor)
    return None if dims is None or len(dims) != 1 else dims[0]


def _as_sparse(sp_input, what='sp_input'):
    if isinstance(sp_input, SparseTensor):
        return sp_input
    from sluice.ops.sparse_tensor import SparseTensorValue
    if isinstance(sp_input, SparseTensorValue):
        return SparseTensor.from_value(sp_input)
    raise TypeError('Input must be a SparseTensor.' if what == 'sp_input' else '%s must be a SparseTensor' % what)


# -- SparseToDense -------------------------------------------------------------------------------------
def _sparse_to_dense_shape(op):
    return [shape_fns.constant_value_as_shape(op._inputs[1])]


register_op('SparseToDense', ['sparse_indices: Tindices', 'output_shape: Tindices', 'sparse_values: T',
                              'default_value: T'], ['dense: T'],
            {'validate_indices': ('bool', True), 'T': 'type', 'Tindices': 'type'}, _sparse_to_dense_shape,
            allowed={'Tindices': _INDEX_TYPES})


@register_gradient('SparseToDense')
def _sparse_to_dense_grad(op, grad):
    sparse_indices, output_shape = op._inputs[:2]
    values_grad = indexing_ops.gather_nd(grad, sparse_indices)
    default_grad = math_ops.reduce_sum(grad) - math_ops.reduce_sum(values_grad)
    return [array_ops.zeros_like(sparse_indices), array_ops.zeros_like(output_shape), values_grad, default_grad]


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0, validate_indices=True, name=None):
    """A dense tensor of output_shape holding sparse_values at sparse_indices and default_value elsewhere."""
    return op_builder.output('SparseToDense', [sparse_indices, output_shape, sparse_values, default_value],
                             {'validate_indices': bool(validate_indices)}, name)


def sparse_tensor_to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor sp_input stands for (TF 1.15: SparseToDense of its three tensors)."""
    sp_input = _as_sparse(sp_input)
    if default_value is None:
        default_value = np.zeros([], sp_input.dtype.as_numpy_dtype)
    return sparse_to_dense(sp_input.indices, sp_input.dense_shape, sp_input.values, default_value=default_value,
                           validate_indices=validate_indices, name=name)


# -- SparseTensorDenseMatMul -----------------------------------------------------------------------------
def _matmul_shape(op):
    a_shape = shape_fns.constant_value_as_shape(op._inputs[2])
    b = _dims(op._inputs[3])
    adj_a, adj_b = op._attrs['adjoint_a'], op._attrs['adjoint_b']
    if b is not None and len(b) != 2:
        raise _shape_error(op, 'Shape must be rank 2 but is rank %d' % len(b))
    if a_shape.ndims is not None and a_shape.ndims != 2:
        raise _shape_error(op, 'Shape must be rank 2 but is rank %d' % a_shape.ndims)
    a_dims = [None, None] if a_shape.ndims is None else list(a_shape.as_list())
    if adj_a:
        a_dims.reverse()
    b_dims = [None, None] if b is None else list(b)
    if adj_b:
        b_dims.reverse()
    if a_dims[1] is not None and b_dims[0] is not None and a_dims[1] != b_dims[0]:
        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (a_dims[1], b_dims[0]))
    return [TensorShape([a_dims[0], b_dims[1]])]


register_op('SparseTensorDenseMatMul', ['a_indices: Tindices', 'a_values: T', 'a_shape: int64', 'b: T'],
            ['product: T'], {'T': 'type', 'Tindices': ('type', dtypes.int64), 'adjoint_a': ('bool', False),
                             'adjoint_b': ('bool', False)}, _matmul_shape, allowed={'Tindices': _INDEX_TYPES})


@register_gradient('SparseTensorDenseMatMul')
def _sparse_dense_matmul_grad(op, grad):
    """d values: grad[row] . b[col] (adjoints swap the roles); d b: A^T (or A) times grad."""
    a_indices, a_values, a_shape, b = op._inputs
    adj_a, adj_b = op.get_attr('adjoint_a'), op.get_attr('adjoint_b')
    b_grad = op_builder.output('SparseTensorDenseMatMul', [a_indices, a_values, a_shape, grad],
                               {'adjoint_a': not adj_a})
    if adj_b:
        b_grad = array_ops.transpose(b_grad)
    rows = array_ops.reshape(array_ops.slice(a_indices, [0, 0], [-1, 1]), [-1])
    cols = array_ops.reshape(array_ops.slice(a_indices, [0, 1], [-1, 1]), [-1])
    parts_a = indexing_ops.gather(grad, cols if adj_a else rows)
    parts_b = indexing_ops.gather(array_ops.transpose(b) if adj_b else b, rows if adj_a else cols)
    values_grad = math_ops.reduce_sum(parts_a * parts_b, axis=1)
    return [None, values_grad, None, b_grad]


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """The dense product of the rank-2 SparseTensor sp_a (or its adjoint) and the matrix b (or its adjoint)."""
    sp_a = _as_sparse(sp_a, 'sp_a')
    return op_builder.output('SparseTensorDenseMatMul', [sp_a.indices, sp_a.values, sp_a.dense_shape, b],
                             {'adjoint_a': bool(adjoint_a), 'adjoint_b': bool(adjoint_b)}, name,
                             default_name='SparseTensorDenseMatMul')


# -- SparseReduceSum, SparseReduceMax and their sparse-output forms ----------------------------------------
def _reduce_shape(op):
    """The dense result's static shape when the dense shape and the axes are constants (TF: unknown)."""
    shape = shape_fns.constant_value(op._inputs[2])
    axes = shape_fns.constant_value(op._inputs[3])
    if shape is None or axes is None:
        return [unknown_shape()]
    rank = len(shape)
    axes = {int(a) % rank for a in np.reshape(axes, [-1])} if rank else set()
    keep = op._attrs['keep_dims']
    return [TensorShape([1 if i in axes else int(d) for i, d in enumerate(shape) if keep or i not in axes])]


_SPARSE_IN = ['input_indices: int64', 'input_values: T', 'input_shape: int64', 'reduction_axes: int32']
_SPARSE_OUT = ['output_indices: int64', 'output_values: T', 'output_shape: int64']
for _kind in ('Sum', 'Max'):
    register_op('SparseReduce' + _kind, _SPARSE_IN, ['output: T'], {'keep_dims': ('bool', False), 'T': 'type'},
                _reduce_shape, allowed={'T': NUMBER})
    register_op('SparseReduce%sSparse' % _kind, _SPARSE_IN, _SPARSE_OUT,
                {'keep_dims': ('bool', False), 'T': 'type'}, lambda op: [unknown_shape()] * 3, allowed={'T': NUMBER})
no_gradient('SparseReduceSumSparse')
no_gradient('SparseReduceMax')
no_gradient('SparseReduceMaxSparse')


@register_gradient('SparseReduceSum')
def _sparse_reduce_sum_grad(op, grad):
    """Each value gets the gradient of the output cell it was summed into."""
    sp_indices, sp_shape = op._inputs[0], op._inputs[2]
    kept_shape = reduction_ops.reduced_shape(sp_shape, op._inputs[3])
    grad = array_ops.reshape(grad, kept_shape)
    scale = sp_shape // math_ops.cast(kept_shape, dtypes.int64)
    return [None, indexing_ops.gather_nd(grad, sp_indices // scale), None, None]


def _reduce_axes(axis, reduction_axes, rank_tensor_of):
    """TF 1.15's axis argument: None reduces every dimension (range(rank))."""
    if axis is None:
        axis = reduction_axes
    if axis is None:
        rank = _rank_of(rank_tensor_of)
        if rank is not None:  # a constant, so the result's static shape is known
            return np.arange(rank, dtype=np.int32)
        return filling_ops.range(0, array_ops.size(rank_tensor_of))
    return axis


def _keep(keepdims, keep_dims):
    if keepdims is not None and keep_dims is not None:
        raise ValueError('Cannot specify both keepdims and keep_dims')
    return bool(keepdims if keepdims is not None else keep_dims)


def _reduce(kind, sparse_out, sp_input, axis, keepdims, reduction_axes, keep_dims):
    sp_input = _as_sparse(sp_input)
    axes = _reduce_axes(axis, reduction_axes, sp_input.dense_shape)
    op_type = 'SparseReduce%s%s' % (kind, 'Sparse' if sparse_out else '')
    op = op_builder.apply(op_type, [sp_input.indices, sp_input.values, sp_input.dense_shape, axes],
                          {'keep_dims': _keep(keepdims, keep_dims)})
    if sparse_out:
        return SparseTensor(*op._outputs)
    return op._outputs[0]


def sparse_reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """The dense sum of sp_input over axis (all axes when None)."""
    return _reduce('Sum', False, sp_input, axis, keepdims, reduction_axes, keep_dims)


def sparse_reduce_sum_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """sparse_reduce_sum returning a SparseTensor of the cells that received values."""
    return _reduce('Sum', True, sp_input, axis, keepdims, reduction_axes, keep_dims)


def sparse_reduce_max(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    """The dense max of sp_input's values over axis; implicit zeros take no part, empty cells are 0."""
    return _reduce('Max', False, sp_input, axis, keepdims, reduction_axes, keep_dims)


def sparse_reduce_max_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None):
    return _reduce('Max', True, sp_input, axis, keepdims, reduction_axes, keep_dims)


# -- SparseTensorDenseAdd and SparseDenseCwise{Add,Mul,Div} -------------------------------------------------
register_op('SparseTensorDenseAdd', ['a_indices: Tindices', 'a_values: T', 'a_shape: Tindices', 'b: T'],
            ['output: T'], {'T': 'type', 'Tindices': 'type'}, lambda op: [op._inputs[3]._shape],
            allowed={'T': NUMBER, 'Tindices': _INDEX_TYPES})


@register_gradient('SparseTensorDenseAdd')
def _sparse_tensor_dense_add_grad(op, grad):
    return [None, indexing_ops.gather_nd(grad, op._inputs[0]), None, grad]


def sparse_tensor_dense_add(sp_input, dense, name=None):
    sp_input = _as_sparse(sp_input)
    return op_builder.output('SparseTensorDenseAdd', [sp_input.indices, sp_input.values, sp_input.dense_shape,
                                                      dense], None, name)


for _kind in ('Add', 'Mul', 'Div'):
    register_op('SparseDenseCwise' + _kind, ['sp_indices: int64', 'sp_values: T', 'sp_shape: int64', 'dense: T'],
                ['output: T'], {'T': 'type'}, lambda op: [TensorShape([_dims(op._inputs[0])[0]
                                                                        if _dims(op._inputs[0]) else None])],
                allowed={'T': NUMBER})


@register_gradient('SparseDenseCwiseAdd')
def _sparse_dense_cwise_add_grad(op, grad):
    raise NotImplementedError('Gradient for SparseDenseCwiseAdd is currently not implemented yet.')


def _cwise_mul_or_div_grad(op, grad, is_mul):
    """d values: grad times (or over) the dense value each entry met; d dense: those products summed back
    into the dense operand's cells (its broadcast dimensions reduce)."""
    x_indices, x_values, x_shape, y = op._inputs
    if _dims(y) is not None and len(_dims(y)) == 0:  # a scalar operand: every entry met it
        dx, dy_val = (grad * y, grad * x_values) if is_mul else (grad / y, grad * (-x_values / math_ops.square(y)))
        return [None, dx, None, math_ops.reduce_sum(dy_val)]
    y_shape = math_ops.cast(array_ops.shape(y), dtypes.int64)
    added = array_ops.expand_dims(array_ops.size(x_shape) - array_ops.size(y_shape), 0)
    augmented = array_ops.concat([array_ops.ones(added, dtypes.int64), y_shape], 0)
    scaled = x_indices // (x_shape // augmented)
    scaled = array_ops.slice(scaled, array_ops.concat([[0], added], 0), [-1, -1])
    dense_vals = indexing_ops.gather_nd(y, scaled)
    if is_mul:
        dx, dy_val = grad * dense_vals, grad * x_values
    else:
        dx, dy_val = grad / dense_vals, grad * (-x_values / math_ops.square(dense_vals))
    dy = sparse_tensor_dense_add(SparseTensor(scaled, dy_val, y_shape), array_ops.zeros_like(y))
    return [None, dx, None, dy]


register_gradient('SparseDenseCwiseMul')(lambda op, grad: _cwise_mul_or_div_grad(op, grad, True))
register_gradient('SparseDenseCwiseDiv')(lambda op, grad: _cwise_mul_or_div_grad(op, grad, False))


def _cwise(kind, sp_input, dense, name):
    sp_input = _as_sparse(sp_input)
    return op_builder.output('SparseDenseCwise' + kind, [sp_input.indices, sp_input.values, sp_input.dense_shape,
                                                         dense], None, name)


def sparse_dense_cwise_add(sp_input, dense, name=None):
    """The values of sp_input plus the dense tensor (broadcast to sp_input's shape) at their indices."""
    return _cwise('Add', sp_input, dense, name)


def sparse_dense_cwise_mul(sp_input, dense, name=None):
    return _cwise('Mul', sp_input, dense, name)


def sparse_dense_cwise_div(sp_input, dense, name=None):
    return _cwise('Div', sp_input, dense, name)


# -- SparseSoftmax -------------------------------------------------------------------------------------
register_op('SparseSoftmax', ['sp_indices: int64', 'sp_values: T', 'sp_shape: int64'], ['output: T'],
            {'T': 'type'}, lambda op: [op._inputs[1]._shape], allowed={'T': (dtypes.float16, dtypes.float32,
                                                                            dtypes.float64)})


@register_gradient('SparseSoftmax')
def _sparse_softmax_grad(op, grad):
    """(grad - sum over the row of grad * softmax) * softmax, the rows being the innermost groups."""
    indices, _, shape = op._inputs
    out = op._outputs[0]
    row_sums = -sparse_reduce_sum(SparseTensor(indices, out * grad, shape), [-1], keepdims=True)
    summed = sparse_dense_cwise_add(SparseTensor(indices, grad, shape), row_sums)
    return [None, summed * out, None]


def sparse_softmax(sp_input, name=None):
    """Softmax over the innermost dimension of each row of sp_input's entries (implicit zeros take no part)."""
    sp_input = _as_sparse(sp_input)
    values = op_builder.output('SparseSoftmax', [sp_input.indices, sp_input.values, sp_input.dense_shape], None,
                               name)
    return SparseTensor(sp_input.indices, values, sp_input.dense_shape)


# -- SparseReorder -------------------------------------------------------------------------------------
register_op('SparseReorder', ['input_indices: int64', 'input_values: T', 'input_shape: int64'],
            ['output_indices: int64', 'output_values: T'], {'T': 'type'},
            lambda op: [op._inputs[0]._shape, op._inputs[1]._shape])


@register_gradient('SparseReorder')
def _sparse_reorder_grad(op, _, values_grad):
    """The values' gradient, put back in the input's order (the inverse of the reordering)."""
    input_indices, input_shape = op._inputs[0], op._inputs[2]
    entries = filling_ops.range(array_ops.shape(input_indices)[0])
    ordered = sparse_reorder(SparseTensor(input_indices, entries, input_shape))
    return [None, indexing_ops.gather(values_grad, array_ops.invert_permutation(ordered.values)), None]


def sparse_reorder(sp_input, name=None):
    """sp_input with its entries in row-major (canonical) order; the dense value is unchanged."""
    sp_input = _as_sparse(sp_input)
    op = op_builder.apply('SparseReorder', [sp_input.indices, sp_input.values, sp_input.dense_shape], None, name)
    shape = sp_input.dense_shape
    return SparseTensor(op._outputs[0], op._outputs[1], shape)


# -- SparseReshape -------------------------------------------------------------------------------------
def _reshape_shape(op):
    rank = _rank_of(op._inputs[2])
    entries = _dims(op._inputs[0])
    return [TensorShape([entries[0] if entries else None, rank]), TensorShape([rank])]


register_op('SparseReshape', ['input_indices: int64', 'input_shape: int64', 'new_shape: int64'],
            ['output_indices: int64', 'output_shape: int64'], {}, _reshape_shape)
no_gradient('SparseReshape')


def _folded_shape(sp_input, shape):
    """TF 1.15's graph-time check and folding: with both shapes constant, the result shape is a constant
    (its one -1 dimension inferred), and a size mismatch is a ValueError."""
    new = shape_fns.constant_value(shape)
    if new is None:
        return None
    new = [int(d) for d in np.reshape(new, [-1])]
    if new.count(-1) > 1:
        raise ValueError('At most one dimension can be inferred (-1). Found: %s' % np.array(new))
    old = shape_fns.constant_value(sp_input.dense_shape)
    if old is None:
        return None
    total = int(np.prod(old))
    written = [None if d == -1 else d for d in new]
    if -1 in new:
        rest = [d for d in new if d != -1]
        new[new.index(-1)] = total // int(np.prod(rest)) if int(np.prod(rest)) else 0
    if int(np.prod(new)) != total:
        raise ValueError('Cannot reshape a tensor with %d elements to shape %s (%d elements).'
                         % (total, written, int(np.prod(new))))
    return np.array(new, np.int64)


def sparse_reshape(sp_input, shape, name=None):
    """sp_input reshaped as reshape would reshape its dense value (one -1 dimension is inferred)."""
    sp_input = _as_sparse(sp_input)
    with _graph.name_scope(name, 'SparseReshape', [sp_input.values]) as scope:
        shape = math_ops.cast(_graph.convert_to_tensor(shape, name='shape'), dtypes.int64)
        folded = _folded_shape(sp_input, shape)
        op = op_builder.apply('SparseReshape', [sp_input.indices, sp_input.dense_shape, shape], None, scope)
        indices, out_shape = op._outputs
        if folded is not None:
            out_shape = constant_op.constant(folded, dtype=dtypes.int64)
        return SparseTensor(indices, graph_ops.identity(sp_input.values), out_shape)
