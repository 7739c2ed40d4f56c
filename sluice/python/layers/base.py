"""`tensorflow.python.layers.base`: the tf.layers Layer and InputSpec (re-exports of tf.layers)."""
from sluice.layers import InputSpec, Layer  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.layers.base')
