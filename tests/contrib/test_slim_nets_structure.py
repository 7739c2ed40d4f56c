"""slim.nets' structure: every net's variables (names, shapes, order), end points (names, tensor names,
shapes) and collections equal TF's (tf_slim.nets, TF 1.15's model code) for the nets the checkpoint tests
do not build; and, without TF, the arguments, errors and geometry TF 1.15 documents."""
import inspect
import os

import numpy as np
import pytest

import sluice as tf
import sluice.contrib.slim as slim
from sluice.contrib.slim.nets import inception, inception_v3, resnet_utils, resnet_v1, resnet_v2, vgg

from slim_nets_reference import describe_sluice, describe_tf, tf1_and_tf_slim


# 152 and 200 layers differ from 101 only in units per block, and TF takes ~10 s of CPU to build each.
_DEEPEST = [pytest.mark.slow, pytest.mark.skipif(os.environ.get('SLUICE_SLOW_TESTS') != '1',
                                                 reason='slow: set SLUICE_SLOW_TESTS=1')]


@pytest.mark.tf
@pytest.mark.parametrize('name', ['overfeat', 'vgg_16', 'vgg_19', 'inception_v2', 'resnet_v1_101', 'resnet_v2_101',
                                  pytest.param('resnet_v1_152', marks=_DEEPEST),
                                  pytest.param('resnet_v1_200', marks=_DEEPEST),
                                  pytest.param('resnet_v2_152', marks=_DEEPEST),
                                  pytest.param('resnet_v2_200', marks=_DEEPEST)])
def test_net_is_tfs_net(name):
    tf1, tf_slim = tf1_and_tf_slim()
    assert describe_sluice(name) == describe_tf(tf1, tf_slim, name)


@pytest.mark.tf
def test_base_up_to_an_end_point_and_a_reused_eval_tower_are_tfs():
    tf1, tf_slim = tf1_and_tf_slim()

    def build(lib, tfm):
        g = tfm.Graph()
        with g.as_default():
            x = tfm.placeholder(tfm.float32, [2, 75, 75, 3])
            with lib.arg_scope(lib.nets.inception.inception_v3_arg_scope()):
                base, points = lib.nets.inception.inception_v3_base(x, final_endpoint='Mixed_5d', min_depth=8,
                                                                   depth_multiplier=0.25)
            with lib.arg_scope(lib.nets.inception.inception_v2_arg_scope()):
                train, _ = lib.nets.inception.inception_v2(x, num_classes=5, depth_multiplier=0.25)
                evaluation, _ = lib.nets.inception.inception_v2(x, num_classes=5, is_training=False,
                                                               depth_multiplier=0.25, reuse=True)
            variables = [(v.op.name, tuple(v.get_shape().as_list())) for v in tfm.global_variables()]
            tensors = [(t.name, tuple(t.get_shape().as_list())) for t in [base, train, evaluation]]
            return (variables, tensors, sorted(points), len(g.get_collection('update_ops')),
                    sorted(t.name for t in g.get_collection('regularization_losses')))
    assert build(slim, tf) == build(tf_slim, tf1)


def test_slim_nets_namespace_has_tfs_modules():
    assert tf.contrib.slim.nets.resnet_v2.resnet_v2_50 is resnet_v2.resnet_v2_50
    assert slim.nets.inception.inception_v3 is inception_v3.inception_v3
    assert slim.nets.vgg.vgg_d is vgg.vgg_16 and slim.nets.vgg.vgg_e is vgg.vgg_19
    assert resnet_v1.resnet_arg_scope is resnet_utils.resnet_arg_scope
    with pytest.raises(AttributeError, match='sluice does not implement tf.contrib.slim.nets.mobilenet_v1'):
        slim.nets.mobilenet_v1


def _defaults(fn):
    return {k: p.default for k, p in inspect.signature(fn).parameters.items() if p.default is not p.empty}


def test_defaults_are_tf_1_15s():
    assert _defaults(slim.nets.alexnet.alexnet_v2) == {
        'num_classes': 1000, 'is_training': True, 'dropout_keep_prob': 0.5, 'spatial_squeeze': True,
        'scope': 'alexnet_v2'}
    assert _defaults(vgg.vgg_19)['scope'] == 'vgg_19' and vgg.vgg_a.default_image_size == 224
    v3 = _defaults(inception.inception_v3)
    assert (v3['num_classes'], v3['dropout_keep_prob'], v3['min_depth'], v3['depth_multiplier'],
            v3['scope']) == (1000, 0.8, 16, 1.0, 'InceptionV3')
    assert v3['prediction_fn'] is slim.softmax and inception.inception_v3.default_image_size == 299
    assert _defaults(resnet_v2.resnet_v2_152) == {
        'num_classes': None, 'is_training': True, 'global_pool': True, 'output_stride': None, 'reuse': None,
        'scope': 'resnet_v2_152'}
    assert _defaults(resnet_utils.resnet_arg_scope) == {
        'weight_decay': 0.0001, 'batch_norm_decay': 0.997, 'batch_norm_epsilon': 1e-5, 'batch_norm_scale': True}


def test_arg_scopes_set_tfs_layer_defaults():
    scope = inception.inception_v3_arg_scope(batch_norm_decay=0.9, use_fused_batchnorm=False)
    conv = scope[slim.arg_scope_func_key(slim.conv2d)]
    assert conv['normalizer_fn'] is slim.batch_norm and conv['activation_fn'] is tf.nn.relu
    params = conv['normalizer_params']
    assert (params['decay'], params['epsilon'], params['fused']) == (0.9, 0.001, False)
    assert params['variables_collections']['moving_mean'] == ['moving_vars']
    resnet = resnet_utils.resnet_arg_scope()
    assert resnet[slim.arg_scope_func_key(slim.max_pool2d)] == {'padding': 'SAME'}
    assert resnet[slim.arg_scope_func_key(slim.batch_norm)]['scale'] is True
    assert inception.inception_v1_arg_scope(use_batch_norm=False)[
        slim.arg_scope_func_key(slim.conv2d)]['normalizer_fn'] is None


def test_output_stride_keeps_the_feature_map_and_bad_strides_fail():
    x = tf.placeholder(tf.float32, [1, 64, 64, 3])
    with slim.arg_scope(resnet_utils.resnet_arg_scope()):
        net, points = resnet_v1.resnet_v1_50(x, global_pool=False, output_stride=16)
        assert net.get_shape().as_list() == [1, 4, 4, 2048]
        assert points['resnet_v1_50/block3'].get_shape().as_list() == [1, 4, 4, 1024]
        with pytest.raises(ValueError, match='The output_stride needs to be a multiple of 4.'):
            resnet_v2.resnet_v2_50(x, output_stride=6, scope='a')
        with pytest.raises(ValueError, match='The target output_stride cannot be reached.'):
            resnet_v2.resnet_v2_50(x, output_stride=64, scope='b')


def test_inception_errors_are_tfs():
    x = tf.placeholder(tf.float32, [1, 224, 224, 3])
    with pytest.raises(ValueError, match='depth_multiplier is not greater than zero.'):
        inception.inception_v3(x, depth_multiplier=0)
    with pytest.raises(ValueError, match='Unknown final endpoint Mixed_9z'):
        inception.inception_v1_base(x, final_endpoint='Mixed_9z')
    net, points = inception.inception_v2_base(x, final_endpoint='Mixed_3b', depth_multiplier=0.25)
    assert list(points) == ['Conv2d_1a_7x7', 'MaxPool_2a_3x3', 'Conv2d_2b_1x1', 'Conv2d_2c_3x3', 'MaxPool_3a_3x3',
                            'Mixed_3b']
    assert net.get_shape().as_list() == [1, 28, 28, 16 + 16 + 24 + 16]  # max(int(d / 4), 16) of 64, 64, 96, 32


def test_small_inputs_shrink_the_final_pools():
    x = tf.placeholder(tf.float32, [1, 107, 107, 3])
    logits, points = inception.inception_v3(x, num_classes=7, depth_multiplier=0.1)
    assert logits.get_shape().as_list() == [1, 7]
    assert points['AuxLogits'].op.name == 'InceptionV3/AuxLogits/SpatialSqueeze'
    assert tf.get_default_graph().get_operation_by_name('InceptionV3/Logits/AvgPool_1a_2x2/AvgPool') is not None
    assert [v.op.name for v in tf.global_variables() if 'AuxLogits/Conv2d_2a' in v.op.name][0] == \
        'InceptionV3/AuxLogits/Conv2d_2a_1x1/weights'


def test_conv2d_same_is_the_subsampled_stride_one_convolution():
    x_value = np.random.RandomState(0).uniform(-1, 1, [1, 9, 9, 2]).astype(np.float32)
    x = tf.constant(x_value)
    init = tf.constant_initializer(np.random.RandomState(1).uniform(-1, 1, [3, 3, 2, 4]))
    with slim.arg_scope([slim.conv2d], weights_initializer=init, activation_fn=None):
        strided = resnet_utils.conv2d_same(x, 4, 3, stride=2, scope='strided')
        dense = resnet_utils.conv2d_same(x, 4, 3, stride=1, scope='dense')
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        strided_value, dense_value = sess.run([strided, dense])
    np.testing.assert_allclose(strided_value, dense_value[:, ::2, ::2, :], rtol=1e-5, atol=1e-6)
    assert resnet_utils.subsample(x, 1) is x


def test_stack_blocks_dense_names_units_and_collects_blocks():
    def unit(net, depth, stride, rate=1):
        return slim.conv2d(net, depth, [1, 1], stride=stride, rate=rate, scope='conv')
    blocks = [resnet_utils.Block('first', unit, [{'depth': 4, 'stride': 2}, {'depth': 4, 'stride': 1}]),
              resnet_utils.Block('second', unit, [{'depth': 8, 'stride': 2}])]
    x = tf.placeholder(tf.float32, [1, 8, 8, 3])
    net = resnet_utils.stack_blocks_dense(x, blocks, output_stride=2, outputs_collections='points')
    assert net.get_shape().as_list() == [1, 4, 4, 8]  # the second block's stride became a rate
    assert [v.op.name for v in tf.global_variables() if v.op.name.endswith('weights')] == [
        'first/unit_1/conv/weights', 'first/unit_2/conv/weights', 'second/unit_1/conv/weights']
    assert list(slim.utils.convert_collection_to_dict('points')) == ['first', 'second']
