"""tf.distributions against TF 2.21's tf.compat.v1.distributions (TF 1.15's library, kept there): each
distribution is built from the same parameters in both, and every statistic, density, KL and gradient
is compared; samples (different random streams) are compared in shape, dtype and moments."""
import numpy as np
import pytest

import sluice as tf

X = np.array([0.05, 0.3, 0.7, 0.95], np.float32)  # inside every support below


@pytest.fixture
def tf1():
    tf_real = pytest.importorskip('tensorflow')
    v1 = tf_real.compat.v1
    v1.disable_v2_behavior()
    return v1


FAMILIES = {
    'normal': lambda d: d.Normal(loc=[0.5, -1.0, 2.0, 0.0], scale=[1.0, 0.5, 2.0, 3.0]),
    'uniform': lambda d: d.Uniform(low=[0.0, 0.2, -1.0, 0.5], high=[1.0, 0.8, 2.0, 0.9]),
    'laplace': lambda d: d.Laplace(loc=[0.1, 0.2, 0.3, 0.4], scale=[1.0, 2.0, 0.5, 0.25]),
    'gamma': lambda d: d.Gamma(concentration=[0.5, 1.0, 2.0, 5.0], rate=[1.0, 2.0, 0.5, 3.0]),
    'exponential': lambda d: d.Exponential(rate=[0.5, 1.0, 2.0, 4.0]),
    'beta': lambda d: d.Beta(concentration1=[0.5, 2.0, 3.0, 1.5], concentration0=[0.5, 1.0, 4.0, 2.5]),
    'student_t': lambda d: d.StudentT(df=[0.8, 1.5, 3.0, 10.0], loc=[0.0, 1.0, -1.0, 0.5], scale=[1.0, 2.0, 0.5, 1.0]),
    'bernoulli': lambda d: d.Bernoulli(logits=[-1.0, 0.0, 0.5, 3.0]),
    'bernoulli_probs': lambda d: d.Bernoulli(probs=[0.1, 0.5, 0.7, 0.99]),
    'categorical': lambda d: d.Categorical(logits=[[0.0, 1.0, 2.0], [1.0, 1.0, -1.0], [3.0, 0.0, 0.0],
                                                   [0.5, 0.2, 0.1]]),
    'categorical_probs': lambda d: d.Categorical(probs=[[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]),
    'dirichlet': lambda d: d.Dirichlet(concentration=[[1.0, 2.0, 3.0], [0.5, 0.5, 4.0]]),
    'multinomial': lambda d: d.Multinomial(total_count=[5.0, 8.0], probs=[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]),
}
VALUES = {'bernoulli': [0, 1, 1, 0], 'bernoulli_probs': [1, 1, 0, 1], 'categorical': [0, 2, 1, 1],
          'categorical_probs': [[2, 0], [1, 1]], 'dirichlet': [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]],
          'multinomial': [[1.0, 1.0, 3.0], [0.0, 2.0, 6.0]]}
METHODS = ('log_prob', 'prob', 'cdf', 'log_cdf', 'survival_function', 'log_survival_function')
STATS = ('entropy', 'mean', 'variance', 'stddev', 'mode')


def _evaluate(t, family):
    g = t.Graph()
    with g.as_default():
        dist = FAMILIES[family](t.distributions)
        value = VALUES.get(family, X)
        results = {'batch_shape': dist.batch_shape.as_list(), 'event_shape': dist.event_shape.as_list(),
                   'dtype': dist.dtype.name, 'name': dist.name}
        fetches = {}
        # 'missing': not implemented, or (TF 2.21's Dirichlet.mode) failing to build.
        for method in METHODS:
            try:
                fetches[method] = getattr(dist, method)(value)
            except (NotImplementedError, ValueError):
                results[method] = 'missing'
        for stat in STATS:
            try:
                fetches[stat] = getattr(dist, stat)()
            except (NotImplementedError, ValueError):
                results[stat] = 'missing'
        samples = dist.sample([500, 2], seed=3)
        results['sample'] = (samples.shape.as_list(), samples.dtype.name)
        with t.Session() as sess:
            out = sess.run(fetches)
            drawn = sess.run(samples)
        results.update(out)
        return results, drawn


@pytest.mark.tf
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_statistics_and_densities_are_tensorflows(tf1, family):
    ours, our_draws = _evaluate(tf, family)
    theirs, their_draws = _evaluate(tf1, family)
    for key, want in theirs.items():
        got = ours.get(key)
        if isinstance(want, str) and want == 'missing':
            continue  # sluice may have more than TF, never less
        assert not (isinstance(got, str) and got == 'missing'), key
        if isinstance(want, np.ndarray):
            np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6, err_msg=key)
        else:
            assert got == want, (key, got, want)
    assert our_draws.shape == their_draws.shape
    # Moments of 1000 draws per batch member agree with the distribution's (different random streams).
    mean, std = ours.get('mean'), ours.get('stddev')
    if isinstance(mean, np.ndarray) and isinstance(std, np.ndarray) and np.isfinite(std).all():
        got_mean = our_draws.reshape((-1,) + mean.shape).astype(np.float64).mean(0)
        np.testing.assert_allclose(got_mean, mean, atol=5 * std.max() / np.sqrt(1000) + 1e-6)


KL_PAIRS = [
    lambda d: (d.Normal(loc=[0.0, 1.0], scale=[1.0, 2.0]), d.Normal(loc=[0.5, -1.0], scale=[0.5, 1.5])),
    lambda d: (d.Bernoulli(logits=[0.3, -2.0]), d.Bernoulli(probs=[0.5, 0.9])),
    lambda d: (d.Categorical(logits=[[0.0, 1.0, 2.0]]), d.Categorical(logits=[[1.0, 0.0, 0.5]])),
    lambda d: (d.Gamma(concentration=[2.0, 3.0], rate=[1.0, 0.5]), d.Gamma(concentration=[1.0, 4.0], rate=[2.0, 1.0])),
    lambda d: (d.Beta([2.0, 0.5], [3.0, 1.5]), d.Beta([1.0, 2.0], [1.0, 2.0])),
    lambda d: (d.Dirichlet([[1.0, 2.0, 3.0]]), d.Dirichlet([[2.0, 2.0, 2.0]])),
]


@pytest.mark.tf
@pytest.mark.parametrize('pair', range(len(KL_PAIRS)))
def test_kl_divergences_and_their_gradients_are_tensorflows(tf1, pair):
    def run(t):
        g = t.Graph()
        with g.as_default():
            a, b = KL_PAIRS[pair](t.distributions)
            kl = t.distributions.kl_divergence(a, b)
            params = [p for p in (getattr(a, n, None) for n in ('loc', 'logits', 'concentration', 'concentration1'))
                      if p is not None]
            grads = t.gradients(t.reduce_sum(kl), params)
            with t.Session() as sess:
                return sess.run([kl, grads])
    (ours, our_grads), (theirs, their_grads) = run(tf), run(tf1)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    for a, b in zip(our_grads, their_grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.tf
def test_log_prob_gradients_and_reparameterized_samples_are_tensorflows(tf1):
    def run(t):
        g = t.Graph()
        with g.as_default():
            loc, scale = t.constant([0.5, -1.0]), t.constant([1.5, 0.5])
            conc, rate = t.constant([2.0, 0.7]), t.constant([1.0, 3.0])
            normal, gamma = t.distributions.Normal(loc, scale), t.distributions.Gamma(conc, rate)
            lp = t.reduce_sum(normal.log_prob([0.1, 0.2])) + t.reduce_sum(gamma.log_prob([0.4, 1.1]))
            noise_grad = t.gradients(t.reduce_sum(normal.sample(4, seed=1)), [loc])[0]
            with t.Session() as sess:
                return sess.run([t.gradients(lp, [loc, scale, conc, rate]), noise_grad])
    (ours, our_noise), (theirs, their_noise) = run(tf), run(tf1)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    np.testing.assert_allclose(our_noise, their_noise)  # d(loc + scale * eps)/d loc = number of samples


def test_errors_and_registration():
    with pytest.raises(ValueError, match='Must pass probs or logits, but not both.'):
        tf.distributions.Bernoulli(logits=0.0, probs=0.5)
    with pytest.raises(NotImplementedError, match='No KL'):
        tf.distributions.kl_divergence(tf.distributions.Normal(0., 1.), tf.distributions.Gamma(1., 1.))

    class MyNormal(tf.distributions.Normal):
        pass
    kl = tf.distributions.kl_divergence(MyNormal(0., 1.), tf.distributions.Normal(1., 1.))  # the parent's KL
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(kl), 0.5)
    with pytest.raises(ValueError, match='already been registered'):
        tf.distributions.RegisterKL(tf.distributions.Normal, tf.distributions.Normal)(lambda a, b, name=None: 0.)
    with pytest.raises(NotImplementedError, match='quantile is not implemented: Normal'):
        tf.distributions.Normal(0., 1.).quantile(0.5)


def test_multivariate_normal_diag_is_a_sum_of_normals():
    loc, scale = np.array([[0.0, 1.0, -1.0], [2.0, 0.5, 0.0]], np.float32), np.array([0.5, 1.0, 2.0], np.float32)
    x = np.array([[0.2, 0.3, 0.4], [1.0, 1.0, 1.0]], np.float32)
    mvn = tf.contrib.distributions.MultivariateNormalDiag(loc=loc, scale_diag=scale)
    other = tf.contrib.distributions.MultivariateNormalDiag(loc=np.zeros(3, np.float32))
    assert mvn.batch_shape.as_list() == [2] and mvn.event_shape.as_list() == [3]
    samples = mvn.sample(4000, seed=2)
    assert samples.shape.as_list() == [4000, 2, 3]
    with tf.Session() as sess:
        lp, ent, kl, cov, drawn = sess.run([mvn.log_prob(x), mvn.entropy(), tf.distributions.kl_divergence(mvn, other),
                                            mvn.covariance(), samples])
    normal_lp = -0.5 * ((x - loc) / scale) ** 2 - 0.5 * np.log(2 * np.pi) - np.log(scale)
    np.testing.assert_allclose(lp, normal_lp.sum(-1), rtol=1e-5)
    np.testing.assert_allclose(ent, np.full(2, (0.5 * np.log(2 * np.pi * np.e) + np.log(scale)).sum()), rtol=1e-5)
    np.testing.assert_allclose(kl, (0.5 * (scale ** 2 + loc ** 2 - 1) - np.log(scale)).sum(-1), rtol=1e-5)
    np.testing.assert_allclose(cov[0], np.diag(scale ** 2))
    np.testing.assert_allclose(drawn.mean(0), loc, atol=5 * scale.max() / np.sqrt(4000))


def test_dirichlet_mode_where_defined():
    conc = np.array([[2.0, 3.0, 5.0], [0.5, 2.0, 2.0]], np.float32)
    with tf.Session() as sess:
        mode = sess.run(tf.distributions.Dirichlet(conc).mode())
    np.testing.assert_allclose(mode[0], (conc[0] - 1) / (conc[0].sum() - 3), rtol=1e-6)
    assert np.isnan(mode[1]).all()
