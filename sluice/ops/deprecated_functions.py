"""Functions TF 1.15 keeps only as deprecated names: tf.arg_max and tf.arg_min (the raw ArgMax/ArgMin
wrappers: `dimension` is required, output_type int64). Each logs TF's deprecation warning on its first
call, then builds the same op as tf.argmax / tf.argmin.
"""
import logging

from sluice.engine import dtypes
from sluice.ops import reduction_ops

__all__ = ['arg_max', 'arg_min']

_log = logging.getLogger('sluice')
_warned = set()


def _warn_once(name, instead):
    if name not in _warned:
        _warned.add(name)
        _log.warning('%s (from tensorflow.python.ops.gen_math_ops) is deprecated and will be removed in a future '
                     'version.\nInstructions for updating:\nUse `%s` instead', name, instead)


def arg_max(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the largest value along `dimension` (op ArgMax); deprecated: use tf.math.argmax."""
    _warn_once('arg_max', 'tf.math.argmax')
    return reduction_ops.argmax(input, dimension, name=name, output_type=output_type)


def arg_min(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """Index of the smallest value along `dimension` (op ArgMin); deprecated: use tf.math.argmin."""
    _warn_once('arg_min', 'tf.math.argmin')
    return reduction_ops.argmin(input, dimension, name=name, output_type=output_type)
