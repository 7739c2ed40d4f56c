"""Kernels of the nn ops other than convolution and pooling, for CPU and GPU through `ctx.xp`.

Activations and their *Grad ops are rows of the elementwise table (elementwise_kernels.py).
Numerics as TF:
- softmax / log-softmax subtract the row maximum first, so exp never overflows;
- the cross entropies use log-sum-exp: loss = sum(labels * (lse - logits)) and the backprop
  output is softmax - labels (sparse: softmax with 1 subtracted at the label).
Sparse labels outside [0, classes) are an InvalidArgumentError on CPU (TF's CPU kernel); on a GPU
their rows are NaN without a host sync (TF's GPU kernel).
TopKV2 sorts each row stably by decreasing value (ties keep the lower index first); InTopKV2
counts, per row, the predictions strictly greater than the target's (a non-finite target
prediction or an out-of-range target is False). FusedBatchNormV3 normalizes over N, H, W in
float32 and returns the unbiased batch variance, as TF.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels import conv_kernels  # noqa: F401  (registers the convolution and pooling kernels)
from sluice.kernels.registry import register_kernel
from sluice.ops import nn_ops


def _fail(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _shape_text(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


# -- softmax and cross entropies --
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


# -- bias --
def _channel_axis(op, ndim):
    return 1 if nn_ops._text(op.get_attr('data_format')) == 'NCHW' else ndim - 1


@register_kernel('BiasAdd', fresh_output=True)
def bias_add(op, ctx):
    def run(value, bias):
        axis = _channel_axis(op, value.ndim)
        if bias.ndim != 1 or value.ndim < 2 or value.shape[axis] != bias.shape[0]:
            raise _fail(op, 'Must provide as many biases as the last dimension of the input tensor: %s vs. %s'
                        % (_shape_text(bias.shape), _shape_text(value.shape)))
        shape = [1] * value.ndim
        shape[axis] = bias.shape[0]
        return value + bias.reshape(shape)
    return run


@register_kernel('BiasAddGrad', fresh_output=True)
def bias_add_grad(op, ctx):
    def run(dy):
        axis = _channel_axis(op, dy.ndim)
        return dy.sum(axis=tuple(a for a in range(dy.ndim) if a != axis), dtype=dy.dtype)
    return run


# -- top-k --
def _descending_order(xp, x):
    """Indices sorting each row by decreasing value, equal values keeping their order (stable)."""
    n = x.shape[-1]
    kind = {'kind': 'stable'} if xp is np else {}
    ascending = xp.argsort(x[..., ::-1], axis=-1, **kind)
    return (n - 1) - ascending[..., ::-1]


@register_kernel('TopKV2', multi_output=True, host_inputs=(1,), fresh_output=True)
def top_k(op, ctx):
    xp = ctx.xp
    index_type = op.get_attr('index_type').as_numpy_dtype

    def run(x, k):
        k = int(k)
        if x.ndim < 1:
            raise _fail(op, 'input must be >= 1-D, got shape %s' % _shape_text(x.shape))
        if k < 0:
            raise _fail(op, 'Need k >= 0, got %d' % k)
        if x.shape[-1] < k:
            raise _fail(op, 'input must have at least k columns. Had %d, needed %d' % (x.shape[-1], k))
        order = _descending_order(xp, x)[..., :k]
        values = xp.take_along_axis(x, order, axis=-1)
        return values, order.astype(index_type)
    return run


@register_kernel('InTopKV2', host_inputs=(2,), fresh_output=True)
def in_top_k(op, ctx):
    xp = ctx.xp

    def run(predictions, targets, k):
        k = int(k)
        if predictions.ndim != 2:
            raise _fail(op, 'predictions must be 2-dimensional')
        if targets.ndim != 1 or targets.shape[0] != predictions.shape[0]:
            raise _fail(op, 'First dimension of predictions %d must match length of targets %d'
                        % (predictions.shape[0], targets.shape[0] if targets.ndim else 0))
        batch, classes = predictions.shape
        valid = (targets >= 0) & (targets < classes)
        safe = xp.where(valid, targets, 0)
        target_value = predictions[xp.arange(batch), safe]
        greater = (predictions > target_value[:, None]).sum(axis=1)
        return valid & xp.isfinite(target_value) & (greater < k)
    return run


# -- fused batch norm --
def _bn_axes(op):
    return (0, 2, 3) if nn_ops._text(op.get_attr('data_format')).startswith('NC') else (0, 1, 2)


def _bn_shape(op, ndim):
    shape = [1] * ndim
    return shape, (1 if nn_ops._text(op.get_attr('data_format')).startswith('NC') else 3)


@register_kernel('FusedBatchNormV3', multi_output=True, fresh_output=True)
def fused_batch_norm(op, ctx):
    xp = ctx.xp
    eps = op.get_attr('epsilon')
    training = op.get_attr('is_training')
    factor = op.get_attr('exponential_avg_factor')
    axes = _bn_axes(op)

    def run(x, scale, offset, mean, variance):
        shape, c_ax = _bn_shape(op, x.ndim)
        shape[c_ax] = x.shape[c_ax]
        xf = x.astype(np.float32)
        if training:
            batch_mean = xf.mean(axis=axes)
            batch_var = xf.var(axis=axes)
            n = x.size // x.shape[c_ax]
            unbiased = batch_var * (n / max(n - 1, 1))
            if factor != 1 and mean.size:
                out_mean = (1 - factor) * mean + factor * batch_mean
                out_var = (1 - factor) * variance + factor * unbiased
            else:
                out_mean, out_var = batch_mean, unbiased
            use_mean, use_var = batch_mean, batch_var
        else:
            use_mean, use_var = mean, variance
            out_mean, out_var = mean.copy(), variance.copy()
        inv = 1 / xp.sqrt(use_var + np.float32(eps))
        y = (xf - use_mean.reshape(shape)) * (inv * scale).reshape(shape) + offset.reshape(shape)
        return (y.astype(x.dtype), out_mean.astype(np.float32), out_var.astype(np.float32),
                xp.array(use_mean, np.float32), xp.array(inv, np.float32), xp.zeros([0], np.float32))
    return run


@register_kernel('FusedBatchNormGradV3', multi_output=True, fresh_output=True)
def fused_batch_norm_grad(op, ctx):
    """reserve_space_1 is the mean used, reserve_space_2 the inverse std (training) or the variance."""
    xp = ctx.xp
    eps = op.get_attr('epsilon')
    training = op.get_attr('is_training')
    axes = _bn_axes(op)

    def run(dy, x, scale, mean, second, _):
        shape, c_ax = _bn_shape(op, x.ndim)
        shape[c_ax] = x.shape[c_ax]
        xf, dyf = x.astype(np.float32), dy.astype(np.float32)
        inv = second if training else 1 / xp.sqrt(second + np.float32(eps))
        xhat = (xf - mean.reshape(shape)) * inv.reshape(shape)
        dscale = (dyf * xhat).sum(axis=axes)
        doffset = dyf.sum(axis=axes)
        if training:
            n = x.size // x.shape[c_ax]
            dx = (scale * inv).reshape(shape) / n * (n * dyf - doffset.reshape(shape) - xhat * dscale.reshape(shape))
        else:
            dx = dyf * (scale * inv).reshape(shape)
        empty = xp.zeros([0], np.float32)
        return dx.astype(x.dtype), dscale.astype(np.float32), doffset.astype(np.float32), empty, empty.copy()
    return run
