"""tf.keras.backend's tensor functions against tf_keras.backend (TF 2.21's compat.v1 graph mode): each case
calls the same backend function with the same constants on both sides and the values must agree; plus
K.rnn against NumPy, variables (zeros/ones/eye, update*, moving_average_update), and argument errors.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.keras import backend as K

RS = np.random.RandomState(0)
A = RS.randn(3, 4).astype(np.float32)
B = RS.randn(4, 5).astype(np.float32)
A3 = RS.randn(2, 3, 4).astype(np.float32)
B3 = RS.randn(2, 4, 5).astype(np.float32)
C3 = RS.randn(5, 4, 6).astype(np.float32)
IMG = RS.randn(2, 5, 6, 3).astype(np.float32)
IMG_CF = RS.randn(2, 3, 5, 6).astype(np.float32)
VOL = RS.randn(2, 4, 5, 3, 2).astype(np.float32)
SEQ = RS.randn(2, 7, 3).astype(np.float32)
PROBS = np.abs(RS.randn(3, 4)).astype(np.float32)
ONEHOT = np.eye(4, dtype=np.float32)[[0, 3, 1]]
LABELS3 = RS.randint(0, 4, (2, 3))
BINARY = (RS.rand(3, 4) > 0.5).astype(np.float32)
UNIT = RS.rand(3, 4).astype(np.float32)
BOOLS = RS.rand(3, 4) > 0.5
TRANSPOSED = RS.randn(3, 3, 2, 3).astype(np.float32)  # (height, width, out, in)
DEPTHWISE = RS.randn(3, 3, 3, 2).astype(np.float32)  # (height, width, in, multiplier)
POINTWISE = RS.randn(1, 1, 6, 4).astype(np.float32)
KERNEL3D = RS.randn(2, 2, 2, 2, 3).astype(np.float32)
LOCAL1D = RS.randn(3, 6, 2).astype(np.float32)  # (output length, kernel size * in, filters)
LOCAL2D = RS.randn(4, 12, 2).astype(np.float32)

CASES = {
    # reductions
    'max': lambda K, c: K.max(c(A), axis=1, keepdims=True),
    'min': lambda K, c: K.min(c(A3), axis=(0, 2)),
    'sum': lambda K, c: K.sum(c(A)),
    'prod': lambda K, c: K.prod(c(A), axis=0),
    'mean_bool': lambda K, c: K.mean(c(BOOLS), axis=-1),
    'var': lambda K, c: K.var(c(A3), axis=1, keepdims=True),
    'std': lambda K, c: K.std(c(A), axis=0),
    'any': lambda K, c: K.any(c(A) > 1, axis=1),
    'all': lambda K, c: K.all(c(A) > -2),
    'argmax': lambda K, c: K.argmax(c(A)),
    'argmin': lambda K, c: K.argmin(c(A), axis=0),
    'cumsum': lambda K, c: K.cumsum(c(A), axis=1),
    'cumprod': lambda K, c: K.cumprod(c(A)),
    # elementwise
    'square': lambda K, c: K.square(c(A)),
    'abs': lambda K, c: K.abs(c(A)),
    'sqrt_clips_negatives': lambda K, c: K.sqrt(c(A)),
    'exp': lambda K, c: K.exp(c(A)),
    'log': lambda K, c: K.log(c(PROBS)),
    'round': lambda K, c: K.round(c(A * 3)),
    'sign': lambda K, c: K.sign(c(A)),
    'pow': lambda K, c: K.pow(c(PROBS), 1.5),
    'clip': lambda K, c: K.clip(c(A), -0.5, 0.5),
    'clip_max_below_min': lambda K, c: K.clip(c(A), 0.2, -1.0),
    'clip_no_max': lambda K, c: K.clip(c(A), 0.1, None),
    'comparisons': lambda K, c: K.stack([K.cast(f(c(A), c(A * 0.5)), 'float32') for f in (
        K.equal, K.not_equal, K.greater, K.greater_equal, K.less, K.less_equal)]),
    'maximum_minimum': lambda K, c: K.maximum(c(A), c(A * -1)) + K.minimum(c(A), 0.),
    'sin_cos': lambda K, c: K.sin(c(A)) + K.cos(c(A)),
    # linear algebra
    'dot_2d': lambda K, c: K.dot(c(A), c(B)),
    'dot_3d_2d': lambda K, c: K.dot(c(A3), c(B)),
    'dot_3d_3d': lambda K, c: K.dot(c(A3), c(C3)),
    'batch_dot_default': lambda K, c: K.batch_dot(c(A3), c(B3)),
    'batch_dot_axes': lambda K, c: K.batch_dot(c(A3), c(A3), axes=(1, 1)),
    'batch_dot_2d_same_axis': lambda K, c: K.batch_dot(c(A), c(A), axes=1),
    'batch_dot_3d_2d': lambda K, c: K.batch_dot(c(A3), c(A3[:, 0]), axes=(2, 1)),
    'transpose': lambda K, c: K.transpose(c(A)),
    'gather': lambda K, c: K.gather(c(A), c(np.array([2, 0, 2]))),
    # shapes
    'concatenate_negative_axis': lambda K, c: K.concatenate([c(A), c(A * 2)], axis=-1),
    'reshape': lambda K, c: K.reshape(c(A3), (3, -1)),
    'permute_dimensions': lambda K, c: K.permute_dimensions(c(A3), (2, 0, 1)),
    'repeat_elements': lambda K, c: K.repeat_elements(c(A3), 2, axis=1),
    'repeat': lambda K, c: K.repeat(c(A), 3),
    'arange': lambda K, c: K.arange(2, 11, 3),
    'arange_float': lambda K, c: K.arange(5, dtype='float32'),
    'tile': lambda K, c: K.tile(c(A), (2, 1)),
    'flatten': lambda K, c: K.flatten(c(A3)),
    'batch_flatten': lambda K, c: K.batch_flatten(c(IMG)),
    'expand_squeeze': lambda K, c: K.squeeze(K.expand_dims(c(A), 1), 1) + K.expand_dims(c(A))[:, :, 0],
    'temporal_padding': lambda K, c: K.temporal_padding(c(SEQ), (2, 1)),
    'spatial_2d_padding': lambda K, c: K.spatial_2d_padding(c(IMG), ((1, 0), (2, 3))),
    'spatial_2d_padding_cf': lambda K, c: K.spatial_2d_padding(c(IMG_CF), data_format='channels_first'),
    'spatial_3d_padding': lambda K, c: K.spatial_3d_padding(c(VOL), ((1, 0), (0, 2), (1, 1))),
    'stack': lambda K, c: K.stack([c(A), c(A)], axis=1),
    'one_hot': lambda K, c: K.one_hot(c(np.array([[0, 2], [1, 3]])), 4),
    'reverse': lambda K, c: K.reverse(c(A3), (0, 2)),
    # control
    'switch_scalar': lambda K, c: K.switch(c(np.array(True)), c(A), c(A * 2)),
    'switch_tensor': lambda K, c: K.switch(c(A3) > 0, c(A3), c(A3 * -3)),
    'switch_lower_rank': lambda K, c: K.switch(c(np.array([[True], [False]])), c(A3[:, 0]), c(A3[:, 1])),
    'in_train_phase_python': lambda K, c: K.in_train_phase(c(A), c(A * 2), training=1),
    'in_test_phase_python': lambda K, c: K.in_test_phase(c(A), lambda: c(A * 2), training=True),
    # activations
    'relu': lambda K, c: K.relu(c(A)),
    'relu_alpha': lambda K, c: K.relu(c(A), alpha=0.1),
    'relu_alpha_max': lambda K, c: K.relu(c(A), alpha=0.1, max_value=0.8),
    'relu6': lambda K, c: K.relu(c(A * 5), max_value=6),
    'relu_threshold': lambda K, c: K.relu(c(A), threshold=0.3, max_value=1.0),
    'relu_threshold_alpha': lambda K, c: K.relu(c(A), alpha=0.2, threshold=0.3),
    'elu_alpha': lambda K, c: K.elu(c(A), alpha=0.5),
    'softmax_axis': lambda K, c: K.softmax(c(A3), axis=1),
    'softplus_softsign': lambda K, c: K.softplus(c(A)) + K.softsign(c(A)),
    'sigmoid_tanh': lambda K, c: K.sigmoid(c(A)) + K.tanh(c(A)),
    'hard_sigmoid': lambda K, c: K.hard_sigmoid(c(A * 4)),
    # cross-entropies
    'categorical_crossentropy_probs': lambda K, c: K.categorical_crossentropy(c(ONEHOT), c(PROBS)),
    'categorical_crossentropy_softmax_op': lambda K, c: K.categorical_crossentropy(c(ONEHOT), K.softmax(c(A))),
    'categorical_crossentropy_logits': lambda K, c: K.categorical_crossentropy(c(ONEHOT), c(A), from_logits=True),
    'categorical_crossentropy_axis': lambda K, c: K.categorical_crossentropy(c(ONEHOT.T), c(PROBS.T), axis=0),
    'sparse_categorical_crossentropy': lambda K, c: K.sparse_categorical_crossentropy(
        c(np.array([0, 3, 1])), c(PROBS / PROBS.sum(1, keepdims=True))),
    'sparse_categorical_crossentropy_rank3': lambda K, c: K.sparse_categorical_crossentropy(
        c(LABELS3), K.softmax(c(A3))),
    'sparse_categorical_crossentropy_logits_axis': lambda K, c: K.sparse_categorical_crossentropy(
        c(np.array([0, 3, 1])), c(A.T), from_logits=True, axis=0),
    'binary_crossentropy_probs': lambda K, c: K.binary_crossentropy(c(BINARY), c(UNIT)),
    'binary_crossentropy_sigmoid_op': lambda K, c: K.binary_crossentropy(c(BINARY), K.sigmoid(c(A))),
    'binary_crossentropy_logits': lambda K, c: K.binary_crossentropy(c(BINARY), c(A), from_logits=True),
    # normalization and top-k
    'l2_normalize': lambda K, c: K.l2_normalize(c(A), axis=1),
    'in_top_k': lambda K, c: K.in_top_k(c(A), c(np.array([0, 1, 2], np.int32)), 2),
    'batch_normalization_4d': lambda K, c: K.batch_normalization(
        c(IMG), c(np.full(3, 0.1, np.float32)), c(np.full(3, 2., np.float32)), c(np.ones(3, np.float32)),
        c(np.full(3, 0.5, np.float32)), epsilon=1e-3),
    'batch_normalization_2d': lambda K, c: K.batch_normalization(
        c(A), c(A[0]), c(PROBS[0]), None, c(A[1]), epsilon=1e-2),
    'normalize_batch_in_training': lambda K, c: K.concatenate([K.flatten(t) for t in K.normalize_batch_in_training(
        c(A3), c(np.ones(4, np.float32)), c(np.zeros(4, np.float32)), [0, 1])], 0),
    'normalize_batch_in_training_broadcast': lambda K, c: K.concatenate([K.flatten(t) for t in
                                                                         K.normalize_batch_in_training(
        c(A3), None, None, [0, 2])], 0),
    # convolution, pooling, bias
    'bias_add_3d': lambda K, c: K.bias_add(c(SEQ), c(np.arange(3, dtype=np.float32))),
    'bias_add_4d_cf': lambda K, c: K.bias_add(c(IMG_CF), c(np.arange(3, dtype=np.float32)), 'channels_first'),
    'bias_add_4d_per_position': lambda K, c: K.bias_add(c(IMG), c(IMG[0])),
    'bias_add_5d_cf_per_position': lambda K, c: K.bias_add(
        c(VOL), c(np.transpose(VOL[0], (1, 2, 3, 0))), 'channels_first'),
    'bias_add_2d': lambda K, c: K.bias_add(c(A), c(A[0])),
    'conv1d_causal_dilated': lambda K, c: K.conv1d(c(SEQ), c(C3[:2, :3, :4]), padding='causal', dilation_rate=2),
    'conv1d_strided': lambda K, c: K.conv1d(c(SEQ), c(C3[:3, :3, :2]), strides=2, padding='same'),
    'conv2d': lambda K, c: K.conv2d(c(IMG), c(VOL[0, :3, :3, :3, :]), padding='same', strides=(2, 1)),
    'conv2d_cf_dilated': lambda K, c: K.conv2d(c(IMG_CF), c(VOL[0, :2, :2, :3, :]), data_format='channels_first',
                                               dilation_rate=(2, 2)),
    'conv2d_transpose': lambda K, c: K.conv2d_transpose(c(IMG), c(TRANSPOSED), (2, 10, 12, 2),
                                                        strides=(2, 2), padding='same'),
    'conv2d_transpose_cf': lambda K, c: K.conv2d_transpose(c(IMG_CF), c(TRANSPOSED[:2, :2]), (None, 2, 6, 7),
                                                           data_format='channels_first'),
    'separable_conv2d': lambda K, c: K.separable_conv2d(c(IMG), c(DEPTHWISE[:2]), c(POINTWISE)),
    'depthwise_conv2d': lambda K, c: K.depthwise_conv2d(c(IMG), c(DEPTHWISE), padding='same'),
    'conv3d': lambda K, c: K.conv3d(c(VOL), c(KERNEL3D), padding='same'),
    'pool2d_max': lambda K, c: K.pool2d(c(IMG), (2, 2), strides=(2, 2)),
    'pool2d_avg_same_cf': lambda K, c: K.pool2d(c(IMG_CF), (3, 2), padding='same', data_format='channels_first',
                                                pool_mode='avg'),
    'pool3d': lambda K, c: K.pool3d(c(VOL), (2, 2, 2), strides=(1, 2, 1), pool_mode='avg'),
    'resize_images_nearest': lambda K, c: K.resize_images(c(IMG), 2, 3, 'channels_last'),
    'resize_images_bilinear_cf': lambda K, c: K.resize_images(c(IMG_CF), 2, 2, 'channels_first',
                                                              interpolation='bilinear'),
    'resize_volumes': lambda K, c: K.resize_volumes(c(VOL), 2, 1, 3, 'channels_last'),
    'local_conv1d': lambda K, c: K.local_conv1d(c(SEQ), c(LOCAL1D), (2,), (2,)),
    'local_conv2d': lambda K, c: K.local_conv2d(c(IMG), c(LOCAL2D), (2, 2),
                                                (2, 3), (2, 2)),
}


@pytest.fixture(scope='module')
def tf_keras_backend():
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf_keras = pytest.importorskip('tf_keras')
    tf1.disable_v2_behavior()
    return tf1, tf_keras.backend


def _evaluate(make, backend, constant, graph, session_type):
    with graph.as_default():
        out = make(backend, constant)
        with session_type(graph=graph) as session:
            return session.run(out)


@pytest.mark.tf
@pytest.mark.parametrize('name', sorted(CASES))
def test_matches_tf_keras_backend(tf_keras_backend, name):
    tf1, theirs = tf_keras_backend
    ours = _evaluate(CASES[name], K, tf.constant, tf.Graph(), tf.Session)
    expected = _evaluate(CASES[name], theirs, tf1.constant, tf1.Graph(), tf1.Session)
    assert np.shape(ours) == np.shape(expected)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


def test_functions_tf_keras_dropped():
    # K.logsumexp and K.separable_conv1d are TF 1.15's; tf_keras no longer has them.
    np.testing.assert_allclose(K.eval(K.logsumexp(K.constant(A), axis=1, keepdims=True)),
                               np.log(np.exp(A).sum(1, keepdims=True)), rtol=1e-5)
    one_d = K.separable_conv1d(K.constant(SEQ), K.constant(DEPTHWISE[0]), K.constant(POINTWISE[0]), padding='same')
    two_d = K.separable_conv2d(K.constant(SEQ[:, None]), K.constant(DEPTHWISE[:1]), K.constant(POINTWISE),
                               padding='same')
    np.testing.assert_allclose(K.eval(one_d), K.eval(two_d)[:, 0], rtol=1e-5, atol=1e-6)


def test_rnn_against_numpy_loop_and_unrolled():
    x = K.placeholder((None, 4, 3))
    w = K.variable(RS.randn(3, 2))
    u = K.variable(RS.randn(2, 2))

    def step(inputs, states):
        h = K.tanh(K.dot(inputs, w) + K.dot(states[0], u))
        return h, [h]
    xv = RS.randn(2, 4, 3).astype(np.float32)
    mv = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)
    mask = K.placeholder((None, 4), dtype='bool')
    h0 = K.zeros_like(x[:, 0, :2])
    results = []
    for unroll in (False, True):
        results.append(K.rnn(step, x, [h0], unroll=unroll, mask=mask, go_backwards=True, zero_output_for_mask=True))
    wv, uv = K.batch_get_value([w, u])
    h, outs, carried = np.zeros((2, 2), np.float32), [], []
    for t in reversed(range(4)):
        new = np.tanh(xv[:, t] @ wv + h @ uv)
        keep = mv[:, t:t + 1]
        outs.append(np.where(keep, new, 0))
        h = np.where(keep, new, h)
        carried.append(h)
    # TF 1.15's unrolled loop zeroes the (reversed) outputs with the mask in time order, not reversed.
    unrolled = np.where(mv[:, :, None], np.stack(carried, 1), 0)
    for expected, (last, outputs, states) in zip((np.stack(outs, 1), unrolled), results):
        got_last, got_outputs, got_state = K.get_session().run([last, outputs, states[0]], {x: xv, mask: mv})
        np.testing.assert_allclose(got_outputs, expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_last, outs[-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got_state, h, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match='Unrolling requires a fixed number of timesteps'):
        K.rnn(step, K.placeholder((None, None, 3)), [h0], unroll=True)
    with pytest.raises(ValueError, match='No initial states provided'):
        K.rnn(lambda i, s: (i, s), x, [], mask=mask)


def test_variables_and_updates():
    z, o, e = K.zeros((2, 3)), K.ones((2,), dtype='float64'), K.eye(3)
    assert all(isinstance(v, tf.Variable) for v in (z, o, e))
    np.testing.assert_array_equal(K.get_value(e), np.eye(3))
    assert K.get_value(o).dtype == np.float64
    dynamic = K.zeros(tf.stack([2, 3]))
    assert not isinstance(dynamic, tf.Variable)
    session = K.get_session()
    session.run(K.update(z, np.full((2, 3), 2., np.float32)))
    session.run(K.update_add(z, np.ones((2, 3), np.float32)))
    session.run(K.update_sub(z, np.full((2, 3), 0.5, np.float32)))
    np.testing.assert_array_equal(K.get_value(z), np.full((2, 3), 2.5))
    average = K.variable(np.zeros(2))
    session = K.get_session()
    update = K.moving_average_update(average, K.constant([1., 2.]), 0.9)
    session.run(tf.global_variables_initializer())  # the debiasing variables moving_average_update adds
    session.run(update)
    # zero-debiased in TF 1.x graph mode: the first update gives the value itself
    np.testing.assert_allclose(K.get_value(average), [1., 2.], rtol=1e-6)
    uniform = K.random_uniform_variable((100,), -1, 2, seed=3)
    values = K.get_value(uniform)
    assert values.min() >= -1 and values.max() <= 2 and values.std() > 0.3
    np.testing.assert_array_equal(values, K.get_value(K.random_uniform_variable((100,), -1, 2, seed=3)))


def test_gradients_and_stop_gradient():
    x = K.variable(np.array([1., 2., 3.]))
    y = K.sum(K.square(x)) + K.sum(K.stop_gradient(x) * x)
    grad, = K.gradients(y, [x])
    np.testing.assert_allclose(K.get_value(grad), [3., 6., 9.])
    assert isinstance(K.stop_gradient([x, x]), list)


def test_random_tensors_shapes_and_ranges():
    u = K.random_uniform((500,), 2., 3., seed=1)
    n = K.random_normal((500,), 1., 0.1, seed=1)
    t = K.truncated_normal((500,), 0., 1., seed=1)
    b = K.random_binomial((500,), p=0.3, seed=1)
    uv, nv, tv, bv = K.get_session().run([u, n, t, b])
    assert 2 <= uv.min() and uv.max() < 3
    assert abs(nv.mean() - 1) < 0.05 and np.abs(tv).max() <= 2
    assert set(np.unique(bv)) <= {0., 1.} and 0.2 < bv.mean() < 0.4
    dropout = K.dropout(K.ones((1000,)), 0.5, seed=2)
    dropped = K.get_session().run(dropout)
    assert set(np.unique(dropped)) <= {0., 2.}


def test_errors_name_the_bad_argument():
    with pytest.raises(ValueError, match='Unknown data_format: channels_middle'):
        K.conv2d(K.constant(IMG), K.constant(VOL[0, :2, :2, :3, :]), data_format='channels_middle')
    with pytest.raises(ValueError, match='Invalid padding: full'):
        K.pool2d(K.constant(IMG), (2, 2), padding='full')
    with pytest.raises(ValueError, match='Invalid pooling mode: min'):
        K.pool2d(K.constant(IMG), (2, 2), pool_mode='min')
    with pytest.raises(ValueError, match='Rank of `condition` should be less than or equal'):
        K.switch(K.constant(A3) > 0, K.constant(A), K.constant(A))
    with pytest.raises(ValueError, match='Unexpected bias dimensions'):
        K.bias_add(K.constant(IMG), K.constant(A))
    with pytest.raises(ValueError, match='interpolation should be one of'):
        K.resize_images(K.constant(IMG), 2, 2, 'channels_last', interpolation='bicubic')
