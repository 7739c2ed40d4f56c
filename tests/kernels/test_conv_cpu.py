"""kernels/nn_conv_pool_cpu_kernels.py: the C loops of _cpu_conv.c give the NumPy kernels' values (to
rounding for the convolutions, exactly for pooling) and TF's, on the benchmark's shapes, LeNet's, odd
strides, paddings, dilations and NCHW; without the loops the CPU builders are the NumPy ones."""
import types

import numpy as np
import pytest

import sluice as tf
from sluice.kernels import native, nn_conv_pool_cpu_kernels as cpu, nn_conv_pool_kernels as shared

needs_loops = pytest.mark.skipif(native.conv_loops is None, reason='the C convolution loops are not built here')
CTX = types.SimpleNamespace(xp=np)

# (input NHWC, filter HWIO, strides, padding, dilations)
CONV_CASES = [
    ((2, 32, 32, 64), (3, 3, 64, 64), 1, 'SAME', 1),     # the benchmark's shapes, smaller batches
    ((1, 56, 56, 64), (3, 3, 64, 64), 1, 'SAME', 1),
    ((2, 14, 14, 32), (5, 5, 32, 64), 1, 'SAME', 1),
    ((3, 28, 28, 1), (5, 5, 1, 6), 1, 'SAME', 1),        # LeNet's
    ((3, 14, 14, 6), (5, 5, 6, 16), 1, 'VALID', 1),
    ((2, 9, 10, 1), (3, 4, 1, 5), 1, 'SAME', 2),         # one input channel: the column-vector loops
    ((2, 8, 40, 1), (2, 3, 1, 30), 1, 'VALID', 1),
    ((2, 9, 10, 1), (3, 3, 1, 5), 2, 'SAME', 1),
    ((2, 9, 11, 5), (3, 2, 5, 7), (2, 3), 'SAME', 1),    # odd strides and windows
    ((2, 10, 9, 17), (3, 3, 17, 33), 2, 'VALID', 1),
    ((1, 12, 12, 3), (3, 3, 3, 70), 1, 'SAME', 2),       # dilation, many outputs
    ((2, 8, 8, 40), (1, 1, 40, 20), 2, 'SAME', 1),       # 1x1, stride 2
    ((2, 7, 7, 3), (7, 7, 3, 4), 1, 'VALID', 1),         # the window covers the input
    ((1, 6, 5, 2), (3, 3, 2, 3), 3, 'SAME', 1),
    ((3, 12, 16, 1), (3, 16, 1, 40), 1, 'VALID', 1),    # a text CNN's full-width filter: one output column
]


def _conv_graph(x_shape, f_shape, strides, padding, dilations, dtype=tf.float32, data_format='NHWC'):
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    graph = tf.Graph()
    with graph.as_default():
        if data_format == 'NCHW':
            x_shape = (x_shape[0], x_shape[3], x_shape[1], x_shape[2])
            strides, dil = [1, 1, sh, sw], [1, 1, dilations, dilations]
        else:
            strides, dil = [1, sh, sw, 1], [1, dilations, dilations, 1]
        x = tf.placeholder(dtype, x_shape)
        f = tf.placeholder(dtype, f_shape)
        y = tf.nn.conv2d(x, f, strides, padding, data_format=data_format, dilations=dil)
        tf.gradients(y, [x, f])
    ops = {op.type: op for op in graph.get_operations()}
    return ops, [int(d) for d in y.shape]


def _both(builder_cpu, builder_shared, op, *args):
    return builder_cpu(op, CTX)(*args), builder_shared(op, CTX)(*args)


def _conv_values(ops, y_shape, x_shape, f_shape, dtype, rng):
    x = rng.standard_normal(x_shape).astype(dtype)
    f = rng.standard_normal(f_shape).astype(dtype)
    dy = rng.standard_normal(y_shape).astype(dtype)
    return x, f, dy


@needs_loops
@pytest.mark.parametrize('case', CONV_CASES, ids=lambda c: 'x%s_f%s_s%s_%s_d%s' % c)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_conv_loops_equal_the_numpy_kernels(case, dtype):
    x_shape, f_shape, strides, padding, dilations = case
    ops, y_shape = _conv_graph(*case, dtype=tf.as_dtype(dtype))
    x, f, dy = _conv_values(ops, y_shape, x_shape, f_shape, dtype, np.random.default_rng(1))
    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    ours, ref = _both(cpu.conv2d_cpu, shared.conv2d, ops['Conv2D'], x, f)
    np.testing.assert_allclose(ours, ref, **tol)
    sizes = np.array(x_shape, np.int32)
    ours, ref = _both(cpu.conv2d_backprop_input_cpu, shared.conv2d_backprop_input, ops['Conv2DBackpropInput'],
                      sizes, f, dy)
    np.testing.assert_allclose(ours, ref, **tol)
    sizes = np.array(f_shape, np.int32)
    ours, ref = _both(cpu.conv2d_backprop_filter_cpu, shared.conv2d_backprop_filter, ops['Conv2DBackpropFilter'],
                      x, sizes, dy)
    np.testing.assert_allclose(ours, ref, **tol)
    assert ours.dtype == dtype and ours.flags.c_contiguous


@needs_loops
def test_nchw_and_broadcast_gradients_go_through_the_loops():
    ops, y_shape = _conv_graph((2, 9, 8, 5), (3, 3, 5, 6), 2, 'SAME', 1, data_format='NCHW')
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 9, 8)).astype(np.float32)
    f = rng.standard_normal((3, 3, 5, 6)).astype(np.float32)
    dy = np.broadcast_to(np.float32(1.5), y_shape)  # the ones of tf.gradients: a stride-0 view
    for cpu_b, shared_b, op, args in [
            (cpu.conv2d_cpu, shared.conv2d, ops['Conv2D'], (x, f)),
            (cpu.conv2d_backprop_input_cpu, shared.conv2d_backprop_input, ops['Conv2DBackpropInput'],
             (np.array(x.shape, np.int32), f, dy)),
            (cpu.conv2d_backprop_filter_cpu, shared.conv2d_backprop_filter, ops['Conv2DBackpropFilter'],
             (x, np.array(f.shape, np.int32), dy))]:
        ours, ref = _both(cpu_b, shared_b, op, *args)
        np.testing.assert_allclose(ours, ref, rtol=2e-4, atol=2e-4)


@needs_loops
def test_a_batch_split_over_threads_gives_the_same_values(monkeypatch):
    ops, y_shape = _conv_graph((5, 10, 10, 8), (3, 3, 8, 16), 1, 'SAME', 1)
    x, f, dy = _conv_values(ops, y_shape, (5, 10, 10, 8), (3, 3, 8, 16), np.float32, np.random.default_rng(3))
    one = [cpu.conv2d_cpu(ops['Conv2D'], CTX)(x, f),
           cpu.conv2d_backprop_filter_cpu(ops['Conv2DBackpropFilter'], CTX)(x, np.array(f.shape), dy)]
    monkeypatch.setattr(cpu, '_PARALLEL_WORK', 0)
    monkeypatch.setattr(cpu.blas_threads, 'get_num_threads', lambda: 3)
    assert cpu._parts(5, 1.0) == [(0, 1), (1, 3), (3, 5)]
    three = [cpu.conv2d_cpu(ops['Conv2D'], CTX)(x, f),
             cpu.conv2d_backprop_filter_cpu(ops['Conv2DBackpropFilter'], CTX)(x, np.array(f.shape), dy)]
    # a row's sum is grouped by the register block it falls in; the filter adds the parts' sums
    np.testing.assert_allclose(three[0], one[0], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(three[1], one[1], rtol=1e-5, atol=1e-4)


def test_without_the_loops_the_cpu_builders_are_the_numpy_ones(monkeypatch):
    monkeypatch.setattr(native, 'conv_loops', None)
    assert native.conv_loop('conv2d', np.float32) is None
    ops, _ = _conv_graph((1, 5, 5, 2), (3, 3, 2, 3), 1, 'SAME', 1)
    run = cpu.conv2d_cpu(ops['Conv2D'], CTX)
    assert run.__qualname__.startswith('conv2d.')  # the shared builder's step
    x = np.ones((1, 5, 5, 2), np.float32)
    f = np.ones((3, 3, 2, 3), np.float32)
    assert run(x, f)[0, 2, 2, 0] == 18.0


@needs_loops
def test_other_dtypes_stay_on_numpy():
    assert native.conv_loop('conv2d', np.float16) is None
    assert native.conv_loop('max_pool', np.int32) is None
    assert native.conv_loop('max_pool', np.float64) is not None


# -- pooling ---------------------------------------------------------------------------------------------
POOL_CASES = [
    ((3, 28, 28, 6), 2, 2, 'VALID'),      # LeNet's
    ((3, 10, 10, 16), 2, 2, 'VALID'),
    ((2, 9, 11, 20), 3, 2, 'SAME'),       # overlapping windows, padding
    ((2, 7, 6, 3), 3, 1, 'SAME'),
    ((1, 8, 8, 33), (2, 3), (3, 1), 'VALID'),
    ((2, 5, 5, 4), 5, 5, 'SAME'),
    ((2, 9, 11, 17), 2, 2, 'VALID'),      # windows tiling the input: a row and a column left over
    ((2, 9, 11, 17), 2, 2, 'SAME'),       # ... and windows running past the bottom and right
]


def _pool_graph(x_shape, k, s, padding, kind, dtype=tf.float32):
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (s, s) if isinstance(s, int) else s
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(dtype, x_shape)
        y = getattr(tf.nn, kind)(x, [1, kh, kw, 1], [1, sh, sw, 1], padding)
        tf.gradients(y, x)
    return {op.type: op for op in graph.get_operations()}, [int(d) for d in y.shape]


@needs_loops
@pytest.mark.parametrize('case', POOL_CASES, ids=str)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_max_pool_loops_equal_the_numpy_kernels(case, dtype):
    ops, y_shape = _pool_graph(*case, 'max_pool', tf.as_dtype(dtype))
    rng = np.random.default_rng(4)
    # few distinct values: ties inside windows, routed to the first maximum; -inf and NaN too
    x = rng.integers(-3, 3, case[0]).astype(dtype)
    x.flat[::7] = -np.inf
    x.flat[5::41] = np.nan
    ours, ref = _both(cpu.max_pool_cpu, shared.max_pool, ops['MaxPool'], x)
    np.testing.assert_array_equal(ours, ref)
    grad = rng.standard_normal(y_shape).astype(dtype)
    ours, ref = _both(cpu.max_pool_grad_cpu, shared.max_pool_grad, ops['MaxPoolGrad'], x, ref, grad)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


@needs_loops
@pytest.mark.parametrize('case', POOL_CASES, ids=str)
def test_avg_pool_loops_equal_the_numpy_kernels(case):
    ops, y_shape = _pool_graph(*case, 'avg_pool')
    rng = np.random.default_rng(5)
    x = rng.standard_normal(case[0]).astype(np.float32)
    ours, ref = _both(cpu.avg_pool_cpu, shared.avg_pool, ops['AvgPool'], x)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)
    grad = rng.standard_normal(y_shape).astype(np.float32)
    ours, ref = _both(cpu.avg_pool_grad_cpu, shared.avg_pool_grad, ops['AvgPoolGrad'],
                      np.array(case[0], np.int32), grad)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)


# -- against TensorFlow ----------------------------------------------------------------------------------
def _run_conv(lib, case, x, f, dy, seed_graph=None):
    x_shape, f_shape, strides, padding, dilations = case
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    graph = lib.Graph()
    with graph.as_default():
        xt, ft = lib.constant(x), lib.constant(f)
        y = lib.nn.conv2d(xt, ft, [1, sh, sw, 1], padding, dilations=[1, dilations, dilations, 1])
        dx, df = lib.gradients(y, [xt, ft], grad_ys=lib.constant(dy))
        with lib.Session(graph=graph) as sess:
            return sess.run([y, dx, df])


@pytest.mark.tf
@pytest.mark.parametrize('case', CONV_CASES, ids=lambda c: 'x%s_f%s_s%s_%s_d%s' % c)
def test_conv_and_its_gradients_match_tensorflow(case):
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    x_shape, f_shape, strides, padding, dilations = case
    if dilations > 1 and strides != 1:
        pytest.skip('TF allows dilations only with unit strides')
    _, y_shape = _conv_graph(*case)
    x, f, dy = _conv_values(None, y_shape, x_shape, f_shape, np.float32, np.random.default_rng(6))
    for ours, theirs in zip(_run_conv(tf, case, x, f, dy), _run_conv(tf1, case, x, f, dy)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-3)


@pytest.mark.tf
@pytest.mark.parametrize('case', POOL_CASES, ids=str)
@pytest.mark.parametrize('kind', ['max_pool', 'avg_pool'])
def test_pooling_and_its_gradient_match_tensorflow(case, kind):
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    x_shape, k, s, padding = case
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (s, s) if isinstance(s, int) else s
    x = np.random.default_rng(7).standard_normal(x_shape).astype(np.float32)
    results = []
    for lib in (tf, tf1):
        graph = lib.Graph()
        with graph.as_default():
            xt = lib.constant(x)
            y = getattr(lib.nn, kind)(xt, [1, kh, kw, 1], [1, sh, sw, 1], padding)
            dy = lib.constant(np.linspace(-1, 1, int(np.prod(y.shape))).reshape(y.shape).astype(np.float32))
            dx = lib.gradients(y, xt, grad_ys=dy)[0]
            with lib.Session(graph=graph) as sess:
                results.append(sess.run([y, dx]))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


# -- depthwise convolution -------------------------------------------------------------------------------
# (input NHWC, filter [kh, kw, c, multiplier], strides, padding, dilations)
DEPTHWISE_CASES = [
    ((2, 16, 16, 32), (3, 3, 32, 1), 1, 'SAME', 1),      # MobileNet-like
    ((2, 9, 11, 5), (3, 3, 5, 3), 2, 'SAME', 1),         # a channel multiplier, stride 2
    ((1, 10, 10, 4), (3, 3, 4, 2), 1, 'VALID', 2),       # dilation
    ((2, 7, 8, 3), (5, 2, 3, 1), (2, 3), 'SAME', 1),
]


def _depthwise_graph(x_shape, f_shape, strides, padding, dilations, dtype=tf.float32):
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(dtype, x_shape)
        f = tf.placeholder(dtype, f_shape)
        y = tf.nn.depthwise_conv2d_native(x, f, [1, sh, sw, 1], padding, dilations=[1, dilations, dilations, 1])
        tf.gradients(y, [x, f])
    return {op.type: op for op in graph.get_operations()}, [int(d) for d in y.shape]


@needs_loops
@pytest.mark.parametrize('case', DEPTHWISE_CASES, ids=lambda c: 'x%s_f%s_s%s_%s_d%s' % c)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_depthwise_loops_equal_the_numpy_kernels(case, dtype):
    x_shape, f_shape = case[:2]
    ops, y_shape = _depthwise_graph(*case, dtype=tf.as_dtype(dtype))
    x, f, dy = _conv_values(ops, y_shape, x_shape, f_shape, dtype, np.random.default_rng(8))
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    ours, ref = _both(cpu.depthwise_conv2d_cpu, shared.depthwise_conv2d, ops['DepthwiseConv2dNative'], x, f)
    np.testing.assert_allclose(ours, ref, **tol)
    ours, ref = _both(cpu.depthwise_backprop_input_cpu, shared.depthwise_backprop_input,
                      ops['DepthwiseConv2dNativeBackpropInput'], np.array(x_shape, np.int32), f, dy)
    np.testing.assert_allclose(ours, ref, **tol)
    ours, ref = _both(cpu.depthwise_backprop_filter_cpu, shared.depthwise_backprop_filter,
                      ops['DepthwiseConv2dNativeBackpropFilter'], x, np.array(f_shape, np.int32), dy)
    np.testing.assert_allclose(ours, ref, **tol)


@pytest.mark.tf
@pytest.mark.parametrize('case', DEPTHWISE_CASES, ids=lambda c: 'x%s_f%s_s%s_%s_d%s' % c)
def test_depthwise_and_its_gradients_match_tensorflow(case):
    tf1 = pytest.importorskip('tensorflow').compat.v1
    tf1.disable_v2_behavior()
    x_shape, f_shape, strides, padding, dilations = case
    if dilations > 1:  # the NumPy comparison above covers them
        pytest.skip("TF 2.21's oneDNN depthwise gradients reject dilations (AbortedError)")
    sh, sw = (strides, strides) if isinstance(strides, int) else strides
    _, y_shape = _depthwise_graph(*case)
    x, f, dy = _conv_values(None, y_shape, x_shape, f_shape, np.float32, np.random.default_rng(9))
    results = []
    for lib in (tf, tf1):
        graph = lib.Graph()
        with graph.as_default():
            xt, ft = lib.constant(x), lib.constant(f)
            y = lib.nn.depthwise_conv2d_native(xt, ft, [1, sh, sw, 1], padding, dilations=[1, dilations, dilations, 1])
            grads = lib.gradients(y, [xt, ft], grad_ys=lib.constant(dy))
            with lib.Session(graph=graph) as sess:
                results.append(sess.run([y] + grads))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-3)
