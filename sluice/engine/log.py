"""sluice's log lines, as TF1 prints them: `INFO:tensorflow:Restoring parameters from ...`.

Two loggers, one output:
- 'tensorflow' (TF's name) is the logger of `tf.logging` and the one with the output handler. Its
  format is Python's BASIC_FORMAT, `LEVEL:tensorflow:message`, as TF's get_logger sets it. Its level
  is left unset, so the verbosity follows the root logger (WARN unless the program configures it):
  library INFO lines stay hidden until `tf.logging.set_verbosity(tf.logging.INFO)`.
- 'sluice' (`logger` below) is what the library's modules log to. It does not propagate; its one
  handler hands each record, renamed 'tensorflow', to the 'tensorflow' logger. So a record passes
  one level check ('sluice''s, which set_verbosity keeps equal to 'tensorflow''s) and then reaches
  the same handlers as tf.logging's own lines, root's included (pytest's caplog, a user's file).

One line per message: the handler steps aside for a record when another handler on the way to the
root (a `logging.basicConfig` handler, TensorFlow's own when both are imported) already writes to
the same stream. TF adds its handler only when the root has none at import time, so a basicConfig
call after `import tensorflow` prints every line twice there; here the check is made per record.
In an interactive shell (sys.ps1 set, or `python -i`) the lines go to stdout at INFO, as TF's do.
The stream is looked up at each record, so redirections of sys.stderr (capsys, notebooks) apply.
"""
import logging
import sys

TF_LOGGER_NAME = 'tensorflow'

tf_logger = logging.getLogger(TF_LOGGER_NAME)
logger = logging.getLogger('sluice')


def _interactive():
    return hasattr(sys, 'ps1') or bool(sys.flags.interactive)


class TFStreamHandler(logging.StreamHandler):
    """Writes `LEVEL:tensorflow:message` to the current stderr (stdout when interactive)."""

    def __init__(self, to_stdout=False):
        logging.Handler.__init__(self)
        self._to_stdout = to_stdout
        self.setFormatter(logging.Formatter(logging.BASIC_FORMAT, None))

    @property
    def stream(self):
        return sys.stdout if self._to_stdout else sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.setStream assigns it; the target stays dynamic
        pass

    def _written_elsewhere(self, record):
        stream = self.stream
        node = tf_logger
        while node is not None:
            for handler in node.handlers:
                if (handler is not self and isinstance(handler, logging.StreamHandler)
                        and getattr(handler, 'stream', None) is stream and record.levelno >= handler.level):
                    return True
            node = node.parent if node.propagate else None
        return False

    def emit(self, record):
        if not self._written_elsewhere(record):
            super().emit(record)


class _ToTensorflowLogger(logging.Handler):
    """Hands the library's records to the 'tensorflow' logger under its name."""

    def emit(self, record):
        record.name = TF_LOGGER_NAME
        tf_logger.handle(record)

    def handle(self, record):  # no lock: the 'tensorflow' handlers take their own
        self.emit(record)
        return True


def set_level(level):
    """Sets the verbosity of tf.logging and of the library's lines together."""
    tf_logger.setLevel(level)
    logger.setLevel(level)


def _install():
    if not any(isinstance(h, TFStreamHandler) for h in tf_logger.handlers):
        interactive = _interactive()
        tf_logger.addHandler(TFStreamHandler(to_stdout=interactive))
        if interactive:
            set_level(logging.INFO)
    if not any(isinstance(h, _ToTensorflowLogger) for h in logger.handlers):
        logger.addHandler(_ToTensorflowLogger())
    logger.propagate = False


_install()
