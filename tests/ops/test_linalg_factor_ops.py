"""The factorizations and solvers beyond their op records: TF's errors, static shapes with unknown
dimensions, the public names, and the compositions built on them (values vs NumPy)."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors


def _run(t, feed=None):
    with tf.Session() as sess:
        return sess.run(t, feed)


def test_singular_matrix_fails_as_in_tf():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(errors.InvalidArgumentError, match='Input matrix is not invertible.'):
        _run(tf.matrix_solve(singular, np.ones((2, 1))))
    with pytest.raises(errors.InvalidArgumentError, match='Input matrix is not invertible.'):
        _run(tf.matrix_triangular_solve(np.array([[1.0, 0.0], [3.0, 0.0]]), np.ones((2, 1))))


def test_cholesky_of_an_indefinite_matrix_fails_as_in_tf():
    with pytest.raises(errors.InvalidArgumentError,
                       match='Cholesky decomposition was not successful. The input might not be valid.'):
        _run(tf.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]])))


def test_non_square_input_is_a_shape_error():
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 2 and 3'):
        tf.cholesky(np.zeros((2, 3)))
    with pytest.raises(ValueError, match='at least rank 2'):
        tf.linalg.slogdet(np.zeros(3))


def test_static_shapes_with_unknown_dimensions():
    x = tf.placeholder(tf.float32, [None, 5, 3])
    q, r = tf.qr(x)
    assert q.shape.as_list() == [None, 5, 3] and r.shape.as_list() == [None, 3, 3]
    s, u, v = tf.svd(x, full_matrices=True)
    assert s.shape.as_list() == [None, 3] and u.shape.as_list() == [None, 5, 5] and v.shape.as_list() == [None, 3, 3]
    assert tf.svd(x, compute_uv=False).shape.as_list() == [None, 3]
    assert tf.self_adjoint_eigvals(tf.placeholder(tf.float64, [None, None])).shape.as_list() == [None]
    sol = tf.matrix_solve(tf.placeholder(tf.float32, [4, None, None]), tf.placeholder(tf.float32, [None, 3, 2]))
    assert sol.shape.as_list() == [4, 3, 2]


def test_triangular_solve_reads_only_its_triangle():
    a = np.array([[2.0, 9.0], [1.0, 4.0]])
    b = np.array([[2.0], [5.0]])
    lower, upper = _run([tf.matrix_triangular_solve(a, b), tf.matrix_triangular_solve(a, b, lower=False)])
    np.testing.assert_allclose(lower, np.linalg.solve(np.tril(a), b))
    np.testing.assert_allclose(upper, np.linalg.solve(np.triu(a), b))


def test_eigh_reads_the_lower_triangle():
    a = np.array([[2.0, 100.0], [1.0, 3.0]])
    np.testing.assert_allclose(_run(tf.linalg.eigvalsh(a)), np.linalg.eigvalsh(np.tril(a) + np.tril(a, -1).T))


def test_half_floats_are_computed_in_float32():
    a = np.array([[4.0, 2.0], [2.0, 3.0]], np.float16)
    got = _run(tf.cholesky(a))
    assert got.dtype == np.float16
    np.testing.assert_allclose(got, np.linalg.cholesky(a.astype(np.float32)), rtol=1e-3)


def test_compositions_match_numpy():
    rng = np.random.RandomState(0)
    a = rng.randn(2, 4, 3)
    b = rng.randn(2, 4, 2)
    rank_two = rng.randn(4, 2) @ rng.randn(2, 5)
    lstsq, pinv, rank, norm = _run([tf.linalg.lstsq(a, b), tf.linalg.pinv(a), tf.linalg.matrix_rank(rank_two),
                                    tf.norm(a, ord=2, axis=[1, 2], keepdims=True)])
    np.testing.assert_allclose(lstsq, np.linalg.pinv(a) @ b, rtol=1e-8)
    np.testing.assert_allclose(pinv, np.linalg.pinv(a), rtol=1e-8)
    assert rank == 2
    np.testing.assert_allclose(norm, np.linalg.norm(a, 2, axis=(1, 2))[:, None, None])
    spd = a.transpose(0, 2, 1) @ a + np.eye(3)
    np.testing.assert_allclose(_run(tf.linalg.logdet(spd)), np.linalg.slogdet(spd)[1])


def test_norm_ord_2_over_leading_axes():
    x = np.random.RandomState(1).randn(3, 2, 4)
    got = _run(tf.norm(x, ord=2, axis=(0, 2)))
    np.testing.assert_allclose(got, np.linalg.norm(x.transpose(1, 0, 2), 2, axis=(1, 2)))


def test_lstsq_without_the_fast_path_says_sluice_lacks_it():
    with pytest.raises(NotImplementedError, match='fast=False'):
        tf.linalg.lstsq(np.eye(2), np.ones((2, 1)), fast=False)


def test_public_names():
    assert tf.linalg.cholesky is tf.cholesky and tf.linalg.solve is tf.matrix_solve
    assert tf.linalg.triangular_solve is tf.matrix_triangular_solve and tf.linalg.qr is tf.qr
    assert tf.linalg.eigh is tf.self_adjoint_eig and tf.linalg.eigvalsh is tf.self_adjoint_eigvals
    assert tf.linalg.slogdet is tf.log_matrix_determinant and tf.linalg.lstsq is tf.matrix_solve_ls
    assert tf.linalg.svd is tf.svd and tf.linalg.cholesky_solve is tf.cholesky_solve


def test_orthogonal_initializer_finds_qr():
    init = tf.orthogonal_initializer(seed=3)
    w = _run(init([4, 4], dtype=tf.float64))
    np.testing.assert_allclose(w @ w.T, np.eye(4), atol=1e-10)
