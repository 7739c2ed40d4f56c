"""Layer graphs written against a module argument, so the same builder runs on sluice and on TensorFlow
(tf.compat.v1 with tf_keras's legacy layers), and `evaluate`, which runs one of them.

A case builds placeholders of known shapes and returns (inputs, outputs). `evaluate(tf, name, given)`
builds it in a fresh graph, initializes the variables (then, when `given` holds values, loads them by
variable name, so both sides start equal), and returns:
- 'out/i': each output; 'grad/in/i' and 'grad/var/NAME': the gradient of sum(sin(outputs)) with respect
  to each input and trainable variable (sin makes the upstream gradient non-uniform);
- 'var/NAME': every global variable before, 'after/NAME' after one run of GraphKeys.UPDATE_OPS;
- 'in/i': the inputs fed (drawn from a seed on the first side, reused from `given` on the second);
and a metadata dict: variable names per collection, UPDATE_OPS and REGULARIZATION_LOSSES sizes, the
regularization loss values, and output names and shapes.
"""
import zlib

import numpy as np


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def _l2(tf, scale):
    return lambda w: scale * tf.reduce_sum(tf.square(w))


@case
def dense(tf):
    x = tf.placeholder(tf.float32, [4, 5], name='x')
    x3 = tf.placeholder(tf.float32, [2, 3, 5], name='x3')
    layer = tf.layers.Dense(3, activation=tf.nn.relu, kernel_regularizer=_l2(tf, 0.1),
                            bias_initializer=tf.ones_initializer())
    y1, y2 = layer(x), layer.apply(x * 2.0)
    y3 = tf.layers.dense(x3, 4, activation='tanh', kernel_regularizer='l2', name='fc')
    y4 = tf.layers.dense(x, 2, use_bias=False, activity_regularizer=_l2(tf, 0.5))
    return [x, x3], [y1, y2, y3, y4]


@case
def dense_reuse(tf):
    x = tf.placeholder(tf.float32, [4, 5], name='x')
    y1 = tf.layers.dense(x, 3, name='shared', kernel_regularizer=_l2(tf, 0.1))
    y2 = tf.layers.dense(x * 3.0, 3, name='shared', reuse=True, kernel_regularizer=_l2(tf, 0.1))
    with tf.variable_scope('outer'):
        y3 = tf.layers.dense(x, 2)
    with tf.variable_scope('outer', reuse=True):
        y4 = tf.layers.dense(x, 2, name='dense', reuse=True)
        y5 = tf.layers.dense(x * 0.5, 2, name='dense')  # reuse inherited from the scope
    with tf.variable_scope('model'):
        y6 = tf.layers.conv1d(tf.reshape(x, [4, 5, 1]), 2, 2, name='logits')
    with tf.variable_scope('model', reuse=True):
        y7 = tf.layers.conv1d(tf.reshape(x, [4, 5, 1]) + 1.0, 2, 2, name='logits')
    return [x], [y1, y2, y3, y4, y5, y6, y7]


@case
def conv(tf):
    x = tf.placeholder(tf.float32, [2, 7, 6, 3], name='x')
    a = tf.layers.conv2d(x, 4, 3, padding='same', activation=tf.nn.relu)
    b = tf.layers.conv2d(x, 2, (3, 2), strides=(2, 1), kernel_regularizer=_l2(tf, 0.01))
    c = tf.layers.conv2d(x, 2, 2, dilation_rate=2, use_bias=False)
    s = tf.placeholder(tf.float32, [2, 9, 3], name='s')
    d = tf.layers.conv1d(s, 3, 3, padding='causal', dilation_rate=2)
    e = tf.layers.conv1d(s, 2, 4, strides=2, padding='same')
    v = tf.placeholder(tf.float32, [2, 5, 4, 5, 2], name='v')
    f = tf.layers.conv3d(v, 3, (2, 3, 2), strides=(1, 2, 2), padding='same')
    return [x, s, v], [a, b, c, d, e, f]


@case
def conv_transpose(tf):
    x = tf.placeholder(tf.float32, [2, 4, 3, 3], name='x')
    a = tf.layers.conv2d_transpose(x, 2, 3, strides=2, padding='same')
    b = tf.layers.conv2d_transpose(x, 3, (3, 2), strides=(2, 1), activation=tf.nn.relu)
    v = tf.placeholder(tf.float32, [1, 3, 2, 3, 2], name='v')
    c = tf.layers.conv3d_transpose(v, 2, 2, strides=(2, 1, 2), padding='valid')
    return [x, v], [a, b, c]


@case
def separable(tf):
    x = tf.placeholder(tf.float32, [2, 7, 6, 3], name='x')
    a = tf.layers.separable_conv2d(x, 4, 3, padding='same', depth_multiplier=2)
    b = tf.layers.separable_conv2d(x, 2, 3, strides=2, activation=tf.nn.relu)
    s = tf.placeholder(tf.float32, [2, 9, 3], name='s')
    c = tf.layers.separable_conv1d(s, 3, 3, padding='same')
    return [x, s], [a, b, c]


@case
def pooling(tf):
    x = tf.placeholder(tf.float32, [2, 7, 6, 3], name='x')
    s = tf.placeholder(tf.float32, [2, 9, 3], name='s')
    v = tf.placeholder(tf.float32, [2, 5, 4, 5, 2], name='v')
    outs = [tf.layers.max_pooling2d(x, 2, 2), tf.layers.average_pooling2d(x, 3, 2, padding='same'),
            tf.layers.max_pooling1d(s, 3, 2, padding='same'), tf.layers.average_pooling1d(s, 2, 2),
            tf.layers.max_pooling3d(v, 2, 2), tf.layers.average_pooling3d(v, (3, 2, 3), (2, 1, 2), padding='same'),
            tf.layers.flatten(x)]
    return [x, s, v], outs


@case
def batch_norm_fused(tf):
    x = tf.placeholder(tf.float32, [4, 3, 3, 5], name='x')
    a = tf.layers.batch_normalization(x, training=True, momentum=0.9)
    b = tf.layers.batch_normalization(x, training=False, epsilon=0.01, gamma_regularizer=_l2(tf, 0.1))
    c = tf.layers.batch_normalization(x, axis=1, training=True, center=False)
    return [x], [a, b, c]


@case
def batch_norm_unfused(tf):
    x = tf.placeholder(tf.float32, [4, 3, 5], name='x')
    a = tf.layers.batch_normalization(x, training=True, momentum=0.9)
    b = tf.layers.batch_normalization(x, axis=1, training=True, scale=False)
    x4 = tf.placeholder(tf.float32, [4, 3, 3, 5], name='x4')
    c = tf.layers.batch_normalization(x4, training=True, fused=False)
    d = tf.layers.batch_normalization(x4, training=False, fused=False, beta_initializer=tf.ones_initializer())
    return [x, x4], [a, b, c, d]


@case
def batch_norm_training_tensor(tf):
    x = tf.placeholder(tf.float32, [4, 3, 3, 5], name='x')
    training = tf.placeholder_with_default(True, [], name='training')
    a = tf.layers.batch_normalization(x, training=training)
    b = tf.layers.batch_normalization(x, training=training, fused=False)
    return [x], [a, b]


@case
def dropout_inference(tf):
    x = tf.placeholder(tf.float32, [4, 6], name='x')
    a = tf.layers.dropout(x, 0.3)
    b = tf.layers.Dropout(0.5)(x, training=False)
    return [x], [a, b]


@case
def cnn(tf):
    """The MNIST CNN of the TF 1.x tutorials, in tf.layers."""
    x = tf.placeholder(tf.float32, [3, 28, 28, 1], name='x')
    h = tf.layers.conv2d(x, 4, 5, padding='same', activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.batch_normalization(h, training=True)
    h = tf.layers.conv2d(h, 6, 5, padding='same', activation=tf.nn.relu)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.flatten(h)
    h = tf.layers.dense(h, 16, activation=tf.nn.relu)
    h = tf.layers.dropout(h, 0.4, training=False)
    return [x], [tf.layers.dense(h, 10)]


def _names(tf, key):
    return [v.name for v in tf.get_collection(key)]


def evaluate(tf, name, given=None):
    """Runs case `name` on module `tf`; returns (arrays, metadata) as the module docstring says."""
    graph = tf.Graph()
    with graph.as_default():
        inputs, outputs = CASES[name](tf)
        trainable = tf.trainable_variables()
        loss = tf.add_n([tf.reduce_sum(tf.sin(o)) for o in outputs])
        grads = tf.gradients(loss, inputs + trainable)
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
        reg = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if given is not None:
                for v in tf.global_variables():
                    v.load(given['var/' + v.op.name], sess)
                values = [given['in/%d' % i] for i in range(len(inputs))]
            else:
                rng = np.random.RandomState(zlib.crc32(name.encode()))
                values = [rng.uniform(-1, 1, p.shape.as_list()).astype(np.float32) for p in inputs]
            feed = dict(zip(inputs, values))
            arrays = {'in/%d' % i: v for i, v in enumerate(values)}
            arrays.update({'var/' + v.op.name: sess.run(v) for v in tf.global_variables()})
            results = sess.run([outputs, [g for g in grads if g is not None], reg], feed)
            for i, o in enumerate(results[0]):
                arrays['out/%d' % i] = o
            present = [(i, g) for i, g in enumerate(grads) if g is not None]
            for (i, _), g in zip(present, results[1]):
                key = 'grad/in/%d' % i if i < len(inputs) else 'grad/var/' + trainable[i - len(inputs)].op.name
                arrays[key] = g
            for i, r in enumerate(results[2]):
                arrays['reg/%d' % i] = r
            if updates:
                sess.run(updates, feed)
            arrays.update({'after/' + v.op.name: sess.run(v) for v in tf.global_variables()})
        meta = {'global': _names(tf, tf.GraphKeys.GLOBAL_VARIABLES),
                'trainable': _names(tf, tf.GraphKeys.TRAINABLE_VARIABLES),
                'updates': len(updates), 'regularization': len(reg),
                'outputs': [[o.name, o.shape.as_list()] for o in outputs],
                'update_types': sorted(set(u.type for u in updates))}
    return arrays, meta
