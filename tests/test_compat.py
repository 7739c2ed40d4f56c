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


def test_compat_v1_imports_as_a_module():
    import importlib
    import subprocess
    import sys
    assert importlib.import_module('sluice.compat.v1') is tf
    from sluice.compat.v1 import Session
    assert Session is tf.Session
    # in a fresh interpreter, before anything imported sluice
    code = 'import sluice.compat.v1 as tf; print(tf.__name__, tf.compat.v1 is tf)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ['sluice', 'True']


def test_version_constants():
    assert tf.VERSION == tf.version.VERSION == '1.15.0'
    assert tf.__version__ == tf.VERSION == '1.15.0' and tf.GIT_VERSION == 'sluice-v' + tf.version.SLUICE_VERSION
    assert isinstance(tf.COMPILER_VERSION, str) and tf.COMPILER_VERSION
    assert tf.GRAPH_DEF_VERSION_MIN_CONSUMER == 0 and tf.GRAPH_DEF_VERSION_MIN_PRODUCER == 0
    assert tf.get_default_graph().as_graph_def().versions.producer == tf.GRAPH_DEF_VERSION
