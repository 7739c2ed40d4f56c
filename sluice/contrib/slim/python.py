"""`tensorflow.contrib.slim.python.slim.<module>`, the path programs import slim's modules by
(`from tensorflow.contrib.slim.python.slim.data import tfexample_decoder`): `slim` here is
tf.contrib.slim itself, whose `data` package holds the data modules."""
from sluice.contrib import slim  # noqa: F401
