"""`tensorflow.python.layers.core`: Dense, Dropout, Flatten and their functions (re-exports of tf.layers)."""
from sluice.layers import Dense, Dropout, Flatten, dense, dropout, flatten  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.layers.core')
