"""The elementwise ops, one row each: math (tf.exp, tf.add, tf.less, ...), activations (tf.nn.relu,
...) and the *Grad ops their gradients build (ReluGrad, TanhGrad, ...). See `elementwise.py` for the
fields; the public functions generated from the rows are this module's globals.

Derivatives follow TF 1.x's math_grad/nn_grad: the chain rule on conjugated inputs; Sqrt, Rsqrt,
Tanh, Sigmoid, Reciprocal and the activations build their fused *Grad op; Pow's d/dy is taken as
0 where x <= 0; Maximum/Minimum send ties to x; Xlogy/Xdivy give 0 where x == 0.
The C expressions treat NaN and signed zeros as NumPy does: Maximum, Minimum and Relu propagate
NaN (`x != x` tests for it and is false for integers) and answer the second operand on ties
(maximum(-0.0, 0.0) is 0.0). Functions that are not one row (add choosing Add
for strings, truediv's casts, leaky_relu's alpha, round of integers) follow the table.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import shape_fns
from sluice.ops.elementwise import (BOOL, COMPLEX, FLOAT, INEXACT, NOT_DIFFERENTIABLE, NUMBER, REAL, SIGNED,
                                    SINT, binary, declare, grad_op, unary)
from sluice.engine.tensor_shape import TensorShape

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _const(value, like):
    from sluice.ops import constant_op
    return constant_op.constant(value, dtype=like.dtype.base_dtype)


def _fused(op_type, y, dy):
    return op_builder.output(op_type, [y, dy])


def _times(f):
    """grad * f(conj(x), conj(y)), named 'mul' as in TF."""
    return lambda x, y, grad: multiply(grad, f(conj(x), conj(y)), name='mul')  # noqa: F821


def _where(cond, a, b):
    from sluice.ops import array_ops
    return array_ops.where_v2(cond, a, b)


def _zeros_like(x):
    from sluice.ops import array_ops
    return array_ops.zeros_like(x)


def _pow_grad(x, y, z, grad):
    cx, cy, z = conj(x), conj(y), conj(z)  # noqa: F821
    gx = multiply(grad, cy * pow(cx, cy - 1))  # noqa: F821
    # d/dy x^y = x^y log(x), taken as 0 where x <= 0 (log undefined), as TF does.
    mask = not_equal(cx, 0) if cx.dtype.is_complex else cx > 0  # noqa: F821
    from sluice.ops import array_ops
    safe_x = array_ops.where(mask, cx, array_ops.ones_like(cx))
    log_x = array_ops.where(mask, log(safe_x), array_ops.zeros_like(cx))  # noqa: F821
    return gx, grad * z * log_x


def _select_grad(selector):
    """Maximum/Minimum: the gradient goes where the operand was selected, ties to x."""
    def grad_fn(x, y, z, grad):
        zeros = _zeros_like(grad)
        xmask = selector(x, y)
        return _where(xmask, grad, zeros), _where(xmask, zeros, grad)
    return grad_fn


def _nonzero(x):
    from sluice.ops import math_ops
    return math_ops.cast(not_equal(x, _const(0, x)), x.dtype.base_dtype)  # noqa: F821


def _sigmoid_np(xp, x):
    # 1 / (1 + e) where x >= 0, e / (1 + e) below, with e = exp(-|x|) <= 1 (never overflows); the numerator
    # max(e, x >= 0) picks 1 or e bit for bit without a where over both quotients (4x faster, same values).
    e = xp.exp(-xp.abs(x))
    return xp.maximum(e, x >= 0) / (1 + e)


def _trunc_div(xp, x, y):
    return (x - xp.fmod(x, y)) // y  # exact: x - fmod(x, y) is a multiple of y


def _zero_where_x_is_zero(f):
    return lambda xp, x, y: xp.where(x == 0, xp.zeros((), x.dtype), f(xp, x, y))


def _floor_mod_c(x, y):
    """NumPy's float remainder: fmod moved to the divisor's sign; a zero takes the divisor's sign."""
    m = 'fmod(%s, %s)' % (x, y)
    return ('(%s != 0 && ((%s < 0) != (%s < 0))) ? %s + %s : (%s != 0 ? %s : copysign((T)0, %s))'
            % (m, m, y, m, y, m, m, y))


_INT_FLOOR_MOD = '(x %% y != 0 && ((x %% y < 0) != (y < 0))) ? x %% y + y : x %% y'.replace('%%', '%')
_SIGMOID_C = '(%s >= 0 ? (T)1 : exp(-fabs(%s))) / (1 + exp(-fabs(%s)))'
_SQRT_PI_2 = 2 / np.sqrt(np.pi)


REAL_FLOAT = (dtypes.float32, dtypes.float64)


def _gamma_density(a, x):
    """dP(a, x)/dx = exp(-x + (a-1) log x - lgamma(a))."""
    return exp(-x + (a - _const(1, a)) * log(x) - lgamma(a))  # noqa: F821


def _bessel_i1e_slope(x, y):
    """d i1e/dx = i0e(x) - y (sign(x) + 1/x), 1/2 where |x| <= eps (TF's guard against 1/0)."""
    eps = np.finfo(x.dtype.base_dtype.as_numpy_dtype).eps
    tiny = less_equal(abs(x), _const(eps, x))  # noqa: F821
    safe_x = _where(tiny, _const(eps, x) + _zeros_like(x), x)
    slope = bessel_i0e(safe_x) - y * (sign(safe_x) + reciprocal(safe_x))  # noqa: F821
    return _where(tiny, _const(0.5, x) + _zeros_like(x), slope)


def _equal_shape(op):
    try:  # without incompatible_shape_error, shapes that cannot broadcast give a scalar at run time
        return shape_fns.broadcast(op)
    except ValueError:
        if op._attrs['incompatible_shape_error']:
            raise
        return [TensorShape([])]


_EQUAL = dict(bool_out=True, attrs={'incompatible_shape_error': ('bool', True)}, shape_fn=_equal_shape)
_ALPHA = {'alpha': ('float', 0.2)}

ROWS = [
    # -- arithmetic --
    binary('Add', NUMBER + (dtypes.string,), numpy='add', c='x + y', grad=lambda x, y, z, g: (g, g)),
    binary('AddV2', NUMBER, numpy='add', c='x + y', grad=lambda x, y, z, g: (g, g)),
    binary('Sub', NUMBER, 'subtract', numpy='subtract', c='x - y', grad=lambda x, y, z, g: (g, negative(g))),  # noqa: F821
    binary('Mul', NUMBER, 'multiply', numpy='multiply', c='x * y',
           grad=lambda x, y, z, g: (multiply(g, conj(y)), multiply(conj(x), g))),  # noqa: F821
    binary('Div', NUMBER, numpy='true_divide', numpy_int=_trunc_div, c='x / y', checks='divisor',
           grad=lambda x, y, z, g: (realdiv(g, conj(y)), g * realdiv(realdiv(-conj(x), conj(y)), conj(y)))),  # noqa: F821
    binary('RealDiv', NUMBER, 'realdiv', numpy='true_divide', numpy_int=_trunc_div, c='x / y', checks='divisor',
           grad=lambda x, y, z, g: (realdiv(g, conj(y)), g * realdiv(realdiv(-conj(x), conj(y)), conj(y)))),  # noqa: F821
    binary('FloorDiv', NUMBER, ('floordiv', 'floor_div'), default_name='floordiv', checks='divisor',
           numpy=lambda xp, x, y: xp.floor(xp.true_divide(x, y)), numpy_int='floor_divide', c='floor(x / y)',
           c_int='x / y - (x % y != 0 && ((x % y < 0) != (y < 0)))', grad=NOT_DIFFERENTIABLE),
    binary('TruncateDiv', REAL, 'truncatediv', checks='divisor', numpy=lambda xp, x, y: xp.trunc(xp.true_divide(x, y)),
           numpy_int=_trunc_div,
           c='trunc(x / y)', c_int='x / y', grad=NOT_DIFFERENTIABLE),
    binary('FloorMod', REAL, ('floormod', 'mod'), numpy='remainder', checks='divisor', c=_floor_mod_c('x', 'y'),
           c_int=_INT_FLOOR_MOD, grad=lambda x, y, z, g: (g, g * negative(floordiv(x, y)))),  # noqa: F821
    binary('TruncateMod', REAL, 'truncatemod', numpy='fmod', checks='divisor', c='fmod(x, y)', c_int='x % y'),
    binary('Pow', SIGNED, 'pow', numpy='power', checks='exponent', c='pow(x, y)', c_int='(T)sl_ipow(x, y)',
           exact=False, grad=_pow_grad),
    binary('Maximum', REAL, 'maximum', numpy='maximum', c='(x > y || x != x) ? x : y',
           grad=_select_grad(lambda x, y: greater_equal(x, y))),  # noqa: F821
    binary('Minimum', REAL, 'minimum', numpy='minimum', c='(x < y || x != x) ? x : y',
           grad=_select_grad(lambda x, y: less_equal(x, y))),  # noqa: F821
    binary('SquaredDifference', SIGNED, 'squared_difference', numpy=lambda xp, x, y: xp.square(xp.subtract(x, y)),
           numpy_complex=lambda xp, x, y: (x - y) * xp.conj(x - y), c='(x - y) * (x - y)',
           grad=lambda x, y, z, g: (lambda d: (d, -d))(multiply(_const(2.0, g), g) * (x - y))),  # noqa: F821
    binary('DivNoNan', INEXACT, ('div_no_nan', 'divide_no_nan'),
           numpy=lambda xp, x, y: xp.where(y == 0, xp.zeros((), x.dtype), xp.true_divide(x, y)),
           c='y == 0 ? (T)0 : x / y',
           grad=lambda x, y, z, g: (div_no_nan(g, y), g * div_no_nan(div_no_nan(-x, y), y))),  # noqa: F821
    binary('Atan2', FLOAT, 'atan2', inputs=('y', 'x'), numpy='arctan2', c='atan2(y, x)', exact=False,
           grad=lambda y, x, z, g: (lambda inv: (x * inv, -y * inv))(g / (square(x) + square(y)))),  # noqa: F821
    binary('Xlogy', INEXACT, 'xlogy', numpy=_zero_where_x_is_zero(lambda xp, x, y: x * xp.log(y)),
           c='x == 0 ? (T)0 : x * log(y)', exact=False,
           grad=lambda x, y, z, g: (xlogy(_nonzero(x), y) * g, xdivy(x, y) * g)),  # noqa: F821
    binary('Xdivy', INEXACT, 'xdivy', numpy=_zero_where_x_is_zero(lambda xp, x, y: x / y), c='x == 0 ? (T)0 : x / y',
           grad=lambda x, y, z, g: (xdivy(_nonzero(x), y) * g, xdivy(negative(x), square(y)) * g)),  # noqa: F821
    # -- comparisons and logic --
    binary('Less', REAL, 'less', numpy='less', c='x < y', bool_out=True, grad=None),
    binary('LessEqual', REAL, 'less_equal', numpy='less_equal', c='x <= y', bool_out=True, grad=None),
    binary('Greater', REAL, 'greater', numpy='greater', c='x > y', bool_out=True, grad=None),
    binary('GreaterEqual', REAL, 'greater_equal', numpy='greater_equal', c='x >= y', bool_out=True, grad=None),
    binary('Equal', None, 'equal', numpy='equal', c='x == y', grad=None, **_EQUAL),
    binary('NotEqual', None, 'not_equal', numpy='not_equal', c='x != y', grad=None, **_EQUAL),
    binary('LogicalAnd', BOOL, 'logical_and', numpy='logical_and', c='x && y', grad=None),
    binary('LogicalOr', BOOL, 'logical_or', numpy='logical_or', c='x || y', grad=None),
    unary('LogicalNot', BOOL, 'logical_not', numpy='logical_not', c='!x', grad=None),
    unary('IsNan', FLOAT, 'is_nan', numpy='isnan', c='isnan(x)', bool_out=True, grad=None),
    unary('IsInf', FLOAT, 'is_inf', numpy='isinf', c='isinf(x)', bool_out=True, grad=None),
    unary('IsFinite', FLOAT, 'is_finite', numpy='isfinite', c='isfinite(x)', bool_out=True, grad=None),
    # -- unary math --
    unary('Neg', SIGNED, 'negative', numpy='negative', c='-x', grad=lambda x, y, g: negative(g)),  # noqa: F821
    unary('Abs', FLOAT + SINT, 'abs', numpy='abs', c='fabs(x)', c_int='x < 0 ? -x : x',
          grad=lambda x, y, g: multiply(g, sign(x), name='mul')),  # noqa: F821
    unary('Sign', SIGNED, 'sign', numpy='sign', c='x > 0 ? (T)1 : (x < 0 ? (T)-1 : (x == 0 ? (T)0 : x))',
          c_int='(x > 0) - (x < 0)', grad=lambda x, y, g: _zeros_like(x)),
    unary('Square', NUMBER, 'square', numpy='square', c='x * x',
          grad=lambda x, y, g: multiply(g, multiply(x, _const(2.0, x)))),  # noqa: F821
    unary('Reciprocal', SIGNED, 'reciprocal', numpy='reciprocal', checks='divisor', c='(T)1 / x',
          numpy_int=lambda xp, x: (xp.ones_like(x) - xp.fmod(xp.ones_like(x), x)) // x,
          grad=lambda x, y, g: _fused('ReciprocalGrad', y, g)),
    unary('Round', SIGNED, numpy='round', numpy_int=lambda xp, x: x.copy(), c='rint(x)', c_int='x',
          grad=NOT_DIFFERENTIABLE),
    unary('Rint', FLOAT, 'rint', numpy='rint', c='rint(x)', grad=NOT_DIFFERENTIABLE),
    unary('Floor', FLOAT, 'floor', numpy='floor', c='floor(x)', grad=NOT_DIFFERENTIABLE),
    unary('Ceil', FLOAT, 'ceil', numpy='ceil', c='ceil(x)', grad=NOT_DIFFERENTIABLE),
    unary('Sqrt', INEXACT, 'sqrt', numpy='sqrt', c='sqrt(x)', grad=lambda x, y, g: _fused('SqrtGrad', y, g)),
    unary('Rsqrt', INEXACT, 'rsqrt', numpy=lambda xp, x: xp.reciprocal(xp.sqrt(x)), c='(T)1 / sqrt(x)',
          grad=lambda x, y, g: _fused('RsqrtGrad', y, g)),
    unary('Exp', INEXACT, 'exp', numpy='exp', c='exp(x)', exact=False, grad=_times(lambda x, y: y)),
    unary('Expm1', INEXACT, 'expm1', numpy='expm1', c='expm1(x)', exact=False,
          grad=_times(lambda x, y: exp(x))),  # noqa: F821
    unary('Log', INEXACT, 'log', numpy='log', c='log(x)', exact=False,
          grad=_times(lambda x, y: reciprocal(x))),  # noqa: F821
    unary('Log1p', INEXACT, 'log1p', numpy='log1p', c='log1p(x)', exact=False,
          grad=_times(lambda x, y: reciprocal(1 + x))),  # noqa: F821
    unary('Sin', INEXACT, 'sin', numpy='sin', c='sin(x)', exact=False, grad=_times(lambda x, y: cos(x))),  # noqa: F821
    unary('Cos', INEXACT, 'cos', numpy='cos', c='cos(x)', exact=False, grad=_times(lambda x, y: -sin(x))),  # noqa: F821
    unary('Tan', INEXACT, 'tan', numpy='tan', c='tan(x)', exact=False,
          grad=_times(lambda x, y: square(reciprocal(cos(x))))),  # noqa: F821
    unary('Asin', INEXACT, 'asin', numpy='arcsin', c='asin(x)', exact=False,
          grad=_times(lambda x, y: rsqrt(1 - square(x)))),  # noqa: F821
    unary('Acos', INEXACT, 'acos', numpy='arccos', c='acos(x)', exact=False,
          grad=_times(lambda x, y: -rsqrt(1 - square(x)))),  # noqa: F821
    unary('Atan', INEXACT, 'atan', numpy='arctan', c='atan(x)', exact=False,
          grad=_times(lambda x, y: reciprocal(1 + square(x)))),  # noqa: F821
    unary('Sinh', INEXACT, 'sinh', numpy='sinh', c='sinh(x)', exact=False, grad=_times(lambda x, y: cosh(x))),  # noqa: F821
    unary('Cosh', INEXACT, 'cosh', numpy='cosh', c='cosh(x)', exact=False, grad=_times(lambda x, y: sinh(x))),  # noqa: F821
    unary('Asinh', INEXACT, 'asinh', numpy='arcsinh', c='asinh(x)', exact=False,
          grad=_times(lambda x, y: reciprocal(cosh(y)))),  # noqa: F821
    unary('Acosh', INEXACT, 'acosh', numpy='arccosh', c='acosh(x)', exact=False,
          grad=_times(lambda x, y: reciprocal(sinh(y)))),  # noqa: F821
    unary('Atanh', INEXACT, 'atanh', numpy='arctanh', c='atanh(x)', exact=False,
          grad=_times(lambda x, y: reciprocal(1 - square(x)))),  # noqa: F821
    unary('Tanh', INEXACT, 'tanh', numpy='tanh', c='tanh(x)', exact=False, grad=lambda x, y, g: _fused('TanhGrad', y, g)),
    unary('Sigmoid', INEXACT, 'sigmoid', numpy=_sigmoid_np, numpy_complex=lambda xp, x: 1 / (1 + xp.exp(-x)),
          c=_SIGMOID_C % ('x', 'x', 'x'), exact=False, grad=lambda x, y, g: _fused('SigmoidGrad', y, g)),
    unary('Erf', FLOAT, 'erf', numpy='erf', c='erf(x)', exact=False,
          grad=_times(lambda x, y: _const(_SQRT_PI_2, x) * exp(-square(x)))),  # noqa: F821
    unary('Erfc', FLOAT, 'erfc', numpy='erfc', c='erfc(x)', exact=False,
          grad=_times(lambda x, y: _const(-_SQRT_PI_2, x) * exp(-square(x)))),  # noqa: F821
    unary('Lgamma', FLOAT, 'lgamma', numpy='gammaln', c='lgamma(x)', exact=False,
          grad=_times(lambda x, y: digamma(x))),  # noqa: F821
    # -- special functions (kernels/special_functions.py; TF's gradients, none for the orders and a, b) --
    unary('Digamma', FLOAT, 'digamma', numpy='digamma', exact=False,
          grad=_times(lambda x, y: polygamma(_const(1, x), x))),  # noqa: F821
    binary('Igamma', REAL_FLOAT, 'igamma', inputs=('a', 'x'), numpy='gammainc', exact=False,
           grad=lambda a, x, z, g: (g * _fused('IgammaGradA', a, x), g * _gamma_density(a, x))),
    binary('Igammac', REAL_FLOAT, 'igammac', inputs=('a', 'x'), numpy='gammaincc', exact=False,
           grad=lambda a, x, z, g: (-g * _fused('IgammaGradA', a, x), -g * _gamma_density(a, x))),
    binary('IgammaGradA', REAL_FLOAT, inputs=('a', 'x'), numpy='igamma_grad_a', exact=False),
    binary('Zeta', REAL_FLOAT, 'zeta', inputs=('x', 'q'), numpy='zeta', exact=False,
           grad=lambda x, q, z, g: (None, g * -x * zeta(x + _const(1, x), q))),  # noqa: F821
    binary('Polygamma', REAL_FLOAT, 'polygamma', inputs=('a', 'x'), numpy='polygamma', exact=False,
           grad=lambda n, x, z, g: (None, g * polygamma(n + _const(1, n), x))),  # noqa: F821
    unary('BesselI0e', FLOAT, 'bessel_i0e', numpy='i0e', exact=False,
          grad=lambda x, y, g: g * (bessel_i1e(x) - sign(x) * y)),  # noqa: F821
    unary('BesselI1e', FLOAT, 'bessel_i1e', numpy='i1e', exact=False, grad=lambda x, y, g: g * _bessel_i1e_slope(x, y)),
    unary('Conj', COMPLEX, inputs=('input',), out='output', numpy='conj', c='conj(input)',
          t_default=dtypes.complex64, grad=lambda x, y, g: conj(g)),  # noqa: F821
    # -- activations (tf.nn) --
    unary('Relu', REAL, 'relu', inputs=('features',), out='activations', numpy=lambda xp, x: xp.maximum(x, x.dtype.type(0)),
          c='(features > 0 || features != features) ? features : (T)0',
          grad=lambda x, y, g: _fused('ReluGrad', g, y)),
    unary('Relu6', REAL, 'relu6', inputs=('features',), out='activations',
          numpy=lambda xp, x: xp.minimum(xp.maximum(x, x.dtype.type(0)), x.dtype.type(6)),
          c='features != features ? features : (features > 6 ? (T)6 : (features > 0 ? features : (T)0))',
          grad=lambda x, y, g: _fused('Relu6Grad', g, y)),
    unary('Elu', FLOAT, 'elu', inputs=('features',), out='activations',
          numpy=lambda xp, x: xp.where(x > 0, x, xp.expm1(x)), c='features > 0 ? features : expm1(features)',
          exact=False, grad=lambda x, y, g: _fused('EluGrad', g, y)),
    unary('Selu', FLOAT, 'selu', inputs=('features',), out='activations', exact=False,
          numpy=lambda xp, x: xp.where(x > 0, x * x.dtype.type(SELU_SCALE),
                                       xp.expm1(x) * x.dtype.type(SELU_SCALE * SELU_ALPHA)),
          c='features > 0 ? features * (T)%r : expm1(features) * (T)%r' % (SELU_SCALE, SELU_SCALE * SELU_ALPHA),
          grad=lambda x, y, g: _fused('SeluGrad', g, y)),
    unary('Softplus', FLOAT, 'softplus', inputs=('features',), out='activations', exact=False,
          numpy=lambda xp, x: xp.maximum(x, x.dtype.type(0)) + xp.log1p(xp.exp(-xp.abs(x))),
          c='(features > 0 || features != features ? features : (T)0) + log1p(exp(-fabs(features)))',
          grad=lambda x, y, g: _fused('SoftplusGrad', g, x)),
    unary('Softsign', FLOAT, 'softsign', inputs=('features',), out='activations',
          numpy=lambda xp, x: x / (xp.abs(x) + x.dtype.type(1)), c='features / (fabs(features) + 1)',
          grad=lambda x, y, g: _fused('SoftsignGrad', g, x)),
    unary('LeakyRelu', FLOAT, inputs=('features',), out='activations', params=_ALPHA, t_default=dtypes.float32,
          numpy=lambda xp, x, alpha: xp.where(x > 0, x, x * x.dtype.type(alpha)),
          c='features > 0 ? features : features * (T)alpha',
          grad=lambda x, y, g: op_builder.output('LeakyReluGrad', [g, x], {'alpha': y.op._attrs['alpha']})),
    # -- the *Grad ops that gradients build --
    grad_op('ReluGrad', ('gradients', 'features'), REAL, numpy=lambda xp, g, x: g * (x > 0),
            c='gradients * (features > 0)', grad=lambda g, x, out, gg: (_fused('ReluGrad', gg, x), _zeros_like(x))),
    grad_op('Relu6Grad', ('gradients', 'features'), REAL, numpy=lambda xp, g, x: g * ((x > 0) & (x < 6)),
            c='gradients * (features > 0 && features < 6)',
            grad=lambda g, x, out, gg: (_fused('Relu6Grad', gg, x), _zeros_like(x))),
    grad_op('EluGrad', ('gradients', 'outputs'), FLOAT,
            numpy=lambda xp, g, y: xp.where(y < 0, g * (y + y.dtype.type(1)), g),
            c='outputs < 0 ? gradients * (outputs + 1) : gradients'),
    grad_op('SeluGrad', ('gradients', 'outputs'), FLOAT, exact=False,
            numpy=lambda xp, g, y: xp.where(y < 0, g * (y + y.dtype.type(SELU_SCALE * SELU_ALPHA)),
                                            g * y.dtype.type(SELU_SCALE)),
            c='outputs < 0 ? gradients * (outputs + (T)%r) : gradients * (T)%r' % (SELU_SCALE * SELU_ALPHA, SELU_SCALE)),
    grad_op('SoftplusGrad', ('gradients', 'features'), FLOAT, exact=False,
            numpy=lambda xp, g, x: g * _sigmoid_np(xp, x),
            c='gradients * (%s)' % (_SIGMOID_C % (('features',) * 3))),
    grad_op('SoftsignGrad', ('gradients', 'features'), FLOAT,
            numpy=lambda xp, g, x: g / xp.square(xp.abs(x) + x.dtype.type(1)),
            c='gradients / ((fabs(features) + 1) * (fabs(features) + 1))'),
    grad_op('LeakyReluGrad', ('gradients', 'features'), FLOAT, params=_ALPHA, t_default=dtypes.float32,
            numpy=lambda xp, g, x, alpha: xp.where(x > 0, g, g * g.dtype.type(alpha)),
            c='features > 0 ? gradients : gradients * (T)alpha'),
    grad_op('TanhGrad', ('y', 'dy'), INEXACT, out='z', numpy=lambda xp, y, dy: dy * (1 - y * y),
            c='dy * (1 - y * y)', grad=lambda y, dy, out, g: (g * -2.0 * dy * y, _fused('TanhGrad', y, g))),
    grad_op('SigmoidGrad', ('y', 'dy'), INEXACT, out='z', numpy=lambda xp, y, dy: dy * (y * (1 - y)),
            c='dy * (y * (1 - y))',
            grad=lambda y, dy, out, g: (lambda gb: (gb - 2.0 * gb * y, _fused('SigmoidGrad', y, g)))(g * dy)),
    grad_op('SqrtGrad', ('y', 'dy'), INEXACT, out='z', numpy=lambda xp, y, dy: dy * 0.5 / y, c='dy * (T)0.5 / y',
            grad=lambda y, dy, out, g: (-g * out / y, _fused('SqrtGrad', y, g))),
    grad_op('RsqrtGrad', ('y', 'dy'), INEXACT, out='z', numpy=lambda xp, y, dy: dy * (-0.5) * (y * y * y),
            c='dy * (T)-0.5 * (y * y * y)',
            grad=lambda y, dy, out, g: (g * -1.5 * dy * square(y), _fused('RsqrtGrad', y, g))),  # noqa: F821
    grad_op('ReciprocalGrad', ('y', 'dy'), INEXACT, out='z', numpy=lambda xp, y, dy: -dy * (y * y),
            c='-dy * (y * y)', grad=lambda y, dy, out, g: (g * -2.0 * dy * y, _fused('ReciprocalGrad', y, g))),
]

globals().update(declare(ROWS))


# -- the public functions that are more than one row --
def add(x, y, name=None):
    """x + y elementwise with broadcasting (op AddV2; strings concatenate with op Add)."""
    with name_scope(name, 'Add', [x, y]) as scope:
        x = convert_to_tensor(x, name='x')
        return op_builder.output('Add' if x.dtype.base_dtype == dtypes.string else 'AddV2', [x, y], None, scope)


_TRUEDIV_TABLE = {dtypes.uint8: dtypes.float32, dtypes.int8: dtypes.float32, dtypes.uint16: dtypes.float32,
                  dtypes.int16: dtypes.float32, dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64,
                  dtypes.uint32: dtypes.float64, dtypes.uint64: dtypes.float64}


def truediv(x, y, name=None):
    """Python 3 division: integers are cast to float32 (8/16 bit) or float64 first (op RealDiv)."""
    from sluice.ops.math_ops import cast
    with name_scope(name, 'truediv', [x, y]) as scope:
        x = convert_to_tensor(x, name='x')
        y = convert_to_tensor(y, name='y', preferred_dtype=x.dtype.base_dtype)
        xd, yd = x.dtype.base_dtype, y.dtype.base_dtype
        if xd != yd:
            raise TypeError('`x` and `y` must have the same dtype, got %r != %r.' % (xd, yd))
        if not (xd in _TRUEDIV_TABLE or xd in INEXACT):
            raise TypeError('Invalid dtype %r in __truediv__' % xd)
        target = _TRUEDIV_TABLE.get(xd)
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return op_builder.output('RealDiv', [x, y], None, scope)


def div(x, y, name=None):
    """TF1's tf.div, Python 2 division: RealDiv for floats, FloorDiv for integers."""
    with name_scope(name, 'div', [x, y]) as scope:
        x = convert_to_tensor(x, name='x')
        y = convert_to_tensor(y, name='y', dtype=x.dtype.base_dtype)
        if x.dtype.base_dtype != y.dtype.base_dtype:
            raise TypeError('x and y must have the same dtype, got %r != %r' % (x.dtype.base_dtype,
                                                                               y.dtype.base_dtype))
        kind = 'RealDiv' if x.dtype.base_dtype in INEXACT else 'FloorDiv'
        return op_builder.output(kind, [x, y], None, scope)


def divide(x, y, name=None):
    """x / y with Python 3 semantics (truediv)."""
    if name is not None:
        return truediv(x, y, name=name)
    if not _graph.is_tensor(x):
        x = convert_to_tensor(x, dtype=y.dtype.base_dtype if _graph.is_tensor(y) else None)
    return x / y


def logical_xor(x, y, name='LogicalXor'):
    """(x or y) and not (x and y), built from the three logical ops as TF does."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)  # noqa: F821


def round(x, name=None):  # noqa: A001 - TF's name
    """Rounds half to even (op Round); an integer tensor is returned as is."""
    x = convert_to_tensor(x, name='x')
    if x.dtype.base_dtype.is_integer:
        return x
    return op_builder.output('Round', [x], None, name)


def conj(x, name=None):
    """The complex conjugate (op Conj); real tensors are returned as is."""
    x = convert_to_tensor(x, name='x') if not _graph.is_tensor(x) else x
    if not x.dtype.base_dtype.is_complex:
        return convert_to_tensor(x)
    return op_builder.output('Conj', [x], None, name)


def leaky_relu(features, alpha=0.2, name=None):
    """features where positive, alpha * features elsewhere (op LeakyRelu); integers become float32."""
    from sluice.ops.math_ops import cast
    with name_scope(name, 'LeakyRelu', [features, alpha]) as scope:
        features = convert_to_tensor(features, name='features')
        if features.dtype.base_dtype.is_integer:
            features = cast(features, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return op_builder.output('LeakyRelu', [features], {'alpha': float(alpha)}, scope)
