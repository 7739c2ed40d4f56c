"""contrib.layers' parameter-free layers and helpers: pooling, flatten, dropout, one_hot_encoding,
embed_sequence, repeat/stack scoping, regularizers and initializers under contrib's names, summaries and
optimize_loss."""
import numpy as np
import pytest

import sluice as tf
from contrib_reference import tf1_and_legacy_layers

layers = tf.contrib.layers
RNG = np.random.RandomState(5)


def _run(fetches, feed=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


@pytest.mark.tf
@pytest.mark.parametrize('kind', ['max', 'avg'])
@pytest.mark.parametrize('kernel,stride,padding', [(2, 2, 'VALID'), (3, 2, 'SAME'), ([3, 2], [1, 2], 'VALID')])
def test_pooling_matches_tf(kind, kernel, stride, padding):
    tf1, _ = tf1_and_legacy_layers()
    from tf_keras.src.legacy_tf_layers import pooling
    x = RNG.randn(2, 7, 6, 3).astype(np.float32)
    pool = layers.max_pool2d if kind == 'max' else layers.avg_pool2d
    y = pool(tf.constant(x), kernel, stride=stride, padding=padding)
    assert y.op.name == ('MaxPool2D' if kind == 'max' else 'AvgPool2D') + '/' + y.op.type
    g = tf1.Graph()
    with g.as_default():
        ref = (pooling.max_pooling2d if kind == 'max' else pooling.average_pooling2d)(
            tf1.constant(x), kernel, stride, padding=padding)
        with tf1.Session(graph=g) as sess:
            expected = sess.run(ref)
    np.testing.assert_allclose(_run(y), expected, rtol=1e-6, atol=1e-6)


def test_flatten_keeps_the_batch_axis():
    x = tf.placeholder(tf.float32, [None, 3, 4, 2])
    y = layers.flatten(x)
    assert y.get_shape().as_list() == [None, 24] and y.op.name.startswith('Flatten/')
    value = RNG.randn(5, 3, 4, 2)
    np.testing.assert_allclose(_run(y, {x: value}), value.reshape(5, 24), rtol=1e-6)
    assert layers.flatten(tf.placeholder(tf.float32, [7, None])).get_shape().as_list() == [7, None]


def test_dropout_training_inference_and_tensor_switch():
    x = tf.ones([1000])
    dropped = layers.dropout(x, keep_prob=0.25, seed=1)
    kept = layers.dropout(x, is_training=False)
    assert kept.op.type == 'Identity'
    training = tf.placeholder(tf.bool, [])
    switched = layers.dropout(x, keep_prob=0.5, is_training=training)
    d, k, on, off = _run([dropped, kept, switched, switched], {training: True})[:4]
    assert set(np.unique(d)) <= {0.0, 4.0} and 0.15 < np.mean(d > 0) < 0.35
    assert np.all(k == 1.0)
    assert set(np.unique(on)) <= {0.0, 2.0}
    assert np.all(_run(switched, {training: False}) == 1.0)
    keep = tf.placeholder(tf.float32, [])
    by_tensor = layers.dropout(x, keep_prob=keep)
    assert set(np.unique(_run(by_tensor, {keep: 0.5}))) <= {0.0, 2.0}


def test_one_hot_encoding_and_embed_sequence():
    labels = tf.constant([0, 2, 1])
    one_hot = layers.one_hot_encoding(labels, 3, on_value=2.0)
    assert one_hot.op.inputs[0].dtype == tf.int64
    ids = tf.constant([[1, 3, 1], [0, 3, 3]])
    emb = layers.embed_sequence(ids, vocab_size=4, embed_dim=2, initializer=tf.random_normal_initializer())
    uniq = layers.embed_sequence(ids, unique=True, scope='EmbedSequence', reuse=True)
    assert [v.op.name for v in tf.get_collection(tf.GraphKeys.MODEL_VARIABLES)] == ['EmbedSequence/embeddings']
    assert emb.get_shape().as_list() == [2, 3, 2] and uniq.get_shape().as_list() == [2, 3, 2]
    oh, e, u, table = _run([one_hot, emb, uniq, tf.global_variables()[0]])
    np.testing.assert_array_equal(oh, 2 * np.eye(3)[[0, 2, 1]])
    np.testing.assert_allclose(e, table[[[1, 3, 1], [0, 3, 3]]])
    np.testing.assert_allclose(u, e)
    with pytest.raises(ValueError, match='Must specify vocab size and embedding dimension'):
        layers.embed_sequence(ids)


def test_repeat_and_stack_scope_names():
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    net = layers.repeat(x, 2, layers.conv2d, 4, [3, 3], scope='conv1')
    net = layers.repeat(net, 2, layers.conv2d, 4, 3)
    layers.stack(layers.flatten(net), layers.fully_connected, [5, 6], scope='fc')
    layers.stack(x, layers.conv2d, [(2, [1, 1]), (3, [1, 1], 2)])
    assert [v.op.name for v in tf.trainable_variables() if v.op.name.endswith('weights')] == [
        'conv1/conv1_1/weights', 'conv1/conv1_2/weights', 'Repeat/convolution2d_1/weights',
        'Repeat/convolution2d_2/weights', 'fc/fc_1/weights', 'fc/fc_2/weights',
        'Stack/convolution2d_1/weights', 'Stack/convolution2d_2/weights']
    with pytest.raises(ValueError, match='stack_args need to be a list or tuple'):
        layers.stack(x, layers.conv2d, 3)


def test_regularizers_and_apply_regularization():
    w = tf.constant([[1.0, -2.0], [3.0, -4.0]])
    l1, l2 = layers.l1_regularizer(0.1)(w), layers.l2_regularizer(0.1)(w)
    both = layers.l1_l2_regularizer(0.1, 0.1)(w)
    summed = layers.sum_regularizer([layers.l1_regularizer(0.1), layers.l2_regularizer(0.1)])(w)
    total = layers.apply_regularization(layers.l1_regularizer(1.0), [w, w * 2])
    assert tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES) == [total]
    v = _run([l1, l2, both, summed, total])
    np.testing.assert_allclose(v, [1.0, 1.5, 2.5, 2.5, 30.0], rtol=1e-6)
    with pytest.raises(ValueError, match='scale cannot be an integer'):
        layers.l2_regularizer(1)


def test_contrib_initializers():
    init = layers.variance_scaling_initializer(factor=2.0, mode='FAN_IN', uniform=True)
    w = tf.get_variable('w', [400, 100], initializer=init)
    x = tf.get_variable('x', [3, 3, 20, 10], initializer=layers.xavier_initializer_conv2d(uniform=False))
    wv, xv = _run([w, x])
    assert np.abs(wv).max() <= np.sqrt(3 * 2.0 / 400)
    limit = 2 * np.sqrt(1.3 / ((180 + 90) / 2))
    assert np.abs(xv).max() <= limit


def test_summaries():
    x = tf.constant([[-1.0, 2.0], [3.0, -4.0]])
    act = tf.nn.relu(x, name='act')
    s = layers.summarize_activation(act)
    assert s.op.name == 'act/activation'
    assert layers.summarize_tensor(tf.constant(3.0, name='scalar')).op.name == 'scalar_summary'
    assert layers.summarize_tensor(tf.constant([True])) is None
    tf.add_to_collection('mine', x)
    assert len(layers.summarize_collection('mine')) == 1
    tags = [t.op.name for t in tf.get_collection(tf.GraphKeys.SUMMARIES)]
    assert tags[:2] == ['act/zeros', 'act/activation']


def test_optimize_loss_trains_and_counts_steps():
    x = tf.constant(RNG.randn(16, 3).astype(np.float32))
    target = tf.constant(RNG.randn(16, 1).astype(np.float32))
    pred = layers.fully_connected(x, 1, activation_fn=None)
    loss = tf.reduce_mean(tf.square(pred - target))
    step = tf.train.get_or_create_global_step()
    train = layers.optimize_loss(loss, step, 0.1, 'SGD', clip_gradients=5.0,
                                 summaries=['loss', 'learning_rate', 'gradients', 'gradient_norm'])
    assert [v.op.name for v in tf.global_variables()][-1] == 'OptimizeLoss/learning_rate'
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(train)
        for _ in range(20):
            last = sess.run(train)
        assert last < first and sess.run(step) == 21
    with pytest.raises(ValueError, match='Optimizer name should be one of'):
        layers.optimize_loss(loss, step, 0.1, 'Nope')
    with pytest.raises(ValueError, match='Summaries should be one of'):
        layers.optimize_loss(loss, step, 0.1, 'SGD', summaries=['nope'])


def test_optimize_loss_runs_update_ops_and_takes_optimizer_objects():
    x = tf.placeholder(tf.float32, [8, 4])
    y = layers.batch_norm(layers.fully_connected(x, 4, activation_fn=None))
    loss = tf.reduce_mean(y * y)
    moving_mean = [v for v in tf.global_variables() if v.op.name.endswith('moving_mean')][0]
    train = layers.optimize_loss(loss, None, None, tf.train.AdamOptimizer(0.01), summaries=[])
    train2 = layers.optimize_loss(loss, None, 0.01, lambda lr: tf.train.MomentumOptimizer(lr, 0.9),
                                  name='second')
    value = RNG.randn(8, 4).astype(np.float32) + 3
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([train, train2], {x: value})
        assert np.any(sess.run(moving_mean) != 0)


def test_dropout_with_a_training_tensor_has_gradients_through_the_mask():
    x = tf.constant(RNG.rand(200).astype(np.float32) + 1)
    training = tf.placeholder(tf.bool, [])
    y = layers.dropout(x, keep_prob=0.5, is_training=training)
    (grad,) = tf.gradients(tf.reduce_sum(y), [x])
    with tf.Session() as sess:
        out, g = sess.run([y, grad], {training: True})
        np.testing.assert_allclose(g, np.where(out > 0, 2.0, 0.0))
        out, g = sess.run([y, grad], {training: False})
        np.testing.assert_allclose(g, np.ones(200))
    with pytest.raises(TypeError, match='`pred` must be a Tensor, or a Python bool'):
        layers.dropout(x, is_training='yes')


def test_softmax_unit_norm_and_maxout():
    x = RNG.randn(2, 3, 4).astype(np.float32)
    probs = layers.softmax(tf.constant(x))
    normed = layers.unit_norm(tf.constant(x), 1)
    ph = tf.placeholder(tf.float32, [None, 3, 4])
    pooled = layers.maxout(ph, 2)
    assert probs.get_shape().as_list() == [2, 3, 4] and pooled.get_shape().as_list() == [None, 3, 2]
    p, n, m = _run([probs, normed, pooled], {ph: x})
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(n, x / np.sqrt(1e-7 + (x ** 2).sum(1, keepdims=True)), rtol=1e-5)
    np.testing.assert_allclose(m, x.reshape(2, 3, 2, 2).max(-1), rtol=1e-6)
    with pytest.raises(ValueError, match='is not a multiple of num_units'):
        layers.maxout(ph, 3)
