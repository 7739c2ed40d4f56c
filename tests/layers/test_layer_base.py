"""The tf.layers.Layer contract on sluice alone (the values are checked against TF in test_layers_vs_tf.py):
names and scopes, reuse, trainable, losses and updates, subclassing, input checks, data formats, dropout,
and the same layers on the CPU and a (fake) GPU."""
import numpy as np
import pytest

import sluice as tf



def run_graph(fetches, feed_dict=None):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


def _x(shape=(None, 4)):
    return tf.placeholder(tf.float32, list(shape), name='x')


def test_names_scopes_and_a_second_call():
    x = _x()
    layer = tf.layers.Dense(3)
    with pytest.raises(ValueError, match='has not been used yet'):
        layer.scope_name
    y1, y2 = layer(x), layer(x)
    assert (layer.name, layer.scope_name) == ('dense_1', 'dense')  # Keras's object name, the scope's default name
    assert y1.name == 'dense/BiasAdd:0' and y2.name == 'dense/BiasAdd_1:0'
    assert [v.name for v in tf.global_variables()] == ['dense/kernel:0', 'dense/bias:0']
    named = [tf.layers.Dense(2, name='foo'), tf.layers.Dense(2, name='foo')]
    for layer in named:
        layer(x)
    assert [(l.name, l.scope_name) for l in named] == [('foo', 'foo'), ('foo', 'foo_1')]


def test_function_form_reuse():
    x = _x()
    tf.layers.dense(x, 3, name='fc')
    with pytest.raises(ValueError, match='fc/kernel already exists'):
        tf.layers.dense(x, 3, name='fc')
    tf.layers.dense(x, 3, name='fc', reuse=True)
    with tf.variable_scope('net', reuse=tf.AUTO_REUSE):
        tf.layers.conv2d(tf.zeros([1, 4, 4, 2]), 2, 3, name='c')
        tf.layers.conv2d(tf.zeros([1, 4, 4, 2]), 2, 3, name='c')
    assert [v.op.name for v in tf.global_variables()] == ['fc/kernel', 'fc/bias', 'net/c/kernel', 'net/c/bias']


def test_not_trainable_layers():
    x = _x()
    layer = tf.layers.Dense(2, trainable=False)
    layer(x)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert tf.trainable_variables() == []
    bn = tf.layers.BatchNormalization(trainable=False)
    bn(tf.placeholder(tf.float32, [2, 2, 2, 3]), training=True)
    assert bn.updates == [] and tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    assert [v.op.name for v in bn.weights] == ['batch_normalization/gamma', 'batch_normalization/beta',
                                               'batch_normalization/moving_mean',
                                               'batch_normalization/moving_variance']


def test_losses_regularizers_and_collections():
    x = _x()
    layer = tf.layers.Dense(3, kernel_regularizer=tf.nn.l2_loss, activity_regularizer=tf.nn.l2_loss)
    layer(x)
    layer(x)  # the kernel's loss is added once; the activity loss per call
    reg = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in reg] == ['dense/kernel/Regularizer/L2Loss:0', 'dense/ActivityRegularizer/truediv:0',
                                     'dense/ActivityRegularizer_1/truediv:0']
    assert layer.losses == reg
    assert layer.get_losses_for(None) == reg[:1] and layer.get_losses_for(x) == reg[1:]
    bn = tf.layers.BatchNormalization()
    bn(tf.placeholder(tf.float32, [2, 3]), training=True)
    assert [u.type for u in bn.updates] == ['AssignSub', 'AssignSub']
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == bn.updates
    assert [v.op.name for v in tf.trainable_variables()][-2:] == ['batch_normalization/gamma',
                                                                  'batch_normalization/beta']


class _Scale(tf.layers.Layer):
    """A subclassed layer: one weight per channel and an update that counts calls."""

    def build(self, input_shape):
        self.w = self.add_weight('w', [input_shape[-1].value], initializer=tf.ones_initializer(),
                                 regularizer=lambda w: tf.reduce_sum(w))
        self.calls = self.add_weight('calls', [], dtype=tf.int32, trainable=False)

    def call(self, inputs):
        self.add_update(tf.assign_add(self.calls, 1))
        return inputs * self.w


def test_subclassed_layer():
    x = _x((2, 3))
    layer = _Scale(name='scale')
    y = layer(x)
    assert [v.op.name for v in layer.trainable_weights] == ['scale/w']
    assert [v.op.name for v in layer.non_trainable_weights] == ['scale/calls']
    assert layer.dtype == 'float32' and layer.count_params() == 4
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, _ = sess.run([y, tf.get_collection(tf.GraphKeys.UPDATE_OPS)], {x: np.ones((2, 3))})
        assert sess.run(layer.calls) == 1 and out.tolist() == [[1.0] * 3] * 2
        assert sess.run(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == [3.0]
        layer.set_weights([np.full(3, 2.0), 5])
        assert [a.tolist() for a in layer.get_weights()] == [[2.0] * 3, 5]


def test_input_checks_and_unimplemented_options():
    with pytest.raises(ValueError, match='expected ndim=4, found ndim=2'):
        tf.layers.conv2d(_x(), 3, 2)
    with pytest.raises(ValueError, match='last dimension of the inputs to `Dense` should be defined'):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 3)
    with pytest.raises(ValueError, match='The `kernel_size` argument must be a tuple of 2 integers'):
        tf.layers.Conv2D(3, (2, 2, 2))
    with pytest.raises(ValueError, match='The `padding` argument must be one of'):
        tf.layers.MaxPooling2D(2, 2, padding='full')
    with pytest.raises(ValueError, match='Causal padding is only supported'):
        tf.layers.Conv2D(3, 2, padding='causal')
    with pytest.raises(NotImplementedError, match='renorm=True'):
        tf.layers.BatchNormalization(renorm=True)
    with pytest.raises(AttributeError, match='sluice does not implement tf.layers.experimental yet'):
        tf.layers.experimental


def _transposed(x, first):
    perm = [0, x.ndim - 1] + list(range(1, x.ndim - 1)) if first else [0] + list(range(2, x.ndim)) + [1]
    return np.transpose(x, perm)


_BY_FORMAT = {
    'conv1d': ((2, 9, 3), lambda x, f: tf.layers.conv1d(x, 2, 3, padding='causal', data_format=f)),
    'conv2d': ((2, 5, 6, 3), lambda x, f: tf.layers.conv2d(x, 3, 3, strides=2, padding='same', data_format=f)),
    'conv3d': ((1, 4, 3, 5, 2), lambda x, f: tf.layers.conv3d(x, 3, 2, strides=(1, 2, 1), data_format=f)),
    'conv2d_transpose': ((2, 5, 6, 3), lambda x, f: tf.layers.conv2d_transpose(x, 2, 3, strides=2, data_format=f)),
    'conv3d_transpose': ((1, 3, 2, 3, 2), lambda x, f: tf.layers.conv3d_transpose(x, 2, 2, strides=2,
                                                                                  padding='same', data_format=f)),
    'separable_conv1d': ((2, 9, 3), lambda x, f: tf.layers.separable_conv1d(x, 2, 3, data_format=f)),
    'separable_conv2d': ((2, 5, 6, 3), lambda x, f: tf.layers.separable_conv2d(x, 3, 2, depth_multiplier=2,
                                                                               data_format=f)),
    'max_pooling1d': ((2, 9, 3), lambda x, f: tf.layers.max_pooling1d(x, 3, 2, data_format=f)),
    'max_pooling2d': ((2, 5, 6, 3), lambda x, f: tf.layers.max_pooling2d(x, 2, 2, data_format=f)),
    'average_pooling2d': ((2, 5, 6, 3), lambda x, f: tf.layers.average_pooling2d(x, 3, 1, padding='same',
                                                                                 data_format=f)),
    'average_pooling3d': ((1, 4, 3, 5, 2), lambda x, f: tf.layers.average_pooling3d(x, 2, 1, data_format=f)),
    'batch_norm': ((2, 5, 6, 3), lambda x, f: tf.layers.batch_normalization(
        x, axis=1 if f == 'channels_first' else -1, training=True)),
}


@pytest.mark.parametrize('name', sorted(_BY_FORMAT))
def test_channels_first_is_channels_last_transposed(name, device):
    shape, make = _BY_FORMAT[name]
    value = np.random.RandomState(0).uniform(-1, 1, shape).astype(np.float32)
    results = {}
    for fmt in ('channels_last', 'channels_first'):
        tf.reset_default_graph()
        tf.set_random_seed(1)
        with tf.device(device):
            x = tf.constant(value if fmt == 'channels_last' else _transposed(value, True))
            y = make(x, fmt)
        results[fmt] = run_graph(y)
    np.testing.assert_allclose(_transposed(results['channels_first'], False), results['channels_last'],
                               rtol=1e-5, atol=1e-5)


def test_flatten_channels_first_and_3d_pooling_channels_first():
    value = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4)
    out = run_graph(tf.layers.flatten(tf.constant(value), data_format='channels_first'))
    assert out.tolist() == [np.transpose(value, (0, 2, 3, 1)).ravel().tolist()]
    vol = np.random.RandomState(1).rand(1, 2, 4, 4, 4).astype(np.float32)
    first = run_graph(tf.layers.max_pooling3d(tf.constant(vol), 2, 2, data_format='channels_first'))
    last = run_graph(tf.layers.max_pooling3d(tf.constant(np.transpose(vol, (0, 2, 3, 4, 1))), 2, 2))
    np.testing.assert_array_equal(np.transpose(first, (0, 2, 3, 4, 1)), last)


def test_dropout_training_values():
    x = tf.ones([200, 50])
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.dropout(x, rate=0.25, training=training, seed=3)
    with tf.Session() as sess:
        dropped = sess.run(y, {training: True})
        kept = sess.run(y, {training: False})
    assert set(np.unique(dropped).tolist()) == {0.0, np.float32(1 / 0.75)}
    assert abs((dropped == 0).mean() - 0.25) < 0.02
    assert (kept == 1).all()


def _small_cnn():
    tf.set_random_seed(5)
    x = tf.constant(np.random.RandomState(2).rand(2, 8, 8, 1).astype(np.float32))
    h = tf.layers.conv2d(x, 4, 3, padding='same', activation=tf.nn.relu)
    h = tf.layers.batch_normalization(h, training=True)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.conv3d(tf.reshape(h, [2, 4, 4, 4, 1]), 2, 2)
    h = tf.layers.average_pooling3d(h, 2, 1)
    y = tf.layers.dense(tf.layers.flatten(h), 3)
    return [y] + tf.gradients(tf.reduce_sum(y * y), tf.trainable_variables())


def test_cnn_on_cpu_and_gpu(device):
    with tf.device(device):
        values = run_graph(_small_cnn())
    assert values[0].shape == (2, 3) and all(np.isfinite(v).all() for v in values)
    tf.reset_default_graph()
    with tf.device('/cpu:0'):
        expected = run_graph(_small_cnn())
    for got, want in zip(values, expected):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
