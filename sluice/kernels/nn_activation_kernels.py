"""Kernels of Softmax and LogSoftmax (ops/nn_activation.py), one ctx.xp body for CPU and GPU. Both subtract
the row maximum first, so exp never overflows (TF's numerics); the cross-entropy kernels
(nn_losses_kernels.py) share the log-softmax. The elementwise activations (Relu, Elu, ...) and their *Grad
ops are rows of the elementwise table (elementwise_kernels.py).
"""
from sluice.kernels.registry import register_kernel


def _log_softmax(xp, x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


@register_kernel('Softmax', fresh_output=True)
def softmax(op, ctx):
    xp = ctx.xp

    def run(x):
        e = xp.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return run


@register_kernel('LogSoftmax', fresh_output=True)
def log_softmax(op, ctx):
    xp = ctx.xp
    return lambda x: _log_softmax(xp, x)
