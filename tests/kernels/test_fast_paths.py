"""Kernel fast paths give exactly what the general paths give (TF's values), and never touch an
array that someone else still reads.

Covered: uniforms made from raw bits, SelectV2 against a +0 constant (dropout and its gradient),
Sum over no axes handing on a private input, Relu and ReluGrad reusing private buffers, and int32
ops of a GPU running in host memory.
"""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices


@pytest.fixture(autouse=True)
def on_the_cpu():
    """The fast paths are CPU kernels: pin there, also on a machine with a GPU."""
    with tf.device('/cpu:0'):
        yield


def _bits(a):
    a = np.asarray(a)
    return a.view({2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize])


# -- RandomUniform from raw bits --

@pytest.mark.parametrize('dtype, step', [(tf.float32, 2.0 ** -23), (tf.float64, 2.0 ** -52)])
def test_uniform_values_are_mantissa_steps_in_the_unit_interval(dtype, step):
    u = tf.random_uniform([1001, 999], dtype=dtype, seed=7)
    with tf.Session() as sess:
        a = sess.run(u)
    assert a.dtype == dtype.as_numpy_dtype and a.shape == (1001, 999)
    assert a.min() >= 0.0 and a.max() < 1.0
    assert abs(a.mean() - 0.5) < 2e-3 and abs(a.var() - 1.0 / 12) < 2e-3
    np.testing.assert_array_equal(np.round(a / step), a / step)  # TF's construction: mantissa bits / 2**23
    distinct = 1 - a.size * step / 2  # expected share of distinct values among 2**23 (2**52) possible
    assert len(np.unique(a)) > (distinct - 0.01) * a.size


def test_uniform_shapes_odd_sizes_and_seeded_sessions():
    shapes = [[], [0], [3], [5, 0], [7, 3]]
    ops = [tf.random_uniform(s, seed=3 + i) for i, s in enumerate(shapes)]
    scaled = tf.random_uniform([9], minval=-2.0, maxval=3.0, seed=4)
    with tf.Session() as a, tf.Session() as b:
        first, second = a.run(ops + [scaled]), b.run(ops + [scaled])
    for s, x, y in zip(shapes, first, second):
        assert np.shape(x) == tuple(s)
        np.testing.assert_array_equal(x, y)
    assert (first[-1] >= -2).all() and (first[-1] < 3).all()


# -- SelectV2 against a +0 constant --

def _select_inputs(shape):
    rng = np.random.default_rng(0)
    cond = rng.random(shape) < 0.7
    x = rng.standard_normal(shape).astype(np.float32)
    x.flat[:4] = [np.nan, -0.0, np.inf, -np.inf]
    return cond, x


@pytest.mark.parametrize('shape', [(128, 625), (5,)])
def test_select_v2_with_a_zero_branch_is_bit_exact(shape):
    cond, x = _select_inputs(shape)
    c, v = tf.constant(cond), tf.constant(x)
    keep, drop, minus = tf.where_v2(c, v, 0.0), tf.where_v2(c, 0.0, v), tf.where_v2(c, v, -0.0)
    with tf.Session() as sess:
        got = sess.run([keep, drop, minus])
    zero = np.float32(0.0)
    for g, want in zip(got, [np.where(cond, x, zero), np.where(cond, zero, x), np.where(cond, x, -zero)]):
        assert g.dtype == np.float32
        np.testing.assert_array_equal(_bits(g), _bits(want))


def test_select_v2_with_a_zero_branch_still_checks_broadcasting():
    c = tf.placeholder(tf.bool)
    out = tf.where_v2(c, tf.ones([4, 3]), 0.0)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match='broadcastable'):
            sess.run(out, {c: np.ones([5], bool)})
        np.testing.assert_array_equal(sess.run(out, {c: [True, False, True]}), [[1, 0, 1]] * 4)


def test_dropout_and_its_gradient_match_the_mask():
    x = tf.placeholder(tf.float32, [64, 100])
    y = tf.nn.dropout(x, keep_prob=0.5, seed=1)
    (g,) = tf.gradients(tf.reduce_sum(y * 3.0), [x])
    data = np.random.default_rng(1).standard_normal((64, 100)).astype(np.float32) + 5
    with tf.Session() as sess:
        out, grad = sess.run([y, g], {x: data})
    kept = out != 0
    np.testing.assert_array_equal(out[kept], data[kept] / np.float32(0.5))
    np.testing.assert_array_equal(grad, np.where(kept, np.float32(3.0) / np.float32(0.5), 0))
    assert 0.4 < kept.mean() < 0.6


# -- Sum over no axes --

def test_sum_over_no_axes_hands_on_a_private_input_and_copies_a_shared_one():
    a = tf.placeholder(tf.float32, [3, 4])
    doubled = a * 2.0
    axes = tf.placeholder(tf.int32, [None])
    alone = tf.reduce_sum(a * 3.0, axis=axes)   # private: a fresh product read by Sum alone
    shared = tf.reduce_sum(doubled, axis=axes)  # doubled is fetched too
    bumped = shared + 1.0
    data = np.arange(12, dtype=np.float32).reshape(3, 4)
    with tf.Session() as sess:
        got_alone, got_doubled, got_bumped = sess.run([alone, doubled, bumped], {a: data, axes: []})
        np.testing.assert_array_equal(got_alone, data * 3)
        np.testing.assert_array_equal(got_doubled, data * 2)
        np.testing.assert_array_equal(got_bumped, data * 2 + 1)
        np.testing.assert_array_equal(sess.run(alone, {a: data, axes: [1]}), (data * 3).sum(1))


# -- Relu and ReluGrad in place --

def test_relu_and_its_gradient_reuse_private_buffers_only():
    rng = np.random.default_rng(2)
    xs = rng.standard_normal((8, 5)).astype(np.float32)
    ws = rng.standard_normal((5, 6)).astype(np.float32)
    x, w = tf.constant(xs), tf.Variable(ws)
    pre_private = tf.matmul(x, w)
    private = tf.nn.relu(pre_private)
    pre_shared = tf.matmul(x, w) * 1.0
    shared = tf.nn.relu(pre_shared)
    loss = tf.reduce_sum(private * 2.0) + tf.reduce_sum(shared * 3.0)
    (gw,) = tf.gradients(loss, [w])
    with tf.Session() as sess:
        sess.run(w.initializer)
        relu, pre, relu2, grad = sess.run([private, pre_shared, shared, gw])
    want_pre = xs @ ws
    np.testing.assert_allclose(relu, np.maximum(want_pre, 0), rtol=1e-6)
    np.testing.assert_allclose(pre, want_pre, rtol=1e-6)   # fetched: Relu must not have overwritten it
    np.testing.assert_allclose(relu2, np.maximum(want_pre, 0), rtol=1e-6)
    np.testing.assert_allclose(grad, xs.T @ ((want_pre > 0) * np.float32(5.0)), rtol=1e-5)


# -- int32 ops of a GPU run in host memory --

def test_int32_shape_arithmetic_of_a_gpu_needs_no_copies():
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            x = tf.placeholder(tf.float32, [None, 6], name='x')
            y = x * 2.0
            n = tf.shape(y)[0] * 3                      # int32 chain on the GPU
            z = tf.reshape(y, tf.stack([n, -1]))        # Reshape reads its shape on the host
        with tf.Session() as sess:
            out = sess.run(z, {x: np.ones((4, 6), np.float32)})
            plan = sess._signature(z, (x,)).plan
            placed = {op.name: sess._placer.device_of(op).device_type for op in plan.ops}
    assert out.shape == (12, 2)
    copies = [(s.op.name, s.device.device_type) for s in plan.steps if s.kind == 'copy']
    # feed to the GPU, the result back: nothing for the int32 chain in between
    assert sorted(copies) == [('mul', 'GPU')], copies
    assert placed['Shape'] == placed['mul_1'] == placed['stack'] == 'GPU'  # still placed there, as in TF


def test_int32_on_a_gpu_feeds_float_kernels_through_a_copy():
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            i = tf.range(5) * 2                          # int32 on the host side of the GPU
            f = tf.cast(i, tf.float32) * 0.5             # Cast reads int32 on the device
        with tf.Session() as sess:
            np.testing.assert_array_equal(sess.run(f), np.arange(5) * 1.0)


# -- optimizer updates as C loops --

from sluice.kernels import native  # noqa: E402
from sluice.ops import training_ops  # noqa: E402

needs_native = pytest.mark.skipif(native.loops is None, reason='the C loops are not built here')


def _tf_rms_prop(var, ms, mom, lr, rho, momentum, eps, g):
    """TF's Eigen expression, one IEEE operation at a time in T."""
    ms = ms + (g * g - ms) * (rho.dtype.type(1) - rho)
    mom = mom * momentum + g * lr / np.sqrt(ms + eps)
    return var - mom, ms, mom


def _tf_momentum(var, accum, lr, momentum, g, nesterov):
    accum = accum * momentum + g
    return (var - (g * lr + accum * momentum * lr) if nesterov else var - accum * lr), accum


def _tf_adam(var, m, v, b1p, b2p, lr, b1, b2, eps, g, nesterov):
    one = b1p.dtype.type(1)
    alpha = lr * np.sqrt(one - b2p) / (one - b1p)
    m = m + (g - m) * (one - b1)
    v = v + (g * g - v) * (one - b2)
    step = (g * (one - b1) + b1 * m) * alpha if nesterov else m * alpha
    return var - step / (np.sqrt(v) + eps), m, v


def _run_updates(make_update, arrays, grads, dtype):
    """Runs the update op once per gradient; returns the final values of the arrays."""
    refs = [tf.Variable(a) for a in arrays]
    g = tf.placeholder(tf.as_dtype(dtype), arrays[0].shape)
    update = make_update(refs, g)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for grad in grads:
            sess.run(update, {g: grad})
        return sess.run(refs)


def _data(dtype, shape=(70, 90), n=3):
    rng = np.random.default_rng(5)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(n)]


@needs_native
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('momentum', [0.0, 0.9])
def test_native_rms_prop_is_tfs_expression_and_near_the_numpy_sequence(dtype, momentum, monkeypatch):
    t = np.dtype(dtype).type
    var0, grads = _data(dtype, n=1)[0], _data(dtype)
    ms0, mom0 = np.abs(var0) + t(1), np.zeros_like(var0)
    lr, rho, mom_c, eps = t(0.01), t(0.9), t(momentum), t(1e-10)

    def make(refs, g):
        return training_ops.apply_rms_prop(*refs, lr, rho, mom_c, eps, g)
    looped = _run_updates(make, [var0, ms0, mom0], grads, dtype)
    want = [var0, ms0, mom0]
    for g in grads:
        want = list(_tf_rms_prop(*want, lr, rho, mom_c, eps, g))
    for got, w in zip(looped, want):
        np.testing.assert_array_equal(got, w)
    monkeypatch.setattr(native, "loops", None)
    for got, w in zip(_run_updates(make, [var0, ms0, mom0], grads, dtype), want):
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)


@needs_native
@pytest.mark.parametrize('nesterov', [False, True])
def test_native_momentum_is_tfs_expression(nesterov):
    var0, accum0 = _data(np.float32, n=2)
    grads = _data(np.float32)
    lr, mom = np.float32(0.1), np.float32(0.9)
    got = _run_updates(lambda refs, g: training_ops.apply_momentum(*refs, lr, g, mom, use_nesterov=nesterov),
                       [var0, accum0], grads, np.float32)
    want = [var0, accum0]
    for g in grads:
        want = list(_tf_momentum(*want, lr, mom, g, nesterov))
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@needs_native
@pytest.mark.parametrize('nesterov', [False, True])
def test_native_adam_is_tfs_expression(nesterov):
    var0, m0 = _data(np.float32, n=2)
    v0 = np.abs(m0)
    grads = _data(np.float32)
    b1p, b2p, lr, b1, b2, eps = [np.float32(x) for x in (0.9, 0.999, 0.01, 0.9, 0.999, 1e-8)]
    got = _run_updates(lambda refs, g: training_ops.apply_adam(*refs, b1p, b2p, lr, b1, b2, eps, g,
                                                               use_nesterov=nesterov),
                       [var0, m0, v0], grads, np.float32)
    want = [var0, m0, v0]
    for g in grads:
        want = list(_tf_adam(*want, b1p, b2p, lr, b1, b2, eps, g, nesterov))
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_native_updates_take_non_contiguous_and_empty_gradients():
    var0 = np.ones((4, 6), np.float32)
    w = tf.Variable(var0)
    acc = tf.Variable(np.zeros((4, 6), np.float32))
    g = tf.transpose(tf.constant(np.arange(24, dtype=np.float32).reshape(6, 4)))  # a transposed view
    step = training_ops.apply_momentum(w, acc, np.float32(0.5), g, np.float32(0.9))
    e = tf.Variable(np.zeros((0, 3), np.float32))
    e_acc = tf.Variable(np.zeros((0, 3), np.float32))
    empty = training_ops.apply_momentum(e, e_acc, np.float32(0.5), tf.zeros([0, 3]), np.float32(0.9))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([step, empty])
        np.testing.assert_array_equal(sess.run(w), var0 - np.arange(24, dtype=np.float32).reshape(6, 4).T * 0.5)
        assert sess.run(e).shape == (0, 3)


# -- the elementwise C loops give the NumPy paths' values, bit for bit --

def _with_and_without_loops(monkeypatch, build_and_run):
    """build_and_run() in a fresh graph with the C loops, then without them."""
    results = []
    for loops in (native.loops, None):
        monkeypatch.setattr(native, 'loops', loops)
        with tf.Graph().as_default(), tf.device('/cpu:0'):
            results.append(build_and_run())
    return results


@needs_native
@pytest.mark.parametrize('dtype', [tf.float32, tf.float64])
def test_uniform_loop_draws_numpys_pcg64_stream(dtype, monkeypatch):
    def run():
        ops = [tf.random_uniform(s, dtype=dtype, seed=11) for s in ([5], [999, 7], [0], [])]
        with tf.Session() as sess:
            return [sess.run(ops) for _ in range(2)]  # two runs: the stream advances alike
    looped, plain = _with_and_without_loops(monkeypatch, run)
    for a, b in zip(looped, plain):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)


@needs_native
@pytest.mark.parametrize('np_type', [np.float32, np.float64, np.float16, np.int32])
def test_select_and_relu_grad_loops_match_numpy(np_type, monkeypatch):
    rng = np.random.default_rng(3)
    cond = rng.random((90, 70)) < 0.5
    x = (rng.standard_normal((90, 70)) * 10).astype(np_type)
    g = (rng.standard_normal((90, 70)) * 10).astype(np_type)
    if x.dtype.kind == 'f':
        x.flat[:4] = [np.nan, -0.0, np.inf, -np.inf]
        g.flat[4:8] = [np.nan, -0.0, np.inf, -np.inf]

    def run():
        c, xs, gs = tf.constant(cond), tf.constant(x), tf.constant(g)
        zero = tf.constant(0, dtype=xs.dtype)
        fetches = [tf.where_v2(c, xs, zero), tf.where_v2(c, zero, xs)]
        if x.dtype.kind == 'f':
            fetches.append(tf.gradients(tf.nn.relu(xs), xs, grad_ys=gs * 1)[0])  # ReluGrad, g private
        with tf.Session() as sess:
            return sess.run(fetches)
    looped, plain = _with_and_without_loops(monkeypatch, run)
    for a, b in zip(looped, plain):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(_bits(a), _bits(b))


def test_binary_ops_reuse_a_private_first_input_only():
    a = tf.placeholder(tf.float32, [None, 3])
    fresh = a * 2.0                      # private to the division below
    halved = fresh / 4.0
    shared = a + 1.0                     # also fetched: must survive
    scaled = shared / 2.0
    wider = (a * 1.0) + tf.ones([2, 1, 3])  # broadcasting past a's shape: a new array
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf.Session() as sess:
        h, s, sc, w = sess.run([halved, shared, scaled, wider], {a: data})
        with pytest.raises(tf.errors.InvalidArgumentError, match='Incompatible shapes'):
            sess.run(fresh / tf.placeholder_with_default(np.ones([4], np.float32), [None]), {a: data})
    np.testing.assert_array_equal(h, data * 2 / 4)
    np.testing.assert_array_equal(s, data + 1)
    np.testing.assert_array_equal(sc, (data + 1) / 2)
    np.testing.assert_array_equal(w, np.broadcast_to(data + 1, (2, 2, 3)))


def test_a_constant_copied_to_a_gpu_is_copied_once_per_plan():
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            params = tf.placeholder(tf.float32, [4, 2])
            picked = tf.gather(params * 1.0, [3, 0])   # int32 indices: a host Const read by a GPU kernel
        with tf.Session() as sess:
            data = np.arange(8, dtype=np.float32).reshape(4, 2)
            np.testing.assert_array_equal(sess.run(picked, {params: data}), data[[3, 0]])
            plan = sess._signature(picked, (params,)).plan
            np.testing.assert_array_equal(sess.run(picked, {params: data + 1}), data[[3, 0]] + 1)
    copies = {s.op.type: i for i, s in enumerate(plan.steps) if s.kind == 'copy'}
    assert sorted(copies) == ['GatherV2', 'Mul']   # the indices to the gather, the feed to the product
    assert 'k%d(' % copies['Mul'] in plan.source         # copied each run
    assert 'k%d(' % copies['GatherV2'] not in plan.source  # bound once, as a constant
