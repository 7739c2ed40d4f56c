"""`tensorflow.python.framework.errors`: sluice's OpError and its subclasses, with the error codes."""
from sluice.engine.errors import *  # noqa: F401,F403

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.errors')
