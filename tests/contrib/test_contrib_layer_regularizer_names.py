"""contrib.layers' fixes for slim.nets: a layer TF 1.15 builds on a core layer names its weights'
penalties '<layer scope>/kernel/Regularizer/...' (as the core layer's add_weight does), once per created
variable; contrib's own variables keep get_variable's '<variable>/Regularizer/'; utils' shape checks."""
import pytest

import sluice as tf
import sluice.contrib.slim as slim


def _loss_names():
    return [t.op.name for t in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)]


def test_core_layer_weights_are_penalized_under_the_core_names():
    x = tf.placeholder(tf.float32, [2, 8, 8, 3])
    l2 = slim.l2_regularizer(0.1)
    with tf.variable_scope('net'):
        slim.conv2d(x, 4, [3, 3], weights_regularizer=l2, biases_regularizer=l2, scope='conv')
        slim.conv2d(x, 4, [3, 3], weights_regularizer=l2, scope='conv', reuse=True)  # no second penalty
        slim.separable_conv2d(x, 5, [3, 3], weights_regularizer=l2, scope='separable')
        slim.separable_conv2d(x, None, [3, 3], weights_regularizer=l2, scope='depthwise')
        slim.fully_connected(tf.zeros([2, 3]), 2, weights_regularizer=l2)
        slim.bias_add(x, regularizer=l2)
        slim.batch_norm(x, scale=True, param_regularizers={'gamma': l2})
    assert _loss_names() == [
        'net/conv/kernel/Regularizer/l2_regularizer', 'net/conv/bias/Regularizer/l2_regularizer',
        'net/separable/depthwise_kernel/Regularizer/l2_regularizer',
        'net/separable/pointwise_kernel/Regularizer/l2_regularizer',
        'net/depthwise/depthwise_weights/Regularizer/l2_regularizer',
        'net/fully_connected/kernel/Regularizer/l2_regularizer',
        'net/BiasAdd/biases/Regularizer/l2_regularizer',
        'net/BatchNorm/gamma/Regularizer/l2_regularizer']


@pytest.mark.tf
def test_penalty_names_are_tfs():
    from slim_nets_reference import tf1_and_tf_slim
    tf1, tf_slim = tf1_and_tf_slim()

    def build(lib, tfm):
        g = tfm.Graph()
        with g.as_default():
            x = tfm.placeholder(tfm.float32, [2, 8, 8, 3])
            l2 = lib.l2_regularizer(0.1)
            with tfm.variable_scope('net'):
                lib.conv2d(x, 4, [3, 3], weights_regularizer=l2, biases_regularizer=l2, scope='conv')
                lib.conv2d(x, 4, [3, 3], weights_regularizer=l2, scope='conv', reuse=True)
                lib.separable_conv2d(x, 5, [3, 3], weights_regularizer=l2, scope='separable')
                lib.separable_conv2d(x, None, [3, 3], weights_regularizer=l2, scope='depthwise')
                lib.batch_norm(x, scale=True, param_regularizers={'gamma': l2})
            return sorted(t.op.name for t in g.get_collection('regularization_losses'))
    assert build(slim, tf) == build(tf_slim, tf1)


def test_utils_shape_checks():
    shape = tf.TensorShape([2, None, 5])
    assert slim.utils.last_dimension(shape, min_rank=3) == 5
    assert slim.utils.first_dimension(shape) == 2
    assert slim.utils.channel_dimension(shape, 'channels_last') == 5
    with pytest.raises(ValueError, match='rank of shape must be at least 4 not: 3'):
        slim.utils.last_dimension(shape, min_rank=4)
    with pytest.raises(ValueError, match='dimension 1 of shape must be known but is None'):
        slim.utils.channel_dimension(shape, 'channels_first')
    with pytest.raises(ValueError, match='dims of shape must be known but is None'):
        slim.utils.last_dimension(tf.TensorShape(None))
    assert slim.utils.two_element_tuple(3) == (3, 3) and slim.utils.two_element_tuple([2, 4]) == (2, 4)
