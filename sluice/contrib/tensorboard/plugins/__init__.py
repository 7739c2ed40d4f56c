"""tf.contrib.tensorboard.plugins: the embedding projector."""
from sluice.contrib.tensorboard.plugins import projector
