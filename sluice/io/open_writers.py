"""The writers that hold data in the process, closed at interpreter exit within a time limit.

TF flushes its event and record writers when the process ends; a program that never calls close()
keeps everything it wrote. Here each writer that buffers (TFRecordWriter, the thread behind an
EventFileWriter) calls track(obj) when it opens. The registry holds it weakly (a WeakSet): it keeps
no writer alive, and one that is garbage-collected closes itself (its own finalizer). At exit, one
atexit hook calls `obj._close_at_exit()` for every writer still tracked, oldest first, in a daemon
thread, and waits for that thread at most EXIT_SECONDS in all ($SLUICE_WRITER_EXIT_SECONDS; default
10): a slow or hung disk costs at most that long, then the interpreter ends anyway and a warning
names the writers that did not finish. A writer leaves the registry by calling untrack(obj) when
closed.

atexit runs its hooks after the non-daemon threads are joined, so writers used by such threads are
complete; hooks registered after this module's import (that is, by the program) run before this
one, so a program's own atexit code may still write.
"""
import atexit
import itertools
import logging
import os
import threading
import weakref

logger = logging.getLogger('sluice')

_DEFAULT_EXIT_SECONDS = 10.0

_lock = threading.Lock()
_open = weakref.WeakKeyDictionary()   # writer -> order of opening
_order = itertools.count()


def exit_seconds():
    """The most seconds interpreter exit waits for the writers to finish."""
    try:
        return max(0.0, float(os.environ.get('SLUICE_WRITER_EXIT_SECONDS', _DEFAULT_EXIT_SECONDS)))
    except ValueError:
        return _DEFAULT_EXIT_SECONDS


def track(writer):
    """Closes `writer` (its `_close_at_exit()`) at exit unless it is untracked or collected first."""
    with _lock:
        _open[writer] = next(_order)


def untrack(writer):
    with _lock:
        _open.pop(writer, None)


def tracked():
    """The writers still open, oldest first."""
    with _lock:
        return [w for w, _ in sorted(_open.items(), key=lambda item: item[1])]


def close_all(timeout):
    """Closes every tracked writer in a daemon thread; returns the writers not closed within `timeout` s."""
    writers = tracked()
    if not writers:
        return []
    pending = list(writers)

    def close_each():
        for writer in writers:
            try:
                writer._close_at_exit()
            except Exception as e:  # one failing writer must not keep the others from closing
                logger.error('Closing %r at exit failed: %s', writer, e)
            pending.remove(writer)

    closer = threading.Thread(target=close_each, name='sluice-close-writers', daemon=True)
    closer.start()
    closer.join(timeout)
    return list(pending)


def _close_at_exit():
    seconds = exit_seconds()
    unfinished = close_all(seconds)
    if unfinished:
        logger.warning('%d writer(s) did not finish writing within %g s of exit (their last data may be lost): %s',
                       len(unfinished), seconds, ', '.join(repr(w) for w in unfinished))


atexit.register(_close_at_exit)
