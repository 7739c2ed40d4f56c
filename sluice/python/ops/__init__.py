"""`tensorflow.python.ops`: op modules as TF1 programs import them (re-exports of sluice's public functions)."""

from sluice.unimplemented import package_getattr as _package_getattr  # noqa: E402

__getattr__ = _package_getattr(__name__, 'tensorflow.python.ops')
