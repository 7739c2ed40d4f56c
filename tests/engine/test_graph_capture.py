"""CUDA-graph capture and replay (engine/graph_capture.py, engine/capture_backends.py).

On the NumPy-backed fake GPU the replay backend records the device steps and their fixed buffers
at capture and replays them, so everything above the launch itself is tested here: which plans
are captured, feeds into fixed buffers, fetch copies, variable identity, re-capture and the
fallbacks. Captured runs must equal plain ones bit for bit (one BLAS thread: the plain path with
an adapting thread pool is not reproducible to the last bit between sessions). The `gpu` tests run
the same on a real GPU (benchmarks/gpu_check.sh).
"""
import logging

import numpy as np
import pytest

import sluice as tf
from sluice.engine import capture_backends, devices, graph_capture
from sluice.kernels import registry

ONE_THREAD = dict(intra_op_parallelism_threads=1)


def _real_gpu():
    return devices.cupy_module() is not None


@pytest.fixture(params=['fake_gpu', pytest.param('gpu', marks=pytest.mark.gpu)])
def gpu(request, monkeypatch):
    monkeypatch.delenv('SLUICE_CUDA_GRAPHS', raising=False)
    if request.param == 'fake_gpu':
        with devices.fake_gpus(1):
            yield request.param
    else:
        if not _real_gpu():
            pytest.skip('no GPU present')
        yield request.param


def _mlp(batch=None):
    """The MNIST MLP training step (784-625-625-10, RMSProp on the mean softmax cross-entropy)."""
    graph = tf.Graph()
    with graph.as_default(), tf.device('/gpu:0'):
        tf.set_random_seed(3)
        x = tf.placeholder(tf.float32, [batch, 784])
        y = tf.placeholder(tf.float32, [batch, 10])
        ws = [tf.Variable(tf.random_normal(s, stddev=0.01)) for s in ([784, 625], [625, 625], [625, 10])]
        b = tf.Variable(tf.zeros([625]))
        h = tf.nn.relu(tf.nn.bias_add(tf.matmul(x, ws[0]), b))
        h2 = tf.nn.relu(tf.matmul(h, ws[1]))
        logits = tf.matmul(h2, ws[2])
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(logits=logits, labels=y))
        train = tf.train.RMSPropOptimizer(0.001, 0.9).minimize(loss)
        init = tf.global_variables_initializer()
    return graph, x, y, loss, train, init, ws + [b]


def _batches(n, batch=128, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.uniform(0, 1, (batch, 784)).astype(np.float32),
             np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]) for _ in range(n)]


def _train(monkeypatch, capture, batches, batch_dim=None, between=None):
    """(losses, final variables, the train plan's CapturedPlan or None)."""
    monkeypatch.setenv('SLUICE_CUDA_GRAPHS', '1' if capture else '0')
    graph, x, y, loss, train, init, variables = _mlp(batch_dim)
    with tf.Session(graph=graph, config=tf.ConfigProto(**ONE_THREAD)) as sess:
        sess.run(init)
        losses = []
        for k, (a, b) in enumerate(batches):
            losses.append(sess.run([loss, train], {x: a, y: b})[0])
            if between is not None:
                between(sess, k, variables)
        values = sess.run(variables)
        run = sess._signature([loss, train], (x, y)).plan.run
    return losses, values, getattr(run, '__self__', None)


def _assert_same(a, b):
    for u, v in zip(a, b):
        assert np.asarray(u).dtype == np.asarray(v).dtype
        assert np.array_equal(u, v)


def test_mlp_training_replayed_equals_plain_bit_for_bit(gpu, monkeypatch):
    launches = []
    if gpu == 'fake_gpu':
        launch = capture_backends.ClosureReplay.launch
        monkeypatch.setattr(capture_backends.ClosureReplay, 'launch',
                            lambda self, inputs: (launches.append(1), launch(self, inputs))[1])
    batches = _batches(8)
    losses, values, captured = _train(monkeypatch, True, batches)
    plain_losses, plain_values, plain = _train(monkeypatch, False, batches)
    assert not isinstance(plain, graph_capture.CapturedPlan) and isinstance(captured, graph_capture.CapturedPlan)
    assert captured.captures == 1 and len(captured.programs) == 1
    if gpu == 'fake_gpu':
        assert len(launches) == 8 - captured.capture_at  # every run after the capture pass replayed
        _assert_same(losses, plain_losses)
        _assert_same(values, plain_values)
    else:  # the same cuBLAS calls on the same buffers; only the launch path differs
        np.testing.assert_allclose(losses, plain_losses, rtol=1e-6)
        for u, v in zip(values, plain_values):
            np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-7)


def test_new_feed_shapes_capture_again(gpu, monkeypatch):
    batches = _batches(4) + _batches(4, batch=64, seed=1) + _batches(2, seed=2)
    losses, values, captured = _train(monkeypatch, True, batches)
    plain_losses, plain_values, _ = _train(monkeypatch, False, batches)
    assert sorted(captured.programs) == [((64, 784), (64, 10)), ((128, 784), (128, 10))]
    if gpu == 'fake_gpu':
        _assert_same(losses, plain_losses)
        _assert_same(values, plain_values)


def test_a_variable_given_a_new_buffer_is_captured_again(gpu, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger='sluice')

    def reassign(sess, k, variables):
        if k == 5:  # tf.assign copies into a new buffer: the captured graph would write the old one
            sess.run(tf.assign(variables[3], tf.fill([625], 0.25)))
    batches = _batches(10)
    with tf.Graph().as_default():
        losses, values, captured = _train(monkeypatch, True, batches, between=reassign)
        plain_losses, plain_values, _ = _train(monkeypatch, False, batches, between=reassign)
    assert captured.captures == 2
    assert any('a variable was given a new buffer' in r.getMessage() for r in caplog.records)
    if gpu == 'fake_gpu':
        _assert_same(losses, plain_losses)
        _assert_same(values, plain_values)


def test_fetches_are_copies_and_feeds_come_back(gpu, monkeypatch):
    monkeypatch.setenv('SLUICE_FUSION', '0')  # capture at the second run
    with tf.device('/gpu:0'):
        x = tf.placeholder(tf.float32, [2, 3])
        v = tf.Variable(tf.ones([2, 3]))
        y = x * 2.0 + v
        total = tf.reduce_sum(y)
        shape = tf.shape(y)
    with tf.Session() as sess:
        sess.run(v.initializer)
        feed = np.arange(6, dtype=np.float32).reshape(2, 3)
        runs = [sess.run([y, total, shape, x], {x: feed + k}) for k in range(4)]
        captured = sess._signature([y, total, shape, x], (x,)).plan.run.__self__
        assert captured.captures == 1
        for k, (got_y, got_total, got_shape, got_x) in enumerate(runs):
            want = (feed + k) * 2 + 1
            np.testing.assert_array_equal(got_y, want)
            assert isinstance(got_total, np.float32) and got_total == want.sum()
            np.testing.assert_array_equal(got_shape, [2, 3])
            np.testing.assert_array_equal(got_x, feed + k)
        runs[-1][0][...] = -1  # the caller owns what it got: the buffers are not handed out
        runs[-1][2][...] = 7
        again_y, _, again_shape, _ = sess.run([y, total, shape, x], {x: feed})
        np.testing.assert_array_equal(again_y, feed * 2 + 1)
        np.testing.assert_array_equal(again_shape, [2, 3])


def test_uninitialized_variable_fails_as_plain_and_is_captured_later(gpu, monkeypatch):
    monkeypatch.setenv('SLUICE_FUSION', '0')
    with tf.device('/gpu:0'):
        v = tf.Variable(tf.ones([3]))
        step = tf.assign_add(v, tf.ones([3]) * 2.0)
    with tf.Session() as sess:
        for _ in range(3):
            with pytest.raises(tf.errors.FailedPreconditionError, match='uninitialized'):
                sess.run(step)
        sess.run(v.initializer)
        got = [sess.run(step) for _ in range(4)]
        captured = sess._signature(step, ()).plan.run.__self__
        assert captured.captures == 1
        assert [float(g[0]) for g in got] == [3.0, 5.0, 7.0, 9.0]
        np.testing.assert_array_equal(sess.run(v), [9.0] * 3)


def _debug_reasons(caplog):
    return [r.getMessage() for r in caplog.records if 'without CUDA-graph capture' in r.getMessage()]


def test_a_py_func_or_a_queue_keeps_the_plain_path(caplog):
    caplog.set_level(logging.DEBUG, logger='sluice')
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            x = tf.placeholder(tf.float32, [4])
            y = tf.py_func(lambda a: a + 1, [x * 2.0], tf.float32) * 3.0
            q = tf.FIFOQueue(10, [tf.float32], shapes=[[4]])
            enqueue = q.enqueue([x * 2.0])
            dequeued = q.dequeue() + 1.0
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:  # PyFunc, queues: CPU only
            for k in range(3):
                np.testing.assert_array_equal(sess.run(y, {x: np.full(4, k, np.float32)}), [(2 * k + 1) * 3] * 4)
                sess.run(enqueue, {x: np.full(4, k, np.float32)})
                np.testing.assert_array_equal(sess.run(dequeued), [2 * k + 1] * 4)
            for fetches, feeds in ((y, (x,)), (enqueue, (x,)), (dequeued, ())):
                assert not isinstance(getattr(sess._signature(fetches, feeds).plan.run, '__self__', None),
                                      graph_capture.CapturedPlan)
    reasons = _debug_reasons(caplog)
    assert len(reasons) == 3  # one line per plan
    assert 'PyFunc' in reasons[0]
    assert all('FIFOQueueV2' in r and 'changes state on the host' in r for r in reasons[1:])


def test_random_ops_are_not_captured(caplog):
    """A generator's position would be baked into the graph: every replay would draw the same numbers."""
    caplog.set_level(logging.DEBUG, logger='sluice')
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            r = tf.random_uniform([3]) * 2.0
        with tf.Session() as sess:
            draws = [sess.run(r) for _ in range(4)]
    assert not np.array_equal(draws[2], draws[3])
    assert any('RandomUniform' in m and 'not capturable' in m for m in _debug_reasons(caplog))


def test_switches_and_cpu_plans_keep_the_compiled_function(monkeypatch):
    off = tf.ConfigProto(graph_options=tf.GraphOptions(optimizer_options=tf.OptimizerOptions(global_jit_level=-1)))
    with tf.device('/cpu:0'):
        a = tf.placeholder(tf.float32, [2])
        b = a * 2.0
    with tf.Session() as sess:
        sess.run(b, {a: [1, 2]})
        assert sess._signature(b, (a,)).plan.run.__name__ == 'run'  # the generated function itself
    assert graph_capture.enabled_by(None)
    assert not graph_capture.enabled_by(off)
    monkeypatch.setenv('SLUICE_CUDA_GRAPHS', '0')
    assert not graph_capture.enabled_by(None)


def test_capturability_is_a_flag_of_the_gpu_registrations():
    def node(op_type, dtype):
        with tf.Graph().as_default():
            a = tf.placeholder(dtype, [2])
            return {'FloorDiv': tf.floordiv, 'Add': tf.add}[op_type](a, a).op
    assert registry.is_capturable(registry.get_kernel('MatMul', 'GPU'), None)
    assert registry.is_capturable(registry.get_kernel('ApplyRMSProp', 'GPU'), None)
    assert not registry.is_capturable(registry.get_kernel('RandomUniform', 'GPU'), None)
    assert not registry.is_capturable(registry.get_kernel('Assign', 'GPU'), None)
    assert not registry.is_capturable(registry.get_kernel('SparseApplyRMSProp', 'GPU'), None)
    assert not registry.is_capturable(registry.get_kernel('MatMul', 'CPU'), None)
    floordiv = registry.get_kernel('FloorDiv', 'GPU')
    assert registry.is_capturable(floordiv, node('FloorDiv', tf.float32))
    assert not registry.is_capturable(floordiv, node('FloorDiv', tf.int64))  # checks its divisor on the host


class _FailingBackend:
    """A backend whose capture raises, as a CUDA capture that hits an illegal call does: nothing ran."""
    executes_capture = False
    warms_before_capture = False

    def input_buffer(self, value, executing):
        return np.array(value)

    def upload(self, value):
        return np.array(value)

    def capture(self, capture_pass, registers, recorded):
        raise RuntimeError('operation not permitted when stream is capturing')


def test_a_capture_that_raises_falls_back_to_the_plain_path(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger='sluice')
    monkeypatch.setenv('SLUICE_FUSION', '0')
    monkeypatch.setattr(capture_backends, 'for_device', lambda device: (_FailingBackend(), None))
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            v = tf.Variable(tf.zeros([2]))
            step = tf.assign_add(v, [1.0, 2.0])
        with tf.Session() as sess:
            sess.run(v.initializer)
            got = [sess.run(step).copy() for _ in range(4)]
            captured = sess._signature(step, ()).plan.run.__self__
    np.testing.assert_array_equal(got, [[1, 2], [2, 4], [3, 6], [4, 8]])  # each update once
    assert captured.captures == 0 and captured.runs[()] == graph_capture._REFUSED
    messages = [r.getMessage() for r in caplog.records if 'capture failed' in r.getMessage()]
    assert len(messages) == 1 and 'not permitted' in messages[0]


class _WarmingBackend(capture_backends.ReplayBackend):
    """The fake GPU's replay with the real backend's warm-up run before the capture."""
    warms_before_capture = True

    def __init__(self, fail=None):
        self.warmed, self.fail = 0, fail

    def warm(self, warm_pass):
        self.warmed += 1
        if self.fail == 'before':
            raise RuntimeError('no stream')
        warm_pass()
        if self.fail == 'after':
            raise RuntimeError('lost the stream')

    def host_copier(self):
        return capture_backends.ClosureReplay([], [])


def test_the_run_before_the_capture_warms_with_the_pass(monkeypatch):
    # Unfused on both sides: whether a fused loop is built by a given run depends on the compile cache, and
    # fused transcendental rows may differ from NumPy's in the last bits.
    monkeypatch.setenv('SLUICE_FUSION', '0')
    backend = _WarmingBackend()
    monkeypatch.setattr(capture_backends, 'for_device', lambda device: (backend, None))
    with devices.fake_gpus(1):
        batches = _batches(7)
        losses, values, captured = _train(monkeypatch, True, batches)
        plain_losses, plain_values, _ = _train(monkeypatch, False, batches)
    assert backend.warmed == 2 and captured.captures == 1  # the step, and the plan fetching the variables
    # Each step ran once (an update run twice would move the variables by a whole step); last bits are
    # left to the bit-for-bit test above: CI saw them differ once after the whole suite, not reproduced.
    for got, want in zip(losses + values, plain_losses + plain_values):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize('fail', ['before', 'after'])
def test_a_warm_up_that_fails(monkeypatch, caplog, fail):
    """Before any variable was written the run goes the plain way; after, it fails rather than update twice."""
    caplog.set_level(logging.DEBUG, logger='sluice')
    monkeypatch.setenv('SLUICE_FUSION', '0')
    monkeypatch.setattr(capture_backends, 'for_device', lambda device: (_WarmingBackend(fail), None))
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            v = tf.Variable(tf.zeros([2]))
            step = tf.assign_add(v, [1.0, 2.0])
        with tf.Session() as sess:
            sess.run(v.initializer)
            if fail == 'before':
                got = [sess.run(step).copy() for _ in range(3)]
                np.testing.assert_array_equal(got, [[1, 2], [2, 4], [3, 6]])
            else:
                with pytest.raises(tf.errors.InternalError, match='after updating variables'):
                    sess.run(step)
                np.testing.assert_array_equal(sess.run(v), [1, 2])  # updated once
                np.testing.assert_array_equal(sess.run(step), [2, 4])  # plain from then on
    assert any('the run before the capture failed' in r.getMessage() for r in caplog.records)


class _DecliningBackend(_FailingBackend):
    """A capture that records nothing replayable, and ran nothing: the run must still happen."""

    def capture(self, capture_pass, registers, recorded):
        return None, 'nothing to replay'


def test_a_capture_that_declines_runs_the_step_plainly(monkeypatch, caplog):
    caplog.set_level(logging.DEBUG, logger='sluice')
    monkeypatch.setenv('SLUICE_FUSION', '0')
    monkeypatch.setattr(capture_backends, 'for_device', lambda device: (_DecliningBackend(), None))
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            v = tf.Variable(tf.zeros([2]))
            step = tf.assign_add(v, [1.0, 2.0])
        with tf.Session() as sess:
            sess.run(v.initializer)
            got = [sess.run(step).copy() for _ in range(3)]
    np.testing.assert_array_equal(got, [[1, 2], [2, 4], [3, 6]])
    assert any('nothing to replay' in r.getMessage() for r in caplog.records)
