"""`tensorflow.python.layers.normalization`: BatchNormalization (re-exports of tf.layers)."""
from sluice.layers import BatchNormalization, batch_normalization  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.layers.normalization')
