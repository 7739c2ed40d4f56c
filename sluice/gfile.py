"""tf.gfile: file helpers on the local file system (TF1's names)."""
from sluice.io.graph_io import (Copy, DeleteRecursively, Exists, FastGFile, GFile, Glob, IsDirectory,  # noqa: F401
                                ListDirectory, MakeDirs, MkDir, Open, Remove, Rename, Stat, Walk)


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.gfile')
