"""`tf.python_io`: TFRecord file writing and reading (TensorFlow 1.x names).

TFRecordWriter, tf_record_iterator, TFRecordOptions and TFRecordCompressionType; the
implementation (framing, CRC32C checks, GZIP/ZLIB streams, TF's error messages) is in
sluice/io/tfrecord.py.
"""

from sluice.io.tfrecord import (TFRecordCompressionType, TFRecordOptions, TFRecordWriter,
                                tf_record_iterator)

__all__ = ['TFRecordCompressionType', 'TFRecordOptions', 'TFRecordWriter', 'tf_record_iterator']


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.python_io')
