"""Kernels of the array ops (ops/array_ops.py): one builder per op for CPU (NumPy) and GPU (CuPy)
through `ctx.xp`: Shape, ShapeN, Rank, Size (host outputs: their out_type), Reshape, ExpandDims, Squeeze,
ConcatV2, Pack, Unpack, Split, SplitV, Transpose, InvertPermutation, Tile, IdentityN, and
BroadcastGradientArgs (the reduction axes of two broadcast shapes: aligning them on the right, an axis
is reduced for an operand whose size there is 1 or missing while the result's is not, and for both when
both are 1, TF's choice).

Shapes, axes, permutations, multiples, paddings and slice specs are host inputs: when one is a
Const it is parsed once in the builder (`_parsed`), otherwise at each step. Checks that TF's
kernels make (ranges of indices, sizes that must agree) come before the array call, so a bad
value fails with TF's InvalidArgumentError message instead of a NumPy exception.
The helpers `_ints`, `_parsed` and `_axis` are shared with indexing_kernels and filling_kernels.
"""
import numpy as np

from sluice.kernels.checks import dims_text as _dims_str, invalid as _invalid
from sluice.kernels.registry import register_kernel


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


# -- Shape, ShapeN, Rank, Size ---------------------------------------------------------------------------
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


# -- Reshape, ExpandDims, Squeeze ------------------------------------------------------------------------
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


# -- ConcatV2, Pack, Unpack, Split, SplitV ---------------------------------------------------------------
@register_kernel('ConcatOffset', multi_output=True, host_inputs=range(-64, 0), host_outputs=True)  # all: shapes
def concat_offset(op, ctx):
    """Input i's offset: zeros but the sum of the earlier inputs' sizes along the axis."""
    def run(axis, *shapes):
        first = np.asarray(shapes[0])
        axis = int(axis)
        if not -len(first) <= axis < len(first):
            raise _invalid(op, 'Concat dim is out of range: %d vs. %d' % (axis, len(first)))
        axis %= len(first)
        offsets, at = [], 0
        for i, shape in enumerate(shapes):
            shape = np.asarray(shape)
            if len(shape) != len(first):
                raise _invalid(op, 'input %d should contain %d elements, but got %d' % (i, len(first), len(shape)))
            if any(shape[k] != first[k] for k in range(len(first)) if k != axis):
                raise _invalid(op, "All dimensions except %d must match. Input %d has shape [%s] and doesn't match "
                                'input 0 with shape [%s].' % (axis, i, ' '.join(map(str, shape)),
                                                              ' '.join(map(str, first))))
            offset = np.zeros_like(shape)
            offset[axis] = at
            at += shape[axis]
            offsets.append(offset)
        return tuple(offsets)
    return run


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


# -- Transpose, InvertPermutation, Tile ------------------------------------------------------------------
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


@register_kernel('InvertPermutation', host_inputs=(0,), fresh_output=True)
def invert_permutation(op, ctx):
    xp = ctx.xp

    def run(x):
        x = np.asarray(x)
        if x.ndim != 1:
            raise _invalid(op, 'invert_permutation expects a 1D vector.')
        n = x.shape[0]
        y = np.full([n], -1, dtype=x.dtype)
        for i, d in enumerate(x.tolist()):
            if not 0 <= d < n:
                raise _invalid(op, '%d is not between 0 and %d' % (d, n))
            if y[d] != -1:
                raise _invalid(op, '%d is duplicated in the input.' % d)
            y[d] = i
        return xp.asarray(y)
    return run


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


# -- IdentityN, BroadcastGradientArgs --------------------------------------------------------------------
@register_kernel('IdentityN', multi_output=True)
def identity_n(op, ctx):
    return lambda *xs: list(xs)


def broadcast_reduction_axes(s0, s1):
    """(axes for s0, axes for s1) or None when the shapes cannot broadcast."""
    if list(s0) == list(s1):
        return [], []  # TF's shortcut: equal shapes need no reduction, size-1 axes included
    rank = max(len(s0), len(s1))
    a = [1] * (rank - len(s0)) + list(s0)
    b = [1] * (rank - len(s1)) + list(s1)
    r0, r1 = [], []
    for i, (x, y) in enumerate(zip(a, b)):
        if x == y:
            if x == 1:
                r0.append(i)
                r1.append(i)
        elif x == 1:
            r0.append(i)
        elif y == 1:
            r1.append(i)
        else:
            return None
    return r0, r1


@register_kernel('BroadcastGradientArgs', multi_output=True, host_inputs=(0, 1), fresh_output=True)
def broadcast_gradient_args(op, ctx):
    xp, dtype = ctx.xp, op.get_attr('T').as_numpy_dtype

    def run(s0, s1):
        s0, s1 = _ints(s0), _ints(s1)
        axes = broadcast_reduction_axes(s0, s1)
        if axes is None:
            raise _invalid(op, 'Incompatible shapes: [%s] vs. [%s]' % (','.join(map(str, s0)), ','.join(map(str, s1))))
        return [xp.asarray(np.array(a, dtype=dtype)) for a in axes]
    return run
