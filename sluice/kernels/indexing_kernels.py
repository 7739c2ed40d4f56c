"""Kernels of selecting and placing elements (ops/indexing_ops.py), one builder per op for CPU and GPU
through `ctx.xp`: Slice, StridedSlice and StridedSliceGrad, GatherV2, GatherNd, Pad, PadV2, MirrorPad and
MirrorPadGrad, ReverseV2, Where, Select, SelectV2.

Shapes, axes, permutations, multiples, paddings and slice specs are host inputs: when one is a
Const it is parsed once in the builder (`_parsed`), otherwise at each step. Checks that TF's
kernels make (ranges of indices, sizes that must agree) come before the array call, so a bad
value fails with TF's InvalidArgumentError message instead of a NumPy exception.

StridedSlice decodes its masks with `spec.strided_slice_index` (shared with the shape function)
into a NumPy index tuple, so slicing is one basic-indexing view; StridedSliceGrad scatters dy into
zeros of the input's shape through the same index. MirrorPadGrad folds each padded border back onto
the rows it mirrors, one axis at a time.

Select and SelectV2 are registered per device: on the CPU (and fake GPUs) as bit blends on integer
views, a select against a +0 Const as one mask and AND (the C loop `native.select_zero` where it
applies); on a GPU as xp.where.
"""
import numpy as np

from sluice.kernels import native
from sluice.kernels.checks import dims_text as _dims_str, invalid as _invalid
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.registry import register_kernel
from sluice.ops import shape_fns as spec
from sluice.kernels.array_kernels import _axis, _ints, _parsed


# -- Slice, StridedSlice, StridedSliceGrad ---------------------------------------------------------------
@register_kernel('Slice', host_inputs=(1, 2))
def slice_(op, ctx):
    begin_of, size_of = _parsed(ctx, 1, _ints), _parsed(ctx, 2, _ints)

    def run(x, begin, size):
        begin, size = begin_of(begin), size_of(size)
        if len(begin) != x.ndim or len(size) != x.ndim:
            raise _invalid(op, 'Expected begin and size arguments to be 1-D tensors of size %d, but got shapes '
                               '[%d] and [%d] instead.' % (x.ndim, len(begin), len(size)))
        index = []
        for i, (b, s, d) in enumerate(zip(begin, size, x.shape)):
            s = d - b if s == -1 else s
            if not 0 <= b <= d:
                raise _invalid(op, 'Expected begin[%d] in [0, %d], but got %d' % (i, d, b))
            if not 0 <= s <= d - b:
                raise _invalid(op, 'Expected size[%d] in [0, %d], but got %d' % (i, d - b, s))
            index.append(slice(b, b + s))
        return x[tuple(index)]
    return run


_MASKS = ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask')


@register_kernel('StridedSlice', host_inputs=(1, 2, 3))
def strided_slice(op, ctx):
    masks = [op.get_attr(k) for k in _MASKS]
    consts = [ctx.constant_input(i) for i in (1, 2, 3)]
    fixed = None
    if all(c is not None for c in consts):
        fixed = _decode(op, masks, *consts)

    def run(x, begin, end, strides):
        items = fixed if fixed is not None else _decode(op, masks, begin, end, strides)
        pairs, message = spec.strided_slice_axes(items, x.ndim)
        if message is None:
            message = spec.shrink_error(pairs, x.shape)
        if message is not None:
            raise _invalid(op, message)
        return x[tuple(items)]
    return run


@register_kernel('StridedSliceGrad', host_inputs=(0, 1, 2, 3), fresh_output=True)
def strided_slice_grad(op, ctx):
    xp = ctx.xp
    masks = [op.get_attr(k) for k in ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask')]

    def run(shape, begin, end, strides, dy):
        items, message = spec.strided_slice_index(_ints(begin), _ints(end), _ints(strides), *masks)
        if message is not None:
            raise _invalid(op, message)
        out = xp.zeros(_ints(shape), dtype=dy.dtype)
        view = out[tuple(items)]
        if view.shape != dy.shape:
            raise _invalid(op, 'shape of dy was [%s] instead of [%s]' % (
                ','.join(map(str, dy.shape)), ','.join(map(str, view.shape))))
        out[tuple(items)] = dy
        return out
    return run


# -- GatherV2, GatherNd ----------------------------------------------------------------------------------
def _decode(op, masks, begin, end, strides):
    begin, end, strides = _ints(begin), _ints(end), _ints(strides)
    if not len(begin) == len(end) == len(strides):
        raise _invalid(op, 'Expected begin, end, and strides to be 1D equal size tensors, but got shapes [%d], '
                           '[%d], and [%d] instead.' % (len(begin), len(end), len(strides)))
    items, message = spec.strided_slice_index(begin, end, strides, *masks)
    if message is not None:
        raise _invalid(op, message)
    return items


def _bad_index(op, xp, indices, limit, label='indices'):
    """TF's message for the first index outside [0, limit), or None (a device sync on GPU)."""
    if not indices.size:
        return None
    bad = (indices < 0) | (indices >= limit)
    if not bool(bad.any()):
        return None
    pos = int(xp.argmax(bad.reshape(-1).astype(np.int8)))  # first bad one
    where = np.unravel_index(pos, indices.shape)
    value = int(indices.reshape(-1)[pos])
    coords = '[%s]' % ','.join(str(int(w)) for w in where) if indices.ndim else ''
    return _invalid(op, '%s%s = %d is not in [0, %d)' % (label, coords, value, limit))


@register_kernel('GatherV2', host_inputs=(2,), fresh_output=True)
def gather_v2(op, ctx):
    xp = ctx.xp
    axis_of = _parsed(ctx, 2, lambda a: _ints(a)[0])

    def run(params, indices, axis):
        axis = _axis(op, axis_of(axis), params.ndim, 'Expected axis in the range [%d, %d), but got %d')
        error = _bad_index(op, xp, indices, params.shape[axis])
        if error is not None:
            raise error
        return xp.asarray(xp.take(params, indices, axis=axis))
    return run


@register_kernel('GatherNd', fresh_output=True)
def gather_nd(op, ctx):
    xp = ctx.xp

    def run(params, indices):
        k = indices.shape[-1]
        if k > params.ndim:
            raise _invalid(op, 'index innermost dimension length must be <= params rank; saw: %d vs. %d'
                           % (k, params.ndim))
        flat = indices.reshape(-1, k)
        for j in range(k):
            bad = (flat[:, j] < 0) | (flat[:, j] >= params.shape[j])
            if bool(bad.any()):
                row = int(xp.argmax(bad.astype(np.int8)))
                raise _invalid(op, 'indices[%d] = [%s] does not index into param shape %s'
                               % (row, ', '.join(str(int(v)) for v in flat[row]), _dims_str(params.shape)))
        picked = params[tuple(flat[:, j] for j in range(k))]
        return xp.asarray(picked).reshape(indices.shape[:-1] + params.shape[k:])
    return run


# -- Pad, PadV2, MirrorPad, MirrorPadGrad ----------------------------------------------------------------
def _paddings(op, x, paddings, limit=None):
    p = np.asarray(paddings).astype(np.int64)
    if p.shape != (x.ndim, 2):
        raise _invalid(op, 'The first dimension of paddings must be the rank of inputs%s %s'
                       % (_dims_str(p.shape), _dims_str(x.shape)))
    if (p < 0).any():
        raise _invalid(op, 'Paddings must be non-negative: %d %d' % tuple(p[np.argmax((p < 0).any(axis=1))]))
    if limit is not None:
        for (a, b), d in zip(p, x.shape):
            if limit == 'REFLECT' and (a >= d or b >= d):
                raise _invalid(op, 'paddings must be less than the dimension size: %d, %d not less than %d'
                               % (a, b, d))
            if limit == 'SYMMETRIC' and (a > d or b > d):
                raise _invalid(op, 'paddings must be no greater than the dimension size: %d, %d greater than %d'
                               % (a, b, d))
    return [(int(a), int(b)) for a, b in p]


@register_kernel('Pad', host_inputs=(1,), fresh_output=True)
def pad(op, ctx):
    xp = ctx.xp
    return lambda x, paddings: xp.pad(x, _paddings(op, x, paddings), mode='constant')


@register_kernel('PadV2', host_inputs=(1, 2), fresh_output=True)
def pad_v2(op, ctx):
    xp = ctx.xp

    def run(x, paddings, value):
        if np.ndim(value) != 0:
            raise _invalid(op, 'constant_values must be a scalar. Got: %s' % _dims_str(np.shape(value)))
        return xp.pad(x, _paddings(op, x, paddings), mode='constant', constant_values=np.asarray(value).item())
    return run


@register_kernel('MirrorPad', host_inputs=(1,), fresh_output=True)
def mirror_pad(op, ctx):
    xp = ctx.xp
    mode = op.get_attr('mode')
    mode = mode.decode() if isinstance(mode, bytes) else mode
    return lambda x, paddings: xp.pad(x, _paddings(op, x, paddings, mode), mode=mode.lower())


@register_kernel('MirrorPadGrad', host_inputs=(1,), fresh_output=True)
def mirror_pad_grad(op, ctx):
    xp = ctx.xp
    shift = 1 if op.get_attr('mode') in ('REFLECT', b'REFLECT') else 0  # REFLECT skips the edge row

    def run(grad, paddings):
        paddings = np.asarray(paddings).reshape(-1, 2)
        if paddings.shape[0] != grad.ndim:
            raise _invalid(op, 'The first dimension of paddings must be the rank of inputs[%d,2], %d'
                           % (paddings.shape[0], grad.ndim))
        out = grad
        for axis, (before, after) in enumerate(paddings.tolist()):
            if before == 0 and after == 0:
                continue
            n = out.shape[axis] - before - after

            def part(start, stop):
                index = [slice(None)] * out.ndim
                index[axis] = slice(start, stop)
                return tuple(index)
            core = xp.array(out[part(before, before + n)], copy=True)
            if before:  # padded row i (< before) mirrors input row before - i - 1 + shift
                core[part(shift, shift + before)] += xp.flip(out[part(0, before)], axis)
            if after:  # padded row j after the core mirrors input row n - 1 - j - shift
                core[part(n - after - shift, n - shift)] += xp.flip(out[part(before + n, before + n + after)], axis)
            out = core
        return out if out is not grad else xp.array(grad, copy=True)
    return run


# -- ReverseV2 -------------------------------------------------------------------------------------------
@register_kernel('ReverseV2', host_inputs=(1,))
def reverse_v2(op, ctx):
    xp = ctx.xp
    axes_of = _parsed(ctx, 1, _ints)

    def run(x, axes):
        seen = []
        for i, a in enumerate(axes_of(axes)):
            if not -x.ndim <= a < x.ndim:
                raise _invalid(op, "'axis'[%d] = %d is out of valid range [0, %d" % (i, a, x.ndim - 1))
            a = a + x.ndim if a < 0 else a
            if a in seen:
                raise _invalid(op, 'axis %d specified more than once.' % a)
            seen.append(a)
        return xp.flip(x, axis=tuple(seen)) if seen else x
    return run


# -- Where, Select, SelectV2 -----------------------------------------------------------------------------
@register_kernel('Where', fresh_output=True)
def where(op, ctx):
    xp = ctx.xp
    return lambda x: xp.argwhere(x).astype(np.int64, copy=False)


_BLEND_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def _blend(cond, t, e):
    """np.where(cond, t, e) as a bit blend, ((-c) & t) | (~(-c) & e) on integer views: exact for every
    value (NaN, -0 included) and about 5x faster than np.where's per-element branch on a random
    mask (dropout's case). Small or odd-typed inputs use np.where."""
    as_int = _BLEND_INT.get(t.dtype.itemsize)
    if as_int is None or t.dtype != e.dtype or t.dtype.kind not in 'fiu' or t.size < 4096:
        return np.where(cond, t, e)
    shape = np.broadcast_shapes(cond.shape, t.shape, e.shape)
    mask = np.empty(shape, as_int)
    np.negative(np.broadcast_to(cond, shape).view(np.int8), out=mask)  # True -> all bits set
    picked = np.bitwise_and(mask, t.view(as_int))
    np.invert(mask, out=mask)
    np.bitwise_and(mask, e.view(as_int), out=mask)
    np.bitwise_or(mask, picked, out=mask)
    return mask.view(t.dtype)


def _keep_where(cond, t, keep, select_zero):
    """np.where(cond, t, 0) (keep=True) or np.where(cond, 0, t) (keep=False) for a +0 constant:
    select_zero (one mask and one AND, exact like `_blend`: dropout and its gradient) where it pays."""
    if _BLEND_INT.get(t.dtype.itemsize) is None or t.dtype.kind not in 'fiu' or cond.shape != t.shape \
            or t.size < 4096:
        zero = t.dtype.type(0)
        return np.where(cond, t, zero) if keep else np.where(cond, zero, t)
    return select_zero(cond, t, keep)


def _mask_and(cond, t, keep):
    """select_zero's NumPy path: a mask of all ones or all zeros per element ANDed with t's bits."""
    mask = np.negative(cond.view(np.int8), out=np.empty(t.shape, _BLEND_INT[t.dtype.itemsize]))  # True -> all ones
    if not keep:
        np.invert(mask, out=mask)
    return np.bitwise_and(mask, t.view(mask.dtype), out=mask).view(t.dtype)


def _is_plus_zero(value):
    """True for a scalar constant whose bits are all zero (+0, not -0)."""
    return value is not None and np.ndim(value) == 0 and np.asarray(value).dtype.kind in 'fiu' \
        and not np.asarray(value).tobytes().strip(b'\0')


def _host_where(ctx, zero_branches):
    """The select function of a Select/SelectV2 step on the host: with zero_branches, a +0 Const
    branch gets `_keep_where`; else `_blend`."""
    if zero_branches and _is_plus_zero(ctx.constant_input(2)):
        select_zero = native.select_zero(_mask_and)
        return lambda cond, t, e: _keep_where(cond, t, True, select_zero)
    if zero_branches and _is_plus_zero(ctx.constant_input(1)):
        select_zero = native.select_zero(_mask_and)
        return lambda cond, t, e: _keep_where(cond, e, False, select_zero)
    return _blend


def _select(where_of):
    """The Select builder (TF1's batch select: a vector cond picks rows) around where_of(ctx)."""
    def build(op, ctx):
        where = where_of(ctx)

        def run(cond, t, e):
            if t.shape != e.shape:
                raise _invalid(op, "'then' and 'else' must have the same size.  but received: %s vs. %s"
                               % (_dims_str(t.shape), _dims_str(e.shape)))
            if cond.ndim == 0 or cond.shape == t.shape:
                return where(cond, t, e)
            if cond.ndim == 1 and t.ndim >= 1:
                if cond.shape[0] != t.shape[0]:
                    raise _invalid(op, "Number of batches of 'then' must match size of 'cond', but saw: %d vs. %d"
                                   % (t.shape[0], cond.shape[0]))
                return where(cond.reshape((-1,) + (1,) * (t.ndim - 1)), t, e)
            raise _invalid(op, "'then' and 'cond' must have the same size.  but received: %s vs. %s"
                           % (_dims_str(t.shape), _dims_str(cond.shape)))
        return run
    return build


def _select_v2(where_of):
    """The SelectV2 builder (cond, then and else broadcast together) around where_of(ctx)."""
    def build(op, ctx):
        where = where_of(ctx)

        def run(cond, t, e):
            try:
                return where(cond, t, e)
            except ValueError:
                raise _invalid(op, 'condition %s, then %s, and else %s must be broadcastable'
                               % (_dims_str(cond.shape), _dims_str(t.shape), _dims_str(e.shape))) from None
        return run
    return build


register_kernel('Select', devices=('CPU',), fresh_output=True)(_select(lambda ctx: _host_where(ctx, False)))


register_kernel('SelectV2', devices=('CPU',), fresh_output=True)(_select_v2(lambda ctx: _host_where(ctx, True)))


register_cupy_kernel('Select', fresh_output=True)(_select(lambda ctx: ctx.xp.where))


register_cupy_kernel('SelectV2', fresh_output=True)(_select_v2(lambda ctx: ctx.xp.where))
