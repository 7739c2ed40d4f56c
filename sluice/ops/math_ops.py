"""Math ops: the public math namespace (tf.add, tf.exp, tf.reduce_sum, ...), AddN, matrix products,
casts, segment sums and the Tensor operators; one block per op: declaration, gradient, public function.

The elementwise ops are rows of one table (elementwise_ops.py) and the reductions, arg-reductions
and scans live in reduction_ops.py; both are re-exported here, so `exp` and
`reduce_sum` keep working. The public functions follow TF 1.x's Python wrappers: default
node names ('Add', 'truediv', 'MatMul'), name scopes, and how Python values become tensors (TF's
op-def library rule, `engine/op_builder.py`): inputs are converted in order inside the op's name
scope, a Python value getting a Const named after its argument ('add/y', 'Sum/reduction_indices');
once an input fixes a type attr, later Python values of that attr are converted to that dtype.
"""
import numpy as np

from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import Tensor, convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import constant_op, graph_ops, shape_fns
from sluice.ops.elementwise import COMPLEX as _COMPLEX, FLOAT as _FLOAT, INEXACT as _INEXACT, NUMBER as _NUMBER
from sluice.ops.elementwise_ops import (  # noqa: F401  (the public elementwise functions)
    abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, ceil, conj, cos, cosh, div, div_no_nan, divide,
    divide_no_nan, equal, erf, erfc, exp, expm1, floor, floor_div, floordiv, floormod, greater, greater_equal,
    is_finite, is_inf, is_nan, lgamma, less, less_equal, log, log1p, logical_and, logical_not, logical_or,
    logical_xor, maximum, minimum, mod, multiply, negative, not_equal, pow, realdiv, reciprocal, rint, round, rsqrt, sigmoid,
    sign, sin, sinh, sqrt, square, squared_difference, subtract, tan, tanh, truediv, truncatediv, truncatemod,
    xdivy, xlogy)
from sluice.ops.reduction_ops import (  # noqa: F401
    argmax, argmin, count_nonzero, cumprod, cumsum, reduce_all, reduce_any, reduce_logsumexp, reduce_max,
    reduce_mean, reduce_min, reduce_prod, reduce_std, reduce_sum, reduce_variance, reduced_shape)

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
    'cumprod', 'cast', 'saturate_cast', 'to_float', 'to_double', 'to_int32', 'to_int64', 'to_bfloat16',
]

_MATMUL = _FLOAT + (dtypes.int32, dtypes.int64) + _COMPLEX
_INDEX = (dtypes.int32, dtypes.int64)
_DIFFERENTIABLE = _INEXACT


# -- shape errors (TF's shape-inference messages) --
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



# -- AddN --
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


register_op('AddN', inputs=['inputs: N * T'], outputs=['sum: T'], attrs={'N': 'int', 'T': 'type'},
            shape_fn=_add_n_shape)


@register_gradient('AddN')
def _add_n_grad(op, grad):
    return [grad] * len(op.inputs)


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
    if types[0] not in _NUMBER and types[0] != dtypes.variant:  # variant: TensorLists (gradient lists)
        raise TypeError("Value passed to parameter 'inputs' has DataType %s not in list of allowed values: %s, "
                        "variant" % (types[0].name, ', '.join(d.name for d in _NUMBER)))
    g = _graph.graph_of(inputs)
    return g._create_op('AddN', [inputs], {}, name=name or 'AddN')._outputs[0]


def scalar_mul(scalar, x, name=None):
    """scalar * x for a 0-d scalar (op Mul)."""
    x = convert_to_tensor(x)
    scalar = convert_to_tensor(scalar, dtype=x.dtype.base_dtype, name='scalar')
    if scalar.shape._dims != ():
        raise ValueError('The input scalar must be a 0-D value. Received shape %s.' % scalar.shape)
    return op_builder.output('Mul', [scalar, x], None, name)


# -- MatMul, BatchMatMul --
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


register_op('MatMul', inputs=['a: T', 'b: T'], outputs=['product: T'],
            attrs={'T': 'type', 'transpose_a': ('bool', False), 'transpose_b': ('bool', False)},
            shape_fn=_matmul_shape, allowed={'T': _MATMUL})
for _type in ('BatchMatMul', 'BatchMatMulV2'):
    register_op(_type, inputs=['x: T', 'y: T'], outputs=['output: T'],
                attrs={'T': 'type', 'adj_x': ('bool', False), 'adj_y': ('bool', False)},
                shape_fn=_batch_matmul_shape, allowed={'T': _MATMUL})


@register_gradient('MatMul')
def _matmul_grad(op, grad):
    ta, tb = op.get_attr('transpose_a'), op.get_attr('transpose_b')
    a, b = conj(op.inputs[0]), conj(op.inputs[1])
    mm = matmul
    if not ta and not tb:
        return mm(grad, b, transpose_b=True), mm(a, grad, transpose_a=True)
    if not ta and tb:
        return mm(grad, b), mm(grad, a, transpose_a=True)
    if ta and not tb:
        return mm(b, grad, transpose_b=True), mm(a, grad)
    return mm(b, grad, transpose_a=True, transpose_b=True), mm(grad, a, transpose_a=True, transpose_b=True)


@register_gradient('BatchMatMul')
@register_gradient('BatchMatMulV2')
def _batch_matmul_grad(op, grad):
    x, y = op.inputs
    ax, ay = op.get_attr('adj_x'), op.get_attr('adj_y')
    mm = matmul
    if not ax and not ay:
        gx, gy = mm(grad, y, adjoint_b=True), mm(x, grad, adjoint_a=True)
    elif not ax and ay:
        gx, gy = mm(grad, y), mm(grad, x, adjoint_a=True)
    elif ax and not ay:
        gx, gy = mm(y, grad, adjoint_b=True), mm(x, grad)
    else:
        gx, gy = mm(y, grad, adjoint_a=True, adjoint_b=True), mm(grad, x, adjoint_a=True, adjoint_b=True)
    if op.type == 'BatchMatMul':
        return gx, gy
    # V2 broadcasts the batch dimensions: sum each gradient over the ones its operand was broadcast along.
    xs, ys = x.shape, y.shape
    if xs.ndims is not None and ys.ndims is not None and xs.ndims == ys.ndims and \
            xs[:-2].is_fully_defined() and xs[:-2] == ys[:-2]:
        return gx, gy
    sx, sy = array_ops.shape(x), array_ops.shape(y)
    rx, ry = array_ops.broadcast_gradient_args_op(sx[:-2], sy[:-2])
    gx = array_ops.reshape(reduce_sum(gx, rx), sx)
    gy = array_ops.reshape(reduce_sum(gy, ry), sy)
    return gx, gy



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


# -- Cast --
register_op('Cast', inputs=['x: SrcT'], outputs=['y: DstT'],
            attrs={'SrcT': 'type', 'DstT': 'type', 'Truncate': ('bool', False)}, shape_fn=shape_fns.unchanged)


@register_gradient('Cast')
def _cast_grad(op, grad):
    src, dst = op.inputs[0].dtype.base_dtype, grad.dtype.base_dtype
    if src in _DIFFERENTIABLE and dst in _DIFFERENTIABLE:
        return [cast(grad, src)]
    return [None]


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



from sluice.ops import array_ops  # noqa: E402  (used by the gradients above; both import this module)
