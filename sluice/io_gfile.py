"""tf.io.gfile: the file functions under the lowercase names TF 1.15 exports there (TF 2's gfile).

Each is tf.gfile's function under its new name (copy = Copy, isdir = IsDirectory, rmtree =
DeleteRecursively, ...); walk(top, topdown, onerror) follows TF's walk_v2: an unlistable directory is
passed to onerror (a NotFoundError) and skipped.
"""
import os

from sluice.engine import errors
from sluice.io.graph_io import (Copy, DeleteRecursively, Exists, GFile, Glob, IsDirectory, ListDirectory,  # noqa: F401
                                MakeDirs, MkDir, Remove, Rename, Stat)
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__all__ = ['GFile', 'copy', 'exists', 'glob', 'isdir', 'listdir', 'makedirs', 'mkdir', 'remove', 'rename',
           'rmtree', 'stat', 'walk']

exists = Exists
glob = Glob
isdir = IsDirectory
listdir = ListDirectory
makedirs = MakeDirs
mkdir = MkDir
remove = Remove
rmtree = DeleteRecursively
stat = Stat


def copy(src, dst, overwrite=False):
    Copy(src, dst, overwrite)


def rename(src, dst, overwrite=False):
    Rename(src, dst, overwrite)


def walk(top, topdown=True, onerror=None):
    """Yields (dirname, subdirectory names, file names) for `top` and every directory below it."""
    try:
        listing = ListDirectory(top)
    except errors.NotFoundError as err:
        if onerror:
            onerror(err)
        return
    subdirs = [name for name in listing if IsDirectory(os.path.join(top, name))]
    files = [name for name in listing if name not in subdirs]
    here = (top, subdirs, files)
    if topdown:
        yield here
    for subdir in subdirs:
        yield from walk(os.path.join(top, subdir), topdown, onerror)
    if not topdown:
        yield here


__getattr__ = _namespace_getattr(__name__, 'tf.io.gfile')
