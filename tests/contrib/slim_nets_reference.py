"""Builds one slim net in sluice and the same net in TensorFlow (tf_slim.nets on tensorflow.compat.v1, the
same model code as TF 1.15's contrib.slim.nets), describes both (variables, end points, collections) and
carries TF's randomly initialised variables into sluice through a TF V2 checkpoint."""
import os
import sys

import numpy as np
import pytest

import sluice as tf
import sluice.contrib.slim as slim

# name: (module, function, arg scope, smallest input side the net accepts, keyword arguments)
NETS = {
    'alexnet_v2': ('alexnet', 'alexnet_v2', 'alexnet_v2_arg_scope', 195, {'num_classes': 10}),
    'overfeat': ('overfeat', 'overfeat', 'overfeat_arg_scope', 231, {'num_classes': 10}),
    'vgg_a': ('vgg', 'vgg_a', 'vgg_arg_scope', 224, {'num_classes': 10}),
    'vgg_16': ('vgg', 'vgg_16', 'vgg_arg_scope', 224, {'num_classes': 10, 'spatial_squeeze': False}),
    'vgg_19': ('vgg', 'vgg_19', 'vgg_arg_scope', 224, {}),
    'inception_v1': ('inception', 'inception_v1', 'inception_v1_arg_scope', 224, {'num_classes': 10}),
    'inception_v2': ('inception', 'inception_v2', 'inception_v2_arg_scope', 64,
                     {'num_classes': 10, 'depth_multiplier': 0.5}),
    'inception_v3': ('inception', 'inception_v3', 'inception_v3_arg_scope', 107, {'num_classes': 10}),
    'resnet_v1_50': ('resnet_v1', 'resnet_v1_50', 'resnet_arg_scope', 32, {'num_classes': 10}),
    'resnet_v1_101': ('resnet_v1', 'resnet_v1_101', 'resnet_arg_scope', 32, {'global_pool': False}),
    'resnet_v1_152': ('resnet_v1', 'resnet_v1_152', 'resnet_arg_scope', 32, {'num_classes': 10, 'output_stride': 16}),
    'resnet_v1_200': ('resnet_v1', 'resnet_v1_200', 'resnet_arg_scope', 32, {'num_classes': 10}),
    'resnet_v2_50': ('resnet_v2', 'resnet_v2_50', 'resnet_arg_scope', 32, {'num_classes': 10}),
    'resnet_v2_101': ('resnet_v2', 'resnet_v2_101', 'resnet_arg_scope', 32, {'output_stride': 8}),
    'resnet_v2_152': ('resnet_v2', 'resnet_v2_152', 'resnet_arg_scope', 32, {'num_classes': 10}),
    'resnet_v2_200': ('resnet_v2', 'resnet_v2_200', 'resnet_arg_scope', 32, {'num_classes': 10}),
}

COLLECTIONS = ('moving_vars', 'update_ops', 'regularization_losses', 'model_variables', 'trainable_variables')


def tf1_and_tf_slim():
    """tensorflow.compat.v1 (graph mode) and tf_slim with its nets, or skip."""
    os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    pytest.importorskip('tf_keras')
    # TF's tensorflow.python.layers.normalization, behind tf_slim's batch_norm, loads the legacy layers from
    # 'tf_keras.legacy_tf_layers', which tf_keras ships as tf_keras.src.legacy_tf_layers.
    import tf_keras.src.legacy_tf_layers as legacy
    import tf_keras.src.legacy_tf_layers.normalization as legacy_normalization
    sys.modules.setdefault('tf_keras.legacy_tf_layers', legacy)
    sys.modules.setdefault('tf_keras.legacy_tf_layers.normalization', legacy_normalization)
    tf_slim = pytest.importorskip('tf_slim')
    import tf_slim.nets  # noqa: F401
    return tf1, tf_slim


def build(lib, tf_module, name, batch=1, **overrides):
    """(input placeholder, net output, end_points) of net `name` under its arg scope, in the default graph."""
    module, function, scope_fn, size, kwargs = NETS[name]
    x = tf_module.placeholder(tf_module.float32, [batch, size, size, 3])
    nets = getattr(lib.nets, module)
    with lib.arg_scope(getattr(nets, scope_fn)()):
        net, end_points = getattr(nets, function)(x, **dict(kwargs, **overrides))
    return x, net, end_points


def describe(graph, net, end_points):
    """Everything about a built net that must equal TF's: variables (in order) with shapes, end points
    with tensor names and shapes, the net's shape and the op names in the layer collections."""
    variables = [(v.op.name, tuple(v.get_shape().as_list())) for v in graph.get_collection('variables')]
    points = {k: (t.name, tuple(t.get_shape().as_list())) for k, t in end_points.items()}
    collections = {c: sorted(getattr(v, 'op', v).name for v in graph.get_collection(c)) for c in COLLECTIONS}
    return {'variables': variables, 'end_points': points, 'net': (net.name, tuple(net.get_shape().as_list())),
            'collections': collections}


def describe_sluice(name, **overrides):
    g = tf.Graph()
    with g.as_default():
        _, net, end_points = build(slim, tf, name, **overrides)
        return describe(g, net, end_points)


def describe_tf(tf1, tf_slim, name, **overrides):
    g = tf1.Graph()
    with g.as_default():
        _, net, end_points = build(tf_slim, tf1, name, **overrides)
        return describe(g, net, end_points)


def randomize_batch_norm(tf1, sess, rng):
    """Non-trivial batch-norm parameters and moving statistics (TF starts them at 0 and 1)."""
    for v in tf1.global_variables():
        shape = v.get_shape().as_list()
        if v.op.name.endswith(('moving_mean', 'beta')):
            v.load(rng.uniform(-0.5, 0.5, shape).astype(np.float32), sess)
        elif v.op.name.endswith(('moving_variance', 'gamma')):
            v.load(rng.uniform(0.5, 1.5, shape).astype(np.float32), sess)


def tf_checkpoint_and_outputs(tf1, tf_slim, name, path, x_value, is_training, moving_names=(), **overrides):
    """Builds net `name` in TF, initialises it randomly, saves it to `path`, and returns
    (description, {'net', end points...} values, values of `moving_names` after one run with UPDATE_OPS)."""
    g = tf1.Graph()
    with g.as_default():
        x, net, end_points = build(tf_slim, tf1, name, batch=x_value.shape[0], is_training=is_training, **overrides)
        updates = tf1.get_collection(tf1.GraphKeys.UPDATE_OPS) if is_training else []
        with tf1.Session(graph=g) as sess:
            tf1.set_random_seed(0)
            sess.run(tf1.global_variables_initializer())
            randomize_batch_norm(tf1, sess, np.random.RandomState(1))
            tf1.train.Saver().save(sess, path)
            values, _ = sess.run([dict(end_points, net=net), updates], {x: x_value})
            moved = sess.run({n: g.get_tensor_by_name(n + ':0') for n in moving_names})
        return describe(g, net, end_points), values, moved


def sluice_restored_outputs(name, path, x_value, is_training, moving_names=(), **overrides):
    """The same for sluice, its variables restored from TF's checkpoint `path`."""
    g = tf.Graph()
    with g.as_default():
        x, net, end_points = build(slim, tf, name, batch=x_value.shape[0], is_training=is_training, **overrides)
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS) if is_training else []
        with tf.Session(graph=g) as sess:
            tf.train.Saver().restore(sess, path)
            values, _ = sess.run([dict(end_points, net=net), updates], {x: x_value})
            moved = sess.run({n: g.get_tensor_by_name(n + ':0') for n in moving_names})
        return describe(g, net, end_points), values, moved


def assert_close_to_scale(actual, expected, rtol, what):
    """|actual - expected| <= rtol * max|expected| (activations near zero compare against the tensor's scale)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, what
    scale = max(float(np.abs(expected).max()), 1e-30)
    error = float(np.abs(actual - expected).max()) / scale
    assert error <= rtol, '%s: relative error %.3g > %g' % (what, error, rtol)
