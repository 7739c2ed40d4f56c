"""`tensorflow.python.*` module paths that TF1 programs import directly, served as `sluice.python.*`."""

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python')
