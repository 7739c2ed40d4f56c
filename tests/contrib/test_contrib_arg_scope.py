"""arg_scope semantics as TF 1.15 defines them: defaults for decorated functions, nesting (inner
overrides outer argument by argument), explicit arguments win, re-entering a saved scope, the errors for
undecorated functions and non-list arguments, and the argument names arg_scope may set."""
import functools

import pytest

import sluice as tf

cf = tf.contrib.framework


@cf.add_arg_scope
def op_a(x, a=1, b=2, c=3):
    return (x, a, b, c)


@cf.add_arg_scope
def op_b(x, a=10, d=20):
    return (x, a, d)


def plain(x, a=1):
    return (x, a)


def test_defaults_apply_only_to_listed_functions():
    with cf.arg_scope([op_a], a=5):
        assert op_a(0) == (0, 5, 2, 3)
        assert op_b(0) == (0, 10, 20)
    assert op_a(0) == (0, 1, 2, 3)


def test_explicit_arguments_win_and_nesting_merges():
    with cf.arg_scope([op_a, op_b], a=5):
        with cf.arg_scope([op_a], b=7):
            assert op_a(0) == (0, 5, 7, 3)
            assert op_a(0, a=9) == (0, 9, 7, 3)
            assert op_b(0) == (0, 5, 20)
        with cf.arg_scope([op_a], a=6):
            assert op_a(0) == (0, 6, 2, 3)
        assert op_a(0) == (0, 5, 2, 3)


def test_saved_scope_can_be_reentered():
    with cf.arg_scope([op_a], c=30) as saved:
        pass
    assert op_a(0) == (0, 1, 2, 3)
    with cf.arg_scope(saved):
        assert op_a(0) == (0, 1, 2, 30)
    with pytest.raises(ValueError, match='kwargs must be empty'):
        with cf.arg_scope(saved, a=1):
            pass


def test_errors_for_undecorated_functions_and_bad_first_argument():
    with pytest.raises(ValueError, match='not decorated with @add_arg_scope'):
        with cf.arg_scope([plain], a=2):
            pass
    with pytest.raises(TypeError, match='list_ops_or_scope must either be a list/tuple'):
        with cf.arg_scope(op_a, a=2):
            pass
    with cf.arg_scope([op_a], unknown=1):  # accepted by arg_scope; the call fails, as in TF
        with pytest.raises(TypeError):
            op_a(0)


def test_scope_is_popped_after_an_exception():
    with pytest.raises(RuntimeError):
        with cf.arg_scope([op_a], a=8):
            raise RuntimeError('boom')
    assert cf.current_arg_scope() == {}


def test_arg_scoped_arguments_and_has_arg_scope():
    assert cf.has_arg_scope(op_a) and not cf.has_arg_scope(plain)
    assert tuple(cf.arg_scoped_arguments(op_a)) == ('a', 'b', 'c')
    slim = tf.contrib.slim
    names = cf.arg_scoped_arguments(slim.conv2d)
    assert 'activation_fn' in names and 'weights_regularizer' in names and 'normalizer_fn' in names
    assert slim.conv2d.__name__ == 'convolution2d'
    assert functools.partial(op_a, 1).func is op_a


def test_slim_layers_share_entries_with_contrib_layers():
    slim = tf.contrib.slim
    assert slim.conv2d is tf.contrib.layers.conv2d is tf.contrib.layers.convolution2d
    assert slim.arg_scope is tf.contrib.framework.arg_scope
    x = tf.placeholder(tf.float32, [None, 6])
    with slim.arg_scope([tf.contrib.layers.fully_connected], activation_fn=None, biases_initializer=None):
        y = slim.fully_connected(x, 3)
    assert y.op.type == 'MatMul'
    assert [v.op.name for v in tf.global_variables()] == ['fully_connected/weights']


def test_arg_scope_over_model_variable():
    slim = tf.contrib.slim
    with slim.arg_scope([slim.model_variable], initializer=tf.ones_initializer(), device='/cpu:0'):
        v = slim.model_variable('v', shape=[2])
    assert v.device.endswith('CPU:0')
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(v).tolist() == [1.0, 1.0]
