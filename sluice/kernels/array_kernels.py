"""Kernels of the array ops: one builder per op for CPU (NumPy) and GPU (CuPy) through `ctx.xp`.

Shapes, axes, permutations, multiples, paddings and slice specs are host inputs: when one is a
Const it is parsed once in the builder (`_parsed`), otherwise at each step. Checks that TF's
kernels make (ranges of indices, sizes that must agree) come before the array call, so a bad
value fails with TF's InvalidArgumentError message instead of a NumPy exception. Outputs keep
TF's dtypes: Shape/Size/Rank give their out_type, Where gives int64.

StridedSlice decodes its masks with `array_ops.strided_slice_index` (shared with the shape
function) into a NumPy index tuple, so slicing is one basic-indexing view.

Select and SelectV2 are registered per device: on the CPU (and fake GPUs) as bit blends on integer
views, a select against a +0 Const as one mask and AND (the C loop `native.select_zero` where it
applies); on a GPU as xp.where.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels import native
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.registry import register_kernel
from sluice.ops import shape_fns as spec


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _dims_str(shape):
    return '[%s]' % ','.join(str(d) for d in shape)


def _ints(value):
    return [int(v) for v in np.asarray(value).ravel().tolist()]


def _parsed(ctx, index, parse):
    """parse(value) once when input `index` is a Const; else a function parsing at each step."""
    value = ctx.constant_input(index)
    if value is None:
        return parse
    result = parse(value)
    return lambda _value: result


def _axis(op, axis, rank, message):
    axis = int(axis)
    if not -rank <= axis < rank:
        raise _invalid(op, message % (-rank, rank, axis))
    return axis + rank if axis < 0 else axis


# -- shapes --
@register_kernel('Shape', fresh_output=True, host_outputs=True)
def shape(op, ctx):
    dtype = op.get_attr('out_type').as_numpy_dtype
    return lambda x: np.array(x.shape, dtype=dtype)


@register_kernel('ShapeN', multi_output=True, fresh_output=True, host_outputs=True)
def shape_n(op, ctx):
    dtype = op.get_attr('out_type').as_numpy_dtype
    return lambda *xs: [np.array(x.shape, dtype=dtype) for x in xs]


@register_kernel('Rank', fresh_output=True, host_outputs=True)
def rank(op, ctx):
    return lambda x: np.array(x.ndim, dtype=np.int32)


@register_kernel('Size', fresh_output=True, host_outputs=True)
def size(op, ctx):
    dtype = op.get_attr('out_type').as_numpy_dtype
    return lambda x: np.array(x.size, dtype=dtype)


# -- reshaping --
def _reshape_target(op, n, target):
    target = list(target)
    unknown = [i for i, d in enumerate(target) if d == -1]
    if len(unknown) > 1:
        raise _invalid(op, 'Only one input size may be -1, not both %d and %d' % tuple(unknown[:2]))
    for i, d in enumerate(target):
        if d < -1:
            raise _invalid(op, 'Size %d must be non-negative, not %d' % (i, d))
    known = 1
    for d in target:
        if d != -1:
            known *= d
    if unknown:
        if known == 0 or n % known:
            if known == 0 and n == 0:
                target[unknown[0]] = 0
                return tuple(target)
            raise _invalid(op, 'Input to reshape is a tensor with %d values, but the requested shape requires a '
                               'multiple of %d' % (n, known))
        target[unknown[0]] = n // known
    elif known != n:
        raise _invalid(op, 'Input to reshape is a tensor with %d values, but the requested shape has %d' % (n, known))
    return tuple(target)


@register_kernel('Reshape', host_inputs=(1,))
def reshape(op, ctx):
    target = _parsed(ctx, 1, _ints)
    return lambda x, shape: x.reshape(_reshape_target(op, x.size, target(shape)))


@register_kernel('ExpandDims', host_inputs=(1,))
def expand_dims(op, ctx):
    xp = ctx.xp
    dim = _parsed(ctx, 1, lambda d: _ints(d)[0])

    def run(x, d):
        d = dim(d)
        if not -x.ndim - 1 <= d <= x.ndim:
            raise _invalid(op, 'Tried to expand dim index %d for tensor with %d dimensions.' % (d, x.ndim))
        return xp.expand_dims(x, d)
    return run


@register_kernel('Squeeze')
def squeeze(op, ctx):
    axes = op.get_attr('squeeze_dims')

    def run(x):
        if not axes:
            return x.reshape([d for d in x.shape if d != 1])
        drop = set()
        for a in axes:
            if not -x.ndim <= a < x.ndim:
                raise _invalid(op, 'Tried to squeeze dim index %d for tensor with %d dimensions.' % (a, x.ndim))
            a = a + x.ndim if a < 0 else a
            if x.shape[a] != 1:
                raise _invalid(op, 'Can not squeeze dim[%d], expected a dimension of 1, got %d' % (a, x.shape[a]))
            drop.add(a)
        return x.reshape([d for i, d in enumerate(x.shape) if i not in drop])
    return run


# -- joining and splitting --
@register_kernel('ConcatV2', fresh_output=True, host_inputs=(-1,))
def concat_v2(op, ctx):
    # The axis is the last input (declared as host input -1); a Const axis is read here, once.
    xp = ctx.xp
    axis_of = _parsed(ctx, len(op.inputs) - 1, lambda a: int(a.reshape(-1)[0]))

    def run(*args):
        values, rank = args[:-1], args[0].ndim
        if rank == 0:
            raise _invalid(op, "ConcatOp : Can't concatenate scalars (use tf.stack instead)")
        axis = _axis(op, axis_of(args[-1]), rank,
                     'ConcatOp : Expected concatenating dimensions in the range [%d, %d), but got %d')
        try:
            return xp.concatenate(values, axis=axis)
        except ValueError:
            _diagnose_concat(op, values, rank, axis)
            raise
    return run


def _diagnose_concat(op, values, rank, axis):
    """Raises TF's message for the shapes that made concatenate fail (off the fast path)."""
    first = values[0].shape
    for i, v in enumerate(values[1:], 1):
        if v.ndim != rank:
            raise _invalid(op, 'ConcatOp : Ranks of all input tensors should match: shape[0] = %s vs. '
                               'shape[%d] = %s' % (_dims_str(first), i, _dims_str(v.shape)))
        for d in range(rank):
            if d != axis and v.shape[d] != first[d]:
                raise _invalid(op, 'ConcatOp : Dimension %d in both shapes must be equal: shape[0] = %s vs. '
                                   'shape[%d] = %s' % (d, _dims_str(first), i, _dims_str(v.shape)))


@register_kernel('Pack', fresh_output=True)
def pack(op, ctx):
    xp, axis = ctx.xp, op.get_attr('axis')

    def run(*values):
        first = values[0].shape
        for i, v in enumerate(values[1:], 1):
            if v.shape != first:
                raise _invalid(op, 'Shapes of all inputs must match: values[0].shape = %s != values[%d].shape = %s'
                               % (_dims_str(first), i, _dims_str(v.shape)))
        return xp.stack(values, axis=axis)
    return run


@register_kernel('Unpack', multi_output=True)
def unpack(op, ctx):
    num, axis = op.get_attr('num'), op.get_attr('axis')

    def run(x):
        a = _axis(op, axis, x.ndim, 'Expected axis in the range [%d, %d), but got %d')
        if x.shape[a] != num:
            raise _invalid(op, 'Input shape axis %d must equal %d, got shape %s' % (a, num, _dims_str(x.shape)))
        lead = (slice(None),) * a
        return [x[lead + (i, Ellipsis)] for i in range(num)]
    return run


_SPLIT_DIM = '-input rank(%d) <= split_dim < input rank (%d), but got %d'


@register_kernel('Split', multi_output=True, host_inputs=(0,))
def split(op, ctx):
    xp, num = ctx.xp, op.get_attr('num_split')
    dim_of = _parsed(ctx, 0, lambda d: _ints(d)[0])

    def run(dim, x):
        axis = _axis(op, dim_of(dim), x.ndim, _SPLIT_DIM)
        if x.shape[axis] % num:
            raise _invalid(op, 'Number of ways to split should evenly divide the split dimension, but got split_dim '
                               '%d (size = %d) and num_split %d' % (axis, x.shape[axis], num))
        return xp.split(x, num, axis=axis)
    return run


@register_kernel('SplitV', multi_output=True, host_inputs=(1, 2))
def split_v(op, ctx):
    xp, num = ctx.xp, op.get_attr('num_split')
    sizes_of = _parsed(ctx, 1, _ints)
    dim_of = _parsed(ctx, 2, lambda d: _ints(d)[0])

    def run(x, sizes, dim):
        axis = _axis(op, dim_of(dim), x.ndim, _SPLIT_DIM)
        sizes, n = list(sizes_of(sizes)), x.shape[axis]
        if len(sizes) != num:
            raise _invalid(op, 'Length of size_splits should be equal to the value of num_split (%d), got %d'
                           % (num, len(sizes)))
        if sizes.count(-1) > 1:
            raise _invalid(op, 'There can only be one -1 in the input.')
        known = sum(s for s in sizes if s != -1)
        if -1 in sizes and known <= n:
            sizes[sizes.index(-1)] = n - known
        elif known != n or any(s < 0 for s in sizes):
            raise _invalid(op, 'Determined shape must either match input shape along split_dim exactly if fully '
                               'specified, or be less than the size of the input along split_dim if not fully '
                               'specified.  Got: %d' % known)
        return xp.split(x, [int(o) for o in np.cumsum(sizes)[:-1]], axis=axis)
    return run


# -- slicing and gathering --
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


# -- permuting, repeating, padding --
def _transpose_kernel(conjugate):
    def build(op, ctx):
        xp = ctx.xp
        perm_of = _parsed(ctx, 1, _ints)

        def run(x, perm):
            perm = perm_of(perm)
            if len(perm) != x.ndim:
                raise _invalid(op, 'transpose expects a vector of size %d. But input(1) is a vector of size %d'
                               % (x.ndim, len(perm)))
            for p in perm:
                if not 0 <= p < x.ndim:
                    raise _invalid(op, '%d is out of range [0 .. %d)' % (p, x.ndim))
            for d in range(x.ndim):
                if d not in perm:
                    raise _invalid(op, '%d is missing from {%s}.' % (d, ','.join(map(str, perm))))
            y = xp.transpose(x, perm)
            return xp.conj(y) if conjugate else y
        return run
    return build


register_kernel('Transpose', host_inputs=(1,))(_transpose_kernel(False))
register_kernel('ConjugateTranspose', host_inputs=(1,))(_transpose_kernel(True))


@register_kernel('Tile', host_inputs=(1,), fresh_output=True)
def tile(op, ctx):
    xp = ctx.xp
    multiples_of = _parsed(ctx, 1, _ints)

    def run(x, multiples):
        m = multiples_of(multiples)
        if len(m) != x.ndim:
            raise _invalid(op, 'Expected multiples argument to be a vector of length %d but got length %d'
                           % (x.ndim, len(m)))
        for i, v in enumerate(m):
            if v < 0:
                raise _invalid(op, 'Expected multiples[%d] >= 0, but got %d' % (i, v))
        return xp.tile(x, m)
    return run


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


# -- making new tensors --
@register_kernel('Fill', host_inputs=(0,), fresh_output=True)
def fill(op, ctx):
    xp = ctx.xp
    dims_of = _parsed(ctx, 0, _ints)

    def run(dims, value):
        dims = dims_of(dims)
        for d in dims:
            if d < 0:
                raise _invalid(op, 'Dimension %d must be >= 0' % d)
        if value.ndim != 0:
            raise _invalid(op, 'value must be a scalar, got shape %s' % _dims_str(value.shape))
        out = xp.empty(dims, dtype=value.dtype)
        out[...] = value
        return out
    return run


@register_kernel('ZerosLike', fresh_output=True)
def zeros_like(op, ctx):
    xp = ctx.xp
    return lambda x: xp.zeros_like(x)


@register_kernel('OnesLike', fresh_output=True)
def ones_like(op, ctx):
    xp = ctx.xp
    return lambda x: xp.ones_like(x)


@register_kernel('Range', host_inputs=(0, 1, 2), fresh_output=True)
def range_(op, ctx):
    xp, dtype = ctx.xp, np.dtype(op.get_attr('Tidx').as_numpy_dtype)
    t = dtype.type

    def run(start, limit, delta):
        for name, v in (('start', start), ('limit', limit), ('delta', delta)):
            if np.ndim(v) != 0:
                raise _invalid(op, '%s must be a scalar, not shape %s' % (name, _dims_str(np.shape(v))))
        s, l, d = start.item(), limit.item(), delta.item()
        n = spec.range_size(s, l, d, dtype)
        if isinstance(n, str):
            raise _invalid(op, n)
        return (xp.arange(n, dtype=dtype) * t(d) + t(s)).astype(dtype, copy=False)  # start + i * delta, in T
    return run


@register_kernel('LinSpace', host_inputs=(0, 1, 2), fresh_output=True)
def lin_space(op, ctx):
    xp, dtype = ctx.xp, np.dtype(op.get_attr('T').as_numpy_dtype)
    t = dtype.type

    def run(start, stop, num):
        n = int(num)
        if n <= 0:
            raise _invalid(op, 'Requires num > 0: %d' % n)
        s, e = t(start.item()), t(stop.item())
        if n == 1:
            return xp.asarray(np.array([s], dtype=dtype))
        out = (xp.arange(n, dtype=dtype) * ((e - s) / t(n - 1)) + s).astype(dtype, copy=False)
        out[-1] = e  # TF sets the last value to stop exactly
        return out
    return run


@register_kernel('OneHot', host_inputs=(1, 2, 3), fresh_output=True)
def one_hot(op, ctx):
    xp, axis = ctx.xp, op.get_attr('axis')
    dtype = op.get_attr('T').as_numpy_dtype

    def run(indices, depth, on_value, off_value):
        d = int(depth)
        if d < 0:
            raise _invalid(op, 'depth must be non-negative, got: %d' % d)
        hot = indices[..., None] == xp.arange(d, dtype=indices.dtype)
        out = xp.where(hot, np.asarray(on_value).item(), np.asarray(off_value).item()).astype(dtype)
        if axis != -1 and axis != indices.ndim:
            out = xp.ascontiguousarray(xp.moveaxis(out, -1, axis))
        return out
    return run


# -- selecting --
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


@register_kernel('IdentityN', multi_output=True)
def identity_n(op, ctx):
    return lambda *xs: list(xs)
