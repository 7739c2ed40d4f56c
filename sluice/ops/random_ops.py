"""Random ops: declarations of TF's stateful random op types, seeds, and the public functions.

Each op type draws from a per-session, per-node random stream (see kernels/random_kernels.py),
seeded from the node's `seed` and `seed2` attrs; both 0 means nondeterministic.

Seeds follow TF 1.x's `get_seed(op_seed)`:
    graph seed set, op seed None  -> (graph seed, id of the graph's last op so far)
    graph seed set, op seed set   -> (graph seed, op seed)
    graph seed None, op seed set  -> (87654321, op seed)
    neither                        -> (None, None): attrs 0, 0, a fresh random stream per session
Both seeds are reduced modulo 2**31 - 1, and (0, 0) becomes (0, 2**31 - 1) so that seeding with
zeros stays deterministic.

The public functions build TF's node structure under TF's name scopes, so that tensors can be
fetched by TF's names: e.g. `random_normal` is `RandomStandardNormal` scaled by a `Mul` ('mul')
and shifted by an `AddV2` named after the scope itself. Those arithmetic op types are declared by
math_ops; they are looked up when a function is called, never at import.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_registry
from sluice.engine import tensor_shape
from sluice.engine.op_registry import register_op
from sluice.ops import shape_fns

__all__ = ['random_crop', 'get_seed', 'random_normal', 'truncated_normal', 'random_uniform', 'random_shuffle', 'multinomial',
           'random_gamma', 'random_poisson']

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1

_FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_INDEX = (dtypes.int32, dtypes.int64)


# -- shape functions --------------------------------------------------------------------------
def _shape_str(shape):
    dims = shape._dims
    if dims is None:
        return '?'
    return '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def _node_context(op):
    """TF 1.x's suffix of shape-inference errors."""
    return "for '%s' (op: '%s') with input shapes: %s." % (
        op.name, op.type, ', '.join(_shape_str(t._shape) for t in op._inputs))


def _require_rank(op, index, rank):
    dims = op._inputs[index]._shape._dims
    if dims is not None and len(dims) != rank:
        raise ValueError('Shape must be rank %d but is rank %d %s' % (rank, len(dims), _node_context(op)))


def _shape_from_tensor(op, index):
    """The static shape a 1-D shape input describes (TF's MakeShapeFromShapeTensor)."""
    _require_rank(op, index, 1)
    tensor = op._inputs[index]
    value = shape_fns.constant_value(tensor)
    if value is not None:
        for d in np.reshape(value, [-1]):
            if d < -1:
                raise ValueError('Invalid value in tensor used for shape: %d' % d)
    return shape_fns.constant_value_as_shape(tensor)


def _sampled_shape(op):
    return [_shape_from_tensor(op, 0)]


def _uniform_int_shape(op):
    for index, arg in ((1, 'minval'), (2, 'maxval')):
        dims = op._inputs[index]._shape._dims
        if dims is not None and len(dims) != 0:
            raise ValueError('%s must be a scalar; got a tensor of shape %s %s'
                             % (arg, _shape_str(op._inputs[index]._shape), _node_context(op)))
    return [_shape_from_tensor(op, 0)]


def _multinomial_shape(op):
    _require_rank(op, 0, 2)
    _require_rank(op, 1, 0)
    logits = op._inputs[0]._shape._dims
    batch = None if logits is None else logits[0]
    count = shape_fns.constant_value(op._inputs[1])
    if count is not None:
        count = int(count)
        if count < 0:
            raise ValueError('Dimension size, given by scalar input 1, must be non-negative but is %d %s'
                             % (count, _node_context(op)))
    return [tensor_shape.TensorShape([batch, count])]


def _per_parameter_shape(op):
    """RandomGamma / RandomPoissonV2: `shape` samples of every parameter: shape ++ param.shape."""
    return [_shape_from_tensor(op, 0).concatenate(op._inputs[1]._shape)]


_SEED_ATTRS = {'seed': ('int', 0), 'seed2': ('int', 0)}


def _attrs(**kinds):
    result = dict(_SEED_ATTRS)
    result.update(kinds)
    return result


for _name in ('RandomStandardNormal', 'TruncatedNormal', 'RandomUniform'):
    register_op(_name, inputs=['shape: T'], outputs=['output: dtype'], attrs=_attrs(dtype='type', T='type'),
                shape_fn=_sampled_shape, is_stateful=True)
register_op('RandomUniformInt', inputs=['shape: T', 'minval: Tout', 'maxval: Tout'], outputs=['output: Tout'],
            attrs=_attrs(Tout='type', T='type'), shape_fn=_uniform_int_shape, is_stateful=True)
register_op('RandomShuffle', inputs=['value: T'], outputs=['output: T'], attrs=_attrs(T='type'),
            shape_fn=shape_fns.unchanged, is_stateful=True)
register_op('Multinomial', inputs=['logits: T', 'num_samples: int32'], outputs=['output: output_dtype'],
            attrs=_attrs(T='type', output_dtype=('type', dtypes.int64)), shape_fn=_multinomial_shape,
            is_stateful=True)
register_op('RandomGamma', inputs=['shape: S', 'alpha: T'], outputs=['output: T'], attrs=_attrs(S='type', T='type'),
            shape_fn=_per_parameter_shape, is_stateful=True)
register_op('RandomPoissonV2', inputs=['shape: S', 'rate: R'], outputs=['output: dtype'],
            attrs=_attrs(S='type', R=('type', dtypes.float64), dtype=('type', dtypes.int64)),
            shape_fn=_per_parameter_shape, is_stateful=True)


# -- seeds ------------------------------------------------------------------------------------
def _truncate_seed(seed):
    return seed % _MAXINT32


def get_seed(op_seed):
    """The (seed, seed2) pair an op should use, from the default graph's seed and `op_seed`."""
    g = _graph.get_default_graph()
    global_seed = g.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = g._id_counter  # TF 1.x: the id of the last op created in the graph
        seeds = _truncate_seed(global_seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):  # (0, 0) means "nondeterministic" to the kernels; TF avoids it
        return 0, _MAXINT32
    return seeds


def _seed_attrs(seed1, seed2):
    return {'seed': 0 if seed1 is None else int(seed1), 'seed2': 0 if seed2 is None else int(seed2)}


# -- building helpers -------------------------------------------------------------------------
def _check_type(param, dtype, allowed):
    if dtype.base_dtype not in allowed:
        raise TypeError("Value passed to parameter '%s' has DataType %s not in list of allowed values: %s"
                        % (param, dtype.base_dtype.name, ', '.join(d.name for d in allowed)))


def _shape_tensor(shape):
    """A shape argument (list, tuple, TensorShape or tensor) as an int32/int64 tensor named 'shape'."""
    if isinstance(shape, (tuple, list)):
        if not shape:
            shape = np.zeros([0], np.int32)  # as TF: int32 (a NumPy array: constant() refuses [] as int32)
        else:
            shape = tuple(tensor_shape.dimension_value(d) for d in shape)
    tensor = _graph.convert_to_tensor(shape, name='shape')
    _check_type('shape', tensor.dtype, _INDEX)
    return tensor


def _new_op(op_type, inputs, attrs, name=None):
    return _graph.get_default_graph()._create_op(op_type, inputs, attrs, name=name)._outputs[0]


def _require(op_type):
    """Op types declared by math_ops/array_ops are looked up when used, never at import."""
    if op_type not in op_registry._REGISTRY:
        raise NotImplementedError("The random ops need the '%s' op type (declared by sluice's math or array "
                                  'ops), which is not registered.' % op_type)


def _math_op(op_type, x, y, name):
    _require(op_type)
    return _new_op(op_type, [x, y], {}, name)


def _sample(op_type, shape_t, dtype, seed, name=None):
    _check_type('dtype', dtype, _FLOATS)
    return _new_op(op_type, [shape_t], dict(_seed_attrs(*get_seed(seed)), dtype=dtype), name)


# -- public functions -------------------------------------------------------------------------
def _scaled_normal(op_type, default_name, shape, mean, stddev, dtype, seed, name):
    dtype = dtypes.as_dtype(dtype)
    _require('Mul')
    _require('AddV2')
    with _graph.name_scope(name, default_name, [shape, mean, stddev]) as scope:
        shape_t = _shape_tensor(shape)
        mean_t = _graph.convert_to_tensor(mean, dtype=dtype, name='mean')
        stddev_t = _graph.convert_to_tensor(stddev, dtype=dtype, name='stddev')
        rnd = _sample(op_type, shape_t, dtype, seed)
        mul = _math_op('Mul', rnd, stddev_t, 'mul')
        return _math_op('AddV2', mul, mean_t, scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Values from a normal distribution: RandomStandardNormal * stddev + mean."""
    return _scaled_normal('RandomStandardNormal', 'random_normal', shape, mean, stddev, dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """A normal distribution whose values beyond 2 standard deviations are drawn again."""
    return _scaled_normal('TruncatedNormal', 'truncated_normal', shape, mean, stddev, dtype, seed, name)


_UNIFORM_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Values uniform in [minval, maxval): RandomUniform for floats, RandomUniformInt for integers.

    As TF, the default float range [0, 1) (Python ints 0 and 1) builds the RandomUniform node alone,
    minval 0 with another maxval adds only a Mul, and any other range is (max - min) * u + min.
    """
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES:
        raise ValueError('Argument `dtype` got invalid value %s. Accepted dtypes are (%s).'
                         % (dtype, ', '.join(repr(d) for d in _UNIFORM_DTYPES)))
    if maxval is None:
        if dtype.is_integer:
            raise ValueError('Must specify maxval for integer dtype %r' % dtype)
        maxval = 1
    minval_is_zero = isinstance(minval, int) and minval == 0
    maxval_is_one = isinstance(maxval, int) and maxval == 1
    if not dtype.is_integer and not (minval_is_zero and maxval_is_one):
        for op_type in (('Mul',) if minval_is_zero else ('Sub', 'Mul', 'AddV2')):
            _require(op_type)
    with _graph.name_scope(name, 'random_uniform', [shape, minval, maxval]) as scope:
        shape_t = _shape_tensor(shape)
        if not minval_is_zero or not maxval_is_one or dtype.is_integer:
            minval = _graph.convert_to_tensor(minval, dtype=dtype, name='min')
            maxval = _graph.convert_to_tensor(maxval, dtype=dtype, name='max')
        if dtype.is_integer:
            attrs = _seed_attrs(*get_seed(seed))
            return _new_op('RandomUniformInt', [shape_t, minval, maxval], attrs, scope)
        result = _sample('RandomUniform', shape_t, dtype, seed)
        if minval_is_zero:
            if not maxval_is_one:
                result = _math_op('Mul', result, maxval, 'Mul')
            return result
        span = _math_op('Sub', maxval, minval, 'sub')
        return _math_op('AddV2', _math_op('Mul', result, span, 'mul'), minval, scope)


def random_shuffle(value, seed=None, name=None):
    """`value` with its first dimension in a random order (a new permutation every run)."""
    g = _graph.graph_of([value])
    with g.as_default():
        attrs = _seed_attrs(*get_seed(seed))
        with g.name_scope(name or 'RandomShuffle') as scope:
            value = _graph.convert_to_tensor(value, name='value')
            return g._create_op('RandomShuffle', [value], attrs, name=scope)._outputs[0]


def _categorical(logits, num_samples, dtype, seed):
    logits = _graph.convert_to_tensor(logits, name='logits')
    dtype = dtypes.as_dtype(dtype) if dtype else dtypes.int64
    if dtype not in _INDEX:
        raise ValueError('Argument `dtype` got invalid value %s. Accepted dtypes are (tf.int32, tf.int64).' % dtype)
    attrs = _seed_attrs(*get_seed(seed))
    attrs['output_dtype'] = dtype
    g = _graph.get_default_graph()
    with g.name_scope('Multinomial') as scope:
        num_samples = _graph.convert_to_tensor(num_samples, dtype=dtypes.int32, name='num_samples')
        return g._create_op('Multinomial', [logits, num_samples], attrs, name=scope)._outputs[0]


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """`num_samples` class indices per row of `logits` ([batch, classes] unnormalized log-probabilities)."""
    with _graph.name_scope(name, 'multinomial', [logits]):
        return _categorical(logits, num_samples, output_dtype, seed)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """tf.random.categorical: multinomial under the 'categorical' scope, with `dtype`."""
    with _graph.name_scope(name, 'categorical', [logits]):
        return _categorical(logits, num_samples, dtype, seed)


def _array_op(op_type, inputs, attrs, name):
    _require(op_type)
    return _new_op(op_type, inputs, attrs, name)


def _static_or_dynamic_shape(tensor):
    """TF's array_ops.shape: a Const 'Shape' when the static shape is known, else a Shape node."""
    from sluice.ops.constant_op import constant
    g = _graph.get_default_graph()
    dims = tensor._shape._dims
    if dims is not None and None not in dims:
        with g.name_scope('Shape') as scope:
            return constant(np.array(dims, dtype=np.int32), name=scope)
    return _array_op('Shape', [tensor], {'out_type': dtypes.int32}, 'Shape')


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """`shape` samples of Gamma(alpha, beta) per broadcast (alpha, beta) pair: shape ++ broadcast shape."""
    from sluice.ops.constant_op import constant
    dtype = dtypes.as_dtype(dtype)
    _check_type('T', dtype, (dtypes.float16, dtypes.float32, dtypes.float64))
    for op_type in ('BroadcastArgs', 'BroadcastTo', 'RealDiv', 'Maximum'):
        _require(op_type)
    with _graph.name_scope(name, 'random_gamma', [shape, alpha, beta]):
        shape = _graph.convert_to_tensor(shape, name='shape', dtype=dtypes.int32)
        alpha = _graph.convert_to_tensor(alpha, name='alpha', dtype=dtype)
        beta = _graph.convert_to_tensor(beta if beta is not None else 1, name='beta', dtype=dtype)
        alpha_shape = _static_or_dynamic_shape(alpha)
        beta_shape = _static_or_dynamic_shape(beta)
        broadcast_shape = _array_op('BroadcastArgs', [alpha_shape, beta_shape], {}, 'BroadcastArgs')
        alpha_broadcast = _array_op('BroadcastTo', [alpha, broadcast_shape], {}, 'BroadcastTo')
        attrs = _seed_attrs(*get_seed(seed))
        samples = _new_op('RandomGamma', [shape, alpha_broadcast], attrs)
        scaled = _math_op('RealDiv', samples, beta, 'truediv')
        g = _graph.get_default_graph()
        with g.name_scope('Maximum') as scope:
            tiny = constant(np.finfo(dtype.as_numpy_dtype).tiny, dtype=dtype, name='x')
            return g._create_op('Maximum', [tiny, scaled], {}, name=scope)._outputs[0]


def random_poisson(lam, shape, dtype=dtypes.float32, seed=None, name=None):
    """`shape` samples of Poisson(lam) per rate in `lam`: shape ++ lam.shape, of `dtype`."""
    dtype = dtypes.as_dtype(dtype)
    allowed = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)
    _check_type('dtype', dtype, allowed)
    with _graph.name_scope(name, 'random_poisson', [lam, shape]):
        shape = _graph.convert_to_tensor(shape, name='shape', dtype=dtypes.int32)
        attrs = _seed_attrs(*get_seed(seed))
        attrs['dtype'] = dtype
        g = _graph.get_default_graph()
        with g.name_scope('RandomPoissonV2') as scope:
            rate = _graph.convert_to_tensor(lam, name='rate')
            _check_type('R', rate.dtype, allowed)
            return g._create_op('RandomPoissonV2', [shape, rate], attrs, name=scope)._outputs[0]


def random_crop(value, size, seed=None, name=None):
    """A random `size` slice of value (offsets uniform over the valid range; checked at run time)."""
    from sluice.ops import array_ops, control_flow_ops, math_ops
    with _graph.name_scope(name, 'random_crop', [value, size]) as name:
        value = _graph.convert_to_tensor(value, name='value')
        size = _graph.convert_to_tensor(size, dtype=dtypes.int32, name='size')
        shape = array_ops.shape(value)
        check = control_flow_ops.Assert(math_ops.reduce_all(math_ops.greater_equal(shape, size)),
                                        ['Need value.shape >= size, got ', shape, size], summarize=1000)
        shape = control_flow_ops.with_dependencies([check], shape)
        limit = shape - size + 1
        offset = random_uniform(array_ops.shape(shape), dtype=size.dtype, maxval=size.dtype.max,
                                seed=seed) % limit
        return array_ops.slice(value, offset, size, name=name)
