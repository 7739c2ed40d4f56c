"""`tensorflow.python.training.training_util`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.train).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.train import (assert_global_step, create_global_step, get_global_step,  # noqa: F401
                          get_or_create_global_step, global_step, write_graph)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.training.training_util')
