"""`tensorflow.python.training.input`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.train).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.train import (batch, batch_join, input_producer, limit_epochs, match_filenames_once,  # noqa: F401
                          range_input_producer, shuffle_batch, shuffle_batch_join,
                          slice_input_producer, string_input_producer)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.training.input')
