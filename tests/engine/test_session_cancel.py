"""A step that is running when another thread closes its session raises CancelledError('Run call was
cancelled'), as TF; runs started after close() raise RuntimeError. Checked with TF 2.21's compat.v1."""
import threading

import numpy as np
import pytest

import sluice as tf


def _step_held_open():
    """(fetch, started, release): the step blocks in a py_func until `release` is set."""
    started, release = threading.Event(), threading.Event()

    def hold(x):
        started.set()
        assert release.wait(10)
        return x

    v = tf.Variable(1.0)
    held = tf.py_func(hold, [tf.constant(1.0)], tf.float32)
    with tf.control_dependencies([held]):
        fetch = tf.identity(v + 1.0)
    return v, fetch, started, release


def _close_during(run_step, sess, started, release):
    outcome = []

    def work():
        try:
            outcome.append(run_step())
        except BaseException as e:  # noqa: B902 - the test inspects whatever the step raised
            outcome.append(e)

    t = threading.Thread(target=work)
    t.start()
    assert started.wait(10)
    sess.close()
    release.set()
    t.join(10)
    assert not t.is_alive()
    return outcome[0]


@pytest.mark.parametrize('how', ['run', 'callable', 'options'])
def test_step_running_when_the_session_closes_is_cancelled(how):
    v, fetch, started, release = _step_held_open()
    sess = tf.Session()
    sess.run(v.initializer)
    if how == 'run':
        step = lambda: sess.run(fetch)  # noqa: E731
    elif how == 'callable':
        step = sess.make_callable(fetch)
    else:
        step = lambda: sess.run(fetch, options=tf.RunOptions(timeout_in_ms=20000))  # noqa: E731
    error = _close_during(step, sess, started, release)
    assert isinstance(error, tf.errors.CancelledError), error
    assert error.message == 'Run call was cancelled'
    with pytest.raises(RuntimeError, match='Attempted to use a closed Session'):
        sess.run(fetch)


def test_step_finishing_before_close_returns_its_value():
    v, fetch, started, release = _step_held_open()
    release.set()
    with tf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(fetch) == np.float32(2.0)
