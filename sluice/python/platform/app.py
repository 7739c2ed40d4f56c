"""`tensorflow.python.platform.app`: tf.app (run, flags)."""
from sluice.app import *  # noqa: F401,F403

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.platform.app')
