"""tf.compat.as_bytes / as_text / as_str.

Expected values, node names, shapes, dtypes and error classes were taken from TensorFlow 2.21
(tensorflow.compat.v1 with v2 behaviour disabled); the `tf`-marked tests re-check them live."""
import pytest

import sluice as tf


def test_compat_as_bytes_text():
    assert tf.compat.as_bytes('ab') == b'ab'
    assert tf.compat.as_bytes(bytearray(b'x')) == b'x'
    assert tf.compat.as_bytes('\u00e9', encoding='latin-1') == b'\xe9'
    assert tf.compat.as_str(b'ab') == 'ab'
    assert tf.compat.as_text(b'\xc3\xa9') == '\u00e9'
    assert tf.compat.as_str_any(3) == '3'
    for fn in (tf.compat.as_bytes, tf.compat.as_text, tf.compat.as_str):
        with pytest.raises(TypeError, match='Expected binary or unicode string, got 1'):
            fn(1)
