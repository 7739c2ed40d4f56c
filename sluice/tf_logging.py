"""tf.logging: TF1's logging functions, over Python's `logging`.

Messages go to the logger 'tensorflow', whose handler (sluice/engine/log.py) prints them in TF's
format, `INFO:tensorflow:message`, on stderr. As in TF the default verbosity is WARN, inherited
from the root logger (tf.logging.info is silent until `tf.logging.set_verbosity(tf.logging.INFO)`
or a `logging.basicConfig(level=INFO)`); set_verbosity sets the level of tf.logging and of the
library's own lines ("Restoring parameters from ...", "Graph was finalized.") together.

log_every_n / log_first_n count calls per call site (the caller's file and line), as TF does.
fatal() logs at FATAL (CRITICAL) and returns, as TF's does.
"""
import logging as _logging
import sys as _sys
import threading as _threading

from sluice.engine import log as _sluice_log

__all__ = ['DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'FATAL', 'debug', 'info', 'warn', 'warning', 'error',
           'fatal', 'log', 'log_if', 'log_every_n', 'log_first_n', 'vlog', 'set_verbosity', 'get_verbosity',
           'get_logger', 'flush', 'TaskLevelStatusMessage']

DEBUG = _logging.DEBUG        # 10
INFO = _logging.INFO          # 20
WARN = _logging.WARN          # 30
WARNING = _logging.WARNING    # 30
ERROR = _logging.ERROR        # 40
FATAL = _logging.FATAL        # 50

_logger = _sluice_log.tf_logger

_counts = {}
_counts_lock = _threading.Lock()


def get_logger():
    """The Python logger tf.logging writes to."""
    return _logger


def _emit(level, msg, args, kwargs):
    # stacklevel 3: the record names the program's line, not this module's
    kwargs.setdefault('stacklevel', 3)
    _logger.log(level, msg, *args, **kwargs)


def log(level, msg, *args, **kwargs):
    _emit(level, msg, args, kwargs)


def debug(msg, *args, **kwargs):
    _emit(DEBUG, msg, args, kwargs)


def info(msg, *args, **kwargs):
    _emit(INFO, msg, args, kwargs)


def warning(msg, *args, **kwargs):
    _emit(WARNING, msg, args, kwargs)


warn = warning


def error(msg, *args, **kwargs):
    _emit(ERROR, msg, args, kwargs)


def fatal(msg, *args, **kwargs):
    """Logs at FATAL; like TF's, it does not stop the program."""
    _emit(FATAL, msg, args, kwargs)


def vlog(level, msg, *args, **kwargs):
    _emit(level, msg, args, kwargs)


def log_if(level, msg, condition, *args):
    if condition:
        _logger.log(level, msg, *args, stacklevel=2)


def _next_count(depth):
    frame = _sys._getframe(depth)
    token = (frame.f_code.co_filename, frame.f_lineno)
    with _counts_lock:
        count = _counts.get(token, 0)
        _counts[token] = count + 1
    return count


def log_every_n(level, msg, n, *args):
    """Logs the 1st, (n+1)th, (2n+1)th... call made from this line."""
    if not _next_count(2) % n:
        _logger.log(level, msg, *args, stacklevel=2)


def log_first_n(level, msg, n, *args):
    """Logs only the first n calls made from this line."""
    if _next_count(2) < n:
        _logger.log(level, msg, *args, stacklevel=2)


def set_verbosity(v):
    """Messages below level v are dropped, tf.logging's and the library's alike."""
    _sluice_log.set_level(v)


def get_verbosity():
    return _logger.getEffectiveLevel()


def flush():
    """Flushes the handlers the messages go through."""
    logger = _logger
    while logger is not None:
        for handler in logger.handlers:
            handler.flush()
        logger = logger.parent if logger.propagate else None


def TaskLevelStatusMessage(msg):  # noqa: N802  (TF's name)
    error(msg)


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.logging')
