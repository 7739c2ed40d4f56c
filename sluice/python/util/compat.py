"""`tensorflow.python.util.compat`: bytes and text conversions (tf.compat's)."""
from sluice.compat import as_bytes, as_str, as_str_any, as_text  # noqa: F401

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.util.compat')
