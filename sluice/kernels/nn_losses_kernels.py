"""Kernels of the loss ops (ops/nn_losses.py), one ctx.xp body for CPU and GPU. The cross entropies use
log-sum-exp: loss = sum(labels * (lse - logits)) and the backprop output is softmax - labels (sparse: softmax
with 1 subtracted at the label). L2Loss is sum(t ** 2) / 2 in the input's dtype.

Sparse labels outside [0, classes) differ by device, as in TF, so SparseSoftmaxCrossEntropyWithLogits has
one registration per device: an InvalidArgumentError on CPU (TF's CPU kernel); NaN rows on a GPU, without
a host sync (TF's GPU kernel).
"""
import numpy as np

from sluice.kernels.checks import dims_text as _shape_text, invalid as _fail
from sluice.kernels.nn_activation_kernels import _log_softmax
from sluice.kernels.registry import register_kernel


@register_kernel('SoftmaxCrossEntropyWithLogits', multi_output=True, fresh_output=True)
def softmax_xent(op, ctx):
    xp = ctx.xp

    def run(logits, labels):
        if logits.shape != labels.shape:
            raise _fail(op, 'logits and labels must be broadcastable: logits_size=%s labels_size=%s'
                        % (_shape_text(logits.shape), _shape_text(labels.shape)))
        log_p = _log_softmax(xp, logits)
        loss = -(labels * log_p).sum(axis=-1)
        return loss, xp.exp(log_p) - labels
    return run


def _check_sparse_shapes(op, logits, labels):
    if logits.ndim != 2 or labels.ndim != 1 or labels.shape[0] != logits.shape[0]:
        raise _fail(op, 'logits and labels must have the same first dimension, got logits shape %s and labels '
                        'shape %s' % (_shape_text(logits.shape), _shape_text(labels.shape)))


def _sparse_xent(xp, logits, labels):
    """(loss, backprop) for labels inside [0, classes)."""
    log_p = _log_softmax(xp, logits)
    rows = xp.arange(logits.shape[0])
    loss = -log_p[rows, labels]
    backprop = xp.exp(log_p)
    backprop[rows, labels] -= 1
    return loss, backprop


@register_kernel('SparseSoftmaxCrossEntropyWithLogits', devices=('CPU',), multi_output=True, fresh_output=True)
def sparse_softmax_xent_cpu(op, ctx):
    """TF's CPU kernel: a label outside [0, classes) is an InvalidArgumentError."""
    xp = ctx.xp

    def run(logits, labels):
        _check_sparse_shapes(op, logits, labels)
        classes = logits.shape[1]
        bad = (labels < 0) | (labels >= classes)
        if bad.any():
            value = int(labels[bad][0])
            raise _fail(op, 'Received a label value of %d which is outside the valid range of [0, %d).  Label '
                            'values: %s' % (value, classes, ' '.join(str(int(v)) for v in labels.tolist())))
        return _sparse_xent(xp, logits, labels)
    return run


@register_kernel('SparseSoftmaxCrossEntropyWithLogits', devices=('GPU',), multi_output=True, fresh_output=True)
def sparse_softmax_xent_gpu(op, ctx):
    """TF's GPU kernel: the rows of labels outside [0, classes) are NaN (no host sync to check them)."""
    xp = ctx.xp

    def run(logits, labels):
        _check_sparse_shapes(op, logits, labels)
        bad = (labels < 0) | (labels >= logits.shape[1])
        loss, backprop = _sparse_xent(xp, logits, xp.where(bad, 0, labels))
        nan = logits.dtype.type(np.nan)
        return xp.where(bad, nan, loss), xp.where(bad[:, None], nan, backprop)
    return run


@register_kernel('L2Loss', fresh_output=True)
def l2_loss(op, ctx):
    xp = ctx.xp
    return lambda t: xp.asarray(xp.square(t).sum(dtype=t.dtype) / t.dtype.type(2))
