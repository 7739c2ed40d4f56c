"""The special functions of TF's math ops, written with array operations alone (any `xp`: NumPy or CuPy). They
serve every device whether or not SciPy is installed: SciPy's values at the domain edges differ from TF's
(digamma(0) is -inf there, igamma(0, 1) is 1, zeta(3, 0) is inf; TF answers NaN). Each works in float64 and
answers the input's dtype; domains and edge values are TF's (Eigen's, which follow Cephes): NaN outside the
domain, the limits at 0 and infinity.

  lgamma        Stirling's series after shifting the argument up to >= 10 (lgamma(x) = lgamma(x + n) -
                log(x (x+1) ... (x+n-1))), reflection below 1/2.
  digamma       the asymptotic series after the shift psi(x) = psi(x + 1) - 1/x; reflection
                psi(x) = psi(1 - x) - pi / tan(pi x) for negative x; NaN at 0 and the negative integers.
  zeta(x, q)    Hurwitz zeta by Euler-Maclaurin summation: N terms summed directly, the tail as an integral
                plus Bernoulli-number corrections. polygamma(n, x) = (-1)^(n+1) n! zeta(n+1, x).
  gammainc(a, x), gammaincc(a, x)   the regularized incomplete gamma functions P and Q: P's power series
                where x < a + 1, else Q's continued fraction (modified Lentz), the other as 1 minus it.
  igamma_grad_a(a, x)   dP/da, by differentiating the series or the continued fraction term by term
                alongside (forward-mode: every recurrence carries its derivative in a).
  betainc(a, b, x)      the regularized incomplete beta function by its continued fraction, on the side of
                (a+1)/(a+b+2) where it converges fast (I_x(a, b) = 1 - I_{1-x}(b, a) on the other).
  i0e, i1e      exp(-|x|) I0(x), exp(-|x|) I1(x): the power series (positive terms, no cancellation) for
                |x| <= 20, Hankel's asymptotic expansion beyond.
Each element iterates until its own terms converge: the loops drop converged elements every few steps.
"""
import math

import numpy as np

_EPS = np.finfo(np.float64).eps
_TINY = 1e-300
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
# B_2k / (2k (2k-1)) for Stirling's lgamma series, B_2k / 2k for digamma's: from the Bernoulli numbers.
_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
              -174611 / 330, 854513 / 138, -236364091 / 2730]


def _f64(xp, *arrays):
    return [xp.asarray(a, dtype=xp.float64) for a in arrays]


def _like(xp, result, *inputs):
    """result in the dtype of the (broadcast) inputs."""
    dtype = np.result_type(*[np.dtype(i.dtype) for i in inputs])
    return xp.asarray(result).astype(dtype, copy=False)


def _shift_up(xp, x, bound):
    """(z, steps): z = x + n >= bound elementwise, and the list of the added masks (n = their count)."""
    z = x.copy()
    masks = []
    for _ in range(int(bound)):
        below = z < bound
        if not bool(below.any()):
            break
        masks.append((below, z.copy()))
        z = xp.where(below, z + 1, z)
    return z, masks


def _lgamma_positive(xp, x):
    z, masks = _shift_up(xp, x, 10.0)
    correction = xp.zeros_like(x)
    for below, before in masks:
        correction = correction + xp.where(below, xp.log(xp.where(below, before, 1.0)), 0.0)
    inv, inv2 = 1 / z, 1 / (z * z)
    series, power = xp.zeros_like(z), inv
    for k, b in enumerate(_BERNOULLI[:8], start=1):
        series = series + b / (2 * k * (2 * k - 1)) * power
        power = power * inv2
    return (z - 0.5) * xp.log(z) - z + _HALF_LOG_2PI + series - correction


def lgamma(xp, x):
    """log |Gamma(x)|; inf at 0 and the negative integers."""
    (x,) = _f64(xp, x)
    reflect = x < 0.5
    positive = xp.where(reflect, 1 - x, x)
    value = _lgamma_positive(xp, xp.where(xp.isfinite(positive), positive, 1.0))
    sin_pi = xp.abs(xp.sin(math.pi * (x - xp.floor(x))))
    reflected = math.log(math.pi) - xp.log(sin_pi) - value
    out = xp.where(reflect, reflected, value)
    out = xp.where(reflect & (x == xp.floor(x)), xp.inf, out)
    return xp.where(xp.isinf(x), xp.inf, xp.where(xp.isnan(x), xp.nan, out))


def _digamma_positive(xp, x):
    z, masks = _shift_up(xp, x, 10.0)
    correction = xp.zeros_like(x)
    for below, before in masks:
        correction = correction + xp.where(below, 1 / xp.where(below, before, 1.0), 0.0)
    inv2 = 1 / (z * z)
    series, power = xp.zeros_like(z), inv2
    for k, b in enumerate(_BERNOULLI[:8], start=1):
        series = series + b / (2 * k) * power
        power = power * inv2
    return xp.log(z) - 0.5 / z - series - correction


def digamma(xp, x):
    """psi(x) = d/dx lgamma(x); NaN at 0, the negative integers and -inf."""
    (x0,) = _f64(xp, x)
    reflect = x0 < 0.5
    pole = reflect & (x0 == xp.floor(x0))
    positive = xp.where(reflect, 1 - x0, x0)
    finite = xp.isfinite(positive)
    value = _digamma_positive(xp, xp.where(finite & ~pole, positive, 1.0))
    frac = x0 - xp.floor(x0)
    reflected = value - math.pi / xp.tan(math.pi * xp.where(pole, 0.5, frac))
    out = xp.where(reflect, reflected, value)
    out = xp.where(pole | xp.isnan(x0) | (x0 == -xp.inf), xp.nan, out)
    return _like(xp, xp.where(x0 == xp.inf, xp.inf, out), x)


def zeta(xp, x, q):
    """Hurwitz zeta sum_k (q + k)^-x; inf at x == 1 and, for even x, at non-positive integer q; NaN for
    x < 1, for q <= 0 with non-integer x, and at non-positive integer q with odd x."""
    x0, q0 = xp.broadcast_arrays(*_f64(xp, x, q))
    q_pole = (q0 <= 0) & (q0 == xp.floor(q0))
    x_integer = x0 == xp.floor(x0)
    x_even = x_integer & ((xp.fmod(xp.where(xp.isfinite(x0), x0, 0.0), 2.0) == 0))  # inf counts as even
    # TF's domain: at a pole of q, +inf for even x only
    bad = (x0 < 1) | ((q0 <= 0) & ~x_integer) | (q_pole & ~x_even)
    pole = (x0 == 1) | (q_pole & x_even & ~bad)
    s_, q_ = xp.where(bad | pole, 2.0, x0), xp.where(bad | pole, 1.0, q0)
    n = 12
    total = xp.zeros_like(s_)
    for k in range(n):
        total = total + xp.power(q_ + k, -s_)
    w = q_ + n
    total = total + xp.power(w, 1 - s_) / (s_ - 1) + 0.5 * xp.power(w, -s_)
    # Bernoulli corrections: B_2j / (2j)! * s (s+1) ... (s+2j-2) * w^(-s-2j+1)
    rising, term_power = s_.copy(), xp.power(w, -s_ - 1)
    factorial = 2.0
    for j, b in enumerate(_BERNOULLI, start=1):
        total = total + b / factorial * rising * term_power
        rising = rising * (s_ + 2 * j - 1) * (s_ + 2 * j)
        term_power = term_power / (w * w)
        factorial *= (2 * j + 1) * (2 * j + 2)
    total = xp.where(x0 == xp.inf, xp.where(q_ == 1, 1.0, xp.where(q_ > 1, 0.0, xp.inf)), total)
    out = xp.where(x0 == 1, xp.inf, xp.where(bad | xp.isnan(x0) | xp.isnan(q0), xp.nan,
                                             xp.where(pole, xp.inf, total)))
    return _like(xp, out, x, q)


def polygamma(xp, n, x):
    """The n-th derivative of digamma; NaN unless n is a non-negative integer."""
    n0, x0 = xp.broadcast_arrays(*_f64(xp, n, x))
    integer = (n0 == xp.floor(n0)) & (n0 >= 0)
    order = xp.where(integer, n0, 1.0)
    sign = xp.where(order % 2 == 0, -1.0, 1.0)  # (-1)^(n+1)
    factorial = xp.exp(lgamma(xp, order + 1))
    higher = sign * factorial * zeta(xp, order + 1, x0)
    out = xp.where(n0 == 0, digamma(xp, x0), higher)
    return _like(xp, xp.where(integer, out, xp.nan), n, x)


def _until_converged(xp, state, step, max_steps):
    """Runs state = step(xp, state, i) for i = 1, 2, ... on the elements whose state['done'] is still False,
    dropping the finished ones every few steps (an element's work is its own number of steps, not the
    slowest one's). state: a dict of 1-d arrays of one length; returns the final states, in order."""
    final = {k: xp.empty_like(v) for k, v in state.items()}
    index = xp.arange(state['done'].shape[0])
    if index.shape[0] == 0:
        return final
    for i in range(1, max_steps + 1):
        state = step(xp, state, i)
        if i % 4 and i != max_steps:
            continue
        done = state['done'] if i != max_steps else xp.ones_like(state['done'])
        if bool(done.any()):
            for k, v in state.items():
                final[k][index[done]] = v[done]
            keep = ~done
            index, state = index[keep], {k: v[keep] for k, v in state.items()}
            if index.shape[0] == 0:
                break
    return final


def _series_step(xp, st, i):
    """One term of P's series and of its derivative in a."""
    ap = st['a'] + i
    dterm = st['dterm'] * st['x'] / ap - st['term'] * st['x'] / (ap * ap)
    term = st['term'] * st['x'] / ap
    total = st['total'] + term
    return dict(st, term=term, dterm=dterm, total=total, dtotal=st['dtotal'] + dterm,
                done=abs(term) <= abs(total) * _EPS)


def _gamma_series(xp, a, x):
    """(log P(a, x), d log P / da) by P = x^a e^-x / Gamma(a+1) * sum_k x^k / ((a+1) ... (a+k))."""
    ones, zeros = xp.ones_like(a), xp.zeros_like(a)
    st = _until_converged(xp, dict(a=a, x=x, term=ones, dterm=zeros, total=ones, dtotal=zeros,
                                   done=xp.zeros(a.shape, bool)), _series_step, 4000)
    log_p = a * xp.log(x) - x - lgamma(xp, a + 1) + xp.log(st['total'])
    return log_p, xp.log(x) - digamma(xp, a + 1) + st['dtotal'] / st['total']


def _guard(xp, v):
    return xp.where(abs(v) < _TINY, _TINY, v)


def _fraction_step(xp, st, i):
    """One step of modified Lentz on Q's continued fraction, derivatives in a carried alongside."""
    a, b, d, c, h = st['a'], st['b'] + 2, st['d'], st['c'], st['h']
    an, dan, db = -i * (i - a), float(i), -1.0
    denom = an * d + b
    ddenom = dan * d + an * st['dd'] + db
    c_new = b + an / c
    dc = db + dan / c - an * st['dc'] / (c * c)
    d_new = 1 / _guard(xp, denom)
    c_new = _guard(xp, c_new)
    dd = -d_new * d_new * ddenom
    delta = d_new * c_new
    ddelta = dd * c_new + d_new * dc
    return dict(st, b=b, d=d_new, dd=dd, c=c_new, dc=dc, h=h * delta, dh=st['dh'] * delta + h * ddelta,
                done=abs(delta - 1) <= _EPS)


def _gamma_fraction(xp, a, x):
    """(log Q(a, x), d log Q / da) by Q's continued fraction (modified Lentz)."""
    b = x + 1 - a
    d = 1 / _guard(xp, b)
    dd = d * d  # d(1/b)/da with db/da = -1
    st = _until_converged(xp, dict(a=a, b=b, d=d, dd=dd, c=xp.full_like(a, 1 / _TINY), dc=xp.zeros_like(a),
                                   h=d.copy(), dh=dd.copy(), done=xp.zeros(a.shape, bool)), _fraction_step, 4000)
    log_q = a * xp.log(x) - x - lgamma(xp, a) + xp.log(st['h'])
    return log_q, xp.log(x) - digamma(xp, a) + st['dh'] / st['h']


def _incomplete_gamma(xp, a, x):
    """(P, Q, dP/da) on the domain; NaN outside it (a <= 0, x < 0), TF's limits at x = 0 and infinity.
    The series serves x < a + 1, where it converges fast; the continued fraction the rest."""
    a0, x0 = xp.broadcast_arrays(*_f64(xp, a, x))
    shape = a0.shape
    a0, x0 = a0.ravel(), x0.ravel()
    bad = (a0 <= 0) | (x0 < 0) | xp.isnan(a0) | xp.isnan(x0)
    zero, x_inf, a_inf = (x0 == 0) & ~bad, (x0 == xp.inf) & ~bad, (a0 == xp.inf) & ~bad
    ok = ~(bad | zero | x_inf | a_inf)
    p, q, dp = xp.zeros_like(a0), xp.zeros_like(a0), xp.zeros_like(a0)
    series = ok & (x0 < a0 + 1)
    fraction = ok & ~series
    if bool(series.any()):
        log_p, dlog_p = _gamma_series(xp, a0[series], x0[series])
        p[series] = xp.exp(log_p)
        q[series] = 1 - p[series]
        dp[series] = p[series] * dlog_p
    if bool(fraction.any()):
        log_q, dlog_q = _gamma_fraction(xp, a0[fraction], x0[fraction])
        q[fraction] = xp.exp(log_q)
        p[fraction] = 1 - q[fraction]
        dp[fraction] = -q[fraction] * dlog_q
    nan = xp.full_like(p, xp.nan)
    p = xp.where(bad, nan, xp.where(zero | a_inf, 0.0, xp.where(x_inf, 1.0, p)))
    q = xp.where(bad, nan, xp.where(x_inf, 0.0, xp.where(zero | a_inf, 1.0, q)))
    dp = xp.where(bad, nan, xp.where(ok, dp, 0.0))
    at_zero = x0 == 0  # TF: P(a, 0) = 0 and dP/da = 0 whatever a is, NaN included
    return (xp.where(at_zero, 0.0, p).reshape(shape), q.reshape(shape), xp.where(at_zero, 0.0, dp).reshape(shape))


def gammainc(xp, a, x):
    """The regularized lower incomplete gamma function P(a, x) (TF's igamma)."""
    return _like(xp, _incomplete_gamma(xp, a, x)[0], a, x)


def gammaincc(xp, a, x):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x) (TF's igammac)."""
    return _like(xp, _incomplete_gamma(xp, a, x)[1], a, x)


def igamma_grad_a(xp, a, x):
    """dP(a, x)/da (TF's IgammaGradA)."""
    return _like(xp, _incomplete_gamma(xp, a, x)[2], a, x)


def _beta_step(xp, st, i):
    """Step i of modified Lentz on I_x(a, b)'s continued fraction: its two partial numerators."""
    a, b, x, d, c, h = st['a'], st['b'], st['x'], st['d'], st['c'], st['h']
    for numerator in (i * (b - i) * x / ((a - 1 + 2 * i) * (a + 2 * i)),
                      -(a + i) * (a + b + i) * x / ((a + 2 * i) * (a + 1 + 2 * i))):
        d = 1 / _guard(xp, 1 + numerator * d)
        c = _guard(xp, 1 + numerator / c)
        delta = d * c
        h = h * delta
    return dict(st, d=d, c=c, h=h, done=abs(delta - 1) <= _EPS)


def _beta_fraction(xp, a, b, x):
    """The continued fraction of I_x(a, b) (modified Lentz); converges fast for x < (a+1)/(a+b+2)."""
    d = 1 / _guard(xp, 1 - (a + b) * x / (a + 1))
    st = _until_converged(xp, dict(a=a, b=b, x=x, d=d, c=xp.ones_like(x), h=d.copy(), done=xp.zeros(a.shape, bool)),
                          _beta_step, 4000)
    return st['h']


def betainc(xp, a, b, x):
    """The regularized incomplete beta function I_x(a, b); NaN for a <= 0, b <= 0 or x outside [0, 1]."""
    a0, b0, x0 = xp.broadcast_arrays(*_f64(xp, a, b, x))
    bad = (a0 <= 0) | (b0 <= 0) | (x0 < 0) | (x0 > 1) | ~xp.isfinite(a0) | ~xp.isfinite(b0) | xp.isnan(x0)
    edge = (x0 == 0) | (x0 == 1)
    ok = ~(bad | edge)
    a_, b_, x_ = xp.where(ok, a0, 1.0), xp.where(ok, b0, 1.0), xp.where(ok, x0, 0.5)
    flip = x_ > (a_ + 1) / (a_ + b_ + 2)
    a1, b1, x1 = xp.where(flip, b_, a_), xp.where(flip, a_, b_), xp.where(flip, 1 - x_, x_)
    log_front = (a1 * xp.log(x1) + b1 * xp.log1p(-x1) - lgamma(xp, a1) - lgamma(xp, b1) + lgamma(xp, a1 + b1)
                 - xp.log(a1))
    value = xp.exp(log_front) * _beta_fraction(xp, a1.ravel(), b1.ravel(), x1.ravel()).reshape(x1.shape)
    value = xp.where(flip, 1 - value, value)
    out = xp.where(bad, xp.nan, xp.where(edge, x0, value))
    return _like(xp, out, a, b, x)


def _bessel_scaled(xp, x, order):
    """exp(-|x|) I_order(|x|) for order 0 or 1."""
    (x0,) = _f64(xp, x)
    ax = xp.abs(x0)
    small = ax <= 20
    # power series: sum_k (x/2)^(2k+order) / (k! (k+order)!)
    xs = xp.where(small, ax, 0.0)
    quarter = xs * xs / 4
    term = xp.ones_like(xs) if order == 0 else xs / 2
    total = term.copy()
    for k in range(1, 60):
        term = term * quarter / (k * (k + order))
        total = total + term
    series = total * xp.exp(-xs)
    # Hankel: exp(-x) I_nu(x) ~ (2 pi x)^-1/2 sum_k (-1)^k prod_j (4 nu^2 - (2j-1)^2) / (k! (8x)^k)
    xl = xp.where(small, 21.0, ax)
    mu = 4.0 * order * order
    term, total = xp.ones_like(xl), xp.ones_like(xl)
    for k in range(1, 31):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8 * xl)
        total = total + term
    asymptotic = total / xp.sqrt(2 * math.pi * xl)
    out = xp.where(small, series, xp.where(ax == xp.inf, 0.0, asymptotic))
    return xp.where(xp.isnan(x0), xp.nan, out)


def i0e(xp, x):
    """exp(-|x|) I0(x), the exponentially scaled modified Bessel function of order 0."""
    return _like(xp, _bessel_scaled(xp, x, 0), x)


def i1e(xp, x):
    """exp(-|x|) I1(x), the exponentially scaled modified Bessel function of order 1 (odd in x)."""
    (x0,) = _f64(xp, x)
    return _like(xp, xp.where(x0 < 0, -1.0, 1.0) * _bessel_scaled(xp, x, 1), x)
