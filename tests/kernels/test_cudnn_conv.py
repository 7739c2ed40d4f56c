"""Convolutions on cuDNN (kernels/cudnn_conv.py): which nodes and cases take the frontend, how TF's
layouts, padding, strides and dilations map onto its arguments, and the im2col + GEMM fallback.

On fake GPUs a stand-in frontend (cudnn_stand_in.py) checks the arguments and computes with NumPy
from the pointers it is given; its results must equal the im2col + GEMM kernels'. The last test runs
the real frontend on a real GPU (marked gpu)."""
import logging
import sys

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices, tensor_float_32
from sluice.kernels import cudnn_conv

import cudnn_stand_in


@pytest.fixture
def frontend(monkeypatch):
    """Installs a fresh stand-in as `cudnn` (and forgets the backends of earlier tests)."""
    def install(**options):
        module = cudnn_stand_in.make(**options)
        monkeypatch.setitem(sys.modules, 'cudnn', module)
        return module
    monkeypatch.setattr(cudnn_conv, '_backends', {})
    monkeypatch.delenv('SLUICE_CUDNN', raising=False)
    return install


def _conv_graph(x_shape, f_shape, strides, padding, data_format, dilations, dtype):
    rng = np.random.RandomState(0)
    x_value = rng.standard_normal(x_shape).astype(dtype)
    f_value = rng.standard_normal(f_shape).astype(dtype)
    with tf.device('/gpu:0'):
        x = tf.constant(x_value)
        f = tf.constant(f_value)
        y = tf.nn.conv2d(x, f, strides, padding, data_format=data_format, dilations=dilations)
        loss = tf.reduce_sum(y * y)
        dx, df = tf.gradients(loss, [x, f])
    return [y, dx, df]


def _run(fetches):
    with tf.Session() as sess:
        return sess.run(fetches)


# (x NHWC shape, filter, strides (H, W), padding, dilations (H, W))
CASES = [
    ((2, 9, 9, 3), (3, 3, 3, 4), (1, 1), 'SAME', (1, 1)),
    ((2, 9, 8, 3), (4, 4, 3, 5), (1, 1), 'SAME', (1, 1)),     # even kernel: TF pads one more after
    ((1, 10, 11, 2), (3, 2, 2, 3), (2, 3), 'SAME', (1, 1)),   # strides: asymmetric totals
    ((2, 12, 10, 3), (5, 5, 3, 6), (1, 1), 'VALID', (1, 1)),
    ((1, 11, 11, 2), (3, 3, 2, 2), (2, 2), 'VALID', (1, 1)),
    ((1, 12, 12, 2), (3, 3, 2, 3), (1, 1), 'SAME', (2, 2)),   # dilations
    ((1, 13, 12, 2), (2, 3, 2, 3), (1, 1), 'VALID', (2, 3)),
]


def _layout(case, data_format):
    x_shape, f_shape, (sh, sw), padding, (dh, dw) = case
    if data_format == 'NCHW':
        n, h, w, c = x_shape
        return (n, c, h, w), f_shape, [1, 1, sh, sw], padding, [1, 1, dh, dw]
    return x_shape, f_shape, [1, sh, sw, 1], padding, [1, dh, dw, 1]


@pytest.mark.parametrize('data_format', ['NHWC', 'NCHW'])
@pytest.mark.parametrize('case', CASES)
def test_results_equal_im2col(frontend, monkeypatch, case, data_format):
    x_shape, f_shape, strides, padding, dilations = _layout(case, data_format)
    with devices.fake_gpus(1):
        fetches = _conv_graph(x_shape, f_shape, strides, padding, data_format, dilations, np.float64)
        monkeypatch.setenv('SLUICE_CUDNN', '0')
        expected = _run(fetches)
        monkeypatch.delenv('SLUICE_CUDNN')
        cudnn = frontend()
        got = _run(fetches)
    assert sorted(g.op['kind'] for g in cudnn.builds) == ['dgrad', 'fprop', 'wgrad']
    assert len(cudnn.executions) == 3
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize('dtype, tol', [(np.float32, 1e-5), (np.float16, 1e-2)])
def test_float32_and_float16_run_on_cudnn(frontend, monkeypatch, dtype, tol):
    with devices.fake_gpus(1):
        fetches = _conv_graph((1, 6, 6, 2), (3, 3, 2, 2), [1, 1, 1, 1], 'SAME', 'NHWC', [1, 1, 1, 1], dtype)
        monkeypatch.setenv('SLUICE_CUDNN', '0')
        expected = _run(fetches)
        monkeypatch.delenv('SLUICE_CUDNN')
        cudnn = frontend()
        got = _run(fetches)
    assert len(cudnn.executions) == 3
    io = cudnn.data_type.HALF if dtype == np.float16 else cudnn.data_type.FLOAT
    assert {g.io for g in cudnn.builds} == {io} and {g.compute for g in cudnn.builds} == {cudnn.data_type.FLOAT}
    for g, e in zip(got, expected):
        assert g.dtype == dtype
        np.testing.assert_allclose(g.astype(np.float64), e.astype(np.float64), rtol=tol, atol=tol * np.abs(e).max())


def test_parameter_mapping_nhwc_asymmetric_same(frontend):
    cudnn = frontend()
    with devices.fake_gpus(1):
        # H: 9 with a 4-tap kernel -> TF pads 1 before, 2 after; W: 8, stride 2, 3 taps -> 0 before, 1 after
        with tf.device('/gpu:0'):
            y = tf.nn.conv2d(tf.ones([2, 9, 8, 3]), tf.ones([4, 3, 3, 5]), [1, 1, 2, 1], 'SAME')
        _run(y)
    g, = cudnn.builds
    x, w = g.op['inputs']
    assert g.op['kind'] == 'fprop' and g.op['padding'] == [1, 0] and g.op['stride'] == [1, 2]
    assert g.op['dilation'] == [1, 1]
    assert x.dim == [2, 3, 10, 9] and x.stride == [10 * 9 * 3, 1, 9 * 3, 3]   # pre-padded by the difference
    assert w.dim == [5, 3, 4, 3] and w.stride == [4 * 3 * 3, 1, 3 * 3, 3]      # KRSC
    assert g.op['out'].dim == [2, 5, 9, 4] and g.op['out'].stride == [9 * 4 * 5, 1, 4 * 5, 5]
    assert g.io == cudnn.data_type.FLOAT and g.compute == cudnn.data_type.FLOAT
    assert g.deselected == [cudnn.numerical_note.TENSOR_CORE]   # float32 stays float32 (TF32 off)


def test_parameter_mapping_nchw_is_packed_kcrs(frontend):
    cudnn = frontend()
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            y = tf.nn.conv2d(tf.ones([1, 2, 7, 7], tf.float64), tf.ones([3, 3, 2, 4], tf.float64), [1, 1, 1, 1],
                             'VALID', data_format='NCHW', dilations=[1, 1, 2, 1])
        _run(y)
    g, = cudnn.builds
    x, w = g.op['inputs']
    assert x.dim == [1, 2, 7, 7] and x.stride == [98, 49, 7, 1]
    assert w.dim == [4, 2, 3, 3] and w.stride == [18, 9, 3, 1]
    assert g.op['padding'] == [0, 0] and g.op['dilation'] == [2, 1]
    assert g.io == g.compute == cudnn.data_type.DOUBLE and g.deselected == []


def test_tf32_setting_reaches_the_engine_choice(frontend):
    cudnn = frontend()
    previous = tensor_float_32.enabled()
    try:
        tensor_float_32.enable(True)
        with devices.fake_gpus(1):
            with tf.device('/gpu:0'):
                y = tf.nn.conv2d(tf.ones([1, 5, 5, 1]), tf.ones([3, 3, 1, 1]), [1, 1, 1, 1], 'SAME')
            _run(y)
    finally:
        tensor_float_32.enable(previous)
    assert cudnn.builds[0].deselected == []


def test_graphs_are_cached_per_case(frontend):
    cudnn = frontend()
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            x = tf.placeholder(tf.float32, [None, 6, 6, 2])
            y = tf.nn.conv2d(x, tf.ones([3, 3, 2, 2]), [1, 1, 1, 1], 'SAME')
        with tf.Session() as sess:
            for n in (1, 1, 2, 1, 2):
                sess.run(y, {x: np.ones((n, 6, 6, 2), np.float32)})
    assert len(cudnn.builds) == 2 and len(cudnn.executions) == 5
    assert len(cudnn.handles) == 1


def test_unsupported_case_falls_back_with_one_debug_line(frontend, caplog):
    cudnn = frontend(unsupported=lambda g: 'no engine' if g.op['kind'] == 'fprop' else None)
    with devices.fake_gpus(1):
        fetches = _conv_graph((1, 6, 6, 2), (3, 3, 2, 2), [1, 1, 1, 1], 'SAME', 'NHWC', [1, 1, 1, 1], np.float64)
        with caplog.at_level(logging.DEBUG, logger='sluice'):
            with tf.Session() as sess:
                first = sess.run(fetches)
                second = sess.run(fetches)
    lines = [r.getMessage() for r in caplog.records if 'cuDNN not used' in r.getMessage()]
    assert len(lines) == 1 and 'Conv2D' in lines[0] and 'no engine' in lines[0] and 'fprop' in lines[0]
    assert sorted(g.op['kind'] for g in cudnn.builds) == ['dgrad', 'wgrad']   # the gradients still ran there
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_no_handle_falls_back(frontend):
    cudnn = frontend(handle_error=RuntimeError('CUDNN_STATUS_NOT_INITIALIZED'))
    with devices.fake_gpus(1):
        fetches = _conv_graph((1, 5, 5, 1), (2, 2, 1, 1), [1, 1, 1, 1], 'VALID', 'NHWC', [1, 1, 1, 1], np.float64)
        got = _run(fetches)
    assert cudnn.builds == [] and got[0].shape == (1, 4, 4, 1)


def test_absent_frontend_binds_the_im2col_kernel(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, 'cudnn', None)   # `import cudnn` raises ImportError
    monkeypatch.setattr(cudnn_conv, '_import_failure', [])
    with caplog.at_level(logging.DEBUG, logger='sluice'):
        assert cudnn_conv.frontend() is None
        assert cudnn_conv.frontend() is None
    assert len([r for r in caplog.records if 'not importable' in r.getMessage()]) == 1
    with devices.fake_gpus(1):
        fetches = _conv_graph((1, 5, 5, 1), (2, 2, 1, 1), [1, 1, 1, 1], 'SAME', 'NHWC', [1, 1, 1, 1], np.float64)
        with tf.Session() as sess:
            got = sess.run(fetches)
            step = [s for s in sess._signature(fetches, ()).plan.steps if s.op.type == 'Conv2D'][0]
    assert step.fn.__qualname__.startswith('conv2d.')   # the shared im2col body
    assert got[0].shape == (1, 5, 5, 1)


def test_switch_off_and_other_dtypes_keep_im2col(frontend, monkeypatch):
    cudnn = frontend()
    monkeypatch.setenv('SLUICE_CUDNN', '0')
    assert cudnn_conv.frontend() is None
    monkeypatch.delenv('SLUICE_CUDNN')
    assert cudnn_conv.frontend() is cudnn
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            y = tf.nn.conv2d(tf.ones([1, 4, 4, 1], tf.bfloat16), tf.ones([2, 2, 1, 1], tf.bfloat16), [1, 1, 1, 1],
                             'VALID')
        _run(y)
    assert cudnn.builds == []


def test_empty_batch_and_errors_match_the_shared_kernels(frontend):
    cudnn = frontend()
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            x = tf.placeholder(tf.float32, [None, None, None, 2])
            y = tf.nn.conv2d(x, tf.ones([2, 2, 2, 3]), [1, 1, 1, 1], 'VALID')
        with tf.Session() as sess:
            assert sess.run(y, {x: np.ones((0, 4, 4, 2), np.float32)}).shape == (0, 3, 3, 3)
            with pytest.raises(tf.errors.InvalidArgumentError, match='Computed output size would be negative'):
                sess.run(y, {x: np.ones((1, 1, 1, 2), np.float32)})
    assert cudnn.builds == []


def test_captured_plans_replay_the_cudnn_steps(frontend, monkeypatch):
    def losses():
        tf.reset_default_graph()
        with tf.device('/gpu:0'):
            x = tf.placeholder(tf.float64, [4, 8, 8, 2])
            f = tf.Variable(np.random.RandomState(0).standard_normal((3, 3, 2, 3)))
            loss = tf.reduce_sum(tf.square(tf.nn.conv2d(x, f, [1, 1, 1, 1], 'SAME')))
            train = tf.train.GradientDescentOptimizer(0.001).minimize(loss)
        feed = {x: np.random.RandomState(1).standard_normal((4, 8, 8, 2))}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            got = [sess.run([train, loss], feed)[1] for _ in range(5)]
            captured = type(sess._signature([train, loss], (x,)).plan.run.__self__).__name__
        return got, captured
    with devices.fake_gpus(1):
        monkeypatch.setenv('SLUICE_CUDNN', '0')
        expected, _ = losses()
        monkeypatch.delenv('SLUICE_CUDNN')
        cudnn = frontend()
        got, captured = losses()
    assert captured == 'CapturedPlan'
    assert [g.op['kind'] for g in cudnn.executions] == ['fprop', 'wgrad'] * 5   # replays included
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize('data_format', ['NHWC', 'NCHW'])
def test_real_cudnn_equals_im2col(data_format, monkeypatch):
    if devices.cupy_module() is None:
        pytest.skip('no GPU present')
    real = pytest.importorskip('cudnn')
    if not hasattr(real, 'pygraph'):
        pytest.skip('the installed cudnn module is not the cuDNN frontend')
    monkeypatch.setattr(cudnn_conv, '_backends', {})
    for case in CASES:
        x_shape, f_shape, strides, padding, dilations = _layout(case, data_format)
        tf.reset_default_graph()
        fetches = _conv_graph(x_shape, f_shape, strides, padding, data_format, dilations, np.float64)
        monkeypatch.setenv('SLUICE_CUDNN', '0')
        expected = _run(fetches)
        monkeypatch.delenv('SLUICE_CUDNN')
        got = _run(fetches)
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9)
    assert any(b._graphs for b in cudnn_conv._backends.values()), 'no case ran on cuDNN'
