"""Helpers for the canned estimator tests: a checkpoint of chosen weights, and full-batch input functions."""
import os

import numpy as np

import sluice as tf


def write_checkpoint(model_dir, values, global_step=0):
    """model_dir/model.ckpt-<global_step> holding `values` ({variable name: array}) and the global step."""
    with tf.Graph().as_default():
        variables = [tf.Variable(np.asarray(v, np.float32), name=name) for name, v in values.items()]
        step = tf.train.get_or_create_global_step()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step.assign(global_step))
            tf.train.Saver(variables + [step]).save(sess, os.path.join(model_dir, 'model.ckpt'),
                                                   global_step=global_step)


def full_batch(features, labels=None, epochs=None):
    """numpy_input_fn that yields every example in every batch, in order."""
    n = len(next(iter(features.values())))
    return tf.estimator.inputs.numpy_input_fn(features, labels, batch_size=n, shuffle=False, num_epochs=epochs)


def sigmoid(z):
    return 1. / (1. + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
