"""tf.compat: `tf.compat.v1` is sluice itself, so `tf.compat.v1.Session` works as in TF 2's shim, and
`import sluice.compat.v1 as tf` imports it (the module is registered under that name too)."""
import sys as _sys

v1 = _sys.modules['sluice']
_sys.modules[__name__ + '.v1'] = v1  # lets the import system find `sluice.compat.v1` as a module


def as_bytes(bytes_or_text, encoding='utf-8'):
    """bytes from bytes, bytearray or str (encoded with `encoding`), as tf.compat.as_bytes."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError('Expected binary or unicode string, got %r' % (bytes_or_text,))


def as_text(bytes_or_text, encoding='utf-8'):
    """str from str or bytes (decoded with `encoding`), as tf.compat.as_text."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError('Expected binary or unicode string, got %r' % (bytes_or_text,))


as_str = as_text
as_str_any = lambda value, encoding='utf-8': as_str(value, encoding) if isinstance(value, bytes) else str(value)  # noqa: E731


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.compat')
