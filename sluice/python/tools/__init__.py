"""`tensorflow.python.tools`: inspect_checkpoint."""

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python.tools')
