"""tf.check_numerics (CheckNumerics) and the TF1 assert_* helpers, built as TF builds them: the
condition (Equal/Less/LessEqual reduced with All, or the rank), an InvalidArgumentError (or ValueError
for rank) at graph construction when both sides are constant and the check fails, else an Assert op."""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.ops import array_ops, control_flow_ops, graph_ops, math_ops, shape_fns

__all__ = ['check_numerics', 'assert_equal', 'assert_less', 'assert_less_equal', 'assert_rank', 'assert_positive',
           'assert_non_negative', 'assert_negative', 'assert_non_positive', 'assert_type', 'assert_greater',
           'assert_greater_equal', 'assert_none_equal', 'assert_near', 'assert_integer', 'assert_scalar',
           'is_numeric_tensor', 'is_non_decreasing', 'is_strictly_increasing']

_FLOAT = (dtypes.bfloat16, dtypes.float16, dtypes.float32, dtypes.float64)
# TF 1.15's NUMERIC_TYPES, what is_numeric_tensor accepts (float16 and uint16 are not in it; sluice has no
# quantized dtypes)
_NUMERIC = frozenset([dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64,
                      dtypes.uint8, dtypes.complex64])

register_op('CheckNumerics', ['tensor: T'], ['output: T'], {'T': 'type', 'message': 'string'},
            shape_fns.unchanged, is_stateful=True)


@register_gradient('CheckNumerics')
def _check_numerics_grad(op, grad):
    return [check_numerics(grad, 'Not a number (NaN) or infinity (Inf) values detected in gradient. %s'
                           % op.get_attr('message'))]


def check_numerics(tensor, message, name=None):
    """An identity on a float tensor that fails with InvalidArgumentError when it holds NaN or Inf."""
    with _graph.name_scope(name, 'CheckNumerics', [tensor]) as scope:
        t = _graph.convert_to_tensor(tensor, name='tensor')
        if t.dtype.base_dtype not in _FLOAT:
            raise TypeError("Value passed to parameter 'tensor' has DataType %s not in list of allowed values: "
                            'bfloat16, float16, float32, float64' % t.dtype.base_dtype.name)
        return _graph.graph_of([t])._create_op('CheckNumerics', [t], {'message': str(message)},
                                               name=scope)._outputs[0]


def _message_prefix(message):
    return '%s.  ' % message if message else ''


def _static_text(x):
    if not isinstance(x, Tensor):
        return str(x)
    value = shape_fns.constant_value(x)
    return str(value) if value is not None else x


def _assert_static(condition, data):
    if not condition:
        raise errors.InvalidArgumentError(None, None, '\n'.join(str(_static_text(x)) for x in data))


def _binary_assert(sym, opname, op_func, static_func, x, y, data, summarize, message, name):
    with name_scope(name, opname, [x, y] + list(data or [])):
        x = _graph.convert_to_tensor(x, name='x')
        y = _graph.convert_to_tensor(y, name='y')
        if data is None:
            data = ['Condition x %s y did not hold element-wise:' % sym, 'x (%s) = ' % x.name, x,
                    'y (%s) = ' % y.name, y]
        if message is not None:
            data = [message] + list(data)
        condition = math_ops.reduce_all(op_func(x, y))
        x_static, y_static = shape_fns.constant_value(x), shape_fns.constant_value(y)
        if x_static is not None and y_static is not None:
            _assert_static(np.all(static_func(x_static, y_static)), data)
        return control_flow_ops.Assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert('==', 'assert_equal', math_ops.equal, np.equal, x, y, data, summarize, message, name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert('<', 'assert_less', math_ops.less, np.less, x, y, data, summarize, message, name)


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert('<=', 'assert_less_equal', math_ops.less_equal, np.less_equal, x, y, data, summarize,
                          message, name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert('>', 'assert_greater', math_ops.greater, np.greater, x, y, data, summarize, message, name)


def assert_greater_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert('>=', 'assert_greater_equal', math_ops.greater_equal, np.greater_equal, x, y, data,
                          summarize, message, name)


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None):
    return _binary_assert('!=', 'assert_none_equal', math_ops.not_equal, np.not_equal, x, y, data, summarize,
                          message, name)


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None, name=None):
    """Asserts |x - y| < atol + rtol * |y| element-wise (both tolerances default to 10 eps of x's dtype);
    always a run-time Assert, as in TF 1.15."""
    message = message or ''
    with name_scope(name, 'assert_near', [x, y, rtol, atol] + list(data or [])):
        x = _graph.convert_to_tensor(x, name='x')
        y = _graph.convert_to_tensor(y, name='y', dtype=x.dtype)
        eps = np.finfo(x.dtype.as_numpy_dtype).eps
        rtol = _graph.convert_to_tensor(10 * eps if rtol is None else rtol, name='rtol', dtype=x.dtype)
        atol = _graph.convert_to_tensor(10 * eps if atol is None else atol, name='atol', dtype=x.dtype)
        if data is None:
            data = [message, 'x and y not equal to tolerance rtol = %s, atol = %s' % (rtol, atol),
                    'x (%s) = ' % x.name, x, 'y (%s) = ' % y.name, y]
        tolerance = atol + rtol * math_ops.abs(y)
        condition = math_ops.reduce_all(math_ops.less(math_ops.abs(x - y), tolerance))
        return control_flow_ops.Assert(condition, data, summarize=summarize)


def _unary_assert(sym, opname, compare, zero_first, x, data, summarize, message, name):
    message = _message_prefix(message)
    with name_scope(name, opname, [x] + list(data or [])):
        x = _graph.convert_to_tensor(x, name='x')
        if data is None:
            data = [message, 'Condition x %s 0 did not hold element-wise:' % sym, 'x (%s) = ' % x.name, x]
        zero = _graph.convert_to_tensor(0, dtype=x.dtype.base_dtype)
        args = (zero, x) if zero_first else (x, zero)
        return compare(*args, data=data, summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert('>', 'assert_positive', assert_less, True, x, data, summarize, message, name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert('>=', 'assert_non_negative', assert_less_equal, True, x, data, summarize, message, name)


def assert_negative(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert('<', 'assert_negative', assert_less, False, x, data, summarize, message, name)


def assert_non_positive(x, data=None, summarize=None, message=None, name=None):
    return _unary_assert('<=', 'assert_non_positive', assert_less_equal, False, x, data, summarize, message, name)


def assert_type(tensor, tf_type, message=None, name=None):
    tf_type = dtypes.as_dtype(tf_type)
    with name_scope(name, 'assert_type', [tensor]):
        tensor = _graph.convert_to_tensor(tensor, name='tensor')
        if tensor.dtype.base_dtype != tf_type:
            raise TypeError('%s%s must be of type %r; got %r' % (_message_prefix(message), tensor.name, tf_type,
                                                                 tensor.dtype))
        return graph_ops.no_op('statically_determined_correct_type')


def assert_integer(x, message=None, name=None):
    """A no_op when x's dtype is an integer one; TypeError now otherwise (the dtype is static)."""
    with name_scope(name, 'assert_integer', [x]):
        x = _graph.convert_to_tensor(x, name='x')
        if not x.dtype.is_integer:
            raise TypeError('%s  Expected "x" to be integer type.  Found: %s of dtype %s'
                            % (message or '', x.name, x.dtype))
        return graph_ops.no_op('statically_determined_was_integer')


def assert_scalar(tensor, name=None, message=None):
    """The tensor, when its static shape is a scalar's; ValueError otherwise (an unknown rank too)."""
    with name_scope(name, 'assert_scalar', [tensor]) as scope:
        tensor = _graph.convert_to_tensor(tensor, name=scope)
        if tensor.shape.ndims != 0:
            raise ValueError('%sExpected scalar shape for %s, saw shape: %s.'
                             % (message or '', tensor.name, tensor.shape))
        return tensor


def is_numeric_tensor(tensor):
    return isinstance(tensor, Tensor) and tensor.dtype in _NUMERIC


def _adjacent_differences(x):
    """x[1:] - x[:-1] of x flattened; empty when x has fewer than two elements (TF builds a cond)."""
    x = array_ops.reshape(x, [-1])
    if not is_numeric_tensor(x):
        raise TypeError('Expected x to be numeric, instead found: %s' % x)
    shorter_than_two = math_ops.less(array_ops.size(x), 2)
    last = array_ops.shape(x) - 1
    return control_flow_ops.cond(shorter_than_two, lambda: _graph.convert_to_tensor([], dtype=x.dtype),
                                 lambda: array_ops.strided_slice(x, [1], [1] + last) -
                                 array_ops.strided_slice(x, [0], last))


def is_non_decreasing(x, name=None):
    with name_scope(name, 'is_non_decreasing', [x]):
        diff = _adjacent_differences(_graph.convert_to_tensor(x, name='x'))
        return math_ops.reduce_all(math_ops.less_equal(_graph.convert_to_tensor(0, dtype=diff.dtype), diff))


def is_strictly_increasing(x, name=None):
    with name_scope(name, 'is_strictly_increasing', [x]):
        diff = _adjacent_differences(_graph.convert_to_tensor(x, name='x'))
        return math_ops.reduce_all(math_ops.less(_graph.convert_to_tensor(0, dtype=diff.dtype), diff))


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """Asserts x has rank `rank`: ValueError at construction when both are static, else an Assert."""
    with name_scope(name, 'assert_rank', [x, rank] + list(data or [])):
        x = _graph.convert_to_tensor(x, name='x')
        rank = _graph.convert_to_tensor(rank, name='rank')
        message = _message_prefix(message)
        if data is None:
            data = [message, 'Tensor %s must have rank' % x.name, rank, 'Received shape: ', array_ops.shape(x)]
        assert_type(rank, dtypes.int32)
        rank_static = shape_fns.constant_value(rank)
        if rank_static is not None:
            if np.ndim(rank_static) != 0:
                raise ValueError('Rank must be a scalar.')
            x_rank = x.shape.ndims
            if x_rank is not None:
                if x_rank != int(rank_static):
                    raise ValueError('%sTensor %s must have rank %d.  Received rank %d, shape %s'
                                     % (message, x.name, int(rank_static), x_rank, x.shape))
                return graph_ops.no_op(name='static_checks_determined_all_ok')
        condition = math_ops.equal(array_ops.rank(x), rank)
        if rank_static is None:
            rank_check = assert_rank(rank, 0, data=['Rank must be a scalar. Received rank: ', rank])
            with _graph.get_default_graph().control_dependencies([rank_check]):
                condition = graph_ops.identity(condition)
        return control_flow_ops.Assert(condition, data, summarize=summarize)
