"""`tensorflow.python.util`: nest and deprecation."""

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python.util')
