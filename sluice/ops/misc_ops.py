"""Commonly used TF1 helpers built the way TF builds them: tf.eye (MatrixDiagV3 / MatrixSetDiagV3),
tf.norm, tf.sequence_mask, tf.unique (Unique), tf.broadcast_to (BroadcastTo), tf.tensordot,
tf.sort / tf.argsort (on TopKV2), tf.Print (Print) and tf.report_uninitialized_variables.

Compositions follow TF's Python (node names, dtypes, static shapes) so gradients flow through the
existing ops; the few new op types have kernels in kernels/misc_kernels.py.
"""
import builtins

import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, constant_op, graph_ops, math_ops, nn_ops, shape_fns
from sluice.ops.math_ops import _shape_error

__all__ = ['eye', 'norm', 'sequence_mask', 'unique', 'broadcast_to', 'tensordot', 'sort', 'argsort', 'Print',
           'report_uninitialized_variables', 'matrix_diag', 'matrix_set_diag']



# -- shape functions --
def _const_int(t):
    value = shape_fns.constant_value(t)
    return None if value is None or np.ndim(value) != 0 else int(value)


def _matrix_diag_shape(op):
    diag = op._inputs[0]._shape._dims
    k, rows, cols = (_const_int(t) for t in op._inputs[1:4])
    if diag is None:
        return [unknown_shape()]
    if len(diag) < 1:
        raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
    if k is None:
        return [unknown_shape(rank=len(diag) + 1)]
    n = diag[-1]
    min_rows = None if n is None else n + builtins.max(-k, 0)
    min_cols = None if n is None else n + builtins.max(k, 0)
    rows = min_rows if rows is None or rows < 0 else rows
    cols = min_cols if cols is None or cols < 0 else cols
    return [TensorShape(list(diag[:-1]) + [rows, cols])]


def _matrix_set_diag_shape(op):
    x = op._inputs[0]._shape
    if x._dims is not None and len(x._dims) < 2:
        raise _shape_error(op, 'Shape must be at least rank 2 but is rank %d' % len(x._dims))
    return [x]


def _unique_shape(op):
    x = op._inputs[0]._shape
    if x._dims is not None and len(x._dims) != 1:
        raise _shape_error(op, 'Shape must be rank 1 but is rank %d' % len(x._dims))
    return [TensorShape([None]), x if x._dims is not None else TensorShape([None])]


def _broadcast_to_shape(op):
    x = op._inputs[0]._shape._dims
    target = shape_fns.constant_value_as_shape(op._inputs[1])
    tdims = target._dims
    if x is None or tdims is None:
        return [target]
    if len(x) > len(tdims):
        raise _shape_error(op, 'Rank of input (%d) must be no greater than rank of output shape (%d)'
                           % (len(x), len(tdims)))
    out = list(tdims)
    for i in builtins.range(1, len(x) + 1):
        a, b = x[-i], tdims[-i]
        if a is None or a == 1:
            continue
        if b is None:
            out[-i] = a
        elif a != b:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (a, b))
    return [TensorShape(out)]


register_op('MatrixDiagV3', ['diagonal: T', 'k: int32', 'num_rows: int32', 'num_cols: int32', 'padding_value: T'],
            ['output: T'], {'T': 'type', 'align': ('string', 'RIGHT_LEFT')}, _matrix_diag_shape)
register_op('MatrixSetDiagV3', ['input: T', 'diagonal: T', 'k: int32'], ['output: T'],
            {'T': 'type', 'align': ('string', 'RIGHT_LEFT')}, _matrix_set_diag_shape)
register_op('Unique', ['x: T'], ['y: T', 'idx: out_idx'], {'T': 'type', 'out_idx': ('type', dtypes.int32)},
            _unique_shape)
register_op('BroadcastTo', ['input: T', 'shape: Tidx'], ['output: T'], {'T': 'type', 'Tidx': ('type', dtypes.int32)},
            _broadcast_to_shape)
register_op('Print', ['input: T', 'data: U'], ['output: T'],
            {'T': 'type', 'U': 'list(type)', 'message': ('string', ''), 'first_n': ('int', -1),
             'summarize': ('int', 3)}, shape_fns.unchanged, is_stateful=True)


# -- gradients --
@register_gradient('BroadcastTo')
def _broadcast_to_grad(op, grad):
    x, target = op._inputs
    input_shape = array_ops.shape(x, out_type=target.dtype.base_dtype)
    _, axes = op_builder.apply('BroadcastGradientArgs', [target, input_shape])._outputs
    summed = math_ops.reduce_sum(grad, axis=axes, keepdims=True)
    return [array_ops.reshape(summed, input_shape), None]


@register_gradient('Print')
def _print_grad(op, grad):
    return [grad] + [None] * (len(op._inputs) - 1)


@register_gradient('MatrixSetDiagV3')
def _matrix_set_diag_grad(op, grad):
    return [matrix_set_diag(grad, array_ops.zeros_like(op._inputs[1])), None, None]


no_gradient('Unique')


# -- matrix diagonals (the single-diagonal forms tf.eye needs) --
def matrix_diag(diagonal, name='diag', k=0, num_rows=-1, num_cols=-1, padding_value=0, align='RIGHT_LEFT'):
    diagonal = _graph.convert_to_tensor(diagonal, name='diagonal')
    return op_builder.apply('MatrixDiagV3', [diagonal, k, num_rows, num_cols, padding_value], {'align': align},
                  name)._outputs[0]


def matrix_set_diag(input, diagonal, name='set_diag', k=0, align='RIGHT_LEFT'):  # noqa: A002 - TF's name
    return op_builder.apply('MatrixSetDiagV3', [input, diagonal, k], {'align': align}, name)._outputs[0]


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """An identity matrix (or a batch of them): ones on the diagonal of a [rows, columns] matrix."""
    with name_scope(name, 'eye', [num_rows, num_columns, batch_shape]):
        is_square = num_columns is None
        batch_shape = [] if batch_shape is None else batch_shape
        num_columns = num_rows if num_columns is None else num_columns
        if isinstance(num_rows, Tensor) or isinstance(num_columns, Tensor):
            diag_size = math_ops.minimum(num_rows, num_columns)
        else:
            for v in (num_rows, num_columns):
                if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
                    raise TypeError('Arguments `num_rows` and `num_columns` must be positive integer values. '
                                    'Received: num_rows=%s, num_columns=%s' % (num_rows, num_columns))
            is_square = num_rows == num_columns
            diag_size = int(np.minimum(num_rows, num_columns))
        if isinstance(batch_shape, Tensor) or isinstance(diag_size, Tensor):
            batch_shape = _graph.convert_to_tensor(batch_shape, name='shape', dtype=dtypes.int32)
            diag_shape = array_ops.concat((batch_shape, [diag_size]), axis=0)
            if not is_square:
                shape = array_ops.concat((batch_shape, [num_rows, num_columns]), axis=0)
        else:
            batch_shape = [int(d) for d in batch_shape]
            diag_shape = batch_shape + [diag_size]
            if not is_square:
                shape = batch_shape + [num_rows, num_columns]
        diag_ones = array_ops.ones(diag_shape, dtype=dtype)
        if is_square:
            return matrix_diag(diag_ones)
        return matrix_set_diag(array_ops.zeros(shape, dtype=dtype), diag_ones)


# -- norm --
def norm(tensor, ord='euclidean', axis=None, keepdims=None, name=None, keep_dims=None):  # noqa: A002
    """Vector norms (euclidean, 1, inf, positive p) and matrix norms ('fro'/'euclidean', 1, inf) as TF."""
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError('Cannot specify both keep_dims and keepdims')
        keepdims = keep_dims
    keepdims = bool(keepdims)
    is_matrix_norm = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix_norm:
        axis = builtins.tuple(axis)
        if not isinstance(axis[0], int) or not isinstance(axis[1], int) or axis[0] == axis[1]:
            raise ValueError("'axis' must be None, an integer, or a tuple of 2 unique integers, got %s" % (axis,))
        supported = ['euclidean', 'fro', 1, 2, np.inf]
        if ord not in supported:
            raise ValueError("'ord' must be a supported matrix norm in %s, got %s" % (supported, ord))
    else:
        if not (isinstance(axis, int) or axis is None):
            raise ValueError("'axis' must be None, an integer, or a tuple of 2 unique integers, got %s" % (axis,))
        supported = ['euclidean', 1, 2, np.inf]
        if (not np.isreal(ord) or ord <= 0) and ord not in supported:
            raise ValueError("'ord' must be a supported vector norm, got %s" % (ord,))
        if axis is not None:
            axis = (axis,)
    with name_scope(name, 'norm', [tensor]):
        tensor = _graph.convert_to_tensor(tensor)
        if ord in ['fro', 'euclidean', 2, 2.0]:
            if is_matrix_norm and ord in [2, 2.0]:
                raise NotImplementedError('tf.norm with ord=2 over a matrix needs Svd, which sluice lacks')
            conj = math_ops.conj(tensor) if tensor.dtype.base_dtype.is_complex else tensor
            result = math_ops.sqrt(math_ops.reduce_sum(tensor * conj, axis, keepdims=True))
        else:
            result = math_ops.abs(tensor)
            if ord == 1:
                result = math_ops.reduce_sum(result, None if axis is None else axis[0], keepdims=True)
                if is_matrix_norm:
                    result = math_ops.reduce_max(result, None if axis is None else axis[1], keepdims=True)
            elif ord == np.inf:
                if is_matrix_norm:
                    result = math_ops.reduce_sum(result, axis[1], keepdims=True)
                result = math_ops.reduce_max(result, None if axis is None else axis[0], keepdims=True)
            else:
                result = math_ops.pow(math_ops.reduce_sum(math_ops.pow(result, ord), axis, keepdims=True),
                                      1.0 / ord)
        if not keepdims:
            result = array_ops.squeeze(result, axis)
        return result


# -- sequence_mask --
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """mask[i..., j] = j < lengths[i...]: range(maxlen) < expand_dims(lengths, -1), cast to dtype."""
    with name_scope(name, 'SequenceMask', [lengths, maxlen]):
        lengths = _graph.convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = math_ops.reduce_max(lengths, None, name='Max')
            maxlen = math_ops.maximum(constant_op.constant(0, maxlen.dtype), maxlen)
        else:
            maxlen = _graph.convert_to_tensor(maxlen)
        if maxlen.shape.ndims is not None and maxlen.shape.ndims != 0:
            raise ValueError('maxlen must be scalar for sequence_mask')
        row_vector = op_builder.output('Range', [constant_op.constant(0, maxlen.dtype), maxlen,
                                              constant_op.constant(1, maxlen.dtype)], name='Range')
        matrix = op_builder.output('Cast', [array_ops.expand_dims(lengths, -1)],
                                {'DstT': maxlen.dtype.base_dtype, 'Truncate': False}, name='Cast')
        result = math_ops.less(row_vector, matrix)
        static_max = shape_fns.constant_value(maxlen) if maxlen.op.type != 'Maximum' else None
        if static_max is None and maxlen.op.type == 'Maximum':  # TF's shape inference folds max(lengths)
            known = shape_fns.constant_value(lengths)
            static_max = None if known is None or known.size == 0 else max(0, int(np.max(known)))
        if static_max is not None:
            result.set_shape(lengths.shape.concatenate([int(static_max)]))
        dtype = dtypes.as_dtype(dtype)
        if dtype is None or result.dtype.base_dtype == dtype:
            return result
        return op_builder.output('Cast', [result], {'DstT': dtype, 'Truncate': False}, name='Cast')


# -- unique / broadcast_to --
def unique(x, out_idx=dtypes.int32, name=None):
    """(y, idx): the distinct elements of the 1-D x in order of first occurrence, and x's index into y."""
    op = op_builder.apply('Unique', [x], {'out_idx': dtypes.as_dtype(out_idx)}, name)
    return _UniqueOutput(*op._outputs)


class _UniqueOutput(builtins.tuple):
    __slots__ = ()
    _fields = ('y', 'idx')

    def __new__(cls, y, idx):
        return builtins.tuple.__new__(cls, (y, idx))

    y = property(lambda self: self[0])
    idx = property(lambda self: self[1])

    def __repr__(self):
        return 'Unique(y=%r, idx=%r)' % builtins.tuple(self)


def broadcast_to(input, shape, name=None):  # noqa: A002 - TF's name
    return op_builder.apply('BroadcastTo', [input, shape], None, name)._outputs[0]


# -- tensordot --
def _tensordot_reshape(a, axes, flipped=False):
    dims = a.shape._dims
    if a.shape.is_fully_defined() and isinstance(axes, (list, builtins.tuple)):
        shape_a = list(dims)
        axes = [i if i >= 0 else i + len(shape_a) for i in axes]
        free = [i for i in builtins.range(len(shape_a)) if i not in axes]
        free_dims = [shape_a[i] for i in free]
        prod_free = int(np.prod([shape_a[i] for i in free]))
        prod_axes = int(np.prod([shape_a[i] for i in axes]))
        perm = list(axes) + free if flipped else free + list(axes)
        new_shape = [prod_axes, prod_free] if flipped else [prod_free, prod_axes]
        a_trans = array_ops.transpose(a, perm) if perm != list(builtins.range(len(shape_a))) else a
        reshaped = array_ops.reshape(a_trans, new_shape) if list(a_trans.shape._dims) != new_shape else a_trans
        return reshaped, free_dims, free_dims
    if dims is None or not isinstance(axes, (list, builtins.tuple)):
        raise NotImplementedError('tf.tensordot needs tensors of known rank and static axes in sluice')
    shape_a = list(dims)
    axes = [i if i >= 0 else i + len(shape_a) for i in axes]
    free = [i for i in builtins.range(len(shape_a)) if i not in axes]
    free_dims_static = [shape_a[i] for i in free]
    axes_t = _graph.convert_to_tensor(axes, dtype=dtypes.int32, name='axes')
    free_t = _graph.convert_to_tensor(free, dtype=dtypes.int32, name='free')
    shape_t = array_ops.shape(a)
    free_dims = array_ops.gather(shape_t, free_t)
    axes_dims = array_ops.gather(shape_t, axes_t)
    prod_free = math_ops.reduce_prod(free_dims)
    prod_axes = math_ops.reduce_prod(axes_dims)
    if flipped:
        perm = array_ops.concat([axes_t, free_t], 0)
        new_shape = array_ops.stack([prod_axes, prod_free])
    else:
        perm = array_ops.concat([free_t, axes_t], 0)
        new_shape = array_ops.stack([prod_free, prod_axes])
    return array_ops.reshape(array_ops.transpose(a, perm), new_shape), free_dims, free_dims_static


def _tensordot_axes(a, axes):
    ndims = a.shape.ndims
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        if axes < 0:
            raise ValueError('`axes` must be at least 0. Received: %s.' % axes)
        if ndims is None:
            raise NotImplementedError('tf.tensordot needs tensors of known rank in sluice')
        if axes > ndims:
            raise ValueError('`axes` must not be larger than the number of dimensions of tensor %s.  Received %d, '
                             'vs tensor dimensions %d.' % (a, axes, ndims))
        return list(builtins.range(ndims - axes, ndims)), list(builtins.range(axes))
    if isinstance(axes, (list, builtins.tuple)):
        if len(axes) != 2:
            raise ValueError('`axes` must be an integer or have length 2. Received %s.' % (axes,))
        a_axes, b_axes = axes
        if isinstance(a_axes, (int, np.integer)) and isinstance(b_axes, (int, np.integer)):
            a_axes, b_axes = [a_axes], [b_axes]
        a_axes, b_axes = [int(i) for i in a_axes], [int(i) for i in b_axes]
        if len(a_axes) != len(b_axes):
            raise ValueError('Different number of contraction axes `a` and `b`, %d != %d.'
                             % (len(a_axes), len(b_axes)))
        return a_axes, b_axes
    if isinstance(axes, np.ndarray):
        return _tensordot_axes(a, axes.tolist())
    raise NotImplementedError('tf.tensordot with tensor-valued axes is not supported by sluice')


def tensordot(a, b, axes, name=None):
    """Sums the products of a and b over the given axes: transpose and reshape both to matrices, MatMul,
    reshape back (TF's construction)."""
    with name_scope(name, 'Tensordot', [a, b, axes]) as scope:
        a = _graph.convert_to_tensor(a, name='a')
        b = _graph.convert_to_tensor(b, name='b')
        a_axes, b_axes = _tensordot_axes(a, axes)
        a_reshape, a_free, a_free_static = _tensordot_reshape(a, a_axes)
        b_reshape, b_free, b_free_static = _tensordot_reshape(b, b_axes, True)
        product = math_ops.matmul(a_reshape, b_reshape)
        if isinstance(a_free, list) and isinstance(b_free, list):
            if product.shape.is_fully_defined() and list(product.shape._dims) == a_free + b_free:
                return product
            return array_ops.reshape(product, a_free + b_free, name=scope)
        a_free = _graph.convert_to_tensor(a_free, dtype=dtypes.int32)
        b_free = _graph.convert_to_tensor(b_free, dtype=dtypes.int32)
        result = array_ops.reshape(product, array_ops.concat([a_free, b_free], 0), name=scope)
        if a_free_static is not None and b_free_static is not None:
            result.set_shape(a_free_static + b_free_static)
        return result


# -- sort / argsort (on top_k, as TF) --
def _descending_sort(values, axis, return_argsort=False):
    k = array_ops.shape(values)[axis]
    rank = array_ops.rank(values)  # noqa: F841  (TF builds it; a Const when the rank is static)
    static_rank = values.shape.ndims
    if axis == -1 or axis + 1 == static_rank:
        top_k_input, transposition = values, None
    else:
        if static_rank is None:
            raise NotImplementedError('tf.sort along an inner axis needs a tensor of known rank in sluice')
        if axis < 0:
            axis += static_rank
        transposition = constant_op.constant(
            np.r_[np.arange(axis), [static_rank - 1], np.arange(axis + 1, static_rank - 1), [axis]].astype(np.int32),
            name='transposition')
        top_k_input = array_ops.transpose(values, transposition)
    top_values, indices = nn_ops.top_k(top_k_input, k)
    top_values.set_shape(top_k_input.shape)  # TF folds k = shape[axis] when the shape is static
    indices.set_shape(top_k_input.shape)
    result = indices if return_argsort else top_values
    if transposition is not None:
        result = array_ops.transpose(result, transposition)
    return result


def _ascending_sort(values, axis, return_argsort=False):
    dtype = values.dtype.base_dtype
    if dtype.is_unsigned:
        offset = dtype.max
        out = _descending_sort(offset - values, axis, return_argsort)
        return out if return_argsort else offset - out
    if dtype.is_integer:
        out = _descending_sort(-values - 1, axis, return_argsort)
        return out if return_argsort else -out - 1
    out = _descending_sort(-values, axis, return_argsort)
    return out if return_argsort else -out


_SORT_IMPL = {'ASCENDING': _ascending_sort, 'DESCENDING': _descending_sort}


def _sort_or_argsort(values, axis, direction, return_argsort):
    if direction not in _SORT_IMPL:
        raise ValueError('Argument `direction` should be one of %s. Received: direction=%s'
                         % (', '.join(sorted(_SORT_IMPL)), direction))
    axis = _graph.convert_to_tensor(axis, name='axis')
    axis_static = shape_fns.constant_value(axis)
    if axis.shape.ndims not in (None, 0) or axis_static is None:
        raise ValueError('Argument `axis` must be a constant scalar. Received: axis=%s.' % axis)
    values = _graph.convert_to_tensor(values, name='values')
    return _SORT_IMPL[direction](values, int(axis_static), return_argsort)


def sort(values, axis=-1, direction='ASCENDING', name=None):
    with name_scope(name, 'sort'):
        return _sort_or_argsort(values, axis, direction, return_argsort=False)


def argsort(values, axis=-1, direction='ASCENDING', stable=False, name=None):
    del stable  # top_k keeps the lower index first among ties: the result is always stable
    with name_scope(name, 'argsort'):
        return _sort_or_argsort(values, axis, direction, return_argsort=True)


# -- Print --
def Print(input_, data, message=None, first_n=None, summarize=None, name=None):  # noqa: N802 - TF's name
    """An identity on input_ that writes `message` and the `data` tensors to stderr each time it runs
    (the first `first_n` times when first_n is set; `summarize` elements per tensor, 3 by default)."""
    attrs = {'message': '' if message is None else str(message),
             'first_n': -1 if first_n is None else int(first_n),
             'summarize': 3 if summarize is None else int(summarize)}
    return op_builder.apply('Print', [input_, list(data)], attrs, name)._outputs[0]


# -- report_uninitialized_variables --
def report_uninitialized_variables(var_list=None, name='report_uninitialized_variables'):
    """A 1-D string tensor with the names of the variables in var_list (default: global and local
    variables) that are not initialized in the session running it."""
    from sluice.ops import state_ops, variables
    if var_list is None:
        var_list = variables.global_variables() + variables.local_variables()
    var_list = list(var_list)
    g = _graph.get_default_graph()
    with name_scope(name):
        if var_list:
            init_vars = [state_ops.is_variable_initialized(v) for v in var_list]
        with g.device('/cpu:0'):
            if not var_list:
                return constant_op.constant([], dtype=dtypes.string)
            mask = math_ops.logical_not(array_ops.stack(init_vars))
            names = constant_op.constant([v.op.name for v in var_list])
            return array_ops.boolean_mask(names, mask)
