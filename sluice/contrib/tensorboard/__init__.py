"""tf.contrib.tensorboard: the plugins whose files a program writes for TensorBoard (the projector)."""
from sluice.contrib.tensorboard import plugins
