"""Elementwise ops as table rows, and the generator that turns a row into a declared op.

One `Elementwise` row says everything about an elementwise op type (the table is in
`elementwise_ops.py`; kernels come from the same rows in `kernels/elementwise_kernels.py`):

    op_type, inputs  TF's op type and input names, in OpDef order ('Atan2', ('y', 'x')).
    out              the output's name; bool_out: it is bool (comparisons, IsNan, ...).
    allowed          the dtypes type attr T may take (TF's list); BOOL: the inputs are bool and
                     there is no T (LogicalAnd); None: any dtype.
    names            public functions to build, TF's names (`tf.exp`, `tf.nn.relu`); their
                     arguments are the input names plus `name`, their default node name the op
                     type (or `default_name`). Rows whose public function is special (`add`
                     picking Add for strings) leave names empty and write it beside the table.
    numpy            the value on arrays: a ufunc name ('exp', looked up on NumPy or CuPy) or
                     f(xp, *inputs, **params); numpy_int / numpy_complex replace it for integer /
                     complex T.
    c, c_int         a scalar C expression over the input names and params, valid C99 (through
                     <tgmath.h>) and CUDA device code; `T` names the element type. c_int replaces
                     c for integer T. Helpers they call are in C_PRELUDE. `exact` says the C
                     value equals NumPy's bitwise (else within a few ulps: libm differs).
    grad             the gradient, by arity: unary f(x, y, grad) -> dx (y the output); broadcasting
                     binary f(x, y, z, grad) -> (dx, dy), then summed over the axes each operand
                     was broadcast along; same-shape binary (the *Grad ops) f(a, b, out, grad) ->
                     (da, db). None: no gradient (`no_gradient`); NOT_DIFFERENTIABLE: one that
                     returns None for every input (TF's Floor, FloorDiv); omitted: none declared.
    broadcast        the two inputs broadcast (binary ops) instead of needing one shape (*Grad).
    checks           'divisor': an integer division by zero fails (TF's error);
                     'exponent': a negative integer power of an integer fails.
    params           attrs that enter the expression, {name: (kind, default)} (LeakyRelu's alpha).
    attrs, shape_fn  other attrs and a shape function replacing the default (Equal's
                     incompatible_shape_error).
`declare(rows)` registers each op, its gradient, and returns the public functions by name.
"""
from sluice.engine import dtypes, op_builder
from sluice.engine.graph import Tensor
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.ops import shape_fns

# -- dtype groups (TF's allowed-type lists) --
FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
COMPLEX = (dtypes.complex64, dtypes.complex128)
SINT = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64)
UINT = (dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64)
REAL = FLOAT + SINT + UINT
NUMBER = REAL + COMPLEX
INEXACT = FLOAT + COMPLEX
SIGNED = FLOAT + SINT + COMPLEX
BOOL = 'bool'

NOT_DIFFERENTIABLE = 'not differentiable'
_UNDECLARED = 'undeclared'

# Helpers the C expressions may call: `static inline` in C, `__device__` in CUDA.
C_PRELUDE = r'''
#ifdef __CUDACC__
#define SL_FN static __device__ __forceinline__
#else
#define SL_FN static inline
#endif
/* x**y for integers (y >= 0), wrapping on overflow like NumPy: unsigned arithmetic. */
SL_FN long long sl_ipow(long long x, long long y) {
    unsigned long long r = 1, b = (unsigned long long)x;
    while (y > 0) { if (y & 1) r *= b; b *= b; y >>= 1; }
    return (long long)r;
}
'''

ROWS = {}  # op type -> Elementwise, for the kernels and the tests


class Elementwise:
    """One elementwise op type (the fields are described at the top of this module)."""
    __slots__ = ('op_type', 'inputs', 'out', 'bool_out', 'allowed', 'names', 'default_name', 'numpy',
                 'numpy_int', 'numpy_complex', 'c', 'c_int', 'exact', 'grad', 'broadcast', 'checks', 'params',
                 'attrs', 'shape_fn', 't_default')

    def __init__(self, op_type, inputs, allowed, names=(), numpy=None, c=None, grad=_UNDECLARED, out=None,
                 bool_out=False, default_name=None, numpy_int=None, numpy_complex=None, c_int=None, exact=True,
                 broadcast=None, checks=None, params=None, attrs=None, shape_fn=None, t_default=None):
        self.op_type, self.inputs, self.allowed = op_type, tuple(inputs), allowed
        self.names = (names,) if isinstance(names, str) else tuple(names)
        self.out = out or ('y' if len(self.inputs) == 1 else 'z')
        self.bool_out, self.default_name = bool_out, default_name
        self.numpy, self.numpy_int, self.numpy_complex = numpy, numpy_int, numpy_complex
        self.c, self.c_int, self.exact = c, c_int, exact
        self.grad, self.checks = grad, checks
        self.broadcast = len(self.inputs) == 2 if broadcast is None else broadcast
        self.params, self.attrs, self.shape_fn = dict(params or {}), dict(attrs or {}), shape_fn
        self.t_default = t_default

    def c_expression(self, dtype):
        """The C expression for element dtype `dtype` (c_int for integers)."""
        return self.c_int if dtype.is_integer and self.c_int is not None else self.c

    def numpy_expression(self, dtype):
        """The `numpy` field that serves `dtype`."""
        if dtype.is_integer and self.numpy_int is not None:
            return self.numpy_int
        if dtype.is_complex and self.numpy_complex is not None:
            return self.numpy_complex
        return self.numpy


def unary(op_type, allowed, names=(), numpy=None, c=None, grad=_UNDECLARED, **kw):
    """A one-input row named ('x',) unless `inputs` says otherwise."""
    return Elementwise(op_type, kw.pop('inputs', ('x',)), allowed, names, numpy, c, grad, **kw)


def binary(op_type, allowed, names=(), numpy=None, c=None, grad=_UNDECLARED, **kw):
    """A two-input broadcasting row named ('x', 'y') unless `inputs` says otherwise."""
    return Elementwise(op_type, kw.pop('inputs', ('x', 'y')), allowed, names, numpy, c, grad, **kw)


def grad_op(op_type, inputs, allowed, numpy=None, c=None, grad=_UNDECLARED, **kw):
    """A *Grad row: two inputs of one shape, output 'backprops' unless `out` says otherwise."""
    kw.setdefault('out', 'backprops')
    return Elementwise(op_type, inputs, allowed, (), numpy, c, grad, broadcast=False, **kw)


# -- declaration --
def _register_op(row):
    if row.allowed == BOOL:
        inputs, attrs, allowed = ['%s: bool' % n for n in row.inputs], {}, None
    else:
        inputs = ['%s: T' % n for n in row.inputs]
        attrs = {'T': 'type' if row.t_default is None else ('type', row.t_default)}
        allowed = None if row.allowed is None else {'T': row.allowed}
    attrs.update(row.params)
    attrs.update(row.attrs)
    out_type = 'bool' if row.bool_out or row.allowed == BOOL else 'T'
    shape_fn = row.shape_fn or (shape_fns.broadcast if row.broadcast else shape_fns.unchanged)
    register_op(row.op_type, inputs=inputs, outputs=['%s: %s' % (row.out, out_type)], attrs=attrs,
                shape_fn=shape_fn, allowed=allowed)


def same_static_shapes(x, y, grad):
    """x, y and grad have one fully defined shape: nothing was broadcast (TF skips the reduction)."""
    dims = x.shape._dims
    return (isinstance(grad, Tensor) and dims is not None and None not in dims and
            dims == y.shape._dims == grad.shape._dims)


def _gradient_function(row):
    derivative = row.grad
    if derivative == NOT_DIFFERENTIABLE:
        return lambda op, grad: [None] * len(row.inputs)
    if len(row.inputs) == 1:
        return lambda op, grad: [derivative(op.inputs[0], op.outputs[0], grad)]
    if not row.broadcast:
        return lambda op, grad: list(derivative(op.inputs[0], op.inputs[1], op.outputs[0], grad))

    def broadcast_grad(op, grad):
        x, y = op.inputs
        gx, gy = derivative(x, y, op.outputs[0], grad)
        if same_static_shapes(x, y, grad):
            return gx, gy
        from sluice.ops import array_ops  # array_ops imports the math ops
        return array_ops.reduce_gradient_args(x, y, gx, gy)
    return broadcast_grad


def _register_gradient(row):
    if row.grad is None:
        no_gradient(row.op_type)
    elif row.grad != _UNDECLARED:
        fn = _gradient_function(row)
        fn.__name__ = '_%s_grad' % row.op_type.lower()
        register_gradient(row.op_type)(fn)


def _public_function(row, public):
    args = ', '.join(row.inputs)
    # A real signature, so that keyword calls (relu(features=...)) work as in TF's generated wrappers.
    source = 'def %s(%s, name=None):\n    return _output(%r, [%s], None, name, %r)\n' % (
        public, args, row.op_type, args, row.default_name)
    namespace = {'_output': op_builder.output}
    exec(source, namespace)  # noqa: S102 - a fixed template over validated identifiers
    fn = namespace[public]
    fn.__doc__ = 'tf.%s(%s): elementwise, op %s%s.' % (
        public, args, row.op_type, ' with broadcasting' if row.broadcast else '')
    return fn


def declare(rows):
    """Registers each row's op and gradient; returns {public name: function}."""
    functions = {}
    for row in rows:
        if row.op_type in ROWS:
            raise KeyError('Elementwise op %s is declared twice' % row.op_type)
        ROWS[row.op_type] = row
        _register_op(row)
        _register_gradient(row)
        for public in row.names:
            functions[public] = _public_function(row, public)
    return functions
