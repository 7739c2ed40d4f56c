"""Kernels of the loss ops (ops/nn_losses.py), one ctx.xp body for CPU and GPU. The cross entropies use
log-sum-exp: loss = sum(labels * (lse - logits)) and the backprop output is softmax - labels (sparse: softmax
with 1 subtracted at the label). Sparse labels outside [0, classes) are an InvalidArgumentError on CPU (TF's
CPU kernel); on a GPU their rows are NaN without a host sync (TF's GPU kernel). L2Loss is sum(t ** 2) / 2 in
the input's dtype.
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


@register_kernel('SparseSoftmaxCrossEntropyWithLogits', multi_output=True, fresh_output=True)
def sparse_softmax_xent(op, ctx):
    xp = ctx.xp
    on_host = ctx.device.device_type == 'CPU'

    def run(logits, labels):
        if logits.ndim != 2 or labels.ndim != 1 or labels.shape[0] != logits.shape[0]:
            raise _fail(op, 'logits and labels must have the same first dimension, got logits shape %s and labels '
                            'shape %s' % (_shape_text(logits.shape), _shape_text(labels.shape)))
        batch, classes = logits.shape
        bad = (labels < 0) | (labels >= classes)
        if on_host and bad.any():
            value = int(labels[bad][0])
            raise _fail(op, 'Received a label value of %d which is outside the valid range of [0, %d).  Label '
                            'values: %s' % (value, classes, ' '.join(str(int(v)) for v in labels.tolist())))
        log_p = _log_softmax(xp, logits)
        rows = xp.arange(batch)
        safe = xp.where(bad, 0, labels)
        loss = -log_p[rows, safe]
        backprop = xp.exp(log_p)
        backprop[rows, safe] -= 1
        if not on_host:  # TF's GPU kernel: NaN rows for bad labels
            nan = logits.dtype.type(np.nan)
            loss = xp.where(bad, nan, loss)
            backprop = xp.where(bad[:, None], nan, backprop)
        return loss, backprop
    return run


@register_kernel('L2Loss', fresh_output=True)
def l2_loss(op, ctx):
    xp = ctx.xp
    return lambda t: xp.asarray(xp.square(t).sum(dtype=t.dtype) / t.dtype.type(2))
