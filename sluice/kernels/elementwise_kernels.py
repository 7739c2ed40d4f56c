"""Kernels of the elementwise ops, generated from the rows of `ops/elementwise_ops.py`.

Each row's NumPy expression serves CPU and GPU through `ctx.xp`: a ufunc name is looked up on
NumPy or CuPy and handed to the plan as is (no wrapper call per step); an expression f(xp, ...)
is bound to xp and the row's params (LeakyRelu's alpha) once, when the plan is built. Around it:
  - integer division and modulo by zero fail with TF's "Integer division by zero" (only when the
    result is not empty: a gradient's FloorMod of empty axes by a scalar's rank 0 gives [], as in
    TF); a negative integer power of a signed integer fails;
  - broadcasting binary ops whose shapes the shape function could not prove compatible turn
    NumPy's ValueError into TF's "Incompatible shapes" (Equal/NotEqual with
    incompatible_shape_error=False answer a scalar instead);
  - 0-d results (NumPy scalars) become 0-d arrays when the output's rank may be 0;
  - the *Grad ops check that both inputs have one shape, and keep T as the output dtype.
CPU-only fast paths are registrations for 'CPU' alone (they specialize the shared ones): the
broadcasting arithmetic ufuncs and Relu write into a private first input, and ReluGrad runs a
C loop (`native.relu_grad`) when the C extension is built.
Every row whose C expression gives NumPy's value for the node's dtype is declared fusible
(`fusible`): the plan's fusion pass may inline it into a fused loop (`fused_elementwise.py`).
Floating-point warnings are silenced for kernel modules by sluice/kernels/__init__.py.
"""
import functools

import numpy as np

from sluice.engine import dtypes, errors
from sluice.kernels import fused_elementwise, native, special_functions
from sluice.kernels.checks import broadcastable
from sluice.kernels.registry import FusibleOp, declare_fusible, register_kernel
from sluice.ops import elementwise_ops  # noqa: F401  (declares the rows)
from sluice.ops.elementwise import BOOL, ROWS


def _fail(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _shape_text(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


def _as_array(xp, op):
    """A function giving back its argument as an xp array (NumPy turns 0-d results into scalars);
    None when the op's output is known to have rank >= 1: such results are arrays already."""
    if op._outputs[0]._shape._dims:
        return None
    nd, asarray = xp.ndarray, xp.asarray
    return lambda r: r if r.__class__ is nd else asarray(r)


def _special(xp, name):
    """The special functions of `special_functions` (digamma, gammainc, zeta, i0e, ...) with TF's domains
    on every device; erf, erfc, gammaln: SciPy/CuPy's, else Python's math module elementwise."""
    own = getattr(special_functions, name, None)
    if own is not None:
        return functools.partial(own, xp)
    try:
        if xp is np:
            import scipy.special as special
        else:
            import cupyx.scipy.special as special
        return getattr(special, name)
    except ImportError:
        import math
        fn = np.frompyfunc({'erf': math.erf, 'erfc': math.erfc, 'gammaln': math.lgamma}[name], 1, 1)
        return lambda x: fn(x).astype(x.dtype)


def _checked(op, row, dt, fn):
    """fn with the row's integer checks (TF's errors), or fn itself when none applies to dt."""
    if row.checks == 'divisor' and dt.is_integer:
        def divide(*args):
            b = args[-1]  # the divisor: y, or Reciprocal's x
            if args[0].size and b.size and (b == 0).any():
                raise _fail(op, 'Integer division by zero')
            return fn(*args)
        return divide
    if row.checks == 'exponent' and dt.is_integer and not dt.is_unsigned:
        def power(a, b):
            if (b < 0).any():
                raise _fail(op, 'Integers to negative integer powers are not allowed')
            return fn(a, b)
        return power
    return fn


def _type(op):
    return op.get_attr('T') if 'T' in op._attrs else dtypes.bool


def expression(op, xp):
    """The row's NumPy/CuPy function for this node's dtype and params, with its checks."""
    row, dt = ROWS[op.type], _type(op)
    expr = row.numpy_expression(dt)
    if isinstance(expr, str):
        fn = getattr(xp, expr, None)
        if fn is None:  # the special functions: SciPy answers float16 in float32
            np_type, special = dt.as_numpy_dtype, _special(xp, expr)
            fn = lambda *args: special(*args).astype(np_type, copy=False)  # noqa: E731
    else:
        params = {k: op.get_attr(k) for k in row.params}
        fn = functools.partial(expr, xp, **params)
    return _checked(op, row, dt, fn)


def _broadcasting(op, ctx, fn):
    """The step function of a broadcasting binary op computing fn."""
    xp = ctx.xp
    to_array = _as_array(xp, op)
    mismatch = None  # Equal/NotEqual with incompatible_shape_error=False answer a scalar
    if op.type in ('Equal', 'NotEqual') and not op.get_attr('incompatible_shape_error'):
        mismatch = xp.asarray(op.type == 'NotEqual')
    x, y = op._inputs[0]._shape, op._inputs[1]._shape
    if to_array is None and mismatch is None and x.is_fully_defined() and y.is_fully_defined():
        return fn  # the shape function proved the shapes broadcast, and the result is an array

    def incompatible(a, b):
        if broadcastable(a.shape, b.shape):
            return None
        if mismatch is not None:
            return mismatch.copy()
        raise _fail(op, 'Incompatible shapes: %s vs. %s' % (_shape_text(a.shape), _shape_text(b.shape))) from None

    if to_array is None:  # the output has rank >= 1: NumPy returns arrays
        def run(a, b):
            try:
                return fn(a, b)
            except ValueError:
                result = incompatible(a, b)
                if result is None:
                    raise
                return result
        return run

    def run_to_array(a, b):
        try:
            return to_array(fn(a, b))
        except ValueError:
            result = incompatible(a, b)
            if result is None:
                raise
            return result
    return run_to_array


def _unary(op, ctx, fn):
    to_array = _as_array(ctx.xp, op)
    return fn if to_array is None else (lambda x: to_array(fn(x)))


def _same_shape(op, ctx, fn):
    """The step function of a *Grad op: both inputs have one shape; the output keeps T."""
    xp, dtype = ctx.xp, op.get_attr('T').as_numpy_dtype

    def run(a, b):
        if a.shape != b.shape:
            raise _fail(op, 'Inputs to %s must have the same shape: %s vs %s'
                        % (op.type, _shape_text(a.shape), _shape_text(b.shape)))
        return xp.asarray(fn(a, b), dtype=dtype)
    return run


def elementwise(op, ctx):
    """The kernel builder every row shares: the row's expression inside its arity's step function."""
    row = ROWS[op.type]
    fn = expression(op, ctx.xp)
    if len(row.inputs) == 1:
        return _unary(op, ctx, fn)
    return (_broadcasting if row.broadcast else _same_shape)(op, ctx, fn)


register_kernel(tuple(ROWS), fresh_output=True)(elementwise)


# -- CPU fast paths --
_IN_PLACE = ('Add', 'AddV2', 'Sub', 'Mul', 'Div', 'RealDiv', 'Maximum', 'Minimum')


@register_kernel(_IN_PLACE, devices=('CPU',), fresh_output=True)
def into_private_first_input(op, ctx):
    """fn(a, b) written into `a` when no other op reads it (e.g. a gradient divided by keep_prob)
    and b is a scalar or has a's shape: no new buffer. Floats only (integer division checks)."""
    fn = expression(op, ctx.xp)
    if not (op.get_attr('T').is_floating and ctx.input_is_private(0) and op._outputs[0]._shape._dims
            and isinstance(fn, np.ufunc)):
        return elementwise(op, ctx)
    ufunc = fn

    def into_first(a, b):
        if (b.ndim == 0 or b.shape == a.shape) and a.__class__ is np.ndarray:
            return ufunc(a, b, out=a)
        return ufunc(a, b)
    return _broadcasting(op, ctx, into_first)


@register_kernel('Relu', devices=('CPU',), fresh_output=True)
def relu_cpu(op, ctx):
    """max(x, 0) into x itself when x is private (a MatMul's output, read by nothing else)."""
    if not ctx.input_is_private(0):
        return elementwise(op, ctx)
    zero = op.get_attr('T').as_numpy_dtype(0)
    return lambda x: np.maximum(x, zero, out=x) if x.ndim else np.asarray(np.maximum(x, zero))


@register_kernel('ReluGrad', devices=('CPU',), fresh_output=True)
def relu_grad_cpu(op, ctx):
    """ReluGrad as one C pass, g * (x > 0) as TF computes it, into g itself when it is private;
    without the C extension (or for other dtypes), NumPy's multiply."""
    dtype = op.get_attr('T').as_numpy_dtype
    private = ctx.input_is_private(0)  # the incoming gradient is ours to overwrite
    zero = dtype(0)

    def numpy_relu_grad(g, x, out):
        return np.multiply(g, x > zero, out=out) if g.ndim and out is not None else g * (x > zero)
    loop = native.relu_grad(dtype, numpy_relu_grad)
    if loop is numpy_relu_grad and not private:
        return elementwise(op, ctx)
    return _same_shape(op, ctx, lambda g, x: loop(g, x, g if private else np.empty_like(g)))


# -- fusion: the rows as a fused loop inlines them --
def _computed_by_scipy(row):
    """erf, erfc, lgamma: NumPy's value comes from SciPy (Cephes), tens of ulps from libm's."""
    return isinstance(row.numpy, str) and not hasattr(np, row.numpy)


def fusible(op):
    """The row's C expression as a FusibleOp for this node, or None: no C type for its dtype (half
    floats, complex, strings), integer rows with TF's error checks (division by zero, negative
    powers), and the rows whose NumPy value is not libm's."""
    row = ROWS[op.type]
    dt = _type(op)
    try:
        t = np.dtype(dt.as_numpy_dtype)
    except TypeError:
        return None
    if t not in fused_elementwise.C_TYPES or row.c is None or _computed_by_scipy(row):
        return None
    if row.checks and dt.is_integer:
        return None
    out = np.dtype(np.bool_) if row.bool_out or row.allowed == BOOL else t
    params = {k: op.get_attr(k) for k in row.params}
    return FusibleOp(row.c_expression(dt), range(len(row.inputs)), row.inputs, (t,) * len(row.inputs), out, t,
                     same_shape=not row.broadcast, params=params)


declare_fusible(tuple(ROWS), fusible)
