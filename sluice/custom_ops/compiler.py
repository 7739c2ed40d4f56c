"""Compiling a custom-op library's C/C++ sources into a shared library, once per source hash.

Where: $SLUICE_OP_CACHE, else $XDG_CACHE_HOME/sluice/ops, else ~/.cache/sluice/ops (per user).
The key hashes the sources' bytes and names, the compiler command, its version line and the
platform, so an edit, another compiler or another flag gives another library and a stale binary
is never loaded. The library is built in a temporary file and renamed into place, so processes
compiling the same key at once never see half a file.

Command: `$CC` (else cc) for .c files with -std=c99, `$CXX` (else c++) when any source is C++
(.cc, .cpp, .cxx; it then links the C files too), with -O2 -shared -fPIC and the library's own
`CFLAGS`. The include path holds the library's folder and sluice/custom_ops/include (sluice_op.h).
A failed compile raises CompileError with the compiler's own messages, which name each bad
source's file and line.
"""
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile

from sluice.engine import errors

_CXX_SUFFIXES = ('.cc', '.cpp', '.cxx')
INCLUDE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'include')


class CompileError(errors.InvalidArgumentError):
    """The system compiler rejected a custom-op library's sources (its messages are the text)."""

    def __init__(self, message):
        super().__init__(None, None, message)


def cache_dir():
    root = os.environ.get('SLUICE_OP_CACHE')
    if not root:
        base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
        root = os.path.join(base, 'sluice', 'ops')
    os.makedirs(root, exist_ok=True)
    return root


def _compiler(sources):
    if any(s.endswith(_CXX_SUFFIXES) for s in sources):
        return os.environ.get('CXX') or 'c++', []
    return os.environ.get('CC') or 'cc', ['-std=c99']


def _version(compiler):
    try:
        done = subprocess.run([compiler, '--version'], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise CompileError('No C compiler to build custom ops: %s (set CC / CXX)' % e) from None
    return (done.stdout.splitlines() or [''])[0]


def build_shared_library(name, folder, sources, cflags=()):
    """The path of the shared library compiled from `sources` (paths relative to `folder`)."""
    paths = [os.path.join(folder, s) for s in sources]
    for path in paths:
        if not os.path.isfile(path):
            raise errors.NotFoundError(None, None, 'Custom-op library %s: source file %s not found' % (name, path))
    compiler, std = _compiler(sources)
    command = [compiler] + std + ['-O2', '-shared', '-fPIC', '-I', folder, '-I', INCLUDE_DIR] + list(cflags)
    key = hashlib.sha256()
    for part in command[:1] + command[2:] + [_version(compiler), platform.machine(), sys.platform]:
        key.update(part.encode() + b'\0')
    for source, path in zip(sources, paths):
        with open(path, 'rb') as f:
            key.update(source.encode() + b'\0' + f.read() + b'\0')
    with open(os.path.join(INCLUDE_DIR, 'sluice_op.h'), 'rb') as f:
        key.update(f.read())
    target = os.path.join(cache_dir(), '%s-%s.so' % (name, key.hexdigest()[:24]))
    if os.path.exists(target):
        return target
    fd, partial = tempfile.mkstemp(suffix='.so', dir=os.path.dirname(target))
    os.close(fd)
    try:
        # run in the library's folder with relative names, so messages read 'word2vec.c:12:5: error: ...'
        done = subprocess.run(command + ['-o', partial] + list(sources), cwd=folder, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            raise CompileError('Compiling the kernels of custom-op library %s failed (%s in %s):\n%s'
                               % (name, ' '.join(command[:1] + list(sources)), folder,
                                  (done.stderr or done.stdout).strip()))
        shutil.move(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return target
