"""Kernels of the factorizations and solvers (ops/linalg_factor_ops.py), one ctx.xp body for CPU and GPU over
NumPy's/CuPy's batched LAPACK wrappers (`xp.linalg`): Cholesky, MatrixSolve, MatrixTriangularSolve (a general
solve of the masked triangle, after checking its diagonal has no zero), Qr, Svd (v is vh's adjoint),
SelfAdjointEigV2 (the lower triangle, as TF reads it) and LogMatrixDeterminant. Half floats are computed in
float32 and cast back, as TF's Eigen kernels do.

Failures are TF's: "Cholesky decomposition was not successful. The input might not be valid." and "Input matrix
is not invertible." (InvalidArgumentError). NumPy raises LinAlgError for them; CuPy answers NaN instead, so the
GPU registrations check the result's finiteness.
"""
import numpy as np

from sluice.kernels.checks import dims_text as _dims, invalid as _invalid
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.registry import register_kernel

CHOLESKY_FAILED = 'Cholesky decomposition was not successful. The input might not be valid.'
NOT_INVERTIBLE = 'Input matrix is not invertible.'


def _work(x):
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _square(op, x):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise _invalid(op, 'Input matrix must be square, got%s' % _dims(x.shape[-2:]))


def _check_rhs(op, matrix, rhs):
    _square(op, matrix)
    if rhs.ndim != matrix.ndim or rhs.shape[:-2] != matrix.shape[:-2] or rhs.shape[-2] != matrix.shape[-1]:
        raise _invalid(op, 'Input matrix and right-hand side must have matching shapes, got %s and %s'
                       % (_dims(matrix.shape), _dims(rhs.shape)))


def _finite_or_fail(op, xp, message, run):
    """run, failing with message where it answers inf/NaN for finite input (CuPy's singular matrices)."""
    def checked(*arrays):
        out = run(*arrays)
        first = out[0] if isinstance(out, tuple) else out
        if not bool(xp.isfinite(first).all()) and all(bool(xp.isfinite(a).all()) for a in arrays):
            raise _invalid(op, message)
        return out
    return checked


@register_kernel('Cholesky', fresh_output=True)
def cholesky(op, ctx):
    xp = ctx.xp

    def run(x):
        _square(op, x)
        if x.size == 0:
            return xp.array(x, copy=True)
        try:
            return xp.linalg.cholesky(_work(x)).astype(x.dtype, copy=False)
        except np.linalg.LinAlgError:
            raise _invalid(op, CHOLESKY_FAILED) from None
    return run


@register_cupy_kernel('Cholesky', fresh_output=True)
def cholesky_gpu(op, ctx):
    return _finite_or_fail(op, ctx.xp, CHOLESKY_FAILED, cholesky(op, ctx))


def _adjoint(xp, a):
    return xp.conj(xp.swapaxes(a, -1, -2))


def _solve(op, xp, matrix, rhs):
    try:
        return xp.linalg.solve(matrix, rhs)
    except np.linalg.LinAlgError:
        raise _invalid(op, NOT_INVERTIBLE) from None


@register_kernel('MatrixSolve', fresh_output=True)
def matrix_solve(op, ctx):
    xp, adjoint = ctx.xp, op.get_attr('adjoint')

    def run(matrix, rhs):
        _check_rhs(op, matrix, rhs)
        if matrix.size == 0 or rhs.size == 0:
            return xp.zeros(rhs.shape, rhs.dtype)
        a = _work(matrix)
        return _solve(op, xp, _adjoint(xp, a) if adjoint else a, _work(rhs)).astype(rhs.dtype, copy=False)
    return run


@register_cupy_kernel('MatrixSolve', fresh_output=True)
def matrix_solve_gpu(op, ctx):
    return _finite_or_fail(op, ctx.xp, NOT_INVERTIBLE, matrix_solve(op, ctx))


@register_kernel('MatrixTriangularSolve', fresh_output=True)
def matrix_triangular_solve(op, ctx):
    """A general solve of the triangle the op reads; a zero on its diagonal fails as in TF."""
    xp, adjoint, lower = ctx.xp, op.get_attr('adjoint'), op.get_attr('lower')

    def run(matrix, rhs):
        _check_rhs(op, matrix, rhs)
        if matrix.size == 0 or rhs.size == 0:
            return xp.zeros(rhs.shape, rhs.dtype)
        a = _work(matrix)
        a = xp.tril(a) if lower else xp.triu(a)
        if not bool((xp.diagonal(a, axis1=-2, axis2=-1) != 0).all()):
            raise _invalid(op, NOT_INVERTIBLE)
        return _solve(op, xp, _adjoint(xp, a) if adjoint else a, _work(rhs)).astype(rhs.dtype, copy=False)
    return run


@register_kernel('Qr', multi_output=True, fresh_output=True)
def qr(op, ctx):
    xp, mode = ctx.xp, 'complete' if op.get_attr('full_matrices') else 'reduced'

    def run(x):
        if x.ndim < 2:
            raise _invalid(op, 'input must have rank >= 2, got %d' % x.ndim)
        q, r = xp.linalg.qr(_work(x), mode=mode)
        return q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)
    return run


@register_kernel('Svd', multi_output=True, fresh_output=True)
def svd(op, ctx):
    xp = ctx.xp
    compute_uv, full = op.get_attr('compute_uv'), op.get_attr('full_matrices')

    def run(x):
        if x.ndim < 2:
            raise _invalid(op, 'input must have rank >= 2, got %d' % x.ndim)
        a = _work(x)
        if not compute_uv:
            empty = xp.zeros((0,), x.dtype)
            return xp.linalg.svd(a, compute_uv=False).astype(x.dtype, copy=False), empty, empty.copy()
        u, s, vh = xp.linalg.svd(a, full_matrices=full)
        return (s.astype(x.dtype, copy=False), u.astype(x.dtype, copy=False),
                xp.ascontiguousarray(_adjoint(xp, vh)).astype(x.dtype, copy=False))
    return run


@register_kernel('SelfAdjointEigV2', multi_output=True, fresh_output=True)
def self_adjoint_eig(op, ctx):
    xp, compute_v = ctx.xp, op.get_attr('compute_v')

    def run(x):
        _square(op, x)
        a = _work(x)
        if not compute_v:
            return xp.linalg.eigvalsh(a, UPLO='L').astype(x.dtype, copy=False), xp.zeros((0,), x.dtype)
        e, v = xp.linalg.eigh(a, UPLO='L')
        return e.astype(x.dtype, copy=False), v.astype(x.dtype, copy=False)
    return run


@register_kernel('LogMatrixDeterminant', multi_output=True, fresh_output=True)
def log_matrix_determinant(op, ctx):
    xp = ctx.xp

    def run(x):
        _square(op, x)
        if x.shape[-1] == 0:
            return xp.ones(x.shape[:-2], x.dtype), xp.zeros(x.shape[:-2], x.dtype)
        sign, logdet = xp.linalg.slogdet(_work(x))
        return xp.asarray(sign, dtype=x.dtype), xp.asarray(logdet, dtype=x.dtype)
    return run
