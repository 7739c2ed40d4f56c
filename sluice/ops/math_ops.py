"""Math ops: elementwise arithmetic, comparisons and logic with broadcasting, unary functions,
AddN, matrix products, reductions, argmax/argmin, scans, segment sums, casts, and the Tensor
operators. Their gradients are declared in math_grad.py (imported at the end).

Every op type is declared once with TF's names, attrs and a shape function. The public functions
follow TF 1.x's Python wrappers: default node names ('Add', 'truediv', 'MatMul'), name scopes,
and how Python values become tensors. That conversion is TF's op-def library rule: inputs are
converted in order inside the op's name scope, a Python value getting a Const named after its
argument ('add/y', 'Sum/reduction_indices'); once an input fixes a type attr, later Python values
of that attr are converted to that dtype, and a Tensor of another dtype is a TypeError.
"""
import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, convert_to_tensor, name_scope
from sluice.engine.op_registry import register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import constant_op, graph_ops, shape_fns

__all__ = [
    'add', 'subtract', 'multiply', 'divide', 'div', 'truediv', 'realdiv', 'floordiv', 'floor_div', 'mod',
    'floormod', 'truncatediv', 'truncatemod', 'pow', 'maximum', 'minimum', 'squared_difference', 'div_no_nan',
    'atan2', 'equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal', 'logical_and',
    'logical_or', 'logical_not', 'logical_xor', 'negative', 'abs', 'sign', 'square', 'sqrt', 'rsqrt', 'exp',
    'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'asinh', 'acosh',
    'atanh', 'tanh', 'sigmoid', 'reciprocal', 'round', 'rint', 'floor', 'ceil', 'is_nan', 'is_inf',
    'is_finite', 'erf', 'erfc', 'lgamma', 'conj', 'add_n', 'scalar_mul', 'matmul', 'reduce_sum',
    'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod', 'reduce_all', 'reduce_any',
    'reduce_logsumexp', 'count_nonzero', 'argmax', 'argmin', 'cumsum',
    'cumprod', 'unsorted_segment_sum', 'cast', 'saturate_cast', 'to_float', 'to_double', 'to_int32', 'to_int64', 'to_bfloat16',
]

# -- dtype groups (TF's allowed-type lists) --
_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_COMPLEX = (dtypes.complex64, dtypes.complex128)
_SINT = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)
_UINT = (dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64)
_REAL = _FLOAT + _SINT + _UINT
_NUMBER = _REAL + _COMPLEX
_INEXACT = _FLOAT + _COMPLEX
_SIGNED = _FLOAT + _SINT + _COMPLEX
_INDEX = (dtypes.int32, dtypes.int64)
_MATMUL = _FLOAT + (dtypes.int32, dtypes.int64) + _COMPLEX


# -- shape functions --
def _shape_text(shape):
    dims = shape._dims
    return '?' if dims is None else '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def _shape_error(op, message, computed=None):
    """TF's shape-inference ValueError: the message, the node and its input shapes."""
    text = "%s for '%s' (op: '%s') with input shapes: %s" % (
        message, op.name, op.type, ', '.join(_shape_text(t._shape) for t in op._inputs))
    if computed is not None:
        text += ' and with computed input tensors: %s' % computed
    return ValueError(text + '.')


def _values_text(value):
    return ' '.join(str(v) for v in np.reshape(value, [-1]))


def _equal_shape(op):
    if op._attrs['incompatible_shape_error']:
        return shape_fns.broadcast(op)
    try:  # without the error, shapes that cannot broadcast give a scalar at run time
        return shape_fns.broadcast(op)
    except ValueError:
        return [TensorShape([])]


def _add_n_shape(op):
    # TF merges from the last input backwards, naming the input that fails.
    shapes = [t._shape for t in op._inputs]
    merged = shapes[-1]
    for i in range(len(shapes) - 2, -1, -1):
        a, b = shapes[i]._dims, merged._dims
        if a is not None and b is not None:
            if len(a) != len(b):
                raise _shape_error(op, 'Shapes must be equal rank, but are %d and %d\n\tFrom merging shape %d with '
                                       'other shapes.' % (len(a), len(b), i))
            for k, (x, y) in enumerate(zip(a, b)):
                if x is not None and y is not None and x != y:
                    raise _shape_error(op, 'Dimension %d in both shapes must be equal, but are %d and %d. Shapes are '
                                           '%s and %s.\n\tFrom merging shape %d with other shapes.'
                                       % (k, x, y, _shape_text(shapes[i]), _shape_text(merged), i))
        merged = shapes[i].merge_with(merged)
    return [merged]


def _matmul_shape(op):
    a, b = op._inputs[0]._shape._dims, op._inputs[1]._shape._dims
    for dims in (a, b):
        if dims is not None and len(dims) != 2:
            raise _shape_error(op, 'Shape must be rank 2 but is rank %d' % len(dims))
    ta, tb = op._attrs['transpose_a'], op._attrs['transpose_b']
    a = a or (None, None)
    b = b or (None, None)
    rows, inner_a = (a[1], a[0]) if ta else (a[0], a[1])
    inner_b, cols = (b[1], b[0]) if tb else (b[0], b[1])
    if inner_a is not None and inner_b is not None and inner_a != inner_b:
        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (inner_a, inner_b))
    return [TensorShape([rows, cols])]


def _batch_matmul_shape(op):
    x, y = op._inputs[0]._shape._dims, op._inputs[1]._shape._dims
    for dims in (x, y):
        if dims is not None and len(dims) < 2:
            raise _shape_error(op, 'Shape must be at least rank 2 but is rank %d' % len(dims))
    if x is None or y is None:
        return [unknown_shape()]
    ax, ay = op._attrs['adj_x'], op._attrs['adj_y']
    rows, inner_x = (x[-1], x[-2]) if ax else (x[-2], x[-1])
    inner_y, cols = (y[-1], y[-2]) if ay else (y[-2], y[-1])
    if inner_x is not None and inner_y is not None and inner_x != inner_y:
        raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (inner_x, inner_y))
    bx, by = x[:-2], y[:-2]
    if op.type == 'BatchMatMul':  # V1: no batch broadcasting
        if len(bx) != len(by):
            raise _shape_error(op, 'Shape must be rank %d but is rank %d' % (len(x), len(y)))
        by = tuple(d if d is not None else e for d, e in zip(by, bx))
    batch = []
    for i in range(max(len(bx), len(by))):
        p = bx[len(bx) - 1 - i] if i < len(bx) else 1
        q = by[len(by) - 1 - i] if i < len(by) else 1
        if p is not None and q is not None and p != q and p != 1 and q != 1:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (p, q))
        batch.append(q if p == 1 else p if q == 1 or q is None else q)
    return [TensorShape(batch[::-1] + [rows, cols])]


def _reduction_shape(op):
    x, axes = op._inputs[0]._shape._dims, op._inputs[1]
    axes_dims = axes._shape._dims
    if axes_dims is not None and len(axes_dims) > 1:
        raise _shape_error(op, 'Shape must be at most rank 1 but is rank %d' % len(axes_dims))
    keep = op._attrs['keep_dims']
    value = shape_fns.constant_value(axes)
    if value is None:
        if axes_dims == (0,):
            return [op._inputs[0]._shape]
        if keep and x is not None:
            return [TensorShape([None] * len(x))]
        return [unknown_shape()]
    if x is None:
        return [unknown_shape()]
    rank = len(x)
    reduced = set()
    for a in np.reshape(value, [-1]).tolist():
        if a < -rank or a >= rank:
            raise _shape_error(op, 'Invalid reduction dimension %d for input with %d dimensions.' % (a, rank),
                               'input[1] = <%s>' % _values_text(value))
        reduced.add(a % rank)
    if keep:
        return [TensorShape([1 if i in reduced else d for i, d in enumerate(x)])]
    return [TensorShape([d for i, d in enumerate(x) if i not in reduced])]


def _arg_reduce_shape(op):
    x, dim = op._inputs[0]._shape._dims, op._inputs[1]
    if dim._shape._dims is not None and len(dim._shape._dims) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(dim._shape._dims))
    if x is None:
        return [unknown_shape()]
    rank = len(x)
    value = shape_fns.constant_value(dim)
    if value is None:
        return [TensorShape([None] * max(rank - 1, 0))]
    a = int(value)
    if a < -rank or a >= rank:
        raise _shape_error(op, 'Dimension (%d) must be in the range [%d, %d), where %d is the number of dimensions '
                               'in the input.' % (a, -rank, rank, rank), 'input[1] = <%d>' % a)
    a %= rank
    return [TensorShape(x[:a] + x[a + 1:])]


def _segment_sum_shape(op):
    data, ids, num = (t._shape._dims for t in op._inputs)
    if num is not None and len(num) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(num))
    if data is None or ids is None:
        return [unknown_shape()]
    if len(ids) > len(data):
        raise _shape_error(op, 'Shape must be at least rank %d but is rank %d' % (len(ids), len(data)))
    for d, i in zip(data, ids):
        if d is not None and i is not None and d != i:
            raise _shape_error(op, 'Dimensions must be equal, but are %d and %d' % (d, i))
    from sluice.ops.shape_fns import _value  # folds the dense_shape[0] of IndexedSlices
    n = _value(op._inputs[2])
    return [TensorShape([None if n is None else int(n)] + list(data[len(ids):]))]


# -- op declarations --
_BINARY_OPS = {  # op type: (allowed T, output is bool)
    'Add': (_NUMBER + (dtypes.string,), False), 'AddV2': (_NUMBER, False), 'Sub': (_NUMBER, False),
    'Mul': (_NUMBER, False), 'Div': (_NUMBER, False), 'RealDiv': (_NUMBER, False), 'FloorDiv': (_NUMBER, False),
    'TruncateDiv': (_REAL, False), 'FloorMod': (_REAL, False), 'TruncateMod': (_REAL, False),
    'Pow': (_SIGNED, False), 'Maximum': (_REAL, False), 'Minimum': (_REAL, False),
    'SquaredDifference': (_SIGNED, False), 'DivNoNan': (_INEXACT, False), 'Atan2': (_FLOAT, False),
    'Less': (_REAL, True), 'LessEqual': (_REAL, True), 'Greater': (_REAL, True), 'GreaterEqual': (_REAL, True),
    'Equal': (None, True), 'NotEqual': (None, True),
}
_UNARY_OPS = {  # op type: (allowed T, output is bool)
    'Neg': (_SIGNED, False), 'Abs': (_FLOAT + _SINT, False), 'Sign': (_SIGNED, False),
    'Square': (_NUMBER, False), 'Reciprocal': (_SIGNED, False), 'Round': (_SIGNED, False),
    'Sqrt': (_INEXACT, False), 'Rsqrt': (_INEXACT, False), 'Exp': (_INEXACT, False),
    'Expm1': (_INEXACT, False), 'Log': (_INEXACT, False), 'Log1p': (_INEXACT, False), 'Sin': (_INEXACT, False),
    'Cos': (_INEXACT, False), 'Tan': (_INEXACT, False), 'Asin': (_INEXACT, False), 'Acos': (_INEXACT, False),
    'Atan': (_INEXACT, False), 'Sinh': (_INEXACT, False), 'Cosh': (_INEXACT, False), 'Asinh': (_INEXACT, False),
    'Acosh': (_INEXACT, False), 'Atanh': (_INEXACT, False), 'Tanh': (_INEXACT, False),
    'Sigmoid': (_INEXACT, False), 'Floor': (_FLOAT, False), 'Ceil': (_FLOAT, False), 'Rint': (_FLOAT, False),
    'Erf': (_FLOAT, False), 'Erfc': (_FLOAT, False), 'Lgamma': (_FLOAT, False),
    'IsNan': (_FLOAT, True), 'IsInf': (_FLOAT, True), 'IsFinite': (_FLOAT, True),
}
_REDUCTIONS = {'Sum': _NUMBER, 'Prod': _NUMBER, 'Mean': _NUMBER, 'Max': _REAL, 'Min': _REAL,
               'All': None, 'Any': None}

for _type, (_allowed, _bool) in _BINARY_OPS.items():
    _attrs = {'T': 'type'}
    if _type in ('Equal', 'NotEqual'):
        _attrs['incompatible_shape_error'] = ('bool', True)
    register_op(_type, inputs=['y: T', 'x: T'] if _type == 'Atan2' else ['x: T', 'y: T'],
                outputs=['z: bool' if _bool else 'z: T'], attrs=_attrs,
                shape_fn=_equal_shape if _type in ('Equal', 'NotEqual') else shape_fns.broadcast,
                allowed={} if _allowed is None else {'T': _allowed})
for _type in ('LogicalAnd', 'LogicalOr'):
    register_op(_type, inputs=['x: bool', 'y: bool'], outputs=['z: bool'], shape_fn=shape_fns.broadcast)
register_op('LogicalNot', inputs=['x: bool'], outputs=['y: bool'], shape_fn=shape_fns.unchanged)
for _type, (_allowed, _bool) in _UNARY_OPS.items():
    register_op(_type, inputs=['x: T'], outputs=['y: bool' if _bool else 'y: T'], attrs={'T': 'type'},
                shape_fn=shape_fns.unchanged, allowed={'T': _allowed})
register_op('Conj', inputs=['input: T'], outputs=['output: T'], attrs={'T': ('type', dtypes.complex64)},
            shape_fn=shape_fns.unchanged)
register_op('AddN', inputs=['inputs: N * T'], outputs=['sum: T'], attrs={'N': 'int', 'T': 'type'},
            shape_fn=_add_n_shape)
register_op('MatMul', inputs=['a: T', 'b: T'], outputs=['product: T'],
            attrs={'T': 'type', 'transpose_a': ('bool', False), 'transpose_b': ('bool', False)},
            shape_fn=_matmul_shape, allowed={'T': _MATMUL})
for _type in ('BatchMatMul', 'BatchMatMulV2'):
    register_op(_type, inputs=['x: T', 'y: T'], outputs=['output: T'],
                attrs={'T': 'type', 'adj_x': ('bool', False), 'adj_y': ('bool', False)},
                shape_fn=_batch_matmul_shape, allowed={'T': _MATMUL})
for _type in _REDUCTIONS:
    _input = 'input: bool' if _type in ('All', 'Any') else 'input: T'
    _attrs = {'keep_dims': ('bool', False), 'Tidx': ('type', dtypes.int32)}
    if _type not in ('All', 'Any'):
        _attrs['T'] = 'type'
    register_op(_type, inputs=[_input, 'reduction_indices: Tidx'],
                outputs=['output: bool' if _type in ('All', 'Any') else 'output: T'], attrs=_attrs,
                shape_fn=_reduction_shape, allowed={'T': _REDUCTIONS[_type] or (), 'Tidx': _INDEX})
for _type in ('ArgMax', 'ArgMin'):
    register_op(_type, inputs=['input: T', 'dimension: Tidx'], outputs=['output: output_type'],
                attrs={'T': 'type', 'Tidx': ('type', dtypes.int32), 'output_type': ('type', dtypes.int64)},
                shape_fn=_arg_reduce_shape, allowed={'T': _NUMBER, 'Tidx': _INDEX})
for _type in ('Cumsum', 'Cumprod'):
    register_op(_type, inputs=['x: T', 'axis: Tidx'], outputs=['out: T'],
                attrs={'T': 'type', 'Tidx': ('type', dtypes.int32), 'exclusive': ('bool', False),
                       'reverse': ('bool', False)}, shape_fn=shape_fns.unchanged,
                allowed={'T': _NUMBER, 'Tidx': _INDEX})
register_op('Cast', inputs=['x: SrcT'], outputs=['y: DstT'],
            attrs={'SrcT': 'type', 'DstT': 'type', 'Truncate': ('bool', False)}, shape_fn=shape_fns.unchanged)
register_op('UnsortedSegmentSum', inputs=['data: T', 'segment_ids: Tindices', 'num_segments: Tnumsegments'],
            outputs=['output: T'], attrs={'T': 'type', 'Tindices': 'type', 'Tnumsegments': ('type', dtypes.int32)},
            shape_fn=_segment_sum_shape, allowed={'T': _NUMBER, 'Tindices': _INDEX, 'Tnumsegments': _INDEX})


def _binary(op_type, x, y, name=None, default_name=None, attrs=None):
    return op_builder.output(op_type, [x, y], attrs, name, default_name)


def _unary(op_type, x, name=None):
    return op_builder.output(op_type, [x], None, name)


def _make_binary(op_type, public, default_name=None):
    def fn(x, y, name=None):
        return _binary(op_type, x, y, name, default_name)
    fn.__name__ = public
    fn.__doc__ = 'tf.%s: elementwise %s of x and y with broadcasting (op %s).' % (public, public, op_type)
    return fn


def _make_unary(op_type, public):
    def fn(x, name=None):
        return _unary(op_type, x, name)
    fn.__name__ = public
    fn.__doc__ = 'tf.%s: elementwise %s of x (op %s).' % (public, public, op_type)
    return fn




def add(x, y, name=None):
    """x + y elementwise with broadcasting (op AddV2; strings concatenate with op Add)."""
    with name_scope(name, 'Add', [x, y]) as scope:
        x = convert_to_tensor(x, name='x')
        return _binary('Add' if x.dtype.base_dtype == dtypes.string else 'AddV2', x, y, scope)


subtract = _make_binary('Sub', 'subtract')
multiply = _make_binary('Mul', 'multiply')
realdiv = _make_binary('RealDiv', 'realdiv')
truncatediv = _make_binary('TruncateDiv', 'truncatediv')
truncatemod = _make_binary('TruncateMod', 'truncatemod')
floormod = _make_binary('FloorMod', 'floormod')
mod = floormod
pow = _make_binary('Pow', 'pow')  # noqa: A001 - TF's name
maximum = _make_binary('Maximum', 'maximum')
minimum = _make_binary('Minimum', 'minimum')
squared_difference = _make_binary('SquaredDifference', 'squared_difference')
div_no_nan = _make_binary('DivNoNan', 'div_no_nan')
divide_no_nan = div_no_nan  # its tf.math name
less = _make_binary('Less', 'less')
less_equal = _make_binary('LessEqual', 'less_equal')
greater = _make_binary('Greater', 'greater')
greater_equal = _make_binary('GreaterEqual', 'greater_equal')


def atan2(y, x, name=None):
    """tf.atan2: the angle of (x, y), elementwise."""
    return op_builder.output('Atan2', [y, x], None, name)


def equal(x, y, name=None):
    """x == y elementwise (op Equal; incompatible static shapes are a ValueError)."""
    return _binary('Equal', x, y, name)


def not_equal(x, y, name=None):
    return _binary('NotEqual', x, y, name)


def floordiv(x, y, name=None):
    """Floor division (op FloorDiv, default name 'floordiv'); integer division by zero fails at run time."""
    return _binary('FloorDiv', x, y, name, 'floordiv')


floor_div = floordiv

_TRUEDIV_TABLE = {dtypes.uint8: dtypes.float32, dtypes.int8: dtypes.float32, dtypes.uint16: dtypes.float32,
                  dtypes.int16: dtypes.float32, dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64,
                  dtypes.uint32: dtypes.float64, dtypes.uint64: dtypes.float64}


def truediv(x, y, name=None):
    """Python 3 division: integers are cast to float32 (8/16 bit) or float64 first (op RealDiv)."""
    with name_scope(name, 'truediv', [x, y]) as scope:
        x = convert_to_tensor(x, name='x')
        y = convert_to_tensor(y, name='y', preferred_dtype=x.dtype.base_dtype)
        xd, yd = x.dtype.base_dtype, y.dtype.base_dtype
        if xd != yd:
            raise TypeError('`x` and `y` must have the same dtype, got %r != %r.' % (xd, yd))
        if not (xd in _TRUEDIV_TABLE or xd in _INEXACT):
            raise TypeError('Invalid dtype %r in __truediv__' % xd)
        target = _TRUEDIV_TABLE.get(xd)
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return _binary('RealDiv', x, y, scope)


def div(x, y, name=None):
    """TF1's tf.div, Python 2 division: RealDiv for floats, FloorDiv for integers."""
    with name_scope(name, 'div', [x, y]) as scope:
        x = convert_to_tensor(x, name='x')
        y = convert_to_tensor(y, name='y', dtype=x.dtype.base_dtype)
        if x.dtype.base_dtype != y.dtype.base_dtype:
            raise TypeError('x and y must have the same dtype, got %r != %r' % (x.dtype.base_dtype,
                                                                               y.dtype.base_dtype))
        kind = 'RealDiv' if x.dtype.base_dtype in _INEXACT else 'FloorDiv'
        return _binary(kind, x, y, scope)


def divide(x, y, name=None):
    """x / y with Python 3 semantics (truediv)."""
    if name is not None:
        return truediv(x, y, name=name)
    if not _graph.is_tensor(x):
        x = convert_to_tensor(x, dtype=y.dtype.base_dtype if _graph.is_tensor(y) else None)
    return x / y


def logical_and(x, y, name=None):
    return op_builder.output('LogicalAnd', [x, y], None, name)


def logical_or(x, y, name=None):
    return op_builder.output('LogicalOr', [x, y], None, name)


def logical_not(x, name=None):
    return op_builder.output('LogicalNot', [x], None, name)


def logical_xor(x, y, name='LogicalXor'):
    """(x or y) and not (x and y), built from the three logical ops as TF does."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


negative = _make_unary('Neg', 'negative')
abs = _make_unary('Abs', 'abs')  # noqa: A001 - TF's name
sign = _make_unary('Sign', 'sign')
square = _make_unary('Square', 'square')
sqrt = _make_unary('Sqrt', 'sqrt')
rsqrt = _make_unary('Rsqrt', 'rsqrt')
exp = _make_unary('Exp', 'exp')
expm1 = _make_unary('Expm1', 'expm1')
log = _make_unary('Log', 'log')
log1p = _make_unary('Log1p', 'log1p')
sin = _make_unary('Sin', 'sin')
cos = _make_unary('Cos', 'cos')
tan = _make_unary('Tan', 'tan')
asin = _make_unary('Asin', 'asin')
acos = _make_unary('Acos', 'acos')
atan = _make_unary('Atan', 'atan')
sinh = _make_unary('Sinh', 'sinh')
cosh = _make_unary('Cosh', 'cosh')
asinh = _make_unary('Asinh', 'asinh')
acosh = _make_unary('Acosh', 'acosh')
atanh = _make_unary('Atanh', 'atanh')
tanh = _make_unary('Tanh', 'tanh')
sigmoid = _make_unary('Sigmoid', 'sigmoid')
reciprocal = _make_unary('Reciprocal', 'reciprocal')
rint = _make_unary('Rint', 'rint')
floor = _make_unary('Floor', 'floor')
ceil = _make_unary('Ceil', 'ceil')
is_nan = _make_unary('IsNan', 'is_nan')
is_inf = _make_unary('IsInf', 'is_inf')
is_finite = _make_unary('IsFinite', 'is_finite')
erf = _make_unary('Erf', 'erf')
erfc = _make_unary('Erfc', 'erfc')
lgamma = _make_unary('Lgamma', 'lgamma')


def round(x, name=None):  # noqa: A001 - TF's name
    """Rounds half to even (op Round); an integer tensor is returned as is."""
    x = convert_to_tensor(x, name='x')
    if x.dtype.base_dtype.is_integer:
        return x
    return _unary('Round', x, name)


def conj(x, name=None):
    """The complex conjugate (op Conj); real tensors are returned as is."""
    x = convert_to_tensor(x, name='x') if not _graph.is_tensor(x) else x
    if not x.dtype.base_dtype.is_complex:
        return convert_to_tensor(x)
    return op_builder.output('Conj', [x], None, name)


def add_n(inputs, name=None):
    """Sum of a list of tensors of one dtype and shape (op AddN); one input is returned as is."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError('Inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype '
                         'and shape.')
    from sluice.ops.indexed_slices import IndexedSlices
    if any(isinstance(x, IndexedSlices) for x in inputs):
        if len(inputs) == 1:
            return convert_to_tensor(inputs[0], name=name)
        with name_scope(name, 'AddN', [x for x in inputs if not isinstance(x, IndexedSlices)]) as scope:
            inputs = [convert_to_tensor(x, name='inputs_%d' % i) if isinstance(x, IndexedSlices) else x
                      for i, x in enumerate(inputs)]
            return add_n(inputs, name=scope)
    inputs = _graph.convert_n_to_tensor(inputs)
    if len(inputs) == 1:
        return graph_ops.identity(inputs[0], name=name) if name else inputs[0]
    types = [t.dtype.base_dtype for t in inputs]
    if any(d != types[0] for d in types):
        raise TypeError("Tensors in list passed to 'inputs' of 'AddN' Op have types [%s] that don't all match."
                        % ', '.join(d.name for d in types))
    if types[0] not in _NUMBER:
        raise TypeError("Value passed to parameter 'inputs' has DataType %s not in list of allowed values: %s"
                        % (types[0].name, ', '.join(d.name for d in _NUMBER)))
    g = _graph.graph_of(inputs)
    return g._create_op('AddN', [inputs], {}, name=name or 'AddN')._outputs[0]


def scalar_mul(scalar, x, name=None):
    """scalar * x for a 0-d scalar (op Mul)."""
    x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name='scalar')
    if scalar.shape._dims != ():
        raise ValueError('The input scalar must be a 0-D value. Received shape %s.' % scalar.shape)
    return _binary('Mul', scalar, x, name)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """Matrix product: MatMul for two matrices, BatchMatMulV2 (broadcast batch dims) when a rank exceeds 2.

    The sparsity hints are accepted and ignored (they only pick a kernel in TF).
    """
    with name_scope(name, 'MatMul', [a, b]) as scope:
        if transpose_a and adjoint_a:
            raise ValueError('Only one of `transpose_a` and `adjoint_a` can be True. Received `transpose_a`=%s, '
                             '`adjoint_a`=%s.' % (transpose_a, adjoint_a))
        if transpose_b and adjoint_b:
            raise ValueError('Only one of `transpose_b` and `adjoint_b` can be True. Received `transpose_b`=%s, '
                             '`adjoint_b`=%s.' % (transpose_b, adjoint_b))
        a = convert_to_tensor(a, name='a')
        b = convert_to_tensor(b, name='b', preferred_dtype=a.dtype.base_dtype)
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or rb is None or ra > 2 or rb > 2:
            # BatchMatMul has no transpose: conjugate, then take the adjoint (conj is a no-op for reals).
            if transpose_a:
                a, adjoint_a = conj(a), True
            if transpose_b:
                b, adjoint_b = conj(b), True
            return op_builder.output('BatchMatMulV2', [a, b], {'adj_x': bool(adjoint_a), 'adj_y': bool(adjoint_b)},
                                     scope)
        if adjoint_a:
            a, transpose_a = conj(a), True
        if adjoint_b:
            b, transpose_b = conj(b), True
        return op_builder.output('MatMul', [a, b], {'transpose_a': bool(transpose_a),
                                                    'transpose_b': bool(transpose_b)}, scope)


# -- reductions --
def _alias(new, new_name, old, old_name):
    if old is not None:
        if new is not None:
            raise ValueError("Cannot specify both '%s' and '%s'." % (old_name, new_name))
        return old
    return new


def _all_axes(x):
    """The axes of every dimension: a Const when the rank is known, else range(rank(x)) at run time."""
    rank = x.shape.ndims if _graph.is_tensor(x) else np.ndim(x)
    if rank is not None:
        return constant_op.constant(np.arange(rank, dtype=np.int32))
    from sluice.ops import array_ops  # needs Rank and Range, declared among the array ops
    return array_ops.range(0, array_ops.rank(x))


def _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims):
    axis = _alias(axis, 'axis', reduction_indices, 'reduction_indices')
    keepdims = bool(_alias(keepdims, 'keepdims', keep_dims, 'keep_dims'))
    all_axes = axis is None
    if isinstance(axis, (list, tuple)) and not axis:
        axis = np.zeros([0], np.int32)  # an empty Python list would convert to float32
    if all_axes:
        axis = _all_axes(input_tensor)
    out = op_builder.output(op_type, [input_tensor, axis], {'keep_dims': keepdims}, name)
    if all_axes and not keepdims:
        out.set_shape([])  # a full reduction is a scalar even when the input rank is unknown
    return out


def _make_reduction(op_type, public):
    def fn(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
        return _reduce(op_type, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)
    fn.__name__ = public
    fn.__doc__ = ('tf.%s: reduces input_tensor along axis (all axes when None; negative axes count from the '
                  'end) with op %s; keepdims keeps reduced dimensions with size 1.' % (public, op_type))
    return fn


reduce_sum = _make_reduction('Sum', 'reduce_sum')
reduce_mean = _make_reduction('Mean', 'reduce_mean')
reduce_max = _make_reduction('Max', 'reduce_max')
reduce_min = _make_reduction('Min', 'reduce_min')
reduce_prod = _make_reduction('Prod', 'reduce_prod')
reduce_all = _make_reduction('All', 'reduce_all')
reduce_any = _make_reduction('Any', 'reduce_any')


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """log(sum(exp(x))) computed as max + log(sum(exp(x - max))), so that large values do not overflow.

    A non-finite maximum (all -inf, or an inf) is clamped to the dtype's finite range, which leaves the
    result unchanged (TF replaces it by 0 with a select, to the same effect).
    """
    axis = _alias(axis, 'axis', reduction_indices, 'reduction_indices')
    keepdims = bool(_alias(keepdims, 'keepdims', keep_dims, 'keep_dims'))
    with name_scope(name, 'ReduceLogSumExp', [input_tensor]) as scope:
        x = convert_to_tensor(input_tensor, name='input_tensor')
        raw_max = reduce_max(x, axis, keepdims=True)
        dt = x.dtype.base_dtype
        shift = minimum(maximum(raw_max, dt.min), dt.max)
        result = log(reduce_sum(exp(subtract(x, shift)), axis, keepdims=keepdims))
        if not keepdims:
            shift = reduce_sum(shift, axis)  # drops the kept size-1 dimensions
        return add(result, shift, name=scope)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The mean squared deviation from the mean along axis (floats only; tf.math only, not top level)."""
    with name_scope(name or 'reduce_variance', values=[input_tensor]):
        x = convert_to_tensor(input_tensor, name='input_tensor')
        if not x.dtype.base_dtype.is_floating:
            raise TypeError('Input must be either real or complex')
        means = reduce_mean(x, axis, keepdims=True)
        return reduce_mean(square(x - means), axis, keepdims=keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The standard deviation along axis: sqrt(reduce_variance)."""
    with name_scope(name or 'reduce_std', values=[input_tensor]):
        return sqrt(reduce_variance(input_tensor, axis, keepdims))


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None):  # noqa: A002 - TF's name
    """The number of non-zero elements along axis, as `dtype`."""
    input_tensor = _alias(input_tensor, 'input_tensor', input, 'input')
    axis = _alias(axis, 'axis', reduction_indices, 'reduction_indices')
    keepdims = bool(_alias(keepdims, 'keepdims', keep_dims, 'keep_dims'))
    with name_scope(name, 'count_nonzero', [input_tensor]):
        x = convert_to_tensor(input_tensor, name='input_tensor')
        zero = constant_op.constant(np.zeros([], dtype=x.dtype.base_dtype.as_numpy_dtype)
                                    if x.dtype.base_dtype != dtypes.string else b'', name='zeros')
        nonzero = cast(not_equal(x, zero), dtypes.int64)
        return cast(reduce_sum(nonzero, axis=axis, keepdims=keepdims), dtype=dtype)


def _arg_reduce(op_type, input, axis, name, dimension, output_type):  # noqa: A002
    axis = _alias(axis, 'axis', dimension, 'dimension')
    output_type = dtypes.as_dtype(output_type).base_dtype
    if output_type not in (dtypes.int32, dtypes.int64):
        raise TypeError("Value passed to parameter 'output_type' has DataType %s not in list of allowed values: "
                        'int32, int64' % output_type.name)
    return op_builder.output(op_type, [input, 0 if axis is None else axis], {'output_type': output_type}, name)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the largest value along axis (default 0), as output_type (op ArgMax)."""
    return _arg_reduce('ArgMax', input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """Index of the smallest value along axis (default 0), as output_type (op ArgMin)."""
    return _arg_reduce('ArgMin', input, axis, name, dimension, output_type)


def _scan(op_type, x, axis, exclusive, reverse, name):
    return op_builder.output(op_type, [x, axis], {'exclusive': bool(exclusive), 'reverse': bool(reverse)}, name)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sums along axis; exclusive starts from 0, reverse runs from the end (op Cumsum)."""
    return _scan('Cumsum', x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running products along axis; exclusive starts from 1, reverse runs from the end (op Cumprod)."""
    return _scan('Cumprod', x, axis, exclusive, reverse, name)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """Sums the slices data[i] into row segment_ids[i] of a [num_segments, ...] result; negative ids drop."""
    return op_builder.output('UnsortedSegmentSum', [data, segment_ids, num_segments], None, name)


# -- casts --
def cast(x, dtype, name=None):
    """x as `dtype` (op Cast): floats to integers truncate toward zero; a tensor of that dtype is returned."""
    base = dtypes.as_dtype(dtype).base_dtype
    if isinstance(x, Tensor) and x.dtype == base:
        return x
    with name_scope(name, 'Cast', [x]) as scope:
        x = convert_to_tensor(x, name='x')
        if x.dtype.base_dtype != base:
            x = x.graph._create_op('Cast', [x], {'DstT': base, 'Truncate': False}, name=scope)._outputs[0]
        return x


def saturate_cast(value, dtype, name=None):
    """Casts, first clamping values to the range of `dtype` so that they do not wrap."""
    with name_scope(name, 'saturate_cast', [value]) as scope:
        value = convert_to_tensor(value, name='value')
        dtype = dtypes.as_dtype(dtype).base_dtype
        src = value.dtype.base_dtype
        if src.min is not None and dtype.min is not None:
            np_type = src.as_numpy_dtype
            if src.min < dtype.min:
                value = maximum(value, constant_op.constant(np.asarray(dtype.min).astype(np_type), name='min'))
            if src.max > dtype.max:
                value = minimum(value, constant_op.constant(np.asarray(dtype.max).astype(np_type), name='max'))
        return cast(value, dtype, name=scope)


def to_float(x, name='ToFloat'):
    return cast(x, dtypes.float32, name=name)


def to_double(x, name='ToDouble'):
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name='ToInt32'):
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name='ToInt64'):
    return cast(x, dtypes.int64, name=name)


def to_bfloat16(x, name='ToBFloat16'):
    return cast(x, dtypes.bfloat16, name=name)


# -- Tensor operators --
def _binary_operator(func, op_name):
    """x <op> y and its reflected form: the other operand is converted to this tensor's dtype if it can be."""
    reflected = '__r%s__' % op_name

    def forward(self, other):
        with name_scope(None, op_name, [self, other]) as scope:
            try:
                other = convert_to_tensor(other, preferred_dtype=self.dtype.base_dtype, name='y')
            except TypeError:
                if hasattr(type(other), reflected):
                    return NotImplemented
                raise
            return func(self, other, name=scope)

    def reverse(self, other):
        with name_scope(None, op_name, [self, other]) as scope:
            other = convert_to_tensor(other, preferred_dtype=self.dtype.base_dtype, name='x')
            return func(other, self, name=scope)

    forward.__name__, reverse.__name__ = '__%s__' % op_name, reflected
    return forward, reverse


def _matmul_operator(x, y, name=None):
    return matmul(x, y, name=name)


for _op_name, _func in (('add', add), ('sub', subtract), ('mul', multiply), ('truediv', truediv),
                        ('div', div), ('floordiv', floordiv), ('mod', floormod), ('pow', pow),
                        ('matmul', _matmul_operator), ('and', logical_and), ('or', logical_or),
                        ('xor', logical_xor)):
    _forward, _reverse = _binary_operator(_func, _op_name)
    setattr(Tensor, '__%s__' % _op_name, _forward)
    setattr(Tensor, '__r%s__' % _op_name, _reverse)

Tensor.__lt__ = lambda self, other: less(self, other)
Tensor.__le__ = lambda self, other: less_equal(self, other)
Tensor.__gt__ = lambda self, other: greater(self, other)
Tensor.__ge__ = lambda self, other: greater_equal(self, other)
Tensor.__neg__ = lambda self: negative(self)
Tensor.__abs__ = lambda self: abs(self)
Tensor.__invert__ = lambda self: logical_not(self)


from sluice.ops import math_grad  # noqa: E402,F401  (declares the gradients of the ops above)
