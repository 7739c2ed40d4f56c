"""Matrix factorizations and solvers under their TF names, each op with its gradient, over any leading
(batch) dimensions: Cholesky, MatrixSolve, MatrixTriangularSolve, Qr, Svd, SelfAdjointEigV2 and
LogMatrixDeterminant; and the functions TF composes from them: cholesky_solve (two triangular solves),
matrix_solve_ls (the regularized normal equations through a Cholesky factor, TF's fast path), logdet
(twice the log-sum of a Cholesky factor's diagonal), matrix_rank and pinv (from the singular values),
norm's matrix ord=2 (the largest singular value), and expm (scaling and squaring around a Pade approximant).
Kernels in kernels/linalg_factor_kernels.py.

Gradients are TF 1.15's (linalg_grad.py): Cholesky's from the factor alone (Murray 2016), MatrixSolve's
and MatrixTriangularSolve's by one more solve with the adjoint, Qr's for square R only, Svd's and
SelfAdjointEigV2's through F[i, j] = 1 / (s_j^2 - s_i^2) (eigenvalues: 1 / (e_j - e_i)), and
LogMatrixDeterminant's as the adjoint inverse times the upstream gradient.
"""
from math import factorial

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, math_ops
from sluice.ops.linalg_ops import (adjoint, eye, matrix_band_part, matrix_diag, matrix_diag_part, matrix_inverse,
                                   matrix_set_diag, matrix_transpose)
from sluice.ops.math_ops import _shape_error

__all__ = ['cholesky', 'matrix_solve', 'matrix_triangular_solve', 'cholesky_solve', 'matrix_solve_ls', 'qr', 'svd',
           'self_adjoint_eig', 'self_adjoint_eigvals', 'log_matrix_determinant']

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.complex64, dtypes.complex128)
_ALLOWED = {'T': _FLOATS}
_REAL = {'T': _FLOATS[:3]}  # Svd, SelfAdjointEigV2: complex input needs tf.real, which sluice lacks


# -- shape functions --
def _matrix_dims(op, index=0):
    """The input's dims (None when the rank is unknown), checked to be at least a matrix."""
    dims = op._inputs[index]._shape._dims
    if dims is not None and len(dims) < 2:
        raise _shape_error(op, 'Shape must be at least rank 2 but is rank %d' % len(dims))
    return dims


def _merge_dim(op, a, b):
    if a is not None and b is not None and a != b:
        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (a, b))
    return a if a is not None else b


def _square(op):
    dims = _matrix_dims(op)
    if dims is None:
        return None, None
    return list(dims[:-2]), _merge_dim(op, dims[-2], dims[-1])


def _square_shape(op):
    batch, n = _square(op)
    return [unknown_shape() if batch is None else TensorShape(batch + [n, n])]


def _solve_shape(op):
    """[..., M, M] and [..., M, K] give [..., M, K]; the batch dimensions are equal (no broadcasting)."""
    batch, m = _square(op)
    rhs = _matrix_dims(op, 1)
    if batch is None or rhs is None:
        return [unknown_shape() if rhs is None else TensorShape([None] * (len(rhs) - 2) + list(rhs[-2:]))]
    if len(rhs) != len(batch) + 2:
        raise _shape_error(op, 'Shape must be rank %d but is rank %d' % (len(batch) + 2, len(rhs)))
    batch = [_merge_dim(op, a, b) for a, b in zip(batch, rhs[:-2])]
    return [TensorShape(batch + [_merge_dim(op, m, rhs[-2]), rhs[-1]])]


def _qr_shape(op):
    dims = _matrix_dims(op)
    if dims is None:
        return [unknown_shape(), unknown_shape()]
    batch, m, n = list(dims[:-2]), dims[-2], dims[-1]
    if op._attrs['full_matrices']:
        return [TensorShape(batch + [m, m]), TensorShape(batch + [m, n])]
    p = None if m is None or n is None else min(m, n)
    return [TensorShape(batch + [m, p]), TensorShape(batch + [p, n])]


def _svd_shape(op):
    dims = _matrix_dims(op)
    if dims is None:
        return [unknown_shape()] * 3
    batch, m, n = list(dims[:-2]), dims[-2], dims[-1]
    p = None if m is None or n is None else min(m, n)
    s = TensorShape(batch + [p])
    if not op._attrs['compute_uv']:
        return [s, TensorShape([0]), TensorShape([0])]
    if op._attrs['full_matrices']:
        return [s, TensorShape(batch + [m, m]), TensorShape(batch + [n, n])]
    return [s, TensorShape(batch + [m, p]), TensorShape(batch + [n, p])]


def _eig_shape(op):
    batch, n = _square(op)
    if batch is None:
        return [unknown_shape(), unknown_shape()]
    v = TensorShape(batch + [n, n]) if op._attrs['compute_v'] else TensorShape([0])
    return [TensorShape(batch + [n]), v]


def _slogdet_shape(op):
    batch, _ = _square(op)
    shape = unknown_shape() if batch is None else TensorShape(batch)
    return [shape, shape]


register_op('Cholesky', ['input: T'], ['output: T'], {'T': 'type'}, _square_shape, allowed=_ALLOWED)
register_op('MatrixSolve', ['matrix: T', 'rhs: T'], ['output: T'], {'adjoint': ('bool', False), 'T': 'type'},
            _solve_shape, allowed=_ALLOWED)
register_op('MatrixTriangularSolve', ['matrix: T', 'rhs: T'], ['output: T'],
            {'lower': ('bool', True), 'adjoint': ('bool', False), 'T': 'type'}, _solve_shape, allowed=_ALLOWED)
register_op('Qr', ['input: T'], ['q: T', 'r: T'], {'full_matrices': ('bool', False), 'T': 'type'}, _qr_shape,
            allowed=_ALLOWED)
register_op('Svd', ['input: T'], ['s: T', 'u: T', 'v: T'],
            {'compute_uv': ('bool', True), 'full_matrices': ('bool', False), 'T': 'type'}, _svd_shape,
            allowed=_REAL)
register_op('SelfAdjointEigV2', ['input: T'], ['e: T', 'v: T'], {'compute_v': ('bool', True), 'T': 'type'},
            _eig_shape, allowed=_REAL)
register_op('LogMatrixDeterminant', ['input: T'], ['sign: T', 'log_abs_determinant: T'], {'T': 'type'},
            _slogdet_shape, allowed=_ALLOWED)


# -- gradients --
@register_gradient('Cholesky')
def _cholesky_grad(op, grad):
    """With L the factor: A's gradient is the symmetric part of L^-H Phi(L^H grad) L^-1, where Phi keeps
    the lower triangle and halves the diagonal."""
    l = op._outputs[0]  # noqa: E741 - the factor's usual name
    shape = array_ops.shape(l)
    l_inverse = matrix_triangular_solve(l, eye(shape[-1], batch_shape=shape[:-2], dtype=l.dtype))
    middle = math_ops.matmul(l, grad, adjoint_a=True)
    middle = matrix_set_diag(middle, 0.5 * matrix_diag_part(middle))
    middle = matrix_band_part(middle, -1, 0)
    grad_a = math_ops.matmul(math_ops.matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    grad_a += adjoint(grad_a)
    return [grad_a * 0.5]


def _solve_grad(op, grad, solve):
    """X = A^-1 B (or A^-H B): dB = A^-H dX, dA = -dB X^H (adjoint: -X dB^H)."""
    adjoint_a = op.get_attr('adjoint')
    c = op._outputs[0]
    grad_b = solve(grad, not adjoint_a)
    if adjoint_a:
        return -math_ops.matmul(c, grad_b, adjoint_b=True), grad_b
    return -math_ops.matmul(grad_b, c, adjoint_b=True), grad_b


@register_gradient('MatrixSolve')
def _matrix_solve_grad(op, grad):
    grad_a, grad_b = _solve_grad(op, grad, lambda g, adj: matrix_solve(op._inputs[0], g, adjoint=adj))
    return [grad_a, grad_b]


@register_gradient('MatrixTriangularSolve')
def _matrix_triangular_solve_grad(op, grad):
    lower = op.get_attr('lower')
    grad_a, grad_b = _solve_grad(
        op, grad, lambda g, adj: matrix_triangular_solve(op._inputs[0], g, lower=lower, adjoint=adj))
    # only the triangle the solve read has a gradient
    grad_a = matrix_band_part(grad_a, -1, 0) if lower else matrix_band_part(grad_a, 0, -1)
    return [grad_a, grad_b]


def _times_r_inverse_adjoint(x, r):
    """x R^-H for upper-triangular R, as a triangular solve."""
    return adjoint(matrix_triangular_solve(r, adjoint(x), lower=False, adjoint=False))


@register_gradient('Qr')
def _qr_grad(op, dq, dr):
    q, r = op._outputs
    if q.dtype.is_complex:
        raise NotImplementedError('QrGrad not implemented for dtype: %s' % q.dtype)
    dims = r.shape._dims
    if dims is None or dims[-2] is None or dims[-1] is None:
        raise NotImplementedError('QrGrad not implemented with dynamic shapes.')
    if dims[-2] != dims[-1]:
        raise NotImplementedError('QrGrad not implemented when ncols > nrows or full_matrices is true and '
                                  'ncols != nrows.')
    qdq = math_ops.matmul(q, dq, adjoint_a=True)
    rdr = math_ops.matmul(r, dr, adjoint_b=True)
    tril = matrix_band_part(qdq - adjoint(qdq) + rdr - adjoint(rdr), -1, 0)
    grad_a = math_ops.matmul(q, dr + _times_r_inverse_adjoint(tril, r))
    grad_b = _times_r_inverse_adjoint(dq - math_ops.matmul(q, qdq), r)
    return [grad_a + grad_b]


def _reciprocal_gaps(values, shift=None):
    """F[..., i, j] = 1 / (values_j - values_i) off the diagonal, 0 on it."""
    gaps = array_ops.expand_dims(values, -2) - array_ops.expand_dims(values, -1)
    if shift is not None:
        gaps += shift
    return matrix_set_diag(math_ops.reciprocal(gaps), array_ops.zeros_like(values))


@register_gradient('SelfAdjointEigV2')
def _self_adjoint_eig_grad(op, grad_e, grad_v):
    e = op._outputs[0]
    with _graph.get_default_graph().control_dependencies([t for t in (grad_e, grad_v) if t is not None]):
        if op.get_attr('compute_v'):
            v = op._outputs[1]
            inner = matrix_diag(grad_e) + _reciprocal_gaps(e) * math_ops.matmul(v, grad_v, adjoint_a=True)
        else:
            _, v = self_adjoint_eig(op._inputs[0])
            inner = matrix_diag(grad_e)
        grad_a = math_ops.matmul(v, math_ops.matmul(inner, v, adjoint_b=True))
        # the op reads the lower triangle only: fold the gradient onto it
        grad_a = matrix_band_part(grad_a + adjoint(grad_a), -1, 0)
        return [matrix_set_diag(grad_a, 0.5 * matrix_diag_part(grad_a))]


@register_gradient('Svd')
def _svd_grad(op, grad_s, grad_u, grad_v):
    a = op._inputs[0]
    grad_s_mat = matrix_diag(grad_s)
    if not op.get_attr('compute_uv'):
        s, u, v = svd(a, compute_uv=True)
        grad_a = math_ops.matmul(u, math_ops.matmul(grad_s_mat, v, adjoint_b=True))
        grad_a.set_shape(a.shape)
        return [grad_a]
    if a.dtype.is_complex:
        raise NotImplementedError('SVD gradient is not implemented for complex types and compute_uv=True.')
    full_matrices = op.get_attr('full_matrices')
    dims = a.shape._dims
    m, n = (None, None) if dims is None else dims[-2:]
    if m is None or n is None:
        raise NotImplementedError('SVD gradient has not been implemented for input with unknown inner matrix shape.')
    s, u, v = op._outputs
    transposed = m > n  # work on the adjoint, which has m <= n
    if transposed:
        m, n, u, v, grad_u, grad_v = n, m, v, u, grad_v, grad_u
    if full_matrices and abs(m - n) > 1:
        raise NotImplementedError('svd gradient is not implemented for abs(m - n) > 1 when full_matrices is True')
    with _graph.get_default_graph().control_dependencies([t for t in (grad_s, grad_u, grad_v) if t is not None]):
        s_mat = matrix_diag(s)
        s_shape = array_ops.shape(s)
        f = _reciprocal_gaps(math_ops.square(s), eye(s_shape[-1], batch_shape=s_shape[:-1], dtype=s.dtype))
        v1, grad_v1 = v[..., :, :m], grad_v[..., :, :m]
        f_u = f * math_ops.matmul(u, grad_u, adjoint_a=True)
        f_v = f * math_ops.matmul(v1, grad_v1, adjoint_a=True)
        term1_nouv = (grad_s_mat + math_ops.matmul(f_u + adjoint(f_u), s_mat)
                      + math_ops.matmul(s_mat, f_v + adjoint(f_v)))
        grad_a = math_ops.matmul(u, math_ops.matmul(term1_nouv, v1, adjoint_b=True))
        if m != n:
            gv1t = matrix_transpose(grad_v1)
            term2_nous = gv1t - math_ops.matmul(math_ops.matmul(gv1t, v1), v1, adjoint_b=True)
            if full_matrices:
                v2, grad_v2 = v[..., :, m:n], grad_v[..., :, m:n]
                term2_nous -= math_ops.matmul(math_ops.matmul(v1, grad_v2, adjoint_a=True), v2, adjoint_b=True)
            u_s_inv = math_ops.matmul(u, matrix_diag(math_ops.reciprocal(s)))
            grad_a = grad_a + math_ops.matmul(u_s_inv, term2_nous)
        if transposed:
            grad_a = matrix_transpose(grad_a)
        grad_a.set_shape(a.shape)
        return [grad_a]


@register_gradient('LogMatrixDeterminant')
def _log_matrix_determinant_grad(op, _, grad_b):
    a, c = op._inputs[0], op._outputs[1]
    multipliers = array_ops.reshape(grad_b, array_ops.concat([array_ops.shape(c), [1, 1]], 0))
    return [multipliers * matrix_inverse(a, adjoint=True)]


# -- public functions --
def cholesky(input, name=None):  # noqa: A002 - TF's name
    """The lower-triangular L with L L^H = input, for each innermost matrix (only its lower triangle is read)."""
    return op_builder.output('Cholesky', [input], None, name)


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix X = rhs (adjoint: matrix^H X = rhs), for each innermost matrix."""
    return op_builder.output('MatrixSolve', [matrix, rhs], {'adjoint': bool(adjoint)}, name)


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with matrix X = rhs, reading only the lower (or upper) triangle of matrix."""
    return op_builder.output('MatrixTriangularSolve', [matrix, rhs], {'lower': bool(lower), 'adjoint': bool(adjoint)},
                             name)


def cholesky_solve(chol, rhs, name=None):
    """X with A X = rhs given chol = cholesky(A): L Y = rhs, then L^H X = Y."""
    with name_scope(name, 'cholesky_solve', [chol, rhs]):
        y = matrix_triangular_solve(chol, rhs, adjoint=False, lower=True)
        return matrix_triangular_solve(chol, y, adjoint=True, lower=True)


def _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind):
    """cholesky(A^H A + l2 I) (first kind) or cholesky(A A^H + l2 I)."""
    gramian = math_ops.matmul(matrix, matrix, adjoint_a=first_kind, adjoint_b=not first_kind)
    if _graph.is_tensor(l2_regularizer) or l2_regularizer != 0:
        shape = array_ops.shape(matrix)
        small = shape[-1] if first_kind else shape[-2]
        identity = eye(small, batch_shape=shape[:-2], dtype=matrix.dtype)
        small_static = matrix.shape[-1 if first_kind else -2]
        identity.set_shape(matrix.shape[:-2].concatenate([small_static, small_static]))
        gramian += math_ops.cast(l2_regularizer, matrix.dtype) * identity
    return cholesky(gramian)


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """The least-squares (m >= n) or minimum-norm (m < n) solution of matrix X = rhs, with an optional L2
    penalty, through the Cholesky factor of the (regularized) Gramian: TF's fast path."""
    matrix = _graph.convert_to_tensor(matrix, name='matrix')
    if matrix.dtype.base_dtype == dtypes.complex128 and l2_regularizer != 0:
        raise NotImplementedError('matrix_solve_ls is currently disabled for complex128 and l2_regularizer != 0 '
                                  'due to poor accuracy.')
    if not fast:
        raise NotImplementedError('sluice does not implement tf.linalg.lstsq(fast=False) (op MatrixSolveLs, a '
                                  'complete orthogonal decomposition) yet')
    dims = matrix.shape._dims
    if dims is None or dims[-2] is None or dims[-1] is None:
        raise NotImplementedError('sluice does not implement tf.linalg.lstsq for a matrix of unknown inner shape '
                                  'yet (TF chooses the normal equations with a tf.cond)')
    with name_scope(name, 'matrix_solve_ls', [matrix, rhs, l2_regularizer]):
        if dims[-2] >= dims[-1]:
            chol = _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind=True)
            return cholesky_solve(chol, math_ops.matmul(matrix, rhs, adjoint_a=True))
        chol = _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind=False)
        return math_ops.matmul(matrix, cholesky_solve(chol, rhs), adjoint_a=True)


def qr(input, full_matrices=False, name=None):  # noqa: A002 - TF's name
    """(q, r): q with orthonormal columns, r upper triangular, q r = input."""
    op = op_builder.apply('Qr', [input], {'full_matrices': bool(full_matrices)}, name)
    return tuple(op._outputs)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """(s, u, v) with tensor = u diag(s) v^H, s descending (just s when compute_uv is False)."""
    op = op_builder.apply('Svd', [tensor], {'compute_uv': bool(compute_uv), 'full_matrices': bool(full_matrices)},
                          name)
    s, u, v = op._outputs
    return (s, u, v) if compute_uv else s


def self_adjoint_eig(tensor, name=None):
    """(e, v): the eigenvalues ascending and the eigenvectors (columns) of each self-adjoint matrix."""
    op = op_builder.apply('SelfAdjointEigV2', [tensor], {'compute_v': True}, name)
    return op._outputs[0], op._outputs[1]


def self_adjoint_eigvals(tensor, name=None):
    """The eigenvalues (ascending) of each self-adjoint matrix."""
    return op_builder.apply('SelfAdjointEigV2', [tensor], {'compute_v': False}, name)._outputs[0]


def log_matrix_determinant(input, name=None):  # noqa: A002 - TF's name
    """(sign, log|det|) of each innermost square matrix (tf.linalg.slogdet)."""
    op = op_builder.apply('LogMatrixDeterminant', [input], None, name)
    return op._outputs[0], op._outputs[1]


def logdet(matrix, name=None):
    """log det of each Hermitian positive-definite matrix: 2 sum(log(diag(cholesky)))."""
    with name_scope(name, 'logdet', [matrix]):
        chol = cholesky(matrix)
        if chol.dtype.is_complex:
            raise NotImplementedError('sluice does not implement tf.linalg.logdet of complex matrices yet '
                                      '(it needs tf.real)')
        return 2.0 * math_ops.reduce_sum(math_ops.log(matrix_diag_part(chol)), axis=[-1])


def _inner_dims(a):
    dims = a.shape._dims
    if dims is not None and None not in dims[-2:]:
        return dims[-2], dims[-1]
    shape = array_ops.shape(a)
    return shape[-2], shape[-1]


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values above tol (default eps * max(rows, cols) * the largest)."""
    with name_scope(name or 'matrix_rank'):
        a = _graph.convert_to_tensor(a, name='a', preferred_dtype=dtypes.float32)
        s = svd(a, compute_uv=False)
        if tol is None:
            rows, cols = _inner_dims(a)
            m = max(rows, cols) if isinstance(rows, int) and isinstance(cols, int) else \
                math_ops.reduce_max(array_ops.stack([rows, cols]))
            eps = np.finfo(a.dtype.as_numpy_dtype).eps
            tol = eps * math_ops.cast(m, a.dtype) * math_ops.reduce_max(s, axis=-1, keepdims=True)
        return math_ops.reduce_sum(math_ops.cast(s > tol, dtypes.int32), axis=-1)


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse v diag(1/s) u^H, singular values at or below rcond * max(s) dropped
    (set to inf, so that 1/s is 0 without NaN gradients)."""
    with name_scope(name or 'pinv'):
        a = _graph.convert_to_tensor(a, name='a')
        dtype = a.dtype.as_numpy_dtype
        if rcond is None:
            rows, cols = _inner_dims(a)
            if isinstance(rows, int) and isinstance(cols, int):
                biggest = float(max(rows, cols))
            else:
                biggest = math_ops.cast(math_ops.maximum(rows, cols), a.dtype)
            rcond = 10. * biggest * np.finfo(dtype).eps
        rcond = _graph.convert_to_tensor(rcond, dtype=a.dtype, name='rcond')
        s, u, v = svd(a, full_matrices=False, compute_uv=True)
        cutoff = rcond * math_ops.reduce_max(s, axis=-1)
        s = array_ops.where_v2(s > array_ops.expand_dims(cutoff, -1), s, np.array(np.inf, dtype))
        result = math_ops.matmul(v / array_ops.expand_dims(s, -2), u, adjoint_b=True)
        if a.shape._dims is not None:
            result.set_shape(a.shape[:-2].concatenate([a.shape[-1], a.shape[-2]]))
        return result


def matrix_2_norm(tensor, axis, keepdims):
    """norm(ord=2) over the two axes: the largest singular value of the matrices they span."""
    rank = tensor.shape.ndims
    if rank is None:
        raise NotImplementedError('sluice does not implement tf.norm(ord=2) over a tensor of unknown rank yet')
    axes = [i + rank if i < 0 else i for i in axis]
    perm_before = [i for i in range(rank) if i not in axes] + axes
    perm_after = [perm_before.index(i) for i in range(rank)]
    s = svd(array_ops.transpose(tensor, perm=perm_before), compute_uv=False)
    largest = math_ops.reduce_max(math_ops.abs(s), axis=-1, keepdims=True)
    result = array_ops.transpose(array_ops.expand_dims(largest, -1), perm=perm_after)
    return result if keepdims else array_ops.squeeze(result, axes)


# -- expm: scaling and squaring around a Pade approximant (Higham 2005), as TF 1.15 composes it --------------
_PADE = {np.float64: (13, 5.371920351148152), np.float32: (7, 3.925724783138660)}  # degree, theta (Higham)


def _pade_coefficients(m):
    """c_j of the [m/m] Pade approximant of exp: p(x) = sum c_j x^j, q(x) = p(-x)."""
    return [factorial(2 * m - j) * factorial(m) / (factorial(2 * m) * factorial(j) * factorial(m - j))
            for j in range(m + 1)]


def _pade_parts(matrix, m):
    """(U, V): the odd and even parts of p(A), so that p(A) = V + U and q(A) = V - U."""
    c = _pade_coefficients(m)
    identity = eye(array_ops.shape(matrix)[-1], batch_shape=array_ops.shape(matrix)[:-2], dtype=matrix.dtype)
    a2 = math_ops.matmul(matrix, matrix)
    powers = [identity, a2]
    while len(powers) <= m // 2:
        powers.append(math_ops.matmul(powers[-1], a2))
    odd = math_ops.add_n([c[2 * k + 1] * powers[k] for k in range((m + 1) // 2)])
    even = math_ops.add_n([c[2 * k] * powers[k] for k in range(m // 2 + 1)])
    return math_ops.matmul(matrix, odd), even


def matrix_exponential(input, name=None):  # noqa: A002 - TF's name
    """exp(A) of each innermost square matrix: A scaled by 2^-s until its 1-norm is near theta, the [m/m]
    Pade approximant (m = 13 in float64, 7 in float32) solved for, then squared s times (per matrix)."""
    from sluice.ops import control_flow_ops
    with name_scope(name, 'matrix_exponential', [input]):
        matrix = _graph.convert_to_tensor(input, name='input')
        np_dtype = matrix.dtype.base_dtype.as_numpy_dtype
        if np_dtype not in _PADE:
            raise ValueError('tf.linalg.expm does not support matrices of type %s' % matrix.dtype.base_dtype.name)
        degree, theta = _PADE[np_dtype]
        shape = array_ops.shape(matrix)
        flat = array_ops.reshape(matrix, array_ops.concat(([-1], shape[-2:]), axis=0))
        l1_norm = math_ops.reduce_max(math_ops.reduce_sum(math_ops.abs(flat), axis=1), axis=-1)
        squarings = math_ops.maximum(math_ops.floor(math_ops.log(l1_norm / theta) / np.log(2.0)), 0)
        scaled = flat / array_ops.expand_dims(array_ops.expand_dims(math_ops.pow(np_dtype(2.0), squarings), -1), -1)
        u, v = _pade_parts(scaled, degree)
        result = matrix_solve(v - u, v + u)

        def body(i, r):
            return i + 1, array_ops.where(math_ops.less(i, squarings), math_ops.matmul(r, r), r)
        _, result = control_flow_ops.while_loop(lambda i, r: math_ops.less(i, math_ops.reduce_max(squarings)), body,
                                                [_graph.convert_to_tensor(np_dtype(0.0)), result])
        result = array_ops.reshape(result, shape)
        result.set_shape(matrix.shape)
        return result
