"""tf.config: the process's device and execution settings (only what sluice has: tf.config.experimental's
TensorFloat-32 switch)."""
from sluice.config import experimental  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.config')
