"""tf.linalg.LinearOperatorFullMatrix / LowerTriangular / Diag against TensorFlow: dense matrices,
products, solves, determinants, diagonal and trace, shapes, and the structural errors."""
import numpy as np
import pytest

import sluice as tf

RNG = np.random.RandomState(3)
BATCH = RNG.randn(2, 3, 3) + 3 * np.eye(3)   # well-conditioned, upper triangle non-zero
DIAG = RNG.rand(2, 3) + 0.5
RHS = RNG.randn(2, 3, 2)
VEC = RNG.randn(2, 3)


def _results(tfm, make, value):
    op = make(tfm, tfm.constant(value))
    out = [op.to_dense(), op.matmul(RHS), op.matmul(RHS, adjoint=True), op.matvec(VEC), op.solve(RHS),
           op.solve(RHS, adjoint=True), op.solvevec(VEC), op.determinant(), op.log_abs_determinant(),
           op.diag_part(), op.trace(), op.add_to_tensor(np.ones((2, 3, 3)))]
    return op, out


OPERATORS = [
    ('full', lambda tfm, v: tfm.linalg.LinearOperatorFullMatrix(v), BATCH),
    ('lower', lambda tfm, v: tfm.linalg.LinearOperatorLowerTriangular(v), BATCH),
    ('diag', lambda tfm, v: tfm.linalg.LinearOperatorDiag(v), DIAG),
]


@pytest.mark.tf
@pytest.mark.parametrize('kind,make,value', OPERATORS, ids=[o[0] for o in OPERATORS])
def test_operators_match_tensorflow(kind, make, value):
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    with tf.Graph().as_default():
        op, out = _results(tf, make, value)
        with tf.Session() as sess:
            ours = sess.run(out)
    with tf1.Graph().as_default():
        ref_op, ref = _results(tf1, make, value)
        with tf1.Session() as sess:
            theirs = sess.run(ref)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    assert op.shape.as_list() == ref_op.shape.as_list() == [2, 3, 3]
    assert op.batch_shape.as_list() == [2] and op.is_square is ref_op.is_square is True
    assert op.name == ref_op.name


def test_lower_triangular_ignores_the_upper_triangle_and_names_its_scopes():
    # Kyubyong/transformer's causal mask: LinearOperatorLowerTriangular(ones).to_dense()
    dense = tf.linalg.LinearOperatorLowerTriangular(tf.ones([4, 4])).to_dense()
    assert dense.op.name.startswith('LinearOperatorLowerTriangular/')
    with tf.Session() as sess:
        assert sess.run(dense).tolist() == np.tril(np.ones((4, 4))).tolist()


def test_structural_errors():
    with pytest.raises(ValueError, match='Only square lower triangular'):
        tf.linalg.LinearOperatorLowerTriangular(tf.ones([2, 2]), is_square=False)
    with pytest.raises(ValueError, match='at least 2 dimensions'):
        tf.linalg.LinearOperatorFullMatrix(tf.ones([2]))
    with pytest.raises(ValueError, match='always non-singular'):
        tf.linalg.LinearOperatorFullMatrix(tf.ones([2, 2]), is_positive_definite=True, is_non_singular=False)
    wide = tf.linalg.LinearOperatorFullMatrix(tf.ones([2, 3]))
    assert wide.is_square is False and wide.range_dimension.value == 2 and wide.domain_dimension.value == 3
    with pytest.raises(NotImplementedError, match='not be square'):
        wide.determinant()
