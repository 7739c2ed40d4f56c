"""tf.keras.activations cases run on TensorFlow and on sluice (see keras_reference.py): values and
gradients of each activation, relu's variants, softmax over rank 2, 3 and a chosen axis."""
import numpy as np

KERAS_MODULES = ['activations']
X = np.linspace(-4, 4, 24).reshape(4, 6).astype(np.float32)
X3 = np.random.RandomState(5).randn(2, 3, 4).astype(np.float32)
_NAMES = ['relu', 'elu', 'selu', 'softplus', 'softsign', 'tanh', 'sigmoid', 'hard_sigmoid', 'exponential', 'linear',
          'softmax']


def _values(tf, keras):
    x = tf.constant(X)
    out = {name: keras.activations.get(name)(x) for name in _NAMES}
    A = keras.activations
    out.update({
        'relu_alpha': A.relu(x, alpha=0.3), 'relu_max6': A.relu(x, max_value=6.), 'relu_max2': A.relu(x, max_value=2.),
        'relu_threshold': A.relu(x, threshold=1.5), 'relu_all': A.relu(x, alpha=0.2, max_value=2.5, threshold=0.5),
        'relu_alpha_max': A.relu(x, alpha=0.1, max_value=3.), 'elu_alpha': A.elu(x, alpha=0.5),
        'softmax_rank3': A.softmax(tf.constant(X3)), 'softmax_rank3_axis1': A.softmax(tf.constant(X3), axis=1),
    })
    return out


def _gradients(tf, keras):
    x = tf.constant(X * 0.9 + 0.05)  # off the kinks
    out = {}
    for name in _NAMES:
        y = keras.activations.get(name)(x)
        out[name] = tf.gradients(tf.reduce_sum(y * tf.constant(X)), [x])[0]
    return out


CASES = {'values': _values, 'gradients': _gradients}
