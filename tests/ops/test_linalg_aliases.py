"""TF1's tf.matrix_transpose and the tf.linalg aliases (adjoint, matrix_transpose, matvec, global_norm,
l2_normalize): same graphs (names, Const or computed perm) and values as TF; and the TF1 names that live
in two namespaces (tf.math.in_top_k, tf.image.random_crop, ...)."""
import numpy as np
import pytest

import sluice as tf
from tests.conftest import run_graph


def test_matrix_transpose_of_known_rank_uses_a_const_perm(device):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    with tf.device(device):
        t = tf.matrix_transpose(x)
    assert t.name == 'matrix_transpose/transpose:0' and t.shape.as_list() == [2, 4, 3]
    assert t.op.inputs[1].op.type == 'Const'
    np.testing.assert_array_equal(run_graph(t), np.swapaxes(x, -1, -2))


def test_matrix_transpose_of_unknown_rank_computes_the_perm(device):
    p = tf.placeholder(tf.float32)
    with tf.device(device):
        t = tf.linalg.matrix_transpose(p)
    assert t.op.inputs[1].op.type == 'ConcatV2'
    x = np.arange(30, dtype=np.float32).reshape(5, 1, 2, 3)
    np.testing.assert_array_equal(run_graph(t, {p: x}), np.swapaxes(x, -1, -2))


def test_matrix_transpose_refuses_vectors_as_tf():
    with pytest.raises(ValueError, match='should be a \\(batch\\) matrix with rank >= 2'):
        tf.matrix_transpose(tf.zeros([3]))


def test_adjoint_conjugates():
    x = np.array([[1 + 2j, 3 - 1j], [0.5j, 2]], np.complex64)
    t = tf.linalg.adjoint(x)
    assert t.name == 'adjoint/matrix_transpose/transpose:0'
    np.testing.assert_array_equal(run_graph(t), x.conj().T)


def test_matvec_over_a_batch(device):
    a = np.random.RandomState(0).randn(5, 2, 3).astype(np.float32)
    b = np.random.RandomState(1).randn(5, 3).astype(np.float32)
    with tf.device(device):
        t = tf.linalg.matvec(a, b)
        ta = tf.linalg.matvec(a, b[:, :2], transpose_a=True)
    assert t.name == 'MatVec/Squeeze:0' and t.shape.as_list() == [5, 2]
    out, out_t = run_graph([t, ta])
    np.testing.assert_allclose(out, np.einsum('bij,bj->bi', a, b), rtol=1e-5)
    np.testing.assert_allclose(out_t, np.einsum('bji,bj->bi', a, b[:, :2]), rtol=1e-5)


def test_linalg_namespace_shares_the_norm_helpers():
    assert tf.linalg.global_norm is tf.global_norm and tf.linalg.l2_normalize is tf.nn.l2_normalize


def test_tf1_names_shared_between_namespaces():
    """TF 1.15 has these under two namespaces; sluice had only one of each."""
    assert tf.math.in_top_k is tf.nn.in_top_k and tf.math.zero_fraction is tf.nn.zero_fraction
    assert tf.math.l2_normalize is tf.nn.l2_normalize and tf.math.confusion_matrix is tf.confusion_matrix
    assert tf.image.random_crop is tf.random_crop


# -- tf.diag / tf.diag_part (= tf.linalg.tensor_diag / tensor_diag_part): TF's messages ------------------

def test_tensor_diag_errors_are_tfs():
    assert tf.linalg.tensor_diag is tf.diag and tf.linalg.tensor_diag_part is tf.diag_part
    with pytest.raises(ValueError, match="Shape must be at least rank 1 but is rank 0 for 'Diag'"):
        tf.diag(1.0)
    with pytest.raises(ValueError, match='Input must have even and non-zero rank, input rank is 3'):
        tf.diag_part(tf.zeros([2, 3, 3]))
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 2 and 3'):
        tf.diag_part(tf.zeros([2, 3]))
    p = tf.placeholder(tf.float32)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'Invalid shape \[2,3\]: dimensions 0 and 1 do not'):
            sess.run(tf.diag_part(p), {p: np.zeros((2, 3))})
        with pytest.raises(tf.errors.InvalidArgumentError, match='should be even and positive, got shape'):
            sess.run(tf.diag_part(p), {p: np.zeros((2, 3, 4))})
        empty = sess.run(tf.diag(np.zeros((0, 2), np.float32)))
    assert empty.shape == (0, 2, 0, 2)
