"""tf.custom_gradient in graph mode, built on sluice and on tf.compat.v1 from the same program: values and
gradients (a numerically stable log1pexp, a clipped gradient, several inputs and outputs)."""
import numpy as np
import pytest

import sluice as tf


@pytest.fixture
def tf1():
    tf_real = pytest.importorskip('tensorflow')
    v1 = tf_real.compat.v1
    v1.disable_v2_behavior()
    return v1


def _program(t):
    @t.custom_gradient
    def log1pexp(x):
        e = t.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))
        return t.log(1 + e), grad

    @t.custom_gradient
    def clip_grad(x, y):
        def grad(dz):
            return t.clip_by_value(dz, -0.1, 0.1), 2 * dz
        return x * y, grad

    @t.custom_gradient
    def two_outputs(x):
        def grad(da, db):
            return da * 3 + db * 5
        return (x * 2, x + 1), grad

    x = t.constant([0.5, 10.0, 100.0])
    y = t.constant([1.0, -2.0, 3.0])
    a, b = two_outputs(x)
    outputs = [log1pexp(x), clip_grad(x, y), a, b]
    loss = t.reduce_sum(outputs[0]) + t.reduce_sum(outputs[1] * 7) + t.reduce_sum(a) + t.reduce_sum(b * 2)
    with t.Session() as sess:
        return sess.run([outputs, t.gradients(loss, [x, y])])


@pytest.mark.tf
def test_values_and_gradients_are_tensorflows(tf1):
    ours, theirs = _program(tf), _program(tf1)
    for a, b in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_gradient_is_the_given_function():
    outputs, (dx, dy) = _program(tf)
    np.testing.assert_allclose(dx, [1 - 1 / (1 + np.exp(v)) for v in (0.5, 10.0, 100.0)] + np.full(3, 0.1) + 13,
                               rtol=1e-6)
    np.testing.assert_allclose(dy, [14.0] * 3)
