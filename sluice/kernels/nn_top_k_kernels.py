"""Kernels of TopKV2 and InTopKV2 (ops/nn_top_k.py), one ctx.xp body for CPU and GPU.

TopKV2 sorts each row stably by decreasing value (ties keep the lower index first). NumPy must be asked
for its stable argsort; CuPy's is always stable and takes no `kind`: hence a CuPy registration beside the
shared one (gpu_registration.py; a fake GPU runs the NumPy kernel). InTopKV2 counts, per row, the
predictions strictly greater than the target's (a non-finite target prediction or an out-of-range target
is False).
"""
from sluice.kernels.checks import dims_text as _shape_text, invalid as _fail
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.registry import register_kernel


def _descending_order(xp, x, **sort_kind):
    """Indices sorting each row by decreasing value, equal values keeping their order (a stable argsort
    of the reversed row, reversed back)."""
    n = x.shape[-1]
    ascending = xp.argsort(x[..., ::-1], axis=-1, **sort_kind)
    return (n - 1) - ascending[..., ::-1]


def _top_k(op, ctx, **sort_kind):
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
        order = _descending_order(xp, x, **sort_kind)[..., :k]
        values = xp.take_along_axis(x, order, axis=-1)
        return values, order.astype(index_type)
    return run


_TOP_K_OPTIONS = {'multi_output': True, 'host_inputs': (1,), 'fresh_output': True}


@register_kernel('TopKV2', **_TOP_K_OPTIONS)
def top_k(op, ctx):
    """NumPy (CPU, fake GPUs): its default argsort is not stable, so ask for the stable one."""
    return _top_k(op, ctx, kind='stable')


@register_cupy_kernel('TopKV2', **_TOP_K_OPTIONS)
def top_k_cupy(op, ctx):
    """CuPy's argsort is always stable and takes no `kind`."""
    return _top_k(op, ctx)


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
