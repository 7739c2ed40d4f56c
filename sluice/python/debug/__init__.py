"""`tensorflow.python.debug` (tfdbg): watch every tensor of a Session.run.

    from sluice.python import debug as tfdbg
    sess = tfdbg.LocalCLIDebugWrapperSession(sess)       # a terminal UI at each run
    sess.add_tensor_filter('has_inf_or_nan', tfdbg.has_inf_or_nan)
    sess = tfdbg.DumpingDebugWrapperSession(sess, '/tmp/dumps')   # dumps to disk, no UI

Modules: dumps.py (what a watched run saw; TF's dump layout; DebugDumpDir), wrappers.py (the
wrapper sessions), local_cli.py (the command-line UI). TensorBoardDebugWrapperSession, the
grpc debug server and the curses UI are not implemented.
"""
from sluice.python.debug.dumps import DebugDumpDir, DebugTensorDatum, has_inf_or_nan  # noqa: F401
from sluice.python.debug.local_cli import LocalCLIDebugWrapperSession  # noqa: F401
from sluice.python.debug.wrappers import BaseDebugWrapperSession, DumpingDebugWrapperSession  # noqa: F401

__all__ = ['LocalCLIDebugWrapperSession', 'DumpingDebugWrapperSession', 'has_inf_or_nan', 'DebugDumpDir',
           'DebugTensorDatum']

from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tfdbg')
