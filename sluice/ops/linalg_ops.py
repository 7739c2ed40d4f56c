"""Linear-algebra ops under their TF names: MatrixBandPart (tf.matrix_band_part / tf.linalg.band_part),
MatrixDiagPartV3 (tf.matrix_diag_part, single diagonal) and tf.trace built on it, Cross (tf.cross),
Einsum (tf.einsum), MatrixInverse and MatrixDeterminant, MatrixDiagV3 / MatrixSetDiagV3 (single diagonals), Diag and
DiagPart (tf.diag / tf.diag_part: a rank-k tensor's diagonal in rank 2k, e.g. out[i, j, i, j] = x[i, j]), and
tf.eye, tf.norm, tf.tensordot, tf.matrix_transpose, tf.linalg.adjoint and tf.linalg.matvec composed as TF composes them. Kernels in kernels/linalg_kernels.py, gradients as TF's.
"""
import builtins
import re

import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, filling_ops, manip_ops, math_ops, shape_fns
from sluice.ops.math_ops import _shape_error

__all__ = ['matrix_band_part', 'matrix_diag_part', 'trace', 'cross', 'einsum', 'matrix_inverse', 'matrix_determinant',
           'eye', 'norm', 'tensordot', 'matrix_diag', 'matrix_set_diag', 'matrix_transpose', 'diag', 'diag_part']

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128)


def _const_int(t):
    value = shape_fns.constant_value(t)
    return None if value is None or np.ndim(value) != 0 else int(value)


def _at_least_matrix(op, dims):
    if dims is not None and len(dims) < 2:
        raise _shape_error(op, 'Shape must be at least rank 2 but is rank %d' % len(dims))


def _band_part_shape(op):
    _at_least_matrix(op, op._inputs[0]._shape._dims)
    for t in op._inputs[1:]:
        if t._shape._dims is not None and len(t._shape._dims) != 0:
            raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(t._shape._dims))
    return [op._inputs[0]._shape]


def _diag_part_shape(op):
    dims = op._inputs[0]._shape._dims
    if dims is None:
        return [unknown_shape()]
    _at_least_matrix(op, dims)
    k = _const_int(op._inputs[1])
    rows, cols = dims[-2:]
    if k is None or rows is None or cols is None:
        return [TensorShape(list(dims[:-2]) + [None])]
    n = builtins.max(0, builtins.min(rows + builtins.min(k, 0), cols - builtins.max(k, 0)))
    return [TensorShape(list(dims[:-2]) + [n])]


def _cross_shape(op):
    a, b = op._inputs[0]._shape, op._inputs[1]._shape
    if a._dims is not None and b._dims is not None:
        if len(a._dims) != len(b._dims):
            raise _shape_error(op, 'Shape must be rank %d but is rank %d' % (len(a._dims), len(b._dims)))
    shape = a.merge_with(b) if a._dims is not None and b._dims is not None else (a if a._dims is not None else b)
    if shape._dims is not None:
        if len(shape._dims) < 1:
            raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
        if shape._dims[-1] is not None and shape._dims[-1] != 3:
            raise _shape_error(op, 'Dimension must be 3 but is %d' % shape._dims[-1])
    return [shape]


def _square_shape(op, batch_only):
    dims = op._inputs[0]._shape._dims
    if dims is None:
        return [unknown_shape()]
    _at_least_matrix(op, dims)
    r, c = dims[-2:]
    if r is not None and c is not None and r != c:
        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (r, c))
    n = r if r is not None else c
    return [TensorShape(list(dims[:-2]) if batch_only else list(dims[:-2]) + [n, n])]


# -- einsum equations --
def parse_equation(equation, n_inputs):
    """(input subscripts, output subscripts) with '.' standing for an ellipsis; implicit outputs made explicit."""
    equation = equation.replace(' ', '')
    if '->' in equation:
        lhs, rhs = equation.split('->')
    else:
        lhs, rhs = equation, None
    inputs = lhs.split(',')
    if len(inputs) != n_inputs:
        raise ValueError('Expecting %d inputs but got: %d (equation %r)' % (len(inputs), n_inputs, equation))
    inputs = [s.replace('...', '.') for s in inputs]
    for s in inputs + ([rhs.replace('...', '.')] if rhs is not None else []):
        if not re.fullmatch(r'[a-zA-Z]*\.?[a-zA-Z]*', s):
            raise ValueError('Invalid Einsum equation: %s' % equation)
    if rhs is None:
        counts = {}
        for s in inputs:
            for ch in s:
                if ch != '.':
                    counts[ch] = counts.get(ch, 0) + 1
        rhs = ('.' if any('.' in s for s in inputs) else '') + ''.join(sorted(c for c, n in counts.items() if n == 1))
    else:
        rhs = rhs.replace('...', '.')
    return inputs, rhs


def _einsum_shape(op):
    inputs, rhs = parse_equation(op._attrs['equation'], len(op._inputs))
    sizes, ell = {}, None
    for sub, t in zip(inputs, op._inputs):
        dims = t._shape._dims
        if dims is None:
            return [unknown_shape()]
        n_ell = len(dims) - (len(sub) - (1 if '.' in sub else 0))
        if n_ell < 0 or ('.' not in sub and n_ell != 0):
            raise _shape_error(op, 'Expected input %d to have rank %d but got: %d' % (
                op._inputs.index(t), len(sub), len(dims)))
        pos = 0
        for ch in sub:
            if ch == '.':
                part = list(dims[pos:pos + n_ell])
                if ell is None:
                    ell = part
                else:
                    a, b = ell, part
                    if len(a) < len(b):
                        a, b = b, a
                    b = [1] * (len(a) - len(b)) + b
                    ell = [y if x == 1 else x if y == 1 or x == y else (x if y is None else y) for x, y in zip(a, b)]
                pos += n_ell
                continue
            d = dims[pos]
            pos += 1
            have = sizes.get(ch)
            if have is not None and d is not None and have != d and have != 1 and d != 1:
                raise _shape_error(op, 'Expected dimension %d at axis %d of the input shaped %s but got dimension %d'
                                   % (have, pos - 1, t._shape, d))
            sizes[ch] = d if have is None or have == 1 else have
    out = []
    for ch in rhs:
        if ch == '.':
            out.extend(ell or [])
        else:
            out.append(sizes.get(ch))
    return [TensorShape(out)]


register_op('MatrixBandPart', ['input: T', 'num_lower: Tindex', 'num_upper: Tindex'], ['band: T'],
            {'T': 'type', 'Tindex': ('type', dtypes.int64)}, _band_part_shape)
register_op('MatrixDiagPartV3', ['input: T', 'k: int32', 'padding_value: T'], ['diagonal: T'],
            {'T': 'type', 'align': ('string', 'RIGHT_LEFT')}, _diag_part_shape)
register_op('Cross', ['a: T', 'b: T'], ['product: T'], {'T': 'type'}, _cross_shape)
register_op('Einsum', ['inputs: N * T'], ['output: T'], {'equation': 'string', 'N': 'int', 'T': 'type'},
            _einsum_shape)
register_op('MatrixInverse', ['input: T'], ['output: T'], {'adjoint': ('bool', False), 'T': 'type'},
            lambda op: _square_shape(op, False))
register_op('MatrixDeterminant', ['input: T'], ['output: T'], {'T': 'type'}, lambda op: _square_shape(op, True))


# -- gradients --
@register_gradient('MatrixBandPart')
def _band_part_grad(op, grad):
    return [matrix_band_part(grad, op._inputs[1], op._inputs[2]), None, None]


@register_gradient('MatrixDiagPartV3')
def _diag_part_grad(op, grad):
    x = op._inputs[0]
    k = op._inputs[1]
    if x.shape.is_fully_defined():
        return [matrix_set_diag(array_ops.zeros(x.shape, dtype=x.dtype.base_dtype), grad, k=k), None, None]
    return [matrix_set_diag(array_ops.zeros_like(x), grad, k=k), None, None]


@register_gradient('Cross')
def _cross_grad(op, grad):
    u, v = op._inputs
    return [cross(v, grad), cross(grad, u)]


@register_gradient('MatrixInverse')
def _matrix_inverse_grad(op, grad):
    ainv = op._outputs[0]
    adj = op.get_attr('adjoint')
    return [-math_ops.matmul(ainv, math_ops.matmul(grad, ainv, adjoint_a=adj, adjoint_b=not adj),
                             adjoint_a=not adj)]


@register_gradient('MatrixDeterminant')
def _matrix_determinant_grad(op, grad):
    a, c = op._inputs[0], op._outputs[0]
    a_adj_inv = matrix_inverse(a, adjoint=True)
    multipliers = array_ops.reshape(grad * c, array_ops.concat([array_ops.shape(c), [1, 1]], 0))
    return [multipliers * a_adj_inv]


@register_gradient('Einsum')
def _einsum_grad(op, grad):
    """Each input's gradient is an einsum of the output gradient with the other inputs; subscripts
    summed away within one input alone are broadcast back (no ellipsis, no repeated subscripts)."""
    inputs, rhs = parse_equation(op.get_attr('equation'), len(op._inputs))
    if '.' in rhs or any('.' in s or len(set(s)) != len(s) for s in inputs):
        raise NotImplementedError('sluice: the gradient of Einsum with an ellipsis or a repeated subscript '
                                  'within one input is not supported')
    grads = []
    for i, (sub, x) in enumerate(zip(inputs, op._inputs)):
        others = [(s, t) for j, (s, t) in enumerate(zip(inputs, op._inputs)) if j != i]
        seen = set(rhs).union(*[set(s) for s, _ in others])
        kept = ''.join(ch for ch in sub if ch in seen)
        eq = ','.join([rhs] + [s for s, _ in others]) + '->' + kept
        g = op_builder.apply('Einsum', [[grad] + [t for _, t in others]], {'equation': eq})._outputs[0]
        if kept != sub:
            g = array_ops.reshape(g, [array_ops.shape(x)[sub.index(ch)] if ch in kept else 1 for ch in sub])
            g = manip_ops.broadcast_to(g, array_ops.shape(x))
        grads.append(g)
    return grads


# -- public functions --
def matrix_band_part(input, num_lower, num_upper, name=None):  # noqa: A002 - TF's name
    """Keeps the entries within num_lower below and num_upper above the diagonal (negative: all)."""
    return op_builder.apply('MatrixBandPart', [input, num_lower, num_upper], None, name)._outputs[0]


def matrix_diag_part(input, name='diag_part', k=0, padding_value=0, align='RIGHT_LEFT'):  # noqa: A002
    input = _graph.convert_to_tensor(input, name='input')
    return op_builder.apply('MatrixDiagPartV3', [input, k, padding_value], {'align': align}, name)._outputs[0]


def trace(x, name=None):
    """The sum of the main diagonal of each innermost matrix."""
    with name_scope(name, 'Trace', [x]) as name:
        x = _graph.convert_to_tensor(x, name='x')
        return math_ops.reduce_sum(matrix_diag_part(x), [-1], name=name)


def cross(a, b, name=None):
    """Pairwise cross product of the 3-vectors along the last axis."""
    return op_builder.apply('Cross', [a, b], None, name)._outputs[0]


def einsum(equation, *inputs, **kwargs):
    """Einstein summation (op Einsum) over the inputs as the equation says."""
    name = kwargs.pop('name', None)
    kwargs.pop('optimize', None)
    if kwargs:
        raise TypeError('Invalid keyword arguments for this function: %s' % ', '.join(sorted(kwargs)))
    with name_scope(name, 'einsum', [equation, inputs]):
        equation = equation.replace(' ', '')
        inputs = list(inputs)
        parse_equation(equation, len(inputs))
        return op_builder.apply('Einsum', [inputs], {'equation': equation})._outputs[0]


def _check_float(t, op_type):
    if t.dtype.base_dtype not in _FLOATS:
        raise TypeError("Value passed to parameter 'input' has DataType %s not in list of allowed values: "
                        "float64, float32, float16, complex64, complex128" % t.dtype.base_dtype.name)


def matrix_inverse(input, adjoint=False, name=None):  # noqa: A002 - TF's name
    """The inverse (or the inverse's adjoint) of each innermost square matrix."""
    op = op_builder.apply('MatrixInverse', [input], {'adjoint': bool(adjoint)}, name)
    _check_float(op._inputs[0], 'MatrixInverse')
    return op._outputs[0]


def matrix_determinant(input, name=None):  # noqa: A002 - TF's name
    """The determinant of each innermost square matrix."""
    op = op_builder.apply('MatrixDeterminant', [input], None, name)
    _check_float(op._inputs[0], 'MatrixDeterminant')
    return op._outputs[0]


# -- MatrixDiagV3, MatrixSetDiagV3 (the single-diagonal forms tf.eye needs) ------------------------------
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


register_op('MatrixDiagV3', ['diagonal: T', 'k: int32', 'num_rows: int32', 'num_cols: int32', 'padding_value: T'],
            ['output: T'], {'T': 'type', 'align': ('string', 'RIGHT_LEFT')}, _matrix_diag_shape)


def matrix_diag(diagonal, name='diag', k=0, num_rows=-1, num_cols=-1, padding_value=0, align='RIGHT_LEFT'):
    diagonal = _graph.convert_to_tensor(diagonal, name='diagonal')
    return op_builder.apply('MatrixDiagV3', [diagonal, k, num_rows, num_cols, padding_value], {'align': align},
                            name)._outputs[0]


def _matrix_set_diag_shape(op):
    x = op._inputs[0]._shape
    if x._dims is not None and len(x._dims) < 2:
        raise _shape_error(op, 'Shape must be at least rank 2 but is rank %d' % len(x._dims))
    return [x]


register_op('MatrixSetDiagV3', ['input: T', 'diagonal: T', 'k: int32'], ['output: T'],
            {'T': 'type', 'align': ('string', 'RIGHT_LEFT')}, _matrix_set_diag_shape)


@register_gradient('MatrixSetDiagV3')
def _matrix_set_diag_grad(op, grad):
    return [matrix_set_diag(grad, array_ops.zeros_like(op._inputs[1])), None, None]


def matrix_set_diag(input, diagonal, name='set_diag', k=0, align='RIGHT_LEFT'):  # noqa: A002 - TF's name
    return op_builder.apply('MatrixSetDiagV3', [input, diagonal, k], {'align': align}, name)._outputs[0]


# -- Diag, DiagPart ---------------------------------------------------------------------------------------
def _tensor_diag_shape(op):
    dims = op._inputs[0]._shape._dims
    if dims is None:
        return [unknown_shape()]
    if not dims:
        raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
    return [TensorShape(list(dims) * 2)]


def _tensor_diag_part_shape(op):
    dims = op._inputs[0]._shape._dims
    if dims is None:
        return [unknown_shape()]
    if not dims or len(dims) % 2:
        raise _shape_error(op, 'Input must have even and non-zero rank, input rank is %d' % len(dims))
    half = len(dims) // 2
    out = []
    for a, b in zip(dims[:half], dims[half:]):
        if a is not None and b is not None and a != b:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (a, b))
        out.append(a if a is not None else b)
    return [TensorShape(out)]


register_op('Diag', ['diagonal: T'], ['output: T'], {'T': 'type'}, _tensor_diag_shape)
register_op('DiagPart', ['input: T'], ['diagonal: T'], {'T': 'type'}, _tensor_diag_part_shape)


@register_gradient('Diag')
def _tensor_diag_grad(op, grad):
    return [diag_part(grad)]


@register_gradient('DiagPart')
def _tensor_diag_part_grad(op, grad):
    return [diag(grad)]


def diag(diagonal, name=None):
    """The rank-2k tensor with `diagonal` (rank k) on its diagonal and zeros elsewhere (op Diag)."""
    return op_builder.apply('Diag', [diagonal], None, name)._outputs[0]


def diag_part(input, name=None):  # noqa: A002 - TF's name
    """The diagonal x[i, j, i, j] of a rank-2k tensor (op DiagPart), the inverse of tf.diag."""
    return op_builder.apply('DiagPart', [input], None, name)._outputs[0]


# -- eye, norm, tensordot, matrix_transpose (compositions, as TF builds them) ---------------------------
def matrix_transpose(a, name='matrix_transpose', conjugate=False):
    """Swaps the two innermost dimensions: a Transpose whose perm is a Const when the rank is known."""
    with name_scope(name, values=[a]):
        a = _graph.convert_to_tensor(a, name='a')
        dims = a._shape._dims
        if dims is not None:
            if len(dims) < 2:
                raise ValueError('Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` = %s '
                                 'with shape: %s' % (a, a._shape))
            perm = list(builtins.range(len(dims) - 2)) + [len(dims) - 1, len(dims) - 2]
        else:
            a_rank = array_ops.rank(a)
            perm = array_ops.concat([filling_ops.range(a_rank - 2), [a_rank - 1, a_rank - 2]], 0)
        return array_ops.transpose(a, perm=perm, conjugate=conjugate)


def adjoint(matrix, name=None):
    """The conjugate transpose of the innermost matrices (tf.linalg.adjoint)."""
    with name_scope(name, 'adjoint', [matrix]):
        matrix = _graph.convert_to_tensor(matrix, name='matrix')
        return matrix_transpose(matrix, conjugate=True)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix times vector over the batch: matmul with `b` as a column, then the column squeezed."""
    with name_scope(name, 'MatVec', [a, b]):
        column = array_ops.expand_dims(b, axis=-1)
        product = math_ops.matmul(a, column, transpose_a=transpose_a, adjoint_a=adjoint_a,
                                  a_is_sparse=a_is_sparse, b_is_sparse=b_is_sparse)
        return array_ops.squeeze(product, axis=-1)


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


def norm(tensor, ord='euclidean', axis=None, keepdims=None, name=None, keep_dims=None):  # noqa: A002
    """Vector norms (euclidean, 1, inf, positive p) and matrix norms ('fro'/'euclidean', 1, 2, inf) as TF."""
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
                from sluice.ops.linalg_factor_ops import matrix_2_norm  # it builds on this module
                return matrix_2_norm(tensor, axis, keepdims)
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
    if dims is not None and isinstance(axes, (list, builtins.tuple)):
        shape_a = list(dims)
        axes = [i if i >= 0 else i + len(shape_a) for i in axes]
        free = [i for i in builtins.range(len(shape_a)) if i not in axes]
        free_dims_static = [shape_a[i] for i in free]
        axes_t = _graph.convert_to_tensor(axes, dtype=dtypes.int32, name='axes')
        free_t = _graph.convert_to_tensor(free, dtype=dtypes.int32, name='free')
    else:  # unknown rank or tensor axes: the free axes are computed in the graph, as TF does
        free_dims_static = None
        rank_a = array_ops.rank(a)
        axes_t = _graph.convert_to_tensor(axes, dtype=dtypes.int32, name='axes')
        axes_t = array_ops.where(axes_t >= 0, axes_t, axes_t + rank_a)
        free_t, _ = manip_ops.setdiff1d(filling_ops.range(rank_a), axes_t)
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
            rank = array_ops.rank(a)
            return (filling_ops.range(rank - axes, rank, dtype=dtypes.int32),
                    filling_ops.range(axes, dtype=dtypes.int32))
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
    axes = _graph.convert_to_tensor(axes, name='axes', dtype=dtypes.int32)
    return axes[0], axes[1]


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
