"""tf.nn: activations, softmax and cross entropies, bias_add, convolution and pooling, top-k,
normalization, dropout, embeddings, clipping, and their gradients.

Expected values are NumPy references computed here (naive loops for convolution and pooling) or,
where stated, numbers printed by TensorFlow 2.21's compat.v1 on CPU (the SAME-padding convolution,
pooling and pooling-gradient cases, including how MaxPoolGrad routes ties).
"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.ops import clip_ops, gradient_checker
from tests.conftest import assert_allclose, run_graph

R = np.random.RandomState(42)


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_conv(x, f, strides, pads, dilations=(1, 1)):
    """Naive NHWC convolution: pads ((top, bottom), (left, right)), one output pixel at a time."""
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw = f.shape[:2]
    eh, ew = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
    oh, ow = (x.shape[1] - eh) // strides[0] + 1, (x.shape[2] - ew) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, f.shape[3]))
    for i in range(oh):
        for j in range(ow):
            r, c = i * strides[0], j * strides[1]
            patch = x[:, r:r + eh:dilations[0], c:c + ew:dilations[1], :]
            out[:, i, j, :] = np.tensordot(patch, f, axes=([1, 2, 3], [0, 1, 2]))
    return out


def _grad_error(x_shape, build, x0=None, dtype=tf.float64):
    x = tf.placeholder(dtype, x_shape, name='x')
    y = build(x)
    x0 = R.randn(*x_shape) if x0 is None else x0
    with tf.Session():
        return gradient_checker.compute_gradient_error(x, x_shape, y, y.shape.as_list(), x_init_value=x0)


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------
def test_activations_forward(device):
    x = np.array([[-3.0, -0.5, 0.0], [0.5, 2.0, 7.0]], np.float32)
    with tf.device(device):
        outs = [tf.nn.relu(x), tf.nn.relu6(x), tf.nn.elu(x), tf.nn.selu(x), tf.nn.leaky_relu(x, 0.3),
                tf.nn.softplus(x), tf.nn.softsign(x), tf.nn.relu(np.array([-2, 3], np.int32))]
    got = run_graph(outs)
    scale, alpha = 1.0507009873554805, 1.6732632423543772
    expected = [np.maximum(x, 0), np.clip(x, 0, 6), np.where(x > 0, x, np.expm1(x)),
                scale * np.where(x > 0, x, alpha * np.expm1(x)), np.where(x > 0, x, 0.3 * x),
                np.log1p(np.exp(x)), x / (1 + np.abs(x)), np.array([0, 3])]
    for g, e in zip(got, expected):
        assert_allclose(g, e, rtol=1e-5)
    assert got[0].dtype == np.float32 and got[-1].dtype == np.int32


def test_activation_nodes_and_types():
    x = tf.placeholder(tf.float32, [2, 3], name='x')
    assert tf.nn.relu(x).name == 'Relu:0'
    assert tf.nn.relu6(x).op.type == 'Relu6'
    lrelu = tf.nn.leaky_relu(x)
    assert (lrelu.name, lrelu.op.type) == ('LeakyRelu:0', 'LeakyRelu')
    assert lrelu.op.get_attr('alpha') == pytest.approx(0.2)
    assert tf.nn.relu([1., -2.]).op.inputs[0].name == 'Relu_1/features:0'
    from_int = tf.nn.leaky_relu(tf.constant([-4, 3]))  # integers become float32 first
    assert from_int.dtype == tf.float32 and from_int.op.inputs[0].op.type == 'Cast'
    with pytest.raises(TypeError, match="parameter 'features' has DataType bool"):
        tf.nn.relu(tf.placeholder(tf.bool, [3]))
    with pytest.raises(TypeError, match='int32 not in list of allowed values'):
        tf.nn.elu(tf.placeholder(tf.int32, [3]))


def test_softplus_is_stable():
    got = run_graph(tf.nn.softplus(tf.constant([-100., -20., 0., 20., 100.])))
    assert_allclose(got, [0., 2.0611537e-09, 0.6931472, 20., 100.], rtol=1e-6, atol=1e-30)  # TF flushes exp(-100) to 0


# ---------------------------------------------------------------------------------------------
# Softmax
# ---------------------------------------------------------------------------------------------
def test_softmax_values_and_stability(device):
    x = R.randn(2, 3, 4).astype(np.float32)
    with tf.device(device):
        outs = [tf.nn.softmax(x), tf.nn.softmax(x, axis=1), tf.nn.softmax(x, dim=0), tf.nn.log_softmax(x),
                tf.nn.log_softmax(x, axis=-2), tf.nn.softmax([[1000., 0., -1000.]]),
                tf.nn.log_softmax([[1000., 0.]])]
    got = run_graph(outs)
    assert_allclose(got[0], _np_softmax(x), rtol=1e-5)
    assert_allclose(got[1], _np_softmax(x, 1), rtol=1e-5)
    assert_allclose(got[2], _np_softmax(x, 0), rtol=1e-5)
    assert_allclose(got[3], np.log(_np_softmax(x)), rtol=1e-5)
    assert_allclose(got[4], np.log(_np_softmax(x, 1)), rtol=1e-5)
    assert_allclose(got[5], [[1., 0., 0.]])
    assert_allclose(got[6], [[0., -1000.]])


def test_softmax_graph_as_tf():
    x = tf.placeholder(tf.float32, [2, 3], name='x')
    assert tf.nn.softmax(x).name == 'Softmax:0'
    assert tf.nn.softmax(x, name='sm').name == 'sm:0'
    y = tf.nn.softmax(x, axis=0)  # transposed to the end and back, as TF
    assert y.name == 'transpose_1:0' and y.shape.as_list() == [2, 3]
    types = [op.type for op in tf.get_default_graph().get_operations()]
    assert types.count('Transpose') == 2 and 'Softmax' in types
    with pytest.raises(errors.InvalidArgumentError, match=r'Dimension \(2\) must be in the range \[-2, 2\)'):
        tf.nn.softmax(x, axis=2)
    with pytest.raises(ValueError, match='Shape must be at least rank 1 but is rank 0'):
        tf.nn.softmax(tf.placeholder(tf.float32, []))
    with pytest.raises(TypeError, match="'logits' has DataType int32"):
        tf.nn.softmax(tf.placeholder(tf.int32, [3]))


# ---------------------------------------------------------------------------------------------
# Cross entropies
# ---------------------------------------------------------------------------------------------
def test_softmax_cross_entropy_values(device):
    logits = R.randn(3, 4).astype(np.float32)
    labels = _np_softmax(R.randn(3, 4)).astype(np.float32)
    logits3 = R.randn(2, 3, 4).astype(np.float32)
    with tf.device(device):
        outs = [tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits),
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels.T, logits=logits.T, axis=0),
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=_np_softmax(logits3), logits=logits3),
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=[[0., 1.]], logits=[[1000., -1000.]])]
    got = run_graph(outs)
    expected = -(labels * np.log(_np_softmax(logits))).sum(-1)
    for g in got[:3]:
        assert_allclose(g, expected, rtol=1e-5)
    p3 = _np_softmax(logits3)
    assert_allclose(got[3], -(p3 * np.log(p3)).sum(-1), rtol=1e-5)
    assert_allclose(got[4], [2000.])


def test_softmax_cross_entropy_graph_and_errors():
    x = tf.placeholder(tf.float32, [2, 3], name='x')
    with pytest.raises(ValueError, match=r'Only call `softmax_cross_entropy_with_logits` with named arguments '
                                         r'\(labels=..., logits=..., ...\)'):
        tf.nn.softmax_cross_entropy_with_logits(x, x)
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=x, logits=x)
    assert v1.name == 'softmax_cross_entropy_with_logits_sg/Reshape_2:0' and v1.shape.as_list() == [2]
    g = tf.get_default_graph()
    assert g.get_operation_by_name('softmax_cross_entropy_with_logits_sg/labels_stop_gradient').type == 'StopGradient'
    node = g.get_operation_by_name('softmax_cross_entropy_with_logits_sg')
    assert node.type == 'SoftmaxCrossEntropyWithLogits' and len(node.outputs) == 2
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=x, logits=x)
    assert v2.name == 'softmax_cross_entropy_with_logits/Reshape_2:0'
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 3 and 4'):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.placeholder(tf.float32, [2, 4]), logits=x)
    # v1 stops the gradient into labels; v2 lets it through
    assert tf.gradients(v1, x)[0] is not None
    labels = tf.placeholder(tf.float32, [2, 3])
    assert tf.gradients(tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=x), labels) == [None]
    assert tf.gradients(tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=x), labels)[0] is not None


def test_sparse_softmax_cross_entropy(device):
    logits = R.randn(3, 4).astype(np.float32)
    logits3 = R.randn(2, 3, 4).astype(np.float32)
    labels3 = np.array([[0, 1, 2], [3, 3, 0]], np.int64)
    with tf.device(device):
        outs = [tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0, 3], logits=logits),
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels3, logits=logits3)]
    got = run_graph(outs)
    assert_allclose(got[0], -np.log(_np_softmax(logits))[np.arange(3), [2, 0, 3]], rtol=1e-5)
    lp3 = np.log(_np_softmax(logits3))
    assert_allclose(got[1], -np.take_along_axis(lp3, labels3[..., None], -1)[..., 0], rtol=1e-5)


def test_sparse_softmax_cross_entropy_graph_and_errors():
    logits = tf.placeholder(tf.float32, [2, 3], name='x')
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.int32, [2]), logits=logits)
    assert loss.name == 'SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0'
    assert loss.op.get_attr('Tlabels') == tf.int32
    with pytest.raises(ValueError, match='Only call `sparse_softmax_cross_entropy_with_logits` with named'):
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.placeholder(tf.int32, [2]), logits)
    with pytest.raises(ValueError, match='Rank mismatch'):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.int32, [2, 3]), logits=logits)
    with pytest.raises(ValueError, match='Shape mismatch'):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.int32, [3]), logits=logits)
    with pytest.raises(TypeError, match="'labels' has DataType float32"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.float32, [2]), logits=logits)


def test_sparse_label_out_of_range_cpu_error_gpu_nan(device):
    with tf.device(device):
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 5]),
                                                              logits=tf.zeros([2, 3]))
    if 'cpu' in device:
        with pytest.raises(errors.InvalidArgumentError, match=r'Received a label value of 5 which is outside the '
                                                              r'valid range of \[0, 3\).  Label values: 0 5'):
            run_graph(loss)
    else:  # TF's GPU kernel: NaN for the bad row
        got = run_graph(loss)
        assert_allclose(got[0], np.log(3.))
        assert np.isnan(got[1])


def test_sigmoid_and_weighted_cross_entropy(device):
    x = np.array([[-100., -1., 0.], [0.5, 3., 100.]], np.float32)
    z = np.array([[0., 1., 0.5], [1., 0., 1.]], np.float32)
    with tf.device(device):
        outs = [tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
                tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=2.)]
    got = run_graph(outs)
    ref = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    assert_allclose(got[0], ref, rtol=1e-5)
    weighted = (1 - z) * x + (1 + z) * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))
    assert_allclose(got[1], weighted, rtol=1e-5)
    assert outs[0].name.endswith('logistic_loss:0')
    with pytest.raises(ValueError, match='Only call `sigmoid_cross_entropy_with_logits` with named'):
        tf.nn.sigmoid_cross_entropy_with_logits(z, x)
    with pytest.raises(ValueError, match='logits and labels must have the same shape'):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=z[0], logits=x)


# ---------------------------------------------------------------------------------------------
# l2_loss, bias_add
# ---------------------------------------------------------------------------------------------
def test_l2_loss_and_bias_add(device):
    x = R.randn(2, 3, 4, 5).astype(np.float32)
    b = np.array([1., 2., 3.], np.float32)
    with tf.device(device):
        outs = [tf.nn.l2_loss([[1., 2.], [3., 4.]]), tf.nn.bias_add(x, np.arange(5, dtype=np.float32)),
                tf.nn.bias_add(x[:, :, :, 0], b, data_format='NCHW'), tf.nn.bias_add(x[:, :, :, 0], b, 'NCW')]
    got = run_graph(outs)
    assert got[0] == 15. and got[0].dtype == np.float32
    assert_allclose(got[1], x + np.arange(5))
    assert_allclose(got[2], x[:, :, :, 0] + b[:, None])
    assert_allclose(got[3], x[:, :, :, 0] + b[:, None])


def test_bias_add_graph_and_errors():
    x = tf.placeholder(tf.float32, [2, 3], name='x')
    y = tf.nn.bias_add(x, tf.placeholder(tf.float32, [3]))
    assert (y.name, y.op.get_attr('data_format')) == ('BiasAdd:0', 'NHWC')
    with pytest.raises(ValueError, match='Dimensions must be equal, but are 3 and 4'):
        tf.nn.bias_add(x, tf.placeholder(tf.float32, [4]))
    with pytest.raises(ValueError, match='Shape must be at least rank 2 but is rank 1'):
        tf.nn.bias_add(tf.placeholder(tf.float32, [3]), tf.placeholder(tf.float32, [3]))
    with pytest.raises(ValueError, match='Shape must be rank 1 but is rank 2'):
        tf.nn.bias_add(x, tf.placeholder(tf.float32, [1, 3]))
    loose = tf.nn.bias_add(tf.placeholder_with_default(np.zeros([2, 3], np.float32), [None, None]), [1., 2.])
    with pytest.raises(errors.InvalidArgumentError, match='Must provide as many biases'):
        run_graph(loose)


# ---------------------------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------------------------
_X = (np.arange(1 * 4 * 5 * 2, dtype=np.float32).reshape(1, 4, 5, 2) % 7 - 3) / 2
_F = (np.arange(3 * 3 * 2 * 2, dtype=np.float32).reshape(3, 3, 2, 2) % 5 - 2) / 4


def test_conv2d_matches_tf_numbers(device):
    """Expected values printed by TensorFlow (SAME padding, strides 2; dilation 2 along the height)."""
    with tf.device(device):
        outs = [tf.nn.conv2d(_X, _F, [1, 2, 2, 1], 'SAME'),
                tf.nn.conv2d(_X, _F, [1, 1, 1, 1], 'SAME', dilations=[1, 2, 1, 1])]
    got = run_graph(outs)
    assert_allclose(got[0], [[[[-0.125, 2.0], [2.625, 0.0], [-0.75, -0.875]],
                              [[1.0, -1.0], [0.125, -0.75], [-1.125, 1.125]]]])
    assert_allclose(got[1][0, 1], [[0.0, -0.25], [-0.25, 2.0], [2.0, 0.0], [0.75, -1.125], [-0.5, 0.75]])
    assert_allclose(got[1][0, 3], [[-0.75, 0.25], [-0.375, -1.25], [-0.875, -0.375], [-0.5, 1.375], [0.125, 0.125]])


@pytest.mark.parametrize('strides,padding,dilations,pads', [
    ([1, 1, 1, 1], 'VALID', [1, 1, 1, 1], ((0, 0), (0, 0))),
    ([1, 2, 3, 1], 'VALID', [1, 1, 1, 1], ((0, 0), (0, 0))),
    ([1, 2, 2, 1], 'SAME', [1, 1, 1, 1], ((0, 1), (0, 1))),  # 7x6 input, 2x3 filter
    ([1, 1, 1, 1], 'SAME', [1, 2, 2, 1], ((1, 1), (2, 2))),
    ([1, 1, 2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]], [1, 1, 1, 1], ((1, 2), (0, 1))),
])
def test_conv2d_against_naive_reference(strides, padding, dilations, pads):
    x = R.randn(2, 7, 6, 2).astype(np.float32)
    f = R.randn(2, 3, 2, 3).astype(np.float32)
    y = tf.nn.conv2d(x, f, strides, padding, dilations=dilations)
    expected = _np_conv(x, f, (strides[1], strides[2]), pads, (dilations[1], dilations[2]))
    assert y.shape.as_list() == list(expected.shape)
    assert_allclose(run_graph(y), expected, rtol=1e-4, atol=1e-5)


def test_conv2d_nchw_and_dtypes(device):
    x = R.randn(2, 6, 5, 3)
    f = R.randn(3, 3, 3, 4)
    with tf.device(device):
        nchw = tf.nn.conv2d(x.transpose(0, 3, 1, 2).astype(np.float32), f.astype(np.float32), [1, 1, 2, 1], 'SAME',
                            data_format='NCHW')
        f64 = tf.nn.conv2d(x, f, 1, 'VALID')
        i32 = tf.nn.conv2d(np.ones([1, 3, 3, 1], np.int32), np.ones([2, 2, 1, 1], np.int32), [1, 1, 1, 1], 'SAME')
    got = run_graph([nchw, f64, i32])
    assert nchw.shape.as_list() == [2, 4, 3, 5]
    assert_allclose(got[0], _np_conv(x, f, (2, 1), ((0, 1), (1, 1))).transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-4)
    assert got[1].dtype == np.float64
    assert_allclose(got[1], _np_conv(x, f, (1, 1), ((0, 0), (0, 0))))
    assert got[2].dtype == np.int32 and got[2][0, :, :, 0].tolist() == [[4, 4, 2], [4, 4, 2], [2, 2, 1]]


def test_conv2d_node_and_shape_errors():
    x, f = tf.placeholder(tf.float32, [2, 5, 5, 3]), tf.placeholder(tf.float32, [3, 3, 3, 4])
    y = tf.nn.conv2d(x, f, strides=[1, 2, 2, 1], padding='SAME')
    assert (y.name, y.op.type, y.shape.as_list()) == ('Conv2D:0', 'Conv2D', [2, 3, 3, 4])
    assert y.op.get_attr('use_cudnn_on_gpu') is True and y.op.get_attr('dilations') == [1, 1, 1, 1]
    assert y.op.get_attr('explicit_paddings') == [] and y.op.get_attr('data_format') == 'NHWC'
    assert tf.nn.conv2d(x, f, 2, 'VALID').op.get_attr('strides') == [1, 2, 2, 1]
    unknown = tf.nn.conv2d(tf.placeholder(tf.float32, [None, None, 5, 3]), f, [1, 1, 1, 1], 'VALID')
    assert unknown.shape.as_list() == [None, None, 3, 4]
    with pytest.raises(ValueError, match=r'Depth of input \(3\) is not a multiple of input depth of filter \(2\)'):
        tf.nn.conv2d(x, tf.placeholder(tf.float32, [3, 3, 2, 4]), [1, 1, 1, 1], 'SAME')
    with pytest.raises(ValueError, match='Negative dimension size caused by subtracting 3 from 2'):
        tf.nn.conv2d(tf.placeholder(tf.float32, [2, 2, 2, 3]), f, [1, 1, 1, 1], 'VALID')
    with pytest.raises(ValueError, match='Shape must be rank 4 but is rank 3'):
        tf.nn.conv2d(tf.placeholder(tf.float32, [5, 5, 3]), f, [1, 1, 1, 1], 'VALID')
    with pytest.raises(ValueError, match="Attr 'padding' of 'Conv2D' Op passed string 'FOO'"):
        tf.nn.conv2d(x, f, [1, 1, 1, 1], 'FOO')
    with pytest.raises(ValueError, match='strides should be of length 1, 2 or 4'):
        tf.nn.conv2d(x, f, [1, 1, 1], 'SAME')
    with pytest.raises(errors.UnimplementedError, match='strides in the batch and depth dimensions'):
        run_graph(tf.nn.conv2d(np.ones([1, 3, 3, 1], np.float32), np.ones([1, 1, 1, 1], np.float32),
                               [2, 1, 1, 1], 'SAME'))
    loose = tf.placeholder_with_default(np.ones([1, 4, 4, 3], np.float32), [None] * 4)
    with pytest.raises(errors.InvalidArgumentError, match='input depth must be evenly divisible by filter depth'):
        run_graph(tf.nn.conv2d(loose, np.ones([3, 3, 2, 2], np.float32), [1, 1, 1, 1], 'SAME'))


def test_conv2d_transpose(device):
    y = (np.arange(1 * 2 * 3 * 2, dtype=np.float32).reshape(1, 2, 3, 2) % 4 - 1.5)
    with tf.device(device):
        out = tf.nn.conv2d_transpose(y, _F, [1, 4, 5, 2], [1, 2, 2, 1], 'SAME')
    assert (out.name, out.op.type, out.shape.as_list()) == ('conv2d_transpose:0', 'Conv2DBackpropInput', [1, 4, 5, 2])
    got = run_graph(out)
    # TensorFlow's numbers
    assert_allclose(got[0, 0], [[-0.5, 0.375], [-1.25, 1.25], [-0.5, -0.125], [1.75, -0.75], [-0.5, 0.375]])
    assert_allclose(got[0, 2], [[-1.125, 0.75], [1.125, -1.375], [0.375, -0.25], [-1.375, 1.125], [-1.125, 0.75]])
    # the adjoint of conv2d: <conv(x), y> == <x, conv_transpose(y)>
    x = R.randn(2, 7, 6, 2)
    f = R.randn(3, 2, 2, 3)
    dy = R.randn(2, 3, 2, 3)
    back = run_graph(tf.nn.conv2d_transpose(dy, f, [2, 7, 6, 2], [1, 2, 3, 1], 'VALID'))
    forward = _np_conv(x, f, (2, 3), ((0, 0), (0, 0)))
    assert_allclose((forward * dy).sum(), (x * back).sum(), rtol=1e-9)


def test_conv2d_transpose_errors():
    value, f = tf.placeholder(tf.float32, [2, 5, 5, 4]), tf.placeholder(tf.float32, [3, 3, 3, 5])
    with pytest.raises(ValueError, match="input channels does not match filter's input channels, 4 != 5"):
        tf.nn.conv2d_transpose(value, f, [2, 10, 10, 3], [1, 2, 2, 1], 'SAME')
    f4 = tf.placeholder(tf.float32, [3, 3, 3, 4])
    with pytest.raises(ValueError, match="output_shape does not match filter's output channels, 2 != 3"):
        tf.nn.conv2d_transpose(value, f4, [2, 10, 10, 2], [1, 2, 2, 1], 'SAME')
    dynamic = tf.nn.conv2d_transpose(value, f4, tf.placeholder(tf.int32, [4]), [1, 2, 2, 1])
    assert dynamic.shape.as_list() == [2, None, None, None]
    bad = tf.nn.conv2d_transpose(np.ones([1, 2, 2, 2], np.float32), np.ones([3, 3, 3, 2], np.float32),
                                 [1, 5, 5, 3], [1, 1, 1, 1], 'SAME')
    with pytest.raises(errors.InvalidArgumentError, match="Size of out_backprop doesn't match computed"):
        run_graph(bad)


def test_depthwise_conv2d(device):
    x = R.randn(2, 5, 6, 3).astype(np.float32)
    f = R.randn(3, 2, 3, 2).astype(np.float32)
    with tf.device(device):
        y = tf.nn.depthwise_conv2d(x, f, [1, 2, 2, 1], 'SAME')
    got = run_graph(y)
    assert y.op.type == 'DepthwiseConv2dNative' and y.shape.as_list() == [2, 3, 3, 6]
    for c in range(3):
        ref = _np_conv(x[..., c:c + 1], f[:, :, c:c + 1, :], (2, 2), ((1, 1), (0, 1)))
        assert_allclose(got[..., 2 * c:2 * c + 2], ref, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------
_G = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)


def test_pooling_matches_tf_numbers(device):
    with tf.device(device):
        outs = [tf.nn.max_pool(_G, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'),
                tf.nn.avg_pool(_G, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'),
                tf.nn.avg_pool(_G, 2, 2, 'SAME'), tf.nn.max_pool(-_G, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')]
    got = [g[0, :, :, 0] for g in run_graph(outs)]
    assert_allclose(got[0], [[6., 8., 9.], [16., 18., 19.], [21., 23., 24.]])
    assert_allclose(got[1], [[3., 4.5, 6.], [10.5, 12., 13.5], [18., 19.5, 21.]])  # padding not counted
    assert_allclose(got[2], [[3., 5., 6.5], [13., 15., 16.5], [20.5, 22.5, 24.]])
    assert_allclose(got[3], [[0., -2., -4.], [-10., -12., -14.], [-20., -22., -24.]])  # padding is not 0


@pytest.mark.parametrize('ksize,strides,padding', [([1, 2, 2, 1], [1, 2, 2, 1], 'VALID'),
                                                    ([1, 3, 2, 1], [1, 1, 2, 1], 'VALID'),
                                                    ([1, 3, 3, 1], [1, 2, 2, 1], 'SAME')])
def test_pooling_against_naive_reference(device, ksize, strides, padding):
    x = R.randn(2, 7, 6, 3).astype(np.float32)
    with tf.device(device):
        mx = tf.nn.max_pool(x, ksize, strides, padding)
        av = tf.nn.avg_pool(x, ksize, strides, padding)
        nchw = tf.nn.max_pool(x.transpose(0, 3, 1, 2), [1, 1] + ksize[1:3], [1, 1] + strides[1:3], padding,
                              data_format='NCHW')
    got = run_graph([mx, av, nchw])
    (kh, kw), (sh, sw) = ksize[1:3], strides[1:3]
    oh, ow = mx.shape.as_list()[1:3]
    ph = max((oh - 1) * sh + kh - 7, 0) // 2 if padding == 'SAME' else 0
    pw = max((ow - 1) * sw + kw - 6, 0) // 2 if padding == 'SAME' else 0
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * sh - ph, j * sw - pw
            win = x[:, max(r0, 0):r0 + kh, max(c0, 0):c0 + kw, :]
            assert_allclose(got[0][:, i, j], win.max(axis=(1, 2)))
            assert_allclose(got[1][:, i, j], win.mean(axis=(1, 2)), rtol=1e-5)
    assert_allclose(got[2], got[0].transpose(0, 3, 1, 2))


def test_pooling_nodes_and_errors():
    x = tf.placeholder(tf.float32, [2, 5, 5, 3])
    mp = tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding='SAME')
    assert (mp.name, mp.shape.as_list(), mp.op.get_attr('ksize')) == ('MaxPool:0', [2, 3, 3, 3], [1, 2, 2, 1])
    assert tf.nn.avg_pool(x, 2, 2, 'VALID').shape.as_list() == [2, 2, 2, 3]
    with pytest.raises(ValueError, match='Shape must be rank 4 but is rank 3'):
        tf.nn.max_pool(tf.placeholder(tf.float32, [2, 5, 5]), [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')
    with pytest.raises(ValueError, match='Negative dimension size caused by subtracting 3 from 2'):
        tf.nn.avg_pool(tf.placeholder(tf.float32, [2, 2, 2, 3]), [1, 3, 3, 1], [1, 1, 1, 1], 'VALID')
    with pytest.raises(ValueError, match='ksize cannot be zero'):
        tf.nn.max_pool(x, [1, 0, 2, 1], [1, 2, 2, 1], 'SAME')
    with pytest.raises(errors.UnimplementedError, match='Pooling is not yet supported on the batch dimension'):
        run_graph(tf.nn.max_pool(np.ones([2, 2, 2, 1], np.float32), [2, 2, 2, 1], [1, 2, 2, 1], 'SAME'))


def test_pooling_gradients_match_tf(device):
    """MaxPoolGrad sends each window's gradient to its first maximum in row-major order (TF's numbers)."""
    ties = np.array([[1, 3, 3, 0], [3, 2, 1, 3], [0, 0, 0, 0], [0, 0, 0, 0]], np.float32).reshape(1, 4, 4, 1)
    with tf.device(device):
        t = tf.constant(ties)
        mp = tf.nn.max_pool(t, [1, 2, 2, 1], [1, 2, 2, 1], 'SAME')
        g1 = tf.gradients(mp, t, grad_ys=tf.constant([1., 2., 3., 4.], shape=[1, 2, 2, 1]))[0]
        g2 = tf.gradients(tf.nn.max_pool(t, [1, 3, 3, 1], [1, 1, 1, 1], 'SAME'), t)[0]
        gg = tf.constant(_G)
        g3 = tf.gradients(tf.nn.avg_pool(gg, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'), gg)[0]
    assert g1.op.type == 'MaxPoolGrad' and g3.op.type == 'AvgPoolGrad'
    got = [g[0, :, :, 0] for g in run_graph([g1, g2, g3])]
    assert_allclose(got[0], [[0, 1, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]])
    assert_allclose(got[1], [[0, 6, 2, 0], [2, 0, 0, 2], [2, 1, 1, 0], [0, 0, 0, 0]])
    assert_allclose(got[2][0], [0.25, 0.41666669, 0.16666667, 0.41666669, 0.25])
    assert_allclose(got[2][2], [0.16666667, 0.27777779, 0.11111111, 0.27777779, 0.16666667])


# ---------------------------------------------------------------------------------------------
# Top-k
# ---------------------------------------------------------------------------------------------
def test_top_k_and_in_top_k(device):
    with tf.device(device):
        values, indices = tf.nn.top_k([[1., 3., 3., 2.], [4., 1., 4., 4.]], 3)
        ints = tf.nn.top_k(np.array([[5, 1, 5, 7]], np.int32), 2)
        hits = tf.nn.in_top_k([[1., 3., 3., 2.], [1., 2., 3., 4.], [1., np.nan, 3., 2.], [1., 2., 3., 4.]],
                              [2, 0, 1, 7], 1)
        hits3 = tf.nn.in_top_k([[1., 3., 3., 2.], [1., 2., 3., 4.]], [0, 2], 3)
    got = run_graph([values, indices, ints, hits, hits3])
    assert_allclose(got[0], [[3., 3., 2.], [4., 4., 4.]])
    assert got[1].tolist() == [[1, 2, 3], [0, 2, 3]] and got[1].dtype == np.int32  # ties: lower index first
    assert got[2].values.tolist() == [[7, 5]] and got[2].indices.tolist() == [[3, 0]]
    assert got[3].tolist() == [True, False, False, False]  # ties count as in; NaN and out of range do not
    assert got[4].tolist() == [False, True]


def test_top_k_nodes_and_errors():
    x = tf.placeholder(tf.float32, [4, 5])
    values, indices = tf.nn.top_k(x, 2)
    assert (values.name, indices.name, values.shape.as_list()) == ('TopKV2:0', 'TopKV2:1', [4, 2])
    assert values.op.get_attr('sorted') is True and values.op.inputs[1].name == 'TopKV2/k:0'
    assert tf.nn.top_k(x, tf.placeholder(tf.int32, [])).values.shape.as_list() == [4, None]
    hit = tf.nn.in_top_k(x, tf.placeholder(tf.int32, [4]), 2)
    assert (hit.name, hit.dtype, hit.op.inputs[2].name) == ('in_top_k/InTopKV2:0', tf.bool, 'in_top_k/InTopKV2/k:0')
    with pytest.raises(ValueError, match='input must have last dimension >= k = 7 but is 5'):
        tf.nn.top_k(x, 7)
    with pytest.raises(ValueError, match='must be non-negative but is -1'):
        tf.nn.top_k(x, -1)
    with pytest.raises(ValueError, match='Shape must be at least rank 1 but is rank 0'):
        tf.nn.top_k(tf.placeholder(tf.float32, []), 1)


# ---------------------------------------------------------------------------------------------
# Normalization, dropout, embeddings, clipping
# ---------------------------------------------------------------------------------------------
def test_moments_and_batch_normalization(device):
    x = R.randn(4, 3, 3, 2).astype(np.float32)
    mean, var, offset, scale = R.randn(2), np.abs(R.randn(2)) + .1, R.randn(2), R.randn(2)
    with tf.device(device):
        m, v = tf.nn.moments(x, axes=[0, 1, 2])
        mk, vk = tf.nn.moments(x, axes=[1], keep_dims=True)
        bn = tf.nn.batch_normalization(x, mean.astype(np.float32), var.astype(np.float32), offset.astype(np.float32),
                                       scale.astype(np.float32), 1e-3)
        bn_bare = tf.nn.batch_normalization(x, mean.astype(np.float32), var.astype(np.float32), None, None, 1e-3)
    got = run_graph([m, v, mk, vk, bn, bn_bare])
    assert (m.name, v.name, mk.name) == ('moments/Squeeze:0', 'moments/Squeeze_1:0', 'moments_1/mean:0')
    assert_allclose(got[0], x.mean((0, 1, 2)), rtol=1e-5)
    assert_allclose(got[1], x.var((0, 1, 2)), rtol=1e-5)
    assert got[2].shape == (4, 1, 3, 2)
    assert_allclose(got[3], x.var(1, keepdims=True), rtol=1e-5)
    assert_allclose(got[4], (x - mean) / np.sqrt(var + 1e-3) * scale + offset, rtol=1e-4, atol=1e-5)
    assert_allclose(got[5], (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    assert bn.name == 'batchnorm/add:0'  # numpy variance + epsilon adds no node, as in TF


def test_fused_batch_norm(device):
    x = (np.arange(1 * 4 * 5 * 2, dtype=np.float32).reshape(1, 4, 5, 2) % 7 - 3) / 2
    with tf.device(device):
        y, m, v = tf.nn.fused_batch_norm(x, [1., 2.], [0.5, 0.], epsilon=1e-3)
        yi, _, _ = tf.nn.fused_batch_norm(x, [1., 2.], [0.5, 0.], [0.1, 0.2], [1., 2.], epsilon=1e-3,
                                          is_training=False)
    got = run_graph([y, m, v, yi])
    assert y.op.type == 'FusedBatchNormV3' and y.name == 'FusedBatchNormV3:0'
    assert_allclose(got[1], [-0.05, -0.075])  # TF's numbers: the mean and the unbiased variance
    assert_allclose(got[2], [1.05, 0.98092115])
    xm, xv = x.mean((0, 1, 2)), x.var((0, 1, 2))
    assert_allclose(got[0], (x - xm) / np.sqrt(xv + 1e-3) * [1., 2.] + [0.5, 0.], rtol=1e-5, atol=1e-5)
    assert_allclose(got[3], (x - [0.1, 0.2]) / np.sqrt(np.array([1., 2.]) + 1e-3) * [1., 2.] + [0.5, 0.], rtol=1e-5)
    with pytest.raises(ValueError, match="Both 'mean' and 'variance' must be None"):
        tf.nn.fused_batch_norm(x, [1., 2.], [0., 0.], [0., 0.], [1., 1.])


def test_l2_normalize_and_clipping(device):
    x = R.randn(3, 4).astype(np.float32) * 3
    with tf.device(device):
        outs = [tf.nn.l2_normalize(x, axis=1), tf.nn.l2_normalize(x, dim=0), clip_ops.clip_by_norm(x, 1.0),
                clip_ops.clip_by_norm(x, 1.0, axes=[1]), clip_ops.clip_by_norm(tf.zeros([2]), 1.0),
                clip_ops.global_norm([x, tf.constant([3., 4.])])]
        clipped, norm = clip_ops.clip_by_global_norm([x, None, tf.constant([3., 4.])], 2.0)
    got = run_graph(outs + [clipped[0], clipped[2], norm])
    assert_allclose(got[0], x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-5)
    assert_allclose(got[1], x / np.linalg.norm(x, axis=0, keepdims=True), rtol=1e-5)
    assert_allclose(got[2], x / np.linalg.norm(x), rtol=1e-5)
    assert_allclose(got[3], x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1), rtol=1e-5)
    assert_allclose(got[4], [0., 0.])
    total = np.sqrt((x ** 2).sum() + 25)
    assert_allclose(got[5], total, rtol=1e-5)
    assert_allclose(got[6], x * 2 / total, rtol=1e-5)
    assert_allclose(got[7], np.array([3., 4.]) * 2 / total, rtol=1e-5)
    assert clipped[1] is None
    assert_allclose(got[8], total, rtol=1e-5)
    assert outs[2].name == 'clip_by_norm:0' and outs[0].name == 'l2_normalize:0'
    assert clipped[0].name == 'clip_by_global_norm/clip_by_global_norm/_0:0'
    assert outs[5].name == 'global_norm/global_norm:0' and norm.name == 'global_norm_1/global_norm:0'
    with pytest.raises(TypeError, match='`t_list` should be a sequence of tensors'):
        clip_ops.clip_by_global_norm(tf.constant(x), 1.0)
    assert set(clip_ops.__all__) >= {'clip_by_norm', 'clip_by_global_norm', 'global_norm'}


def test_dropout(device):
    with tf.device(device):
        x = tf.ones([200, 50])
        kept = tf.nn.dropout(x, keep_prob=0.25, seed=1)
        by_rate = tf.nn.dropout(x, rate=0.75, seed=2)
        keep_t = tf.placeholder(tf.float32, [])
        dynamic = tf.nn.dropout(x, keep_prob=keep_t)
        columns = tf.nn.dropout(x, keep_prob=0.5, noise_shape=[1, 50])
    assert tf.nn.dropout(x, keep_prob=1.0) is x
    assert kept.name == 'dropout/SelectV2:0' and kept.shape.as_list() == [200, 50]
    a, b, c, d = run_graph([kept, by_rate, dynamic, columns], {keep_t: 0.5})
    for values, scale, frac in ((a, 4., .25), (b, 4., .25), (c, 2., .5)):
        assert set(np.unique(values).tolist()) <= {0., scale}
        assert abs((values != 0).mean() - frac) < 0.05
    assert (d == d[0]).all()  # one draw per column
    with pytest.raises(ValueError, match=r'`rate` must be a scalar tensor or a float in the range \[0, 1\)'):
        tf.nn.dropout(x, keep_prob=0.0)
    with pytest.raises(ValueError, match="Cannot specify both 'keep_prob' and 'rate'"):
        tf.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match='must be a floating point tensor'):
        tf.nn.dropout(tf.ones([2], tf.int32), rate=0.5)


def test_embedding_lookup(device):
    params = R.randn(10, 3).astype(np.float32)
    shard_a, shard_b = np.arange(12, dtype=np.float32).reshape(4, 3), -np.arange(9, dtype=np.float32).reshape(3, 3)
    with tf.device(device):
        v = tf.Variable(params, name='v')
        rows = tf.nn.embedding_lookup(v, [[1, 2], [9, 0]])
        clipped = tf.nn.embedding_lookup(params * 3, [1, 2, 9], max_norm=1.0)
        mod = tf.nn.embedding_lookup([shard_a, shard_b], [[0, 1, 2], [3, 4, 5]])
        div = tf.nn.embedding_lookup([shard_a, shard_b], [[0, 1, 2], [3, 4, 6]], partition_strategy='div')
    assert rows.name == 'embedding_lookup/Identity:0' and rows.shape.as_list() == [2, 2, 3]
    gather = tf.get_default_graph().get_operation_by_name('embedding_lookup')
    assert gather.type == 'GatherV2' and gather.colocation_groups() == [b'loc:@v']
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run([rows, clipped, mod, div])
    assert_allclose(got[0], params[[[1, 2], [9, 0]]])
    ref = params[[1, 2, 9]] * 3
    assert_allclose(got[1], ref / np.maximum(np.linalg.norm(ref, axis=1, keepdims=True), 1), rtol=1e-5)
    # mod: id i lives in shard i % 2, row i // 2; div: ids 0-3 in shard a, 4-6 in shard b
    assert_allclose(got[2], [[shard_a[0], shard_b[0], shard_a[1]], [shard_b[1], shard_a[2], shard_b[2]]])
    assert_allclose(got[3], [[shard_a[0], shard_a[1], shard_a[2]], [shard_a[3], shard_b[0], shard_b[2]]])


def test_xw_plus_b_zero_fraction_crelu():
    x = R.randn(3, 4).astype(np.float32)
    w = R.randn(4, 2).astype(np.float32)
    outs = [tf.nn.xw_plus_b(x, w, [1., 2.]), tf.nn.zero_fraction([[0., 1.], [0., 0.]]), tf.nn.crelu(x)]
    got = run_graph(outs)
    assert outs[0].name == 'xw_plus_b:0' and outs[0].op.type == 'BiasAdd'
    assert_allclose(got[0], x @ w + [1., 2.], rtol=1e-5)
    assert got[1] == 0.75 and got[1].dtype == np.float32
    assert_allclose(got[2], np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], -1))


# ---------------------------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------------------------
def test_gradient_op_types():
    x, f = tf.placeholder(tf.float32, [2, 5, 5, 3]), tf.placeholder(tf.float32, [3, 3, 3, 4])
    gx, gf = tf.gradients(tf.nn.conv2d(x, f, [1, 2, 2, 1], 'SAME'), [x, f])
    assert (gx.op.type, gf.op.type) == ('Conv2DBackpropInput', 'Conv2DBackpropFilter')
    assert gx.shape.as_list() == [2, 5, 5, 3] and gf.shape.as_list() == [3, 3, 3, 4]
    h = tf.placeholder(tf.float32, [2, 4])
    b = tf.placeholder(tf.float32, [4])
    assert tf.gradients(tf.nn.relu(h), h)[0].op.type == 'ReluGrad'
    assert tf.gradients(tf.nn.bias_add(h, b), b)[0].op.type == 'BiasAddGrad'
    assert tf.gradients(tf.nn.elu(h), h)[0].op.type == 'EluGrad'
    assert tf.gradients(tf.nn.leaky_relu(h), h)[0].op.get_attr('alpha') == pytest.approx(0.2)
    assert tf.gradients(tf.cast(tf.nn.in_top_k(h, [0, 1], 1), tf.float32), h) == [None]


@pytest.mark.parametrize('name,shape,build', [
    ('relu', [3, 4], tf.nn.relu), ('relu6', [3, 4], lambda x: tf.nn.relu6(x * 4)), ('elu', [3, 4], tf.nn.elu),
    ('selu', [3, 4], tf.nn.selu), ('leaky_relu', [3, 4], lambda x: tf.nn.leaky_relu(x, 0.1)),
    ('softplus', [3, 4], tf.nn.softplus), ('softsign', [3, 4], tf.nn.softsign),
    ('softmax', [3, 4], tf.nn.softmax), ('softmax_axis0', [3, 4], lambda x: tf.nn.softmax(x, axis=0)),
    ('log_softmax', [3, 4], tf.nn.log_softmax),
    ('xent', [3, 4], lambda x: tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=_np_softmax(np.arange(12.).reshape(3, 4) % 5), logits=x)),
    ('xent_labels', [3, 4], lambda x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=x, logits=np.ones([3, 4]))),
    ('sparse_xent', [2, 2, 4], lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[1, 0], [3, 3]],
                                                                                          logits=x)),
    ('sigmoid_xent', [3, 4], lambda x: tf.nn.sigmoid_cross_entropy_with_logits(labels=np.full([3, 4], .3), logits=x)),
    ('l2_loss', [3, 4], tf.nn.l2_loss),
    ('bias_add_bias', [3], lambda b: tf.nn.bias_add(np.ones([2, 3, 2, 2]), b, data_format='NCHW')),
    ('conv_input', [2, 5, 5, 2], lambda x: tf.nn.conv2d(x, np.linspace(-1, 1, 54).reshape(3, 3, 2, 3),
                                                        [1, 2, 2, 1], 'SAME')),
    ('conv_filter', [2, 2, 2, 3], lambda f: tf.nn.conv2d(np.linspace(-1, 1, 100).reshape(2, 5, 5, 2), f,
                                                         [1, 1, 1, 1], 'VALID', dilations=[1, 2, 2, 1])),
    ('conv_transpose', [3, 3, 2, 3], lambda f: tf.nn.conv2d_transpose(np.linspace(-1, 1, 54).reshape(2, 3, 3, 3), f,
                                                                      [2, 5, 5, 2], [1, 2, 2, 1], 'SAME')),
    ('depthwise', [1, 5, 5, 2], lambda x: tf.nn.depthwise_conv2d(x, np.linspace(-1, 1, 36).reshape(3, 3, 2, 2),
                                                                 [1, 1, 1, 1], 'SAME')),
    ('max_pool', [1, 5, 5, 2], lambda x: tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME')),
    ('avg_pool', [1, 5, 5, 2], lambda x: tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME')),
    ('top_k', [3, 5], lambda x: tf.nn.top_k(x, 2).values),
    ('moments', [3, 4], lambda x: tf.nn.moments(x, [0])[1]),
    ('l2_normalize', [3, 4], lambda x: tf.nn.l2_normalize(x, 1)),
    ('embedding', [5, 3], lambda p: tf.nn.embedding_lookup(p, [[1, 2], [1, 4]])),
])
def test_gradients_match_finite_differences(name, shape, build):
    distinct = R.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.05  # no ties, no kinks at 0
    assert _grad_error(shape, build, x0=distinct) < 1e-5


def test_fused_batch_norm_gradient():
    err = _grad_error([2, 3, 3, 2], lambda x: tf.nn.fused_batch_norm(x, [1., 2.], [0., 1.])[0] * [1., 3.],
                      dtype=tf.float32)
    assert err < 5e-2
