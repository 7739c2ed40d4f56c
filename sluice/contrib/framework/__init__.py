"""tf.contrib.framework: arg_scope and the variable helpers slim is built on (TF 1.15's names).

Names of TF's contrib.framework that sluice lacks raise an AttributeError saying so.
"""
from sluice.contrib.framework.arg_scope import *  # noqa: F401,F403
from sluice.contrib.framework.variables import *  # noqa: F401,F403
from sluice.python.framework.smart_cond import smart_cond, smart_constant_value  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.contrib.framework')
