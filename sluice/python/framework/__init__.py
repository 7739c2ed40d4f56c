"""`tensorflow.python.framework`: the graph, dtypes, shapes, errors and test utilities, as TF1 programs import them."""

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python.framework')
