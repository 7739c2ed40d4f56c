"""tf.version: which TensorFlow API sluice implements, and what this sluice is.

VERSION is the TF release whose 1.x graph-mode API sluice follows (programs that gate on the TF
version read it, as `tf.__version__` too); sluice's own release is SLUICE_VERSION, as pip reports it. GIT_VERSION names
the implementation, COMPILER_VERSION the compiler of the Python that runs it (sluice is Python; its
optional C loops are built with the same toolchain). The GraphDef versions are what sluice writes
and accepts.
"""
import platform as _platform

from sluice.io.graph_def import GRAPH_DEF_VERSION, GRAPH_DEF_VERSION_MIN_CONSUMER  # noqa: F401

SLUICE_VERSION = '0.1.0'
VERSION = '1.15.0'
GIT_VERSION = 'sluice-v%s' % SLUICE_VERSION
COMPILER_VERSION = _platform.python_compiler()
GRAPH_DEF_VERSION_MIN_PRODUCER = 0  # as TF: GraphDefs of any producer version are read


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.version')
