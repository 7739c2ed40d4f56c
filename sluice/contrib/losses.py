"""tf.contrib.losses: the same functions as slim.losses (contrib's argument order and weighting)."""
from sluice.contrib.slim.losses import *  # noqa: F401,F403
