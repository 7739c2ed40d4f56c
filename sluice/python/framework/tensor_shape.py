"""`tensorflow.python.framework.tensor_shape`: sluice's TensorShape and Dimension."""
from sluice.engine.tensor_shape import *  # noqa: F401,F403
from sluice.engine.tensor_shape import Dimension, TensorShape  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.framework.tensor_shape')
