"""K.function's protocol beyond outputs: updates run after the outputs, and `fetches` / `fetch_callbacks`
(what TF 1.x's TensorBoard callback uses to fetch histogram summaries) ride on the same Session.run."""
import numpy as np

import sluice as tf

K = tf.keras.backend


def test_updates_and_fetch_callbacks():
    x = tf.placeholder(tf.float32, [None])
    total = K.variable(0.0)
    f = K.function([x], [x * 2], updates=[(total, total + K.sum(x))])
    seen = []
    extra = x + 1
    f.fetch_callbacks[extra] = seen.append
    np.testing.assert_array_equal(f([np.array([1., 2.])])[0], [2., 4.])
    np.testing.assert_array_equal(seen[0], [2., 3.])
    assert K.get_value(total) == 3.0
