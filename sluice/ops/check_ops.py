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
           'assert_non_negative', 'assert_negative', 'assert_non_positive', 'assert_type']

_FLOAT = (dtypes.bfloat16, dtypes.float16, dtypes.float32, dtypes.float64)

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
