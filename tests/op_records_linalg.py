"""Op records of the factorizations and solvers (ops/linalg_factor_ops.py) and of the special functions
(ops/special_math_ops.py and their elementwise rows). Loaded at the end of op_records.py.

Builders make their matrices well conditioned inside the graph (x x^T + 3 I is symmetric positive definite,
x + 3 I is far from singular), so the finite-difference gradients see the same factorization on both sides
of each step. Singular vectors and eigenvectors are defined up to sign (Eigen and LAPACK choose differently):
the records compare their squares and the reconstruction u diag(s) v^T.
"""
import numpy as np

from op_records import Arg, S, arg, grad_of, record

_BATCH = arg((2, 3, 3))
_WIDE = arg((2, 3, 4))
_TALL = arg((2, 4, 3))


def _spd(tf, x):
    return tf.matmul(x, x, transpose_b=True) + 3.0 * tf.eye(3, dtype=x.dtype)


def _shifted(tf, x):
    return x + 3.0 * tf.eye(3, dtype=x.dtype)


def _svd_parts(tf, x, **kw):
    s, u, v = tf.svd(x, **kw)
    return [s, tf.square(u), tf.square(v), tf.matmul(u[..., :, :3] * tf.expand_dims(s, -2), v[..., :, :3],
                                                     transpose_b=True)]


def _eigh_parts(tf, x):
    e, v = tf.self_adjoint_eig(_spd(tf, x))
    return [e, tf.square(v), tf.self_adjoint_eigvals(_spd(tf, x))]


record('Cholesky', lambda tf, x: [tf.cholesky(_spd(tf, x)), tf.linalg.logdet(_spd(tf, x))], [_BATCH], grad=True)
record('MatrixSolve', lambda tf, a, b: [tf.matrix_solve(_shifted(tf, a), b),
                                        tf.matrix_solve(_shifted(tf, a), b, adjoint=True)],
       [_BATCH, arg((2, 3, 2))], grad=True)
record('MatrixTriangularSolve', lambda tf, a, b: [
    tf.matrix_triangular_solve(_shifted(tf, a), b), tf.matrix_triangular_solve(_shifted(tf, a), b, adjoint=True),
    tf.matrix_triangular_solve(_shifted(tf, a), b, lower=False),
    tf.cholesky_solve(tf.cholesky(_spd(tf, a)), b)],
    [_BATCH, arg((2, 3, 2))], grad=True, name='MatrixTriangularSolve')
record(('Cholesky', 'MatrixTriangularSolve'), lambda tf, a, b: [
    tf.matrix_solve_ls(a, b), tf.matrix_solve_ls(a, b, l2_regularizer=0.5),
    tf.matrix_solve_ls(tf.linalg.adjoint(a), b[..., :3, :])],
    [_TALL, arg((2, 4, 2))], grad=True, rtol=1e-4, name='MatrixSolveLs')
record('Qr', lambda tf, x: list(tf.qr(_shifted(tf, x))), [_BATCH], grad=True)
# TF has no gradient for a non-square R (full_matrices with m != n, or m < n)
record('Qr', lambda tf, x: list(tf.qr(x, full_matrices=True)) + list(tf.qr(tf.linalg.adjoint(x))), [_TALL],
       name='QrRectangular')
record('Svd', lambda tf, x: _svd_parts(tf, x) + [tf.svd(x, compute_uv=False)], [_WIDE], grad=True, rtol=1e-4)
record('Svd', lambda tf, x: _svd_parts(tf, x) + [tf.norm(x, ord=2, axis=[-2, -1]), tf.linalg.matrix_rank(x)],
       [_TALL], grad=True, rtol=1e-4, name='SvdTall',
       xfail={'shape': "tf.norm(ord=2)'s static shape: sluice's is [2], TF's [None] (it permutes by computed perms)"})
def _separated(tf, x):
    """Singular values near 3, 2 and 1: finite differences stay away from crossings."""
    return 0.3 * x + tf.linalg.diag(tf.constant([3.0, 2.0, 1.0], dtype=x.dtype))


record('Svd', lambda tf, x: _svd_parts(tf, _separated(tf, x), full_matrices=True), [_BATCH], rtol=1e-4,
       name='SvdFullSquare', grad=True)
record('Svd', lambda tf, x: tf.linalg.pinv(x), [_WIDE], rtol=1e-4, name='Pinv', grad=True)
record('MatrixSolve', lambda tf, x: [tf.linalg.expm(x), tf.linalg.expm(6.0 * x)], [_BATCH], grad=True, rtol=1e-4,
       name='Expm')  # 6x: 1-norms past theta, so the result is squared
record('SelfAdjointEigV2', _eigh_parts, [_BATCH], grad=True, rtol=1e-4)
record('LogMatrixDeterminant',  # a negative determinant, far from singular
       lambda tf, x: list(tf.linalg.slogdet(0.5 * x + tf.linalg.diag(tf.constant([2.0, -2.0, 1.0], x.dtype)))),
       [_BATCH], grad=True)


# -- special functions (ops/special_math_ops.py and the elementwise rows) --------------------------------------
_ORDERS = Arg(S, value=[[0.0, 1.0, 2.0], [3.0, 1.0, 0.0]])  # fed, not differentiated (TF: no gradient)


def _fixed(value):
    """A fed input of the tested dtype that is not differentiated (TF gives it no gradient)."""
    return Arg(np.shape(value), value=value)


record('Digamma', lambda tf, x: tf.digamma(x), [arg(S, 0.3, 4.0)], grad=True)
record('Digamma', lambda tf, x: tf.math.digamma(x), [arg(S, -2.9, -2.1)], grad=True, name='DigammaNegative')
record('Igamma', lambda tf, a, x: tf.igamma(a, x), [arg(S, 0.5, 4.0), arg(S, 0.1, 6.0)], grad=True)
record('Igammac', lambda tf, a, x: tf.igammac(a, x), [arg(S, 0.5, 4.0), arg((3,), 0.1, 6.0)], grad=True)
grad_of('IgammaGradA', lambda tf, a, x: tf.igamma(a, x), [arg(S, 0.5, 8.0), arg(S, 0.1, 12.0)], S)
record('Zeta', lambda tf, x, q: tf.zeta(x, q), [_fixed([[1.5, 2.0, 3.0], [4.5, 2.0, 6.0]]), arg(S, 0.5, 3.0)],
       grad=True)
record('Polygamma', lambda tf, n, x: tf.polygamma(n, x), [_ORDERS, arg(S, 0.3, 3.0)], grad=True)
record('BesselI0e', lambda tf, x: [tf.math.bessel_i0e(x), tf.math.bessel_i0(x)], [arg(S, -25.0, 25.0, away=0.1)],
       grad=True, rtol=1e-5)
record('BesselI1e', lambda tf, x: [tf.math.bessel_i1e(x), tf.math.bessel_i1(x)], [arg(S, -25.0, 25.0, away=0.1)],
       grad=True, rtol=1e-5)
record('Betainc', lambda tf, a, b, x: [tf.betainc(a, b, x), tf.betainc(a, b, tf.constant(0.25, x.dtype))],
       [_fixed([[0.5, 1.0, 2.0], [5.0, 0.7, 3.0]]), _fixed([[2.0, 1.0, 0.5], [3.0, 9.0, 1.5]]),
        arg(S, 0.05, 0.95)], grad=True)
record('Lgamma', lambda tf, x: [tf.lbeta(x), tf.math.lbeta(x[..., :1])], [arg((2, 4), 0.3, 4.0)], grad=True,
       name='Lbeta')
