"""`tensorflow.python.platform`: gfile, tf_logging, test, flags and app, as TF1 programs import them."""

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python.platform')
