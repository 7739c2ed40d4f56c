"""tf.keras.layers noise layers (TF 1.15, graph mode), active only when training (K.in_train_phase:
`training` None reads the learning phase; a tensor builds tf.cond, with the noise drawn outside it):

- GaussianNoise(stddev): inputs + N(0, stddev).
- GaussianDropout(rate): inputs * N(1, sqrt(rate / (1 - rate))), for 0 < rate < 1.
- AlphaDropout(rate): for SELU networks, dropped units are set to -alpha * scale (SELU's negative
  saturation) and the result affinely corrected (a * x + b) to keep the mean and variance.
"""
import numpy as np

from sluice.keras import backend as K
from sluice.keras.engine.base_layer import Layer
from sluice.keras.layers.core import dropout_when_training, merge_config, training_phase
from sluice.ops import array_ops, math_ops, random_ops

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class GaussianNoise(Layer):
    """Adds zero-centred Gaussian noise of `stddev` when training."""

    def __init__(self, stddev, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.stddev = stddev

    def call(self, inputs, training=None):
        def noised():
            return inputs + random_ops.random_normal(array_ops.shape(inputs), mean=0., stddev=self.stddev,
                                                     dtype=inputs.dtype)
        return dropout_when_training(inputs, training_phase(training), noised)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'stddev': self.stddev})


class GaussianDropout(Layer):
    """Multiplies by 1-centred Gaussian noise of stddev sqrt(rate / (1 - rate)) when training."""

    def __init__(self, rate, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = rate

    def call(self, inputs, training=None):
        if not 0 < self.rate < 1:
            return inputs

        def noised():
            stddev = np.sqrt(self.rate / (1.0 - self.rate))
            return inputs * random_ops.random_normal(array_ops.shape(inputs), mean=1.0, stddev=stddev,
                                                     dtype=inputs.dtype)
        return dropout_when_training(inputs, training_phase(training), noised)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'rate': self.rate})


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of SELU activations."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        return self.noise_shape if self.noise_shape else array_ops.shape(inputs)

    def call(self, inputs, training=None):
        if not 0. < self.rate < 1.:
            return inputs
        noise_shape = self._get_noise_shape(inputs)
        rate = self.rate

        def dropped():
            alpha_p = -_SELU_ALPHA * _SELU_SCALE
            kept = math_ops.cast(math_ops.greater_equal(
                random_ops.random_uniform(noise_shape, seed=self.seed), rate), K.floatx())
            a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
            b = -a * alpha_p * rate
            x = inputs * kept + alpha_p * (1 - kept)
            return a * x + b
        return dropout_when_training(inputs, training_phase(training), dropped)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return merge_config(super().get_config(), {'rate': self.rate})
