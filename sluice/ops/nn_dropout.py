"""tf.nn.dropout, built as TF builds it: each element is kept when its uniform sample is >= rate and the kept
ones are scaled by 1 / (1 - rate) (a Python rate of 0 returns x itself); noise_shape broadcasts one draw
over the dims where it is 1.
"""
import numbers

from sluice.engine import graph as _graph
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, math_ops, random_ops
from sluice.ops.deprecation import deprecated_argument_lookup

__all__ = ['dropout']


def _noise_shape(x, noise_shape):
    if noise_shape is None:
        return array_ops.shape(x)
    if _graph.is_tensor(noise_shape):
        return noise_shape
    try:
        dims = list(TensorShape(noise_shape)._dims)
    except (TypeError, ValueError):
        return noise_shape
    x_dims = x.shape._dims
    if x_dims is not None and len(x_dims) == len(dims):
        dims = [xd if d is None and xd is not None else d for d, xd in zip(dims, x_dims)]
    return dims


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes each element with probability rate (= 1 - keep_prob) and scales the others by 1 / (1 - rate).

    A Python rate of 0 (keep_prob 1) returns x itself. noise_shape broadcasts one draw over dims.
    """
    try:
        from_keep = 1. - keep_prob if keep_prob is not None else None
    except TypeError:
        raise ValueError('`keep_prob` must be a floating point number or Tensor. Received: keep_prob=%s'
                         % (keep_prob,)) from None
    rate = deprecated_argument_lookup('rate', rate, 'keep_prob', from_keep)
    if rate is None:
        raise ValueError('`rate` must be provided. Received: rate=None')
    with name_scope(name, 'dropout', [x]):
        is_number = isinstance(rate, numbers.Real) and not isinstance(rate, bool)
        if is_number and not 0 <= rate < 1:
            raise ValueError('`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate=%s'
                             % rate)
        x = convert_to_tensor(x, name='x')
        dt = x.dtype.base_dtype
        if not dt.is_floating:
            raise ValueError('`x.dtype` must be a floating point tensor as `x` will be scaled. Received: '
                             'x_dtype=%s' % dt)
        if is_number and rate == 0:
            return x
        if is_number:
            scale = constant_op.constant(1 / (1 - rate), dtype=dt)
            ret = math_ops.multiply(x, scale)
        else:
            rate = convert_to_tensor(rate)
            if rate.shape.ndims not in (None, 0):
                raise ValueError('Shape %s must have rank 0' % rate.shape)
            if rate.dtype.base_dtype != dt:
                rate = math_ops.cast(rate, dt, name='rate')
            one = constant_op.constant(1, dtype=dt)
            ret = math_ops.realdiv(x, math_ops.subtract(one, rate))
        sample = random_ops.random_uniform(_noise_shape(x, noise_shape), seed=seed, dtype=dt)
        keep = sample >= rate
        zero = constant_op.constant(0, dtype=dt)
        ret = array_ops.where_v2(keep, ret, zero)
        ret.set_shape(x.shape)
        return ret
