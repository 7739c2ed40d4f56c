"""`tensorflow.python.platform.flags`: tf.flags (FLAGS, DEFINE_string, ...)."""
from sluice.flags import *  # noqa: F401,F403

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.platform.flags')
