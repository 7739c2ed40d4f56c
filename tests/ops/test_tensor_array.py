"""tf.TensorArray: values, static shapes, run-time errors and gradients against TF1's TensorArray."""
import os

import numpy as np
import pytest

import sluice as tf

X = np.arange(12.0).reshape(4, 3) / 10.0


def _tf1():
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    return tf1


def _loop_rnn(tf, x, w):
    inputs = tf.TensorArray(tf.float64, size=4).unstack(x)
    out = tf.TensorArray(tf.float64, size=0, dynamic_size=True)

    def body(t, h, out):
        h = tf.tanh(inputs.read(t) * w + h)
        return t + 1, h, out.write(t, h)
    _, h, out = tf.while_loop(lambda t, *_: t < 4, body, [0, tf.zeros([3], tf.float64), out])
    return [out.stack(), h]


def _outside_loop(tf, x, w):
    ta = tf.TensorArray(tf.float64, size=3, clear_after_read=False)
    ta = ta.write(0, x[0] * w).write(1, x[1]).write(2, tf.sin(x[2]) * w)
    gathered = ta.gather([2, 0])
    split = tf.TensorArray(tf.float64, size=2, infer_shape=False, clear_after_read=False).split(tf.reshape(x, [-1]) * w[0], [5, 7])
    return [ta.stack(), gathered, ta.read(1) * w, split.concat() * 2.0, split.read(1), tf.cast(ta.size(), tf.float64)]


def _scatter(tf, x, w):
    ta = tf.TensorArray(tf.float64, size=4, element_shape=[3], clear_after_read=False).scatter([3, 1, 0, 2], x * w)
    return [ta.stack(), ta.concat()]


PROGRAMS = [_loop_rnn, _outside_loop, _scatter]


def _run(module, program):
    g = module.Graph()
    with g.as_default():
        x = module.placeholder(module.float64, [4, 3])
        w = module.placeholder(module.float64, [3])
        ys = program(module, x, w)
        loss = module.add_n([module.reduce_sum(y * y) for y in ys])
        grads = module.gradients(loss, [x, w])
        with module.Session(graph=g) as sess:
            return sess.run([ys, grads], {x: X, w: [0.5, -1.5, 2.0]})


@pytest.mark.tf
@pytest.mark.parametrize('program', PROGRAMS, ids=lambda p: p.__name__[1:])
def test_values_and_gradients_match_tensorflow(program):
    tf1 = _tf1()
    (ys, grads), (ref_ys, ref_grads) = _run(tf, program), _run(tf1, program)
    for got, want in zip(ys + grads, ref_ys + ref_grads):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('program', PROGRAMS, ids=lambda p: p.__name__[1:])
def test_gradients_match_finite_differences(program):
    _, (gx, _) = _run(tf, program)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float64, [4, 3])
        ys = program(tf, x, tf.constant([0.5, -1.5, 2.0], tf.float64))
        loss = tf.add_n([tf.reduce_sum(y * y) for y in ys])
        with tf.Session(graph=g) as sess:
            numeric = np.zeros_like(X)
            for i in np.ndindex(X.shape):
                d = np.zeros_like(X)
                d[i] = 1e-6
                numeric[i] = (sess.run(loss, {x: X + d}) - sess.run(loss, {x: X - d})) / 2e-6
    np.testing.assert_allclose(gx, numeric, rtol=1e-5, atol=1e-6)


def test_static_shapes_follow_writes():
    ta = tf.TensorArray(tf.float32, size=2)
    assert ta.element_shape.ndims is None
    ta = ta.write(0, tf.zeros([2, 3]))
    assert ta.element_shape.as_list() == [2, 3]
    assert ta.read(1).shape.as_list() == [2, 3]
    assert ta.stack().shape.as_list() == [2, 2, 3]
    assert ta.gather([0]).shape.as_list() == [None, 2, 3]
    with pytest.raises(ValueError, match='Inconsistent shapes: saw'):
        ta.write(1, tf.zeros([3]))
    loose = tf.TensorArray(tf.float32, size=2, infer_shape=False).write(0, tf.zeros([2]))
    assert loose.element_shape.ndims is None


def test_dtype_mismatch_is_invalid_argument():
    ta = tf.TensorArray(tf.float32, size=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match='TensorArray dtype is float32 but Op is trying to '
                                                             'write dtype int32'):
        ta.write(0, tf.constant(1))


@pytest.mark.parametrize('build,message', [
    (lambda: tf.TensorArray(tf.float32, size=1).write(0, 1.0).write(0, 2.0).read(0),
     'Could not write to TensorArray index 0 because it has already been written to.'),
    (lambda: tf.TensorArray(tf.float32, size=1).write(3, 1.0).read(0),
     'Tried to write to index 3 but array is not resizeable and size is: 1'),
    (lambda: tf.TensorArray(tf.float32, size=2, infer_shape=False).write(0, 1.0).read(1),
     'Could not read from TensorArray index 1.  Furthermore, the element shape is not fully defined: <unknown>'),
    (lambda: tf.TensorArray(tf.float32, size=2).write(0, 1.0).read(5),
     'Tried to read from index 5 but array size is: 2'),
    (lambda: tf.TensorArray(tf.float32, size=2).write(0, 1.0).read(-1),
     'Tried to read from index -1 but array size is: 2'),
    (lambda: tf.TensorArray(tf.float32, size=1).write(-1, 1.0).read(0),
     'Tried to write to index -1 but array is not resizeable and size is: 1'),
    (lambda: tf.TensorArray(tf.float32, size=2).write(0, tf.placeholder_with_default([1.0], [None]))
     .write(1, tf.placeholder_with_default([1.0, 2.0], [None])).stack(),
     "Could not write to TensorArray index 1 because the value shape is \\[2\\] which is incompatible"),
])
def test_run_time_errors(build, message):
    t = build()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            sess.run(t)


def test_clear_after_read():
    ta = tf.TensorArray(tf.float32, size=1).write(0, 3.0)
    index = tf.constant(0)
    first = ta.read(index)
    with tf.control_dependencies([first]):
        second = ta.read(index)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match='Could not read index 0 twice because it was '
                                                                 'cleared after a previous read'):
            sess.run(second)
    kept = tf.TensorArray(tf.float32, size=1, clear_after_read=False).write(0, 3.0)
    with tf.Session() as sess:
        assert sess.run([kept.read(0), kept.read(0)]) == [3.0, 3.0]


def test_unwritten_elements_of_a_known_shape_read_as_zeros():
    ta = tf.TensorArray(tf.float32, size=3).write(0, [1.0, 2.0])
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(ta.stack()), [[1, 2], [0, 0], [0, 0]])


def test_dynamic_size_grows_and_empty_stack_needs_a_shape():
    ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True).write(4, 7)
    empty = tf.TensorArray(tf.float32, size=0, element_shape=[2])
    unknown = tf.TensorArray(tf.float32, size=0)
    with tf.Session() as sess:
        assert sess.run(ta.size()) == 5
        assert sess.run(empty.stack()).shape == (0, 2)
        with pytest.raises(tf.errors.InvalidArgumentError, match='TensorArray has size zero, but element shape '
                                                                 '<unknown> is not fully defined'):
            sess.run(unknown.stack())


def test_close_is_an_op_and_constructor_checks():
    ta = tf.TensorArray(tf.float32, size=1)
    assert isinstance(ta.close(), tf.Operation)
    with pytest.raises(ValueError, match='Size must be provided'):
        tf.TensorArray(tf.float32)
    with pytest.raises(TypeError, match='flow must be a variant tensor'):
        tf.TensorArray(tf.float32, flow=tf.constant(0.0))
    same = tf.TensorArray(tf.float32, flow=ta.flow)
    assert same.flow is ta.flow and ta.handle is ta.flow


def test_an_array_crosses_devices_element_by_element():
    # A TensorList value is a host object whose elements live on a device: copies move each element.
    from sluice.engine import devices
    with devices.fake_gpus(1):
        with tf.device('/cpu:0'):
            ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False).unstack(
                tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2)))
        with tf.device('/gpu:0'):
            doubled = ta.read(1) * 2
            written = tf.TensorArray(tf.float32, size=2).write(0, doubled).write(1, ta.read(2))
        with tf.device('/cpu:0'):
            stacked = written.stack()
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(stacked), [[4, 6], [4, 5]])
