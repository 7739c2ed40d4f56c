"""The fine-tuning flow of the VGG seed, on a model TF 1.x wrote: TF builds and trains a small CNN
whose dropout is a `tf.cond` on an is_training placeholder (control flow v1: Switch/Merge) and saves
it; sluice imports the meta graph, restores, stops the gradient at the features, adds a new head,
trains it, saves; TF imports sluice's meta graph and checkpoint and computes the same outputs."""
import os

import numpy as np
import pytest

import sluice as tf

tf1 = pytest.importorskip('tensorflow.compat.v1')
tf1.disable_v2_behavior()

_RNG = np.random.RandomState(0)
_IMAGES = _RNG.rand(16, 8, 8, 3).astype(np.float32)
_LABELS = _RNG.randint(0, 2, 16).astype(np.int64)


def _tf_pretrained(folder):
    tf1.disable_control_flow_v2()
    try:
        with tf1.Graph().as_default(), tf1.Session() as sess:
            x = tf1.placeholder(tf1.float32, [None, 8, 8, 3], name='images')
            training = tf1.placeholder_with_default(False, [], name='is_training')
            w = tf1.get_variable('conv1/weights', [3, 3, 3, 4], initializer=tf1.glorot_uniform_initializer(seed=1))
            h = tf1.nn.relu(tf1.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME'))
            h = tf1.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], 'VALID')
            flat = tf1.reshape(h, [-1, 64], name='flat')
            dropped = tf1.cond(training, lambda: tf1.nn.dropout(flat, 0.5, seed=3), lambda: flat)
            features = tf1.identity(dropped, name='features')
            head = tf1.get_variable('old_head/kernel', [64, 2], initializer=tf1.glorot_uniform_initializer(seed=2))
            logits = tf1.matmul(features, head)
            loss = tf1.losses.sparse_softmax_cross_entropy(_LABELS, logits)
            train = tf1.train.GradientDescentOptimizer(0.1).minimize(loss)
            sess.run(tf1.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {x: _IMAGES, training: True})
            assert any(op.type == 'Switch' for op in tf1.get_default_graph().get_operations())
            saver = tf1.train.Saver()
            path = saver.save(sess, os.path.join(folder, 'pretrained'))
            reference = sess.run(features, {x: _IMAGES})
        return path, reference
    finally:
        tf1.enable_control_flow_v2()


def test_fine_tune_a_tensorflow_model_with_control_flow_and_reload_it_in_tensorflow(tmp_path):
    pretrained, features_tf = _tf_pretrained(str(tmp_path))
    with tf.Graph().as_default() as g, tf.Session() as sess:
        saver = tf.train.import_meta_graph(pretrained + '.meta')
        saver.restore(sess, pretrained)
        x, features = g.get_tensor_by_name('images:0'), g.get_tensor_by_name('features:0')
        np.testing.assert_allclose(sess.run(features, {x: _IMAGES}), features_tf, rtol=1e-5, atol=1e-6)
        frozen = tf.stop_gradient(features)
        logits = tf.layers.dense(frozen, 2, name='new_head')
        loss = tf.losses.sparse_softmax_cross_entropy(tf.constant(_LABELS), logits)
        new_vars = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, scope='new_head')
        train = tf.train.AdamOptimizer(0.05, name='FineTune').minimize(loss, var_list=new_vars)
        old_weights = sess.run('conv1/weights:0')
        sess.run(tf.variables_initializer([v for v in tf.global_variables()
                                           if v.name.startswith(('new_head', 'FineTune', 'beta'))]))
        losses = [sess.run([loss, train], {x: _IMAGES, 'is_training:0': True})[0] for _ in range(20)]
        assert losses[-1] < losses[0]
        np.testing.assert_array_equal(sess.run('conv1/weights:0'), old_weights)  # behind stop_gradient
        ours = sess.run(logits, {x: _IMAGES})
        path = tf.train.Saver().save(sess, str(tmp_path / 'finetuned'))
    with tf1.Graph().as_default() as g, tf1.Session() as sess:
        tf1.train.import_meta_graph(path + '.meta').restore(sess, path)
        theirs = sess.run('new_head/BiasAdd:0', {'images:0': _IMAGES})
    np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-6)
