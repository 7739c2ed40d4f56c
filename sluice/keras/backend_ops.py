"""tf.keras.backend's tensor functions (TF 1.15): thin wrappers over sluice ops with Keras's names,
argument orders and defaults.

- Reductions take `(x, axis=None, keepdims=False)`; `mean`/`var`/`std` cast bool inputs to floatx first.
- `dot` of nD tensors folds `x` to 2D and `y` to (its second-to-last dim, rest), multiplies, and unfolds
  to x.shape[:-1] + y.shape[:-2] + y.shape[-1:] (Theano's `dot`); `batch_dot` contracts `axes` per sample
  with a batched matmul (or a multiply-and-sum when both are 2D), padding the lower-rank operand with unit
  dims and squeezing them after.
- `zeros`/`ones`/`eye` of a fully known shape are Keras variables (tracked, initialized by get_session);
  `sqrt` clips at 0 and `clip` raises `max_value` to `min_value`, as TF 1.15 does.
- `switch` with a scalar condition is a `cond`; with a tensor condition, an elementwise `where` after
  tiling the condition up to the branches' rank.
The neural-network functions live in `backend_nn`, `K.rnn` in `backend_rnn`; both are re-exported here.
The session, variables, placeholders, values and `function` belong to `backend` itself.
"""
import builtins

import numpy as np

from sluice.engine import dtypes as _dtypes
from sluice.engine import graph as _graph
from sluice.engine.tensor_conversion import convert_to_tensor, is_tensor
from sluice.keras import backend as _backend
from sluice.ops import (array_ops, clip_ops, constant_op, control_flow_ops, elementwise_ops as _E, filling_ops,
                        gradients_impl, graph_ops, indexing_ops, logging_ops, math_ops, reduction_ops,
                        sparse_ops, state_ops)
from sluice.ops.sparse_tensor import SparseTensor

__all__ = [
    'shape', 'is_sparse', 'to_dense', 'zeros', 'ones', 'eye', 'zeros_like', 'ones_like', 'identity',
    'random_uniform_variable', 'random_normal_variable', 'cast', 'update', 'update_add', 'update_sub',
    'moving_average_update', 'dot', 'batch_dot', 'transpose', 'gather', 'max', 'min', 'sum', 'prod', 'cumsum',
    'cumprod', 'var', 'std', 'mean', 'any', 'all', 'argmax', 'argmin', 'square', 'abs', 'sqrt', 'exp', 'log',
    'logsumexp', 'round', 'sign', 'pow', 'clip', 'equal', 'not_equal', 'greater', 'greater_equal', 'less',
    'less_equal', 'maximum', 'minimum', 'sin', 'cos', 'concatenate', 'reshape', 'permute_dimensions',
    'repeat_elements', 'repeat', 'arange', 'tile', 'flatten', 'batch_flatten', 'expand_dims', 'squeeze',
    'temporal_padding', 'spatial_2d_padding', 'spatial_3d_padding', 'stack', 'one_hot', 'reverse',
    'print_tensor', 'gradients', 'stop_gradient', 'switch', 'in_train_phase', 'in_test_phase', 'map_fn',
    'foldl', 'foldr',
]


def _constant_to_tensor(x, dtype):
    return constant_op.constant(x, dtype=dtype)


def _floatx():
    return _backend.floatx()


# -- shapes and conversions ----------------------------------------------------------------------------------------
def shape(x):
    return array_ops.shape(x)


def is_sparse(tensor):
    return isinstance(tensor, SparseTensor)


def to_dense(tensor):
    return sparse_ops.sparse_tensor_to_dense(tensor) if is_sparse(tensor) else tensor


def _int_shape(x):
    return _backend.int_shape(x)


def _ndim(x):
    return x.shape.ndims


# -- constant-filled tensors and variables ---------------------------------------------------------------------------
def _filled(fill, shape_, dtype, name):
    dtype = _dtypes.as_dtype(dtype or _floatx())
    static = shape_ if isinstance(shape_, (list, tuple)) else None
    if static is not None and builtins.all(isinstance(d, (int, np.integer)) and d for d in static):
        return _backend.variable(fill(tuple(static), dtype.as_numpy_dtype), dtype=dtype, name=name)
    with _graph.get_default_graph().control_dependencies(None):
        make = filling_ops.zeros if fill is np.zeros else filling_ops.ones
        return make(shape_, dtype=dtype, name=name)


def zeros(shape, dtype=None, name=None):  # noqa: A002 - Keras's argument name
    """A variable of zeros when `shape` is fully known, else a zeros tensor."""
    return _filled(np.zeros, shape, dtype, name)


def ones(shape, dtype=None, name=None):  # noqa: A002
    return _filled(np.ones, shape, dtype, name)


def eye(size, dtype=None, name=None):
    dtype = _dtypes.as_dtype(dtype or _floatx())
    return _backend.variable(np.eye(size, dtype=dtype.as_numpy_dtype), dtype=dtype, name=name)


def zeros_like(x, dtype=None, name=None):
    return filling_ops.zeros_like(x, dtype=dtype, name=name)


def ones_like(x, dtype=None, name=None):
    return filling_ops.ones_like(x, dtype=dtype, name=name)


def identity(x, name=None):
    return graph_ops.identity(x, name=name)


def _seeded_initial_value(initializer, shape_, dtype):
    """The initializer's value, computed once in a scratch graph (a Keras variable's initial value is data)."""
    from sluice.engine.session import Session
    g = _graph.Graph()
    with g.as_default():
        value = initializer(list(shape_), dtype=dtype)
        with Session(graph=g) as session:
            return session.run(value)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):  # noqa: A002
    from sluice.ops import init_ops
    dtype = _dtypes.as_dtype(dtype or _floatx())
    seed = np.random.randint(10e8) if seed is None else seed
    value = _seeded_initial_value(init_ops.random_uniform_initializer(low, high, seed=seed), shape, dtype)
    return _backend.variable(value, dtype=dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):  # noqa: A002
    from sluice.ops import init_ops
    dtype = _dtypes.as_dtype(dtype or _floatx())
    seed = np.random.randint(10e8) if seed is None else seed
    value = _seeded_initial_value(init_ops.random_normal_initializer(mean, scale, seed=seed), shape, dtype)
    return _backend.variable(value, dtype=dtype, name=name)


def cast(x, dtype):
    return math_ops.cast(x, dtype)


# -- variable updates --------------------------------------------------------------------------------------------------
def update(x, new_x):
    return state_ops.assign(x, new_x)


def update_add(x, increment):
    return state_ops.assign_add(x, increment)


def update_sub(x, decrement):
    return state_ops.assign_sub(x, decrement)


def moving_average_update(x, value, momentum):
    """x <- x * momentum + value * (1 - momentum), zero-debiased as in TF 1.x graph mode."""
    from sluice.training import moving_averages
    return moving_averages.assign_moving_average(x, value, momentum, zero_debias=True)


# -- linear algebra ----------------------------------------------------------------------------------------------------
def _mixed_shape(x):
    """Static dims where known, dynamic scalars elsewhere."""
    dynamic = array_ops.unstack(array_ops.shape(x))
    return tuple(s if s is not None else d for s, d in zip(_int_shape(x), dynamic))


def dot(x, y):
    """Theano-style dot: for nD operands, sums over x's last axis and y's second-to-last."""
    if _ndim(x) is not None and (_ndim(x) > 2 or _ndim(y) > 2):
        x_shape, y_shape = _mixed_shape(x), _mixed_shape(y)
        perm = list(range(_ndim(y)))
        perm = [perm.pop(-2)] + perm
        xt = array_ops.reshape(x, [-1, x_shape[-1]])
        yt = array_ops.reshape(array_ops.transpose(y, perm=perm), [y_shape[-2], -1])
        out_shape = x_shape[:-1] + y_shape[:-2] + y_shape[-1:]
        return array_ops.reshape(math_ops.matmul(xt, yt), list(out_shape))
    if is_sparse(x):
        return sparse_ops.sparse_tensor_dense_matmul(x, y)
    return math_ops.matmul(x, y)


def batch_dot(x, y, axes=None):
    """Per-sample dot product over `axes` (default: x's last and y's second-to-last)."""
    if isinstance(axes, int):
        axes = (axes, axes)
    x_ndim, y_ndim = _ndim(x), _ndim(y)
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 2]
    diff = builtins.abs(x_ndim - y_ndim)
    if x_ndim > y_ndim:
        y = array_ops.reshape(y, array_ops.concat([array_ops.shape(y), [1] * diff], axis=0))
    elif y_ndim > x_ndim:
        x = array_ops.reshape(x, array_ops.concat([array_ops.shape(x), [1] * diff], axis=0))
    if _ndim(x) == 2 and _ndim(y) == 2:
        if axes[0] == axes[1]:
            out = reduction_ops.reduce_sum(_E.multiply(x, y), axes[0])
        else:
            out = reduction_ops.reduce_sum(_E.multiply(array_ops.transpose(x, [1, 0]), y), axes[1])
    else:
        adj_x = axes[0] != _ndim(x) - 1
        adj_y = axes[1] == _ndim(y) - 1
        out = math_ops.matmul(x, y, adjoint_a=adj_x, adjoint_b=adj_y)
    if diff:
        idx = x_ndim + y_ndim - 3 if x_ndim > y_ndim else x_ndim - 1
        out = array_ops.squeeze(out, list(range(idx, idx + diff)))
    if _ndim(out) == 1:
        out = array_ops.expand_dims(out, 1)
    return out


def transpose(x):
    return array_ops.transpose(x)


def gather(reference, indices):
    return indexing_ops.gather(reference, indices)


# -- reductions --------------------------------------------------------------------------------------------------------
def _as_float_if_bool(x):
    x = convert_to_tensor(x)
    return math_ops.cast(x, _floatx()) if x.dtype.base_dtype == _dtypes.bool else x


def max(x, axis=None, keepdims=False):  # noqa: A001 - Keras's names shadow builtins, as in TF
    return reduction_ops.reduce_max(x, axis, keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return reduction_ops.reduce_min(x, axis, keepdims)


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return reduction_ops.reduce_sum(x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    return reduction_ops.reduce_prod(x, axis, keepdims)


def cumsum(x, axis=0):
    return reduction_ops.cumsum(x, axis=axis)


def cumprod(x, axis=0):
    return reduction_ops.cumprod(x, axis=axis)


def var(x, axis=None, keepdims=False):
    return reduction_ops.reduce_variance(_as_float_if_bool(x), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return reduction_ops.reduce_std(_as_float_if_bool(x), axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return reduction_ops.reduce_mean(_as_float_if_bool(x), axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return reduction_ops.reduce_any(math_ops.cast(x, _dtypes.bool), axis, keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return reduction_ops.reduce_all(math_ops.cast(x, _dtypes.bool), axis, keepdims)


def argmax(x, axis=-1):
    return reduction_ops.argmax(x, axis)


def argmin(x, axis=-1):
    return reduction_ops.argmin(x, axis)


def logsumexp(x, axis=None, keepdims=False):
    return reduction_ops.reduce_logsumexp(x, axis, keepdims)


# -- elementwise math --------------------------------------------------------------------------------------------------
def square(x):
    return _E.square(x)


def abs(x):  # noqa: A001
    return _E.abs(x)


def sqrt(x):
    """sqrt of x clipped at 0 (negative inputs give 0, not NaN)."""
    x = convert_to_tensor(x)
    base = x.dtype.base_dtype
    return _E.sqrt(clip_ops.clip_by_value(x, _constant_to_tensor(0., base), _constant_to_tensor(np.inf, base)))


def exp(x):
    return _E.exp(x)


def log(x):
    return _E.log(x)


def round(x):  # noqa: A001
    return _E.round(x)


def sign(x):
    return _E.sign(x)


def pow(x, a):  # noqa: A001
    return _E.pow(x, a)


def clip(x, min_value, max_value):
    """clip_by_value; a `max_value` below `min_value` becomes `min_value`, None means +inf."""
    if max_value is not None and max_value < min_value:
        max_value = min_value
    if max_value is None:
        max_value = np.inf
    x = convert_to_tensor(x)
    base = x.dtype.base_dtype
    return clip_ops.clip_by_value(x, _constant_to_tensor(min_value, base), _constant_to_tensor(max_value, base))


def equal(x, y):
    return _E.equal(x, y)


def not_equal(x, y):
    return _E.not_equal(x, y)


def greater(x, y):
    return _E.greater(x, y)


def greater_equal(x, y):
    return _E.greater_equal(x, y)


def less(x, y):
    return _E.less(x, y)


def less_equal(x, y):
    return _E.less_equal(x, y)


def maximum(x, y):
    return _E.maximum(x, y)


def minimum(x, y):
    return _E.minimum(x, y)


def sin(x):
    return _E.sin(x)


def cos(x):
    return _E.cos(x)


# -- reshaping and joining ---------------------------------------------------------------------------------------------
def concatenate(tensors, axis=-1):
    if axis < 0:
        rank = _ndim(tensors[0])
        axis = axis % rank if rank else 0
    if builtins.all(is_sparse(x) for x in tensors):
        from sluice.ops import sparse_manip_ops
        return sparse_manip_ops.sparse_concat(axis, tensors)
    return array_ops.concat([to_dense(x) for x in tensors], axis)


def reshape(x, shape):  # noqa: A002
    return array_ops.reshape(x, shape)


def permute_dimensions(x, pattern):
    return array_ops.transpose(x, perm=pattern)


def repeat_elements(x, rep, axis):
    """Each slice along `axis` repeated `rep` times in place (np.repeat)."""
    x_shape = x.shape.as_list()
    if x_shape[axis] is not None:
        splits = array_ops.split(x, num_or_size_splits=x_shape[axis], axis=axis)
        return concatenate([s for s in splits for _ in range(rep)], axis)
    auxiliary = axis + 1
    reps = np.ones(len(x_shape) + 1, dtype=np.int32)
    reps[auxiliary] = rep
    tiled = array_ops.tile(array_ops.expand_dims(x, axis=auxiliary), reps.tolist())
    reps = np.delete(reps, auxiliary)
    reps[axis] = rep
    out = array_ops.reshape(tiled, array_ops.shape(x) * constant_op.constant(reps, dtype='int32'))
    out.set_shape(x_shape)
    return out


def repeat(x, n):
    """(batch, dim) -> (batch, n, dim)."""
    if _ndim(x) != 2:
        raise ValueError('K.repeat expects a 2D tensor, got shape ' + str(_int_shape(x)))
    return array_ops.tile(array_ops.expand_dims(x, 1), array_ops.stack([1, n, 1]))


def arange(start, stop=None, step=1, dtype='int32'):
    if stop is None and start < 0:
        start = 0
    result = filling_ops.range(start, limit=stop, delta=step, name='arange')
    return result if dtype == 'int32' else cast(result, dtype)


def tile(x, n):
    return array_ops.tile(x, [n] if isinstance(n, int) else n)


def flatten(x):
    return array_ops.reshape(x, [-1])


def batch_flatten(x):
    """(batch, ...) -> (batch, prod(...))."""
    return array_ops.reshape(x, array_ops.stack([-1, prod(shape(x)[1:])]))


def expand_dims(x, axis=-1):
    return array_ops.expand_dims(x, axis)


def squeeze(x, axis):
    return array_ops.squeeze(x, [axis])


def temporal_padding(x, padding=(1, 1)):
    if len(padding) != 2:
        raise ValueError('temporal_padding expects 2 padding values, got ' + str(padding))
    return indexing_ops.pad(x, [[0, 0], [padding[0], padding[1]], [0, 0]])


def _check_data_format(data_format):
    data_format = _backend.image_data_format() if data_format is None else data_format
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('Unknown data_format: ' + str(data_format))
    return data_format


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    data_format = _check_data_format(data_format)
    pads = [list(p) for p in padding]
    if len(pads) != 2 or builtins.any(len(p) != 2 for p in pads):
        raise ValueError('spatial_2d_padding expects ((top, bottom), (left, right)), got ' + str(padding))
    pattern = [[0, 0], [0, 0]] + pads if data_format == 'channels_first' else [[0, 0]] + pads + [[0, 0]]
    return indexing_ops.pad(x, pattern)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    data_format = _check_data_format(data_format)
    pads = [list(p) for p in padding]
    if len(pads) != 3 or builtins.any(len(p) != 2 for p in pads):
        raise ValueError('spatial_3d_padding expects 3 (before, after) pairs, got ' + str(padding))
    pattern = [[0, 0], [0, 0]] + pads if data_format == 'channels_first' else [[0, 0]] + pads + [[0, 0]]
    return indexing_ops.pad(x, pattern)


def stack(x, axis=0):
    return array_ops.stack(x, axis=axis)


def one_hot(indices, num_classes):
    return filling_ops.one_hot(indices, depth=num_classes, axis=-1)


def reverse(x, axes):
    return indexing_ops.reverse(x, [axes] if isinstance(axes, int) else axes)


def print_tensor(x, message=''):
    """`x`, printing `message` and its value when it is evaluated."""
    return logging_ops.Print(x, [x], message)


# -- gradients and control -------------------------------------------------------------------------------------------
def gradients(loss, variables):
    return gradients_impl.gradients(loss, variables, colocate_gradients_with_ops=True)


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [array_ops.stop_gradient(v) for v in variables]
    return array_ops.stop_gradient(variables)


def switch(condition, then_expression, else_expression):
    """cond for a scalar condition; elementwise select (condition tiled to the branches) otherwise."""
    condition = convert_to_tensor(condition)
    if condition.dtype != _dtypes.bool:
        condition = math_ops.cast(condition, 'bool')
    cond_ndim = _ndim(condition)
    if not cond_ndim:
        then_fn = then_expression if callable(then_expression) else (lambda: then_expression)
        else_fn = else_expression if callable(else_expression) else (lambda: else_expression)
        return control_flow_ops.cond(condition, then_fn, else_fn)
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    expr_ndim = _ndim(then_expression)
    if cond_ndim > expr_ndim:
        raise ValueError('Rank of `condition` should be less than or equal to rank of `then_expression` and '
                         '`else_expression`. ndim(condition)=' + str(cond_ndim) +
                         ', ndim(then_expression)=' + str(expr_ndim))
    if cond_ndim > 1:
        cond_shape = array_ops.concat([array_ops.shape(condition), [1] * (expr_ndim - cond_ndim)], axis=0)
        condition = array_ops.reshape(condition, cond_shape)
        expr_shape = array_ops.shape(then_expression)
        tile_shape = indexing_ops.where(_E.greater(expr_shape - cond_shape, 0), expr_shape,
                                        filling_ops.ones_like(expr_shape))
        condition = array_ops.tile(condition, tile_shape)
    return indexing_ops.where(condition, then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """`x` in training, `alt` otherwise; a Python `training` picks at graph-build time."""
    if training is None:
        training = _backend.learning_phase()
    if not is_tensor(training):
        if training == 1 or training is True:
            return x() if callable(x) else x
        if training == 0 or training is False:
            return alt() if callable(alt) else alt
    return switch(training, x, alt)


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training=training)


def map_fn(fn, elems, name=None, dtype=None):
    return control_flow_ops.map_fn(fn, elems, name=name, dtype=dtype)


def foldl(fn, elems, initializer=None, name=None):
    return control_flow_ops.foldl(fn, elems, initializer=initializer, name=name)


def foldr(fn, elems, initializer=None, name=None):
    return control_flow_ops.foldr(fn, elems, initializer=initializer, name=name)


from sluice.keras.backend_nn import *  # noqa: E402,F401,F403
from sluice.keras.backend_nn import __all__ as _nn_all  # noqa: E402
from sluice.keras.backend_rnn import rnn  # noqa: E402,F401

__all__ += _nn_all + ['rnn']
