"""tf.contrib.keras: TF 1.x's earlier home of Keras, the same modules as tf.keras."""
import sys

from sluice import keras as _keras

sys.modules[__name__] = _keras
