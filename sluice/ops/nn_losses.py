"""Losses in tf.nn, each op a block (declaration, shape function, gradient, public functions):
SoftmaxCrossEntropyWithLogits (softmax_cross_entropy_with_logits and _v2), SparseSoftmaxCrossEntropyWithLogits
(sparse_softmax_cross_entropy_with_logits), L2Loss (l2_loss), and the sigmoid and weighted cross
entropies composed of elementwise ops. Kernels in kernels/nn_losses_kernels.py.

The softmax cross entropies follow TF's graph: logits (cast to float32 when half) and labels moved to put
the class axis last, flattened to 2-D around the op, the loss reshaped back. The sigmoid cross entropy is
max(x, 0) - x * z + log1p(exp(-|x|)) (never overflows), with the max and -|x| taken by selects so that the
gradient is defined at 0. The softmax cross entropy's second derivative is TF's; the sparse one has none
(TF's PreventGradient).
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, math_ops, shape_fns
from sluice.ops.deprecation import deprecated_argument_lookup
from sluice.ops.elementwise_ops import relu
from sluice.ops.nn_shape_fns import _dims, _merge_dim, _with_rank

__all__ = ['softmax_cross_entropy_with_logits', 'softmax_cross_entropy_with_logits_v2',
           'sparse_softmax_cross_entropy_with_logits', 'sigmoid_cross_entropy_with_logits',
           'weighted_cross_entropy_with_logits', 'l2_loss']

_FLOAT = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_INDEX = (dtypes.int32, dtypes.int64)
_T = {'T': 'type'}


# -- SoftmaxCrossEntropyWithLogits -----------------------------------------------------------------------
def _xent_shape(op):
    a = _with_rank(op, _dims(op._inputs[0]), 2)
    b = _with_rank(op, _dims(op._inputs[1]), 2)
    batch, classes = _merge_dim(op, a[0], b[0]), _merge_dim(op, a[1], b[1])
    return [TensorShape([batch]), TensorShape([batch, classes])]


register_op('SoftmaxCrossEntropyWithLogits', inputs=['features: T', 'labels: T'],
            outputs=['loss: T', 'backprop: T'], attrs=_T, shape_fn=_xent_shape, allowed={'T': _FLOAT})


def _is_zeros(t):
    """A gradient tf.gradients filled in for an unused output (TF marks these _is_zeros_tensor)."""
    return getattr(t, '_is_zeros_tensor', False) or t._op._op_def.type == 'ZerosLike'


def _broadcast_mul(vec, mat):
    """vec [batch] times mat [batch, classes], row by row."""
    return array_ops.expand_dims(vec, -1) * mat


@register_gradient('SoftmaxCrossEntropyWithLogits')
def _softmax_xent_grad(op, grad_loss, grad_grad):
    grad = _broadcast_mul(grad_loss, op._outputs[1])
    logits = op._inputs[0]
    if grad_grad is not None and not _is_zeros(grad_grad):
        y = logits.graph._create_op('Softmax', [logits], {}, name='Softmax')._outputs[0]
        inner = array_ops.squeeze(math_ops.matmul(array_ops.expand_dims(grad_grad, 1),
                                                  array_ops.expand_dims(y, 2)), axis=[1])
        grad = grad + (grad_grad - inner) * y
    log_softmax = logits.graph._create_op('LogSoftmax', [logits], {}, name='LogSoftmax')._outputs[0]
    return [grad, _broadcast_mul(grad_loss, math_ops.negative(log_softmax))]


def _flatten_outer_dims(x):
    """x reshaped to [-1, last dim], with the static shape set when known."""
    rank = array_ops.rank(x)
    last = array_ops.slice(array_ops.shape(x), [math_ops.subtract(rank, 1)], [1])
    out = array_ops.reshape(x, array_ops.concat([[-1], last], 0))
    dims = x.shape._dims
    if dims is not None and dims and None not in dims[:-1]:
        out.set_shape([int(np.prod(dims[:-1], dtype=np.int64)), dims[-1]])
    return out


def _move_axis_to_end(x, axis, rank):
    perm = array_ops.concat([array_ops.range(axis), array_ops.range(axis + 1, rank), [axis]], 0)
    out = array_ops.transpose(x, perm)
    dims = x.shape._dims
    if dims is not None:  # TF's shape inference folds the perm; keep the static shape
        axis %= len(dims)
        out.set_shape(list(dims[:axis]) + list(dims[axis + 1:]) + [dims[axis]])
    return out


def _softmax_xent(labels, logits, axis, name, default_name):
    with name_scope(name, default_name, [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name='logits')
        labels = convert_to_tensor(labels, name='labels')
        half = logits.dtype.base_dtype in (dtypes.float16, dtypes.bfloat16)
        precise = math_ops.cast(logits, dtypes.float32) if half else logits
        labels = math_ops.cast(labels, precise.dtype.base_dtype)
        input_rank = array_ops.rank(precise)
        static = logits.shape
        if axis != -1:
            precise = _move_axis_to_end(precise, axis, input_rank)
            labels = _move_axis_to_end(labels, axis, input_rank)
        input_shape = array_ops.shape(precise)
        precise = _flatten_outer_dims(precise)
        labels = _flatten_outer_dims(labels)
        cost = op_builder.output('SoftmaxCrossEntropyWithLogits', [precise, labels], None, scope)
        out_shape = array_ops.slice(input_shape, [0], [math_ops.subtract(input_rank, 1)])
        cost = array_ops.reshape(cost, out_shape)
        if static._dims is not None:
            dims = list(static._dims)
            del dims[axis]
            cost.set_shape(dims)
        return math_ops.cast(cost, logits.dtype.base_dtype) if half else cost


def _ensure_xent_args(name, sentinel, labels, logits):
    if sentinel is not None:
        raise ValueError('Only call `%s` with named arguments (labels=..., logits=..., ...)' % name)
    if labels is None or logits is None:
        raise ValueError('Both labels and logits must be provided.')


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """Cross entropy between softmax(logits) and a label distribution along axis; gradients flow into
    both logits and labels (op SoftmaxCrossEntropyWithLogits on the data flattened to 2-D)."""
    axis = deprecated_argument_lookup('axis', axis, 'dim', dim)
    return _softmax_xent(labels, logits, -1 if axis is None else axis, name, 'softmax_cross_entropy_with_logits')


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF 1.x's version: named arguments only, and no gradient into labels (a StopGradient)."""
    _ensure_xent_args('softmax_cross_entropy_with_logits', _sentinel, labels, logits)
    axis = deprecated_argument_lookup('axis', axis, 'dim', None if dim == -1 else dim)
    with name_scope(name, 'softmax_cross_entropy_with_logits_sg', [logits, labels]) as scope:
        labels = array_ops.stop_gradient(labels, name='labels_stop_gradient')
    return _softmax_xent(labels, logits, -1 if axis is None else axis, scope,
                         'softmax_cross_entropy_with_logits')


# -- SparseSoftmaxCrossEntropyWithLogits -----------------------------------------------------------------
def _sparse_xent_shape(op):
    a = _with_rank(op, _dims(op._inputs[0]), 2)
    labels = _with_rank(op, _dims(op._inputs[1]), 1)
    batch = _merge_dim(op, a[0], labels[0])
    return [TensorShape([batch]), TensorShape([batch, a[1]])]


register_op('SparseSoftmaxCrossEntropyWithLogits', inputs=['features: T', 'labels: Tlabels'],
            outputs=['loss: T', 'backprop: T'], attrs={'T': 'type', 'Tlabels': ('type', dtypes.int64)},
            shape_fn=_sparse_xent_shape, allowed={'T': _FLOAT, 'Tlabels': _INDEX})


_NO_SECOND_DERIVATIVE = ('Currently there is no way to take the second derivative of '
                         'sparse_softmax_cross_entropy_with_logits due to the fused implementation\'s '
                         'interaction with tf.gradients()')


@register_gradient('SparseSoftmaxCrossEntropyWithLogits')
def _sparse_softmax_xent_grad(op, grad_loss, grad_grad):
    # The fused backprop output has no derivative of its own: differentiating it again is an error, as in TF.
    backprop = array_ops.prevent_gradient(op._outputs[1], message=_NO_SECOND_DERIVATIVE)
    return [_broadcast_mul(grad_loss, backprop), None]


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Cross entropy of softmax(logits) against integer class labels (op SparseSoftmaxCrossEntropyWithLogits;
    logits of rank > 2 are flattened to 2-D and the loss reshaped to the labels' shape)."""
    _ensure_xent_args('sparse_softmax_cross_entropy_with_logits', _sentinel, labels, logits)
    with name_scope(name, 'SparseSoftmaxCrossEntropyWithLogits', [labels, logits]):
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        half = logits.dtype.base_dtype == dtypes.float16
        precise = math_ops.cast(logits, dtypes.float32) if half else logits
        label_shape, logit_shape = labels.shape, logits.shape
        labels_shape = array_ops.shape(labels)
        if logit_shape.ndims == 0:
            raise ValueError('Logits cannot be scalars - received shape %s.' % logit_shape)
        if logit_shape.ndims is not None and label_shape.ndims is not None \
                and label_shape.ndims != logit_shape.ndims - 1:
            raise ValueError('Rank mismatch: Rank of labels (received %s) should equal rank of logits minus 1 '
                             '(received %s).' % (label_shape.ndims, logit_shape.ndims))
        if label_shape.is_fully_defined() and logit_shape[:-1].is_fully_defined() \
                and label_shape != logit_shape[:-1]:
            raise ValueError('Shape mismatch: The shape of labels (received %s) should equal the shape of logits '
                             'except for the last dimension (received %s).' % (label_shape, logit_shape))
        if logit_shape.ndims == 2:
            cost = op_builder.output('SparseSoftmaxCrossEntropyWithLogits', [precise, labels], None, name)
            return math_ops.cast(cost, dtypes.float16) if half else cost
        num_classes = array_ops.shape(logits)[array_ops.rank(logits) - 1]
        precise = array_ops.reshape(precise, [-1, num_classes])
        labels = array_ops.reshape(labels, [-1])
        cost = op_builder.output('SparseSoftmaxCrossEntropyWithLogits', [precise, labels], None, name)
        cost = array_ops.reshape(cost, labels_shape)
        cost.set_shape(label_shape)
        return math_ops.cast(cost, dtypes.float16) if half else cost


# -- sigmoid and weighted cross entropies ----------------------------------------------------------------
def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise logistic loss max(x, 0) - x * z + log(1 + exp(-|x|)) (named arguments only, TF 1.x)."""
    _ensure_xent_args('sigmoid_cross_entropy_with_logits', _sentinel, labels, logits)
    with name_scope(name, 'logistic_loss', [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name='logits')
        labels = convert_to_tensor(labels, name='labels')
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError('logits and labels must have the same shape (%s vs %s)' % (logits.shape, labels.shape))
        zeros = array_ops.zeros_like(logits, dtype=logits.dtype.base_dtype)
        cond = logits >= zeros
        relu_logits = array_ops.where(cond, logits, zeros)
        neg_abs_logits = array_ops.where(cond, -logits, logits)
        return math_ops.add(relu_logits - logits * labels, math_ops.log1p(math_ops.exp(neg_abs_logits)),
                            name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """The logistic loss with the positive term weighted: (1 - z) * x + (1 + (w - 1) * z) * log(1 + exp(-x))."""
    labels = deprecated_argument_lookup('labels', labels, 'targets', targets)
    with name_scope(name, 'logistic_loss', [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name='logits')
        labels = convert_to_tensor(labels, name='labels')
        if not labels.shape.is_compatible_with(logits.shape):
            raise ValueError('logits and labels must have the same shape (%s vs %s)'
                             % (logits.shape, labels.shape))
        log_weight = 1 + (pos_weight - 1) * labels
        return math_ops.add((1 - labels) * logits,
                            log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits)))
                                          + relu(-logits)), name=scope)


# -- L2Loss ----------------------------------------------------------------------------------------------
register_op('L2Loss', inputs=['t: T'], outputs=['output: T'], attrs=_T, shape_fn=shape_fns.scalar,
            allowed={'T': _FLOAT})


@register_gradient('L2Loss')
def _l2_loss_grad(op, grad):
    return [op._inputs[0] * grad]


def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (op L2Loss)."""
    return op_builder.output('L2Loss', [t], None, name)
