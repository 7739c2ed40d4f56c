"""contrib.layers.utils' shape checks: one dimension of a TensorShape (first, last or the channel axis),
known statically and of a shape of at least `min_rank` dimensions, else a ValueError saying which; and
two_element_tuple (an int or a pair as (height, width)).
"""
from sluice.engine.tensor_shape import TensorShape

__all__ = ['first_dimension', 'last_dimension', 'channel_dimension', 'two_element_tuple']


def _dimension(shape, dim, min_rank):
    dims = shape.dims
    if dims is None:
        raise ValueError('dims of shape must be known but is None')
    if len(dims) < min_rank:
        raise ValueError('rank of shape must be at least %d not: %d' % (min_rank, len(dims)))
    value = dims[dim].value
    if value is None:
        raise ValueError('dimension %d of shape must be known but is None: %s' % (dim, shape))
    return value


def first_dimension(shape, min_rank=1):
    """The size of axis 0 of `shape`."""
    return _dimension(shape, 0, min_rank)


def last_dimension(shape, min_rank=1):
    """The size of the last axis of `shape` (e.g. the channels of an NHWC tensor)."""
    return _dimension(shape, -1, min_rank)


def channel_dimension(shape, data_format, min_rank=1):
    """The size of the channel axis: 1 for 'channels_first', else the last."""
    return _dimension(shape, 1 if data_format == 'channels_first' else -1, min_rank)


def two_element_tuple(int_or_tuple):
    """(h, w) from an int, a list or tuple of two, or a TensorShape of rank 2."""
    if isinstance(int_or_tuple, (list, tuple)):
        if len(int_or_tuple) != 2:
            raise ValueError('Must be a list with 2 elements: %s' % (int_or_tuple,))
        return int(int_or_tuple[0]), int(int_or_tuple[1])
    if isinstance(int_or_tuple, int):
        return int(int_or_tuple), int(int_or_tuple)
    if isinstance(int_or_tuple, TensorShape) and len(int_or_tuple) == 2:
        return int_or_tuple[0], int_or_tuple[1]
    raise ValueError('Must be an int, a list with 2 elements or a TensorShape of length 2')
