"""The special functions: TF's values on grids that include the edges of each domain (0, negative numbers,
poles, inf, NaN), and the NumPy implementations (kernels/special_functions.py) against SciPy where it is
installed, in float64 (~1e-12) and float32."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.kernels import special_functions as sf

_EDGES = [0.0, -0.0, -1.0, -2.5, 1e-30, 1e-8, 0.5, 1.0, 1.4616321449683623, 2.0, 7.3, 30.0, 1e4, np.inf, -np.inf,
          np.nan]


def _pairs(first, second):
    a, b = np.meshgrid(np.asarray(first, np.float64), np.asarray(second, np.float64))
    return a.ravel(), b.ravel()


def _build(m, dtype):
    x = np.asarray(_EDGES, dtype)
    a, y = _pairs([0.0, -1.0, 1e-3, 0.5, 1.0, 3.0, 40.0, np.inf, np.nan], [0.0, -1.0, 1e-3, 0.5, 1.0, 2.0, 60.0,
                                                                            np.inf, np.nan])
    s, q = _pairs([1.0, 0.5, 1.5, 2.0, 3.0, 2.5, 20.0, np.inf], [1.0, 0.0, -1.0, -1.5, 0.3, 2.0, 50.0, np.inf])
    n, xn = _pairs([0.0, 1.0, 2.0, 5.0, -1.0, 1.5], [0.1, 1.0, 2.5, -1.5, 0.0, 9.0])
    ba, bx = _pairs([0.0, -1.0, 0.5, 1.0, 4.0, 100.0], [-0.1, 0.0, 1e-4, 0.3, 0.9, 1.0, 1.2])
    a, y, s, q, n, xn, ba, bx = (v.astype(dtype) for v in (a, y, s, q, n, xn, ba, bx))
    return [m.digamma(x), m.igamma(a, y), m.igammac(a, y), m.zeta(s, q), m.polygamma(n, xn),
            m.math.bessel_i0e(x), m.math.bessel_i1e(x), m.betainc(ba, ba[::-1].copy(), bx), m.lbeta(x[None, 5:12])]


@pytest.mark.tf
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_edges_match_tensorflow(dtype):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    with tf1.Graph().as_default():
        expected = tf1.Session().run(_build(tf1, dtype))
    with tf.Graph().as_default(), tf.Session() as sess:
        got = sess.run(_build(tf, dtype))
    # TF computes float32 in float32 (digamma's zero at 1.4616 comes out 0 there, -1.2e-8 here)
    rtol, atol = (2e-5, 1e-6) if dtype == np.float32 else (1e-11, 1e-14)
    for i, (g, e) in enumerate(zip(got, expected)):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(np.isnan(g), np.isnan(e), err_msg='NaNs of output %d' % i)
        np.testing.assert_array_equal(np.isinf(g) & (g > 0), np.isinf(e) & (e > 0), err_msg='inf of output %d' % i)
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg='output %d' % i)


def _scipy():
    return pytest.importorskip('scipy.special')


def _rel(got, expected):
    finite = np.isfinite(expected)
    assert np.array_equal(np.isfinite(got), finite)
    return np.max(np.abs(got[finite] - expected[finite]) / np.maximum(np.abs(expected[finite]), 1e-300))


def test_numpy_implementations_match_scipy():
    special = _scipy()
    rng = np.random.RandomState(0)
    x = rng.uniform(-20, 20, 2000)
    x = x[np.abs(x - np.round(x)) > 1e-3]
    assert _rel(sf.lgamma(np, x), special.gammaln(x)) < 1e-11
    psi = special.digamma(x)
    away = np.abs(psi) > 1e-2  # relative error is meaningless at digamma's zeros
    assert _rel(sf.digamma(np, x)[away], psi[away]) < 1e-12
    a, y = rng.uniform(0.01, 30, 3000), rng.uniform(0, 60, 3000)
    assert _rel(sf.gammainc(np, a, y), special.gammainc(a, y)) < 1e-12
    assert _rel(sf.gammaincc(np, a, y), special.gammaincc(a, y)) < 1e-12
    s, q = rng.uniform(1.01, 20, 2000), rng.uniform(0.01, 20, 2000)
    assert _rel(sf.zeta(np, s, q), special.zeta(s, q)) < 1e-13
    n, xn = rng.randint(0, 6, 2000).astype(float), rng.uniform(0.05, 20, 2000)
    assert _rel(sf.polygamma(np, n, xn), special.polygamma(n, xn)) < 1e-12
    ba, bb, bx = rng.uniform(0.05, 30, 2000), rng.uniform(0.05, 30, 2000), rng.uniform(0, 1, 2000)
    assert _rel(sf.betainc(np, ba, bb, bx), special.betainc(ba, bb, bx)) < 1e-12
    xb = np.concatenate([rng.uniform(-50, 50, 2000), [0.0, 20.0, 20.0001, -20.0, 700.0, 1e5]])
    assert _rel(sf.i0e(np, xb), special.i0e(xb)) < 1e-13
    assert _rel(sf.i1e(np, xb), special.i1e(xb)) < 1e-13


def test_igamma_grad_a_matches_central_differences():
    rng = np.random.RandomState(1)
    a, x = rng.uniform(0.5, 20, 500), rng.uniform(0.1, 40, 500)
    h = 1e-5 * a
    numeric = (sf.gammainc(np, a + h, x) - sf.gammainc(np, a - h, x)) / (2 * h)
    got = sf.igamma_grad_a(np, a, x)
    big = np.abs(numeric) > 1e-4
    np.testing.assert_allclose(got[big], numeric[big], rtol=1e-6)


def test_float32_inputs_give_float32():
    x = np.array([0.5, 3.0], np.float32)
    for fn in (sf.digamma, sf.i0e, sf.i1e):
        assert fn(np, x).dtype == np.float32
    assert sf.betainc(np, x, x, np.float32([0.1, 0.2])).dtype == np.float32


def test_betainc_shapes_must_agree_or_be_scalars():
    with pytest.raises(ValueError, match='Betainc'):
        tf.betainc(np.ones(3), np.ones(2), np.ones(3))
    a = tf.placeholder(tf.float64, [None])
    z = tf.betainc(a, np.float64(2.0), np.full(2, 0.5))
    assert z.shape.as_list() == [2]
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match='inconsistent'):
            sess.run(z, {a: np.ones(3)})
        np.testing.assert_allclose(sess.run(z, {a: np.ones(2)}), 0.75)


def test_public_names():
    for name in ('digamma', 'igamma', 'igammac', 'zeta', 'polygamma', 'betainc', 'lbeta'):
        assert getattr(tf, name) is getattr(tf.math, name)
    assert tf.math.bessel_i0e(np.float32(0.0)).dtype == tf.float32
