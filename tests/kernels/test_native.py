"""kernels/native.py: each binding runs its C loop where the loop applies and its NumPy fallback
elsewhere (loops off, another dtype, non-contiguous or empty arrays), with the same values."""
import numpy as np
import pytest

from sluice.kernels import native

needs_native = pytest.mark.skipif(native.loops is None, reason='the C loops are not built here')


def _recording(fn):
    calls = []

    def fallback(*args):
        calls.append(args)
        return fn(*args)
    return fallback, calls


def _relu_grad_numpy(g, x, out):
    with np.errstate(invalid='ignore'):  # inf * 0 is NaN, as in TF
        np.multiply(g, (x > 0).astype(g.dtype), out=out)
    return out


def test_bindings_are_the_fallbacks_without_the_loops(monkeypatch):
    monkeypatch.setattr(native, 'loops', None)
    fallback, _ = _recording(_relu_grad_numpy)
    assert native.relu_grad(np.float32, fallback) is fallback
    assert native.select_zero(fallback) is fallback
    assert native.optimizer_update('momentum', np.float32, fallback) is None
    assert native.pcg64_uniforms(np.random.PCG64(1)) is None


@needs_native
def test_optimizer_update_takes_float32_and_float64_only():
    assert native.optimizer_update('momentum', np.float16, lambda *a: None) is None
    assert native.optimizer_update('momentum', np.int32, lambda *a: None) is None
    assert native.optimizer_update('no_such_loop', np.float32, lambda *a: None) is None
    assert native.optimizer_update('adam', np.float64, lambda *a: None) is not None


@needs_native
def test_optimizer_update_falls_back_on_non_contiguous_and_empty_arrays():
    def momentum(xp, tmp, var, accum, lr, momentum, grad, nesterov):
        accum *= momentum
        accum += grad
        var -= accum * lr
    fallback, calls = _recording(momentum)
    update = native.optimizer_update('momentum', np.float32, fallback)
    var, accum = np.ones((4, 6), np.float32), np.zeros((4, 6), np.float32)
    grad = np.arange(24, dtype=np.float32).reshape(6, 4).T  # a transposed view
    update(np, None, var, accum, np.float32(0.5), np.float32(0.9), grad, False)
    assert len(calls) == 1
    np.testing.assert_array_equal(var, 1 - grad * np.float32(0.5))
    update(np, None, var, accum, np.float32(0.5), np.float32(0.9), np.ascontiguousarray(grad), False)
    assert len(calls) == 1  # the loop took it
    empty = np.zeros((0, 3), np.float32)
    update(np, None, empty, empty.copy(), np.float32(0.5), np.float32(0.9), empty.copy(), False)
    assert len(calls) == 2


@needs_native
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_relu_grad_loop_matches_its_fallback(dtype):
    rng = np.random.default_rng(0)
    g, x = rng.standard_normal((30, 20)).astype(dtype), rng.standard_normal((30, 20)).astype(dtype)
    g.flat[:3] = [np.inf, np.nan, -0.0]
    x.flat[:3] = [0.0, 1.0, 2.0]
    fallback, calls = _recording(_relu_grad_numpy)
    run = native.relu_grad(dtype, fallback)
    got = run(g, x, np.empty_like(g))
    assert not calls
    np.testing.assert_array_equal(got, _relu_grad_numpy(g, x, np.empty_like(g)))
    run(g.T, x.T, np.empty_like(g.T))  # not C-contiguous: the fallback
    assert len(calls) == 1
    assert native.relu_grad(np.float16, fallback) is fallback


@needs_native
def test_select_zero_loop_matches_its_fallback():
    def mask_and(cond, t, keep):
        return np.where(cond, t, 0) if keep else np.where(cond, 0, t)
    fallback, calls = _recording(mask_and)
    select = native.select_zero(fallback)
    rng = np.random.default_rng(1)
    cond, t = rng.random((40, 30)) < 0.5, rng.standard_normal((40, 30)).astype(np.float32)
    for keep in (True, False):
        np.testing.assert_array_equal(select(cond, t, keep), mask_and(cond, t, keep))
    assert not calls
    select(cond.T, t.T, True)
    assert len(calls) == 1


@needs_native
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_pcg64_uniforms_continue_the_generators_stream(dtype):
    """The loop's uniforms are the mantissa bits of the words random_raw would give next."""
    looped = native.pcg64_uniforms(np.random.PCG64(7))
    raw = np.random.PCG64(7)
    if looped is None:
        pytest.skip('pcg64_uniform needs 128-bit integers')
    got = looped.fill(np.empty(11, dtype))
    dt = np.dtype(dtype)
    if dt == np.float32:
        words = raw.random_raw(6).view(np.uint32)[:11]
        want = ((words >> np.uint32(9)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)
    else:
        words = raw.random_raw(11)
        want = ((words >> np.uint64(12)) | np.uint64(0x3FF0000000000000)).view(np.float64) - 1.0
    np.testing.assert_array_equal(got, want)
