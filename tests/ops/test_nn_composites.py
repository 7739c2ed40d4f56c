"""tf.nn functions composed of other ops: conv1d, swish, relu_layer, lrn, sufficient_statistics,
normalize_moments, weighted_moments; tf.math.softmax aliases.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import numpy as np
import pytest

import sluice as tf
from conftest import run_graph


def test_nn_functions(device):
    with tf.device(device):
        x = np.arange(1., 9.).reshape(1, 1, 2, 4).astype(np.float32)
        lrn = tf.nn.lrn(x, 1, 1., 0.5, 0.5)
        conv = tf.nn.conv1d(np.arange(6.).reshape(1, 6, 1).astype(np.float32),
                            np.array([1., 2.]).reshape(2, 1, 1).astype(np.float32), 1, 'VALID')
        wm = tf.nn.weighted_moments(tf.constant([1., 2., 4.]), [0], [1., 1., 2.])
        sw = tf.nn.swish(tf.constant([0., 1.]))
        rl = tf.nn.relu_layer(tf.constant([[1., -2.]]), tf.constant([[1.], [1.]]), tf.constant([0.5]))
    assert lrn.name == 'LRN:0' and lrn.op.type == 'LRN'
    assert tf.nn.local_response_normalization is tf.nn.lrn
    assert conv.name == 'conv1d/Squeeze:0' and conv.shape.as_list() == [1, 5, 1]
    assert [op.type for op in tf.get_default_graph().get_operations()
            if op.name.startswith('conv1d') and op.type != 'Const'] == ['ExpandDims', 'ExpandDims', 'Conv2D', 'Squeeze']
    assert conv.op.inputs[0].op.name == 'conv1d' and conv.op.inputs[0].op.type == 'Conv2D'
    assert rl.name == 'relu_layer:0' and rl.op.type == 'Relu'
    got = run_graph([lrn, conv, wm, sw, rl])
    np.testing.assert_allclose(got[0], [[[[0.5345225, 0.70710677, 0.76200074, 1.0886621],
                                          [0.8908708, 0.8017837, 0.80560946, 1.0550088]]]], rtol=1e-6)
    np.testing.assert_allclose(got[1].reshape(-1), [2., 5., 8., 11., 14.])
    np.testing.assert_allclose(got[2], [2.75, 1.6875])
    np.testing.assert_allclose(got[3], [0., 1. / (1. + np.exp(-1.))], rtol=1e-6)
    np.testing.assert_allclose(got[4], [[0.]])


def test_sufficient_statistics_and_normalize():
    c, m, v, shift = tf.nn.sufficient_statistics(tf.constant([[1., 2.], [3., 6.]]), [0])
    assert c.name == 'sufficient_statistics/Const:0' and m.name == 'sufficient_statistics/mean_ss:0' and shift is None
    mean, var = tf.nn.normalize_moments(c, m, v, shift)
    assert mean.name == 'normalize/mean:0' and var.name == 'normalize/variance:0'
    got = run_graph([c, m, v, mean, var])
    np.testing.assert_allclose(got[0], 2.)
    np.testing.assert_allclose(got[1:], [[4., 8.], [10., 40.], [2., 4.], [1., 4.]])
    p = tf.placeholder(tf.float32, [None, 2])
    c2, _, _, s2 = tf.nn.sufficient_statistics(p, [0], shift=1.)
    assert c2.name == 'sufficient_statistics_1/count:0' and s2.name == 'sufficient_statistics_1/shift:0'


def test_lrn_gradient_and_dtype():
    x = tf.constant(np.random.RandomState(1).randn(1, 2, 2, 5).astype(np.float32))
    y = tf.nn.lrn(x, 2, 1.5, 0.3, 0.75)
    (g,) = tf.gradients(tf.reduce_sum(y * y), [x])
    assert g.op.type == 'LRNGrad'
    with tf.Session():
        assert tf.test.compute_gradient_error(x, [1, 2, 2, 5], y, [1, 2, 2, 5]) < 1e-2
    with pytest.raises(TypeError):
        tf.nn.lrn(tf.constant(np.zeros([1, 1, 1, 2])))
    with pytest.raises(ValueError):
        tf.nn.lrn(tf.zeros([2, 2]))


def test_math_aliases():
    assert tf.math.softmax is tf.nn.softmax and tf.math.log_softmax is tf.nn.log_softmax
