"""`tensorflow.python.platform.test`: tf.test (TestCase, main, get_temp_dir, Benchmark, mock, ...)."""
from sluice.test import *  # noqa: F401,F403

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.platform.test')
