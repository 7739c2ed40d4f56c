"""Linear algebra: eye, norm, tensordot, matrix_band_part, trace, cross, einsum, matrix_inverse,
matrix_determinant; the TF comparison of the helper ops that arrived with them (norm, eye, sort, unique, ...).

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import op_types, run_graph


def test_eye_square_and_batched():
    e = tf.eye(3)
    assert e.name == 'eye/diag:0' and e.dtype == tf.float32 and e.shape.as_list() == [3, 3]
    assert op_types() == [('eye/ones', 'Const'), ('eye/diag/k', 'Const'), ('eye/diag/num_rows', 'Const'),
                        ('eye/diag/num_cols', 'Const'), ('eye/diag/padding_value', 'Const'),
                        ('eye/diag', 'MatrixDiagV3')]
    e2 = tf.eye(2, 3, batch_shape=[2], dtype=tf.int32)
    assert e2.name == 'eye_1/set_diag:0' and e2.op.type == 'MatrixSetDiagV3' and e2.shape.as_list() == [2, 2, 3]
    e3 = tf.eye(3, 2)
    a, b, c = run_graph([e, e2, e3])
    np.testing.assert_array_equal(a, np.eye(3, dtype=np.float32))
    assert b.dtype == np.int32
    np.testing.assert_array_equal(b, [[[1, 0, 0], [0, 1, 0]]] * 2)
    np.testing.assert_array_equal(c, np.eye(3, 2))
    with pytest.raises(TypeError):
        tf.eye(2.5)


def test_norm_values_names_shapes():
    x = tf.constant([[3., -4.], [1., 2.]])
    n = tf.norm(x)
    assert n.name == 'norm/Squeeze:0' and n.shape.as_list() == []
    assert [t for _, t in op_types()][1:] == ['Mul', 'Const', 'Sum', 'Sqrt', 'Squeeze']
    n1 = tf.norm(x, ord=1, axis=1)
    n2 = tf.norm(x, ord=np.inf, axis=0, keepdims=True)
    n3 = tf.norm(x, ord=2, axis=-1)
    n4 = tf.norm(x, ord='fro', axis=[0, 1])
    n5 = tf.norm(x, ord=1, axis=[0, 1])
    n6 = tf.norm(x, ord=np.inf, axis=[0, 1])
    n7 = tf.norm(x, ord=0.5)
    assert n2.name == 'norm_2/Max:0' and n2.shape.as_list() == [1, 2]
    assert n1.shape.as_list() == [2] and n4.shape.as_list() == []
    got = run_graph([n, n1, n2, n3, n4, n5, n6, n7])
    expected = [5.477226, [7., 3.], [[3., 4.]], [5., 2.236068], 5.477226, 6.0, 7.0, 37.77657]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6)
        assert np.asarray(g).dtype == np.float32


def test_norm_errors_and_gradient():
    x = tf.constant([[3., -4.], [1., 2.]])
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm, got fro"):
        tf.norm(x, ord='fro', axis=0)
    with pytest.raises(ValueError, match="must be a supported matrix norm in"):
        tf.norm(x, ord='nuc', axis=[0, 1])
    with pytest.raises(ValueError, match="'axis' must be None, an integer, or a tuple of 2 unique integers"):
        tf.norm(x, axis=[0, 1, 2])
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm"):
        tf.norm(x, ord=-1)
    v = tf.constant([3., 4.])
    (g,) = tf.gradients(tf.norm(v), [v])
    np.testing.assert_allclose(run_graph(g), [0.6, 0.8], rtol=1e-6)


def test_tensordot():
    an = np.arange(24.).reshape(2, 3, 4)
    bn = np.arange(20.).reshape(4, 5)
    a, b = tf.constant(an), tf.constant(bn)
    n0 = len(op_types())
    t = tf.tensordot(a, b, 1)
    assert t.name == 'Tensordot:0' and t.shape.as_list() == [2, 3, 5] and t.dtype == tf.float64
    assert op_types()[n0:] == [('Tensordot/Reshape/shape', 'Const'), ('Tensordot/Reshape', 'Reshape'),
                             ('Tensordot/MatMul', 'MatMul'), ('Tensordot/shape', 'Const'), ('Tensordot', 'Reshape')]
    cn = np.arange(12.).reshape(3, 4)
    t2 = tf.tensordot(a, tf.constant(cn), [[1, 2], [0, 1]])
    assert t2.shape.as_list() == [2]
    ph = tf.placeholder(tf.float64, [None, 3, 4])
    t3 = tf.tensordot(ph, b, [[2], [0]])
    assert t3.shape.as_list() == [None, 3, 5]
    t4 = tf.tensordot(tf.constant([1., 2.]), tf.constant([3., 4.]), 0)
    assert t4.name == 'Tensordot_3/MatMul:0' and t4.shape.as_list() == [2, 2]
    r1, r2, r3, r4 = run_graph([t, t2, t3, t4], {ph: an})
    np.testing.assert_allclose(r1, np.tensordot(an, bn, 1))
    np.testing.assert_allclose(r2, [506., 1298.])
    np.testing.assert_allclose(r3, np.tensordot(an, bn, 1))
    np.testing.assert_allclose(r4, [[3., 4.], [6., 8.]])
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 2 and 4'):
        tf.tensordot(a, b, [[0], [0]])
    with pytest.raises(ValueError, match='Different number of contraction axes `a` and `b`, 2 != 1.'):
        tf.tensordot(a, b, [[0, 1], [0]])
    with pytest.raises(ValueError, match='`axes` must be at least 0. Received: -1.'):
        tf.tensordot(a, b, -1)
    with pytest.raises(ValueError, match='`axes` must not be larger than the number of dimensions'):
        tf.tensordot(a, b, 4)
    x = tf.constant(np.ones((2, 3)))
    (g,) = tf.gradients(tf.reduce_sum(tf.tensordot(x, tf.constant(np.ones((3, 4))), 1)), [x])
    np.testing.assert_allclose(run_graph(g), np.full((2, 3), 4.))


@pytest.mark.tf
def test_against_tensorflow():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    x = np.array([[3., -4.], [1., 2.]], np.float32)
    lengths = [1, 3, 2]
    data = np.array([3, 1, 3, 2, 1], np.int32)

    def build(m):
        xt = m.constant(x)
        u = m.unique(m.constant(data))
        return [m.norm(xt), m.norm(xt, ord=1, axis=1), m.norm(xt, ord=np.inf, axis=[0, 1]),
                m.sequence_mask(lengths, 4), m.eye(2, 3, batch_shape=[2]), u[0], u[1],
                m.sort(xt, axis=0, direction='DESCENDING'), m.argsort(m.constant([3., 1., 2., 1.])),
                m.broadcast_to(m.constant([1, 2]), [3, 2]), m.tensordot(xt, xt, [[1], [0]])]
    with tf1.Graph().as_default():
        expected = tf1.Session().run(build(tf1))
    got = run_graph(build(tf))
    for g, e in zip(got, expected):
        assert np.asarray(g).dtype == np.asarray(e).dtype
        np.testing.assert_allclose(g, e, rtol=1e-6)



@pytest.mark.tf
def test_tensordot_of_unknown_rank_and_tensor_axes_against_tensorflow():
    # TF computes the free axes in the graph when the rank or the axes are not static
    # (rgb_to_grayscale of a decode_image result takes this path)
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    w = np.arange(6, dtype=np.float32).reshape(3, 2)

    def run(m):
        with m.Graph().as_default():
            a = m.placeholder(m.float32)
            axes = m.placeholder(m.int32, [2, 1])
            b = m.constant(w)
            outs = [m.tensordot(a, b, [[-1], [0]]), m.tensordot(a, b, 1), m.tensordot(a, b, axes),
                    m.tensordot(b, a, [[0], [2]]), m.image.rgb_to_grayscale(a)]
            assert [o.shape.ndims for o in outs] == [None] * 5
            with m.Session() as sess:
                return sess.run(outs, {a: x, axes: [[2], [0]]})
    for got, want in zip(run(tf), run(tf1)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_linalg(device):
    with tf.device(device):
        m = tf.constant([[2., 1.], [1., 3.]])
        inv, det = tf.matrix_inverse(m), tf.matrix_determinant(m)
        band = tf.matrix_band_part(tf.constant(np.arange(9.).reshape(3, 3)), 0, 1)
        tr = tf.trace(tf.constant(np.arange(9.).reshape(3, 3)))
        cr = tf.cross(tf.constant([1., 0., 0.]), tf.constant([0., 1., 0.]))
        es = tf.einsum('ij,jk->ik', m, m)
        (gd,) = tf.gradients(det, [m])
    assert inv.name == 'MatrixInverse:0' and det.name == 'MatrixDeterminant:0' and det.shape.as_list() == []
    assert tr.name == 'Trace:0' and tr.op.inputs[0].op.type == 'MatrixDiagPartV3'
    assert es.name == 'einsum/Einsum:0' and es.shape.as_list() == [2, 2]
    assert band.op.type == 'MatrixBandPart' and band.op.inputs[1].dtype == tf.int64
    assert tf.linalg.inv is tf.matrix_inverse and tf.linalg.det is tf.matrix_determinant
    assert tf.linalg.band_part is tf.matrix_band_part and tf.linalg.trace is tf.trace
    got = run_graph([inv, det, band, tr, cr, es, gd])
    np.testing.assert_allclose(got[0], [[0.6, -0.2], [-0.2, 0.4]], rtol=1e-6)
    np.testing.assert_allclose(got[1], 5., rtol=1e-6)
    np.testing.assert_allclose(got[2], [[0., 1., 0.], [0., 4., 5.], [0., 0., 8.]])
    assert got[3] == 12.
    np.testing.assert_allclose(got[4], [0., 0., 1.])
    np.testing.assert_allclose(got[5], [[5., 5.], [5., 10.]])
    np.testing.assert_allclose(got[6], [[3., -1.], [-1., 2.]], rtol=1e-6)
