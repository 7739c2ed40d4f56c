"""tf.manip: the TF 1.x home of a few array functions."""
from sluice.ops.array_ops import gather_nd, reshape, reverse, tile  # noqa: F401


from sluice.unimplemented import namespace_getattr as _namespace_getattr  # noqa: E402

__getattr__ = _namespace_getattr(__name__, 'tf.manip')
