"""Shared fixtures: a fresh default graph per test, and one test body run on every device.

`device` runs a test on "/cpu:0", on a NumPy-backed fake "/gpu:0" (so placement and copies are
exercised without a GPU) and, where CuPy sees a real GPU, on the real "/gpu:0" (marked `gpu`).
"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices


def _real_gpu():
    return devices.cupy_module() is not None


@pytest.fixture(autouse=True)
def fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


@pytest.fixture(autouse=True)
def tensorflow_log_level():
    """Each test starts at the 'tensorflow' logger's level of the session start: that logger is
    TensorFlow's too, so a test setting TF's verbosity would otherwise set sluice's for the next."""
    level = tf.logging.get_verbosity()
    yield
    tf.logging.set_verbosity(level)


@pytest.fixture(params=['cpu', 'fake_gpu', pytest.param('gpu', marks=pytest.mark.gpu)])
def device(request):
    """Yields a device string; build the graph under `with tf.device(device):` and run it."""
    if request.param == 'cpu':
        yield '/cpu:0'
    elif request.param == 'fake_gpu':
        if _real_gpu():
            pytest.skip('a real GPU is present; the fake one is not needed')
        with devices.fake_gpus(1):
            yield '/gpu:0'
    else:
        if not _real_gpu():
            pytest.skip('no GPU present')
        yield '/gpu:0'


def run_graph(fetches, feed_dict=None, config=None):
    """Runs fetches in a new session over the default graph (GPU values come back as NumPy)."""
    with tf.Session(config=config) as sess:
        return sess.run(fetches, feed_dict)


def op_types(graph=None):
    """[(name, type)] of the graph's operations (default graph), in creation order."""
    graph = graph or tf.get_default_graph()
    return [(op.name, op.type) for op in graph.get_operations()]


def assert_allclose(actual, expected, rtol=1e-6, atol=1e-6):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=rtol, atol=atol)


@pytest.fixture
def no_leaked_threads():
    """A watchdog (a hung test dumps its stacks and exits after 30 s) and no thread left running after."""
    import faulthandler
    import threading
    import time
    before = set(threading.enumerate())
    faulthandler.dump_traceback_later(30, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
    deadline = time.monotonic() + 5
    for t in threading.enumerate():
        if t not in before:
            t.join(max(0.0, deadline - time.monotonic()))
    leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, 'threads left running: %s' % leaked
