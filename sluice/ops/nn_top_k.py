"""Top-k selection in tf.nn, each op a block (declaration, shape function, gradient, public function):
TopKV2 (tf.nn.top_k, tf.math.top_k; sort_ops builds tf.sort on it) and InTopKV2 (tf.nn.in_top_k, no
gradient). The gradient of TopKV2 scatters each value's gradient back to its position through
one_hot(indices). Kernels in kernels/nn_top_k_kernels.py.
"""
import collections

from sluice.engine import dtypes
from sluice.engine import op_builder
from sluice.engine.graph import name_scope
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, unknown_shape
from sluice.ops import array_ops, math_ops, shape_fns
from sluice.ops.math_ops import _shape_error
from sluice.ops.nn_shape_fns import _dims, _merge_dim, _with_rank, _with_rank_at_least

__all__ = ['top_k', 'in_top_k']

_REAL = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16, dtypes.int32,
         dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64)
_INDEX = (dtypes.int32, dtypes.int64)


# -- TopKV2 ----------------------------------------------------------------------------------------------
def _top_k_shape(op):
    x = _with_rank_at_least(op, _dims(op._inputs[0]), 1)
    k_dims = _dims(op._inputs[1])
    if k_dims is not None and len(k_dims) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(k_dims))
    value = shape_fns.constant_value(op._inputs[1])
    k = None if value is None else int(value)
    if k is not None and k < 0:
        raise _shape_error(op, 'Dimension size, given by scalar input 1, must be non-negative but is %d' % k,
                           'input[1] = <%d>' % k)
    if x is None:
        return [unknown_shape(), unknown_shape()]
    if k is not None and x[-1] is not None and x[-1] < k:
        raise _shape_error(op, 'input must have last dimension >= k = %d but is %d' % (k, x[-1]),
                           'input[1] = <%d>' % k)
    shape = TensorShape(list(x[:-1]) + [k])
    return [shape, shape]


register_op('TopKV2', inputs=['input: T', 'k: Tk'], outputs=['values: T', 'indices: index_type'],
            attrs={'sorted': ('bool', True), 'T': 'type', 'Tk': ('type', dtypes.int32),
                   'index_type': ('type', dtypes.int32)}, shape_fn=_top_k_shape, allowed={'T': _REAL, 'Tk': _INDEX})


@register_gradient('TopKV2')
def _top_k_grad(op, grad_values, grad_indices):
    """Scatters each value's gradient back to its position: one_hot(indices) weighted and summed."""
    x, indices = op._inputs[0], op._outputs[1]
    depth = array_ops.shape(x)[-1]
    hot = array_ops.one_hot(indices, depth, dtype=grad_values.dtype.base_dtype)  # [..., k, n]
    grad = math_ops.reduce_sum(array_ops.expand_dims(grad_values, -1) * hot, axis=-2)
    return [grad, None]


TopKV2 = collections.namedtuple('TopKV2', ['values', 'indices'])


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TF's names
    """(values, indices): the k largest entries of the last axis and their indices, largest first;
    ties keep the lower index first (op TopKV2)."""
    return TopKV2(*op_builder.apply('TopKV2', [input, k], {'sorted': bool(sorted)}, name).outputs)


# -- InTopKV2 --------------------------------------------------------------------------------------------
def _in_top_k_shape(op):
    p = _with_rank(op, _dims(op._inputs[0]), 2)
    t = _with_rank(op, _dims(op._inputs[1]), 1)
    k = _dims(op._inputs[2])
    if k is not None and len(k) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(k))
    return [TensorShape([_merge_dim(op, p[0], t[0])])]


register_op('InTopKV2', inputs=['predictions: float32', 'targets: T', 'k: T'], outputs=['precision: bool'],
            attrs={'T': ('type', dtypes.int32)}, shape_fn=_in_top_k_shape, allowed={'T': _INDEX})


no_gradient('InTopKV2')


def in_top_k(predictions, targets, k, name=None):
    """Whether each target's prediction is among the k largest of its row (op InTopKV2); a non-finite
    prediction or an out-of-range target gives False."""
    with name_scope(name, 'in_top_k'):
        return op_builder.output('InTopKV2', [predictions, targets, k])
