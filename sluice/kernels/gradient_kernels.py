"""Kernels of the ops that gradients build: BroadcastGradientArgs, InvertPermutation,
StridedSliceGrad, MirrorPadGrad and UnsortedSegmentSum, for CPU and GPU through `ctx.xp` (the fused
unary gradients such as TanhGrad are rows of the elementwise table).

BroadcastGradientArgs: for two shapes s0, s1 broadcast together, the axes of the broadcast shape
each operand was stretched along (its gradient is summed over them): aligning the shapes on the
right, an axis is reduced for an operand whose size there is 1 (or missing) while the result's is
not, and for both when both are 1 (TF's choice); equal shapes reduce nothing.
StridedSliceGrad scatters dy into zeros of the input's shape through the same NumPy index as the
forward slice (`shape_fns.strided_slice_index`). MirrorPadGrad folds each padded border back
onto the rows it mirrors, one axis at a time. UnsortedSegmentSum adds rows into their segments,
dropping negative ids as TF does.

Device-specific parts are device registrations of one builder (a fake GPU runs the CPU one):
UnsortedSegmentSum scatters with np.add.at on the CPU and cupyx.scatter_add on a GPU.
"""
import numpy as np

from sluice.engine import errors
from sluice.kernels.gpu_registration import register_cupy_kernel
from sluice.kernels.registry import register_kernel
from sluice.ops import shape_fns


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _ints(value):
    return [int(v) for v in np.asarray(value).ravel().tolist()]


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


@register_kernel('StridedSliceGrad', host_inputs=(0, 1, 2, 3), fresh_output=True)
def strided_slice_grad(op, ctx):
    xp = ctx.xp
    masks = [op.get_attr(k) for k in ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask')]

    def run(shape, begin, end, strides, dy):
        items, message = shape_fns.strided_slice_index(_ints(begin), _ints(end), _ints(strides), *masks)
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


def _unsorted_segment_sum(scatter_add):
    """The UnsortedSegmentSum builder adding rows into segments through scatter_add(out, ids, rows)."""
    def build(op, ctx):
        xp = ctx.xp

        def run(data, ids, num_segments):
            n = int(num_segments)
            if ids.shape != data.shape[:ids.ndim]:
                raise _invalid(op, 'data.shape = [%s] does not start with segment_ids.shape = [%s]' % (
                    ','.join(map(str, data.shape)), ','.join(map(str, ids.shape))))
            if n < 0:
                raise _invalid(op, 'num_segments (%d) must be non-negative' % n)
            flat_ids = ids.reshape(-1)
            rows = data.reshape((flat_ids.shape[0],) + data.shape[ids.ndim:])
            if flat_ids.size and int(flat_ids.max()) >= n:
                bad = int(flat_ids.max())
                raise _invalid(op, 'segment_ids[%d] = %d is out of range [0, %d)'
                               % (int(xp.argmax(flat_ids)), bad, n))
            keep = flat_ids >= 0
            if not bool(keep.all()):
                flat_ids, rows = flat_ids[keep], rows[keep]
            out = xp.zeros((n,) + data.shape[ids.ndim:], dtype=data.dtype)
            scatter_add(out, flat_ids, rows)
            return out
        return run
    return build


def _cupyx_scatter_add(out, indices, rows):
    import cupyx
    cupyx.scatter_add(out, indices, rows)


_SEGMENT_SUM = dict(host_inputs=(2,), fresh_output=True)
register_kernel('UnsortedSegmentSum', devices=('CPU',), **_SEGMENT_SUM)(_unsorted_segment_sum(np.add.at))
register_cupy_kernel('UnsortedSegmentSum', **_SEGMENT_SUM)(_unsorted_segment_sum(_cupyx_scatter_add))
