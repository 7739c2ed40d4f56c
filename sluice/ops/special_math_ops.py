"""The special functions under TF 1.15's names: the elementwise rows (Digamma, Igamma, Igammac, Zeta,
Polygamma, BesselI0e, BesselI1e: ops/elementwise_ops.py) re-exported, Betainc (three inputs of one shape,
scalars broadcast, as TF's kernel requires), and the functions TF composes from them: lbeta (log |Beta| along
the last axis: sum of lgamma minus lgamma of the sum) and bessel_i0/bessel_i1 (exp(|x|) times the scaled ones).
Values come from kernels/special_functions.py; Betainc's gradient is TF's: d/dx only (a and b get None).
"""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.graph import name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, math_ops
from sluice.ops.elementwise_ops import (bessel_i0e, bessel_i1e, digamma, igamma, igammac, lgamma,  # noqa: F401
                                        polygamma, zeta)
from sluice.ops.math_ops import _shape_error

__all__ = ['digamma', 'igamma', 'igammac', 'zeta', 'polygamma', 'betainc', 'lbeta']


def _betainc_shape(op):
    """The shape the non-scalar inputs share (a scalar broadcasts); mismatched non-scalars fail."""
    merged = None
    for t in op._inputs:
        shape = t._shape
        if shape._dims is not None and len(shape._dims) == 0:
            continue
        if merged is None:
            merged = shape
            continue
        try:
            merged = merged.merge_with(shape)
        except ValueError:
            raise _shape_error(op, 'Shapes must be equal rank, but are %s and %s' % (merged, shape)) from None
    return [merged if merged is not None else TensorShape([])]


register_op('Betainc', ['a: T', 'b: T', 'x: T'], ['z: T'], {'T': 'type'}, _betainc_shape,
            allowed={'T': (dtypes.float32, dtypes.float64)})


@register_gradient('Betainc')
def _betainc_grad(op, grad):
    """dI_x(a, b)/dx = x^(a-1) (1-x)^(b-1) / B(a, b), summed back to x's shape where x was a scalar."""
    a, b, x = op._inputs
    log_beta = lgamma(a) + lgamma(b) - lgamma(a + b)
    partial_x = math_ops.exp((b - 1) * math_ops.log(1 - x) + (a - 1) * math_ops.log(x) - log_beta)
    _, rx = array_ops.broadcast_gradient_args_op(array_ops.shape(a), array_ops.shape(x))
    return [None, None, array_ops.reshape(math_ops.reduce_sum(partial_x * grad, rx), array_ops.shape(x))]


def betainc(a, b, x, name=None):
    """The regularized incomplete beta function I_x(a, b) (op Betainc)."""
    return op_builder.output('Betainc', [a, b, x], None, name)


def lbeta(x, name=None):
    """log |Beta(x)| along the last axis: sum(lgamma(x)) - lgamma(sum(x)); -inf for an empty last axis."""
    with name_scope(name, 'lbeta', [x]):
        x = _graph.convert_to_tensor(x, name='x')
        log_prod_gamma_x = math_ops.reduce_sum(lgamma(x), axis=[-1])
        log_gamma_sum_x = lgamma(math_ops.reduce_sum(x, axis=[-1]))
        return log_prod_gamma_x - log_gamma_sum_x


def bessel_i0(x, name=None):
    """The modified Bessel function I0: exp(|x|) * bessel_i0e(x)."""
    with name_scope(name, 'bessel_i0', [x]):
        x = _graph.convert_to_tensor(x, name='x')
        return math_ops.exp(math_ops.abs(x)) * bessel_i0e(x)


def bessel_i1(x, name=None):
    """The modified Bessel function I1: exp(|x|) * bessel_i1e(x)."""
    with name_scope(name, 'bessel_i1', [x]):
        x = _graph.convert_to_tensor(x, name='x')
        return math_ops.exp(math_ops.abs(x)) * bessel_i1e(x)
