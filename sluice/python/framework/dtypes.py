"""`tensorflow.python.framework.dtypes`: sluice's DType and its instances (tf.float32, ...)."""
from sluice.engine.dtypes import *  # noqa: F401,F403
from sluice.engine.dtypes import DType, as_dtype  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.dtypes')
