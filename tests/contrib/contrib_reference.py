"""Runs one layer in sluice and the same computation in TensorFlow (compat.v1, with TF 1.x's core layers
from tf_keras' legacy_tf_layers, which TF 1.15's contrib layers were built on), on the same input and
the same variable values, and returns both outputs and the gradients of sum(y * r) with respect to the
input and every trainable variable."""
import numpy as np
import pytest

import sluice as tf


def tf1_and_legacy_layers():
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    legacy = pytest.importorskip('tf_keras.src.legacy_tf_layers')
    from tf_keras.src.legacy_tf_layers import convolutional, core, normalization, pooling  # noqa: F401
    return tf1, legacy


def run_sluice(build, x_value, seed=0):
    """(y, [dL/dx] + [dL/dv for trainable v], {name: value of every global variable})."""
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(seed)
        x = tf.placeholder(tf.as_dtype(x_value.dtype), x_value.shape)
        y = build(x)
        r = tf.constant(np.random.RandomState(1).uniform(-1, 1, y.get_shape().as_list()).astype(x_value.dtype))
        variables = tf.trainable_variables()
        grads = tf.gradients(tf.reduce_sum(y * r), [x] + variables)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values = {v.op.name: sess.run(v) for v in tf.global_variables()}
            y_value, grad_values = sess.run([y, grads], {x: x_value})
    return y_value, grad_values, values


def run_tf(tf1, build, x_value):
    """The same as run_sluice for a TensorFlow builder `build(tf1, x)`."""
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(tf1.as_dtype(x_value.dtype), x_value.shape)
        y = build(tf1, x)
        r = tf1.constant(np.random.RandomState(1).uniform(-1, 1, y.get_shape().as_list()).astype(x_value.dtype))
        variables = tf1.trainable_variables()
        grads = tf1.gradients(tf1.reduce_sum(y * r), [x] + variables)
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            y_value, grad_values = sess.run([y, grads], {x: x_value})
    return y_value, grad_values


def assert_same(sluice_result, tf_result, rtol=1e-5, atol=1e-5):
    (y, grads), (y_tf, grads_tf) = sluice_result[:2], tf_result
    np.testing.assert_allclose(y, y_tf, rtol=rtol, atol=atol)
    assert len(grads) == len(grads_tf)
    for a, b in zip(grads, grads_tf):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
