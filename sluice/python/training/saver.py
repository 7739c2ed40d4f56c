"""`tensorflow.python.training.saver`: the names of TF 1.15's module that sluice has,
re-exported from its public namespaces (tf.train).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.train import (Saver, checkpoint_exists, export_meta_graph,  # noqa: F401
                          generate_checkpoint_state_proto, get_checkpoint_mtimes,
                          get_checkpoint_state, import_meta_graph, latest_checkpoint,
                          remove_checkpoint, update_checkpoint_state)

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.training.saver')
