"""`tensorflow.python.training.session_manager`: TF 1.15's SessionManager, and its module-private
`_ready(op, sess, msg)` that programs reach into (google/seq2seq's SyncReplicasOptimizer hook).

A TF name sluice lacks raises AttributeError saying so.
"""
from sluice.training import monitored_session as _monitored_session
from sluice.training.monitored_session import SessionManager  # noqa: F401


def _ready(op, sess, msg):
    """(True, None) when `op` reports nothing uninitialized, else (False, the names it reports)."""
    return _monitored_session._ready(op, sess)


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tensorflow.python.training.session_manager')
