"""Gradients of the array ops (declared with `register_gradient`), and the broadcasting helpers the
binary math gradients share.

Each function takes the forward op and the gradient of each of its outputs and returns one
gradient per input (None for shapes, axes, indices), building the ops TF 1.x's array_grad does:
shape changes (Reshape, ExpandDims, Squeeze) reshape the gradient back; joins split it and splits
concatenate; Slice pads it back, StridedSlice scatters it (StridedSliceGrad); Gather along axis 0
gives an IndexedSlices (the gathered rows' gradients and their indices), along other axes a dense
UnsortedSegmentSum; Transpose transposes by the inverse permutation; Tile sums the tiles; Pad
slices the padding off; Select routes the gradient by the condition.

Broadcasting (`reduce_gradient_args`): the gradient of an operand of a broadcasting op is summed
over the axes the operand was stretched along, then reshaped to the operand's shape. The axes come
from the static shapes when those decide them (no op then when nothing was broadcast), else from a
BroadcastGradientArgs op over the run-time shapes.
"""
from sluice.engine import op_builder
from sluice.engine import dtypes
from sluice.engine.op_registry import no_gradient, register_gradient
from sluice.ops import array_ops, constant_op, math_ops, shape_fns
from sluice.ops.indexed_slices import IndexedSlices, as_dense

for _type in ('ZerosLike', 'OnesLike', 'StopGradient', 'Shape', 'ShapeN', 'Rank', 'Size', 'OneHot',
              'BroadcastGradientArgs', 'InvertPermutation', 'Where', 'Const'):
    no_gradient(_type)


# -- broadcasting --
def broadcast_gradient_args_op(s0, s1):
    """The BroadcastGradientArgs op: the reduction axes (r0, r1) of two run-time shapes."""
    return tuple(op_builder.apply('BroadcastGradientArgs', [s0, s1]).outputs)


def _static_reduction_axes(xs, ys):
    """The axes each of two static shapes was broadcast along, or None when unknown dims decide it."""
    if xs.ndims is None or ys.ndims is None:
        return None
    x, y = xs.as_list(), ys.as_list()
    rank = max(len(x), len(y))
    x, y = [1] * (rank - len(x)) + x, [1] * (rank - len(y)) + y
    rx, ry = [], []
    for axis, (a, b) in enumerate(zip(x, y)):
        if a == 1 and b != 1:
            rx.append(axis)
        elif b == 1 and a != 1:
            ry.append(axis)
        elif a is None or b is None:
            return None
    return rx, ry


def reduce_gradient_args(x, y, gx, gy):
    """gx and gy summed back to the shapes of x and y, the operands of a broadcasting binary op."""
    if gx is None and gy is None:
        return gx, gy
    sx, sy = array_ops.shape(x), array_ops.shape(y)
    static = _static_reduction_axes(x.shape, y.shape)
    if static is None:
        rx, ry = broadcast_gradient_args_op(sx, sy)
        must_x = must_y = True
    else:
        rx, ry = static
        must_x = bool(rx) or x.shape.ndims < y.shape.ndims
        must_y = bool(ry) or y.shape.ndims < x.shape.ndims
    if gx is not None and must_x:
        gx = array_ops.reshape(math_ops.reduce_sum(gx, rx, keepdims=True), sx)
    if gy is not None and must_y:
        gy = array_ops.reshape(math_ops.reduce_sum(gy, ry, keepdims=True), sy)
    return gx, gy


# -- pass-through --
@register_gradient('Identity')
@register_gradient('PlaceholderWithDefault')
def _identity_grad(op, grad):
    return grad


@register_gradient('IdentityN')
def _identity_n_grad(op, *grads):
    return list(grads)


# -- shapes --
@register_gradient('Reshape')
@register_gradient('ExpandDims')
def _reshape_grad(op, grad):
    return [array_ops.reshape(as_dense(grad), array_ops.shape(op.inputs[0])), None]


@register_gradient('Squeeze')
def _squeeze_grad(op, grad):
    return [array_ops.reshape(as_dense(grad), array_ops.shape(op.inputs[0]))]


# -- joining and splitting --
@register_gradient('ConcatV2')
def _concat_grad(op, grad):
    values, axis = op.inputs[:-1], op.inputs[-1]
    grad = as_dense(grad)
    if len(values) == 1:
        return [grad, None]
    rank = values[0].shape.ndims
    axis_value = shape_fns.constant_value(axis)
    if axis_value is not None and rank is not None:
        a = int(axis_value) % rank
        sizes = [v.shape.as_list()[a] if v.shape.ndims is not None else None for v in values]
        if None not in sizes:  # static sizes: one SplitV by constant sizes
            return array_ops.split(grad, sizes, a, num=len(values)) + [None]
        a = constant_op.constant(a, dtypes.int32)
    else:
        a = math_ops.floormod(axis, array_ops.rank(values[0]))
    sizes = array_ops.stack([array_ops.gather(s, a) for s in array_ops.shape_n(values)])
    return array_ops.split(grad, sizes, a, num=len(values)) + [None]


@register_gradient('Pack')
def _pack_grad(op, grad):
    return array_ops.unstack(as_dense(grad), num=op.get_attr('N'), axis=op.get_attr('axis'))


@register_gradient('Unpack')
def _unpack_grad(op, *grads):
    return [array_ops.stack(list(grads), axis=op.get_attr('axis'))]


@register_gradient('Split')
def _split_grad(op, *grads):
    return [None, array_ops.concat(list(grads), op.inputs[0])]


@register_gradient('SplitV')
def _split_v_grad(op, *grads):
    return [array_ops.concat(list(grads), op.inputs[2]), None, None]


# -- slicing and indexing --
@register_gradient('Slice')
def _slice_grad(op, grad):
    """Pads the gradient with zeros back to the input's shape: begin before, the rest after."""
    x, begin = op.inputs[0], op.inputs[1]
    index_type = begin.dtype.base_dtype
    column = array_ops.stack([array_ops.rank(x), 1])
    before = array_ops.reshape(begin, column)
    after = array_ops.reshape(array_ops.shape(x, out_type=index_type) -
                              array_ops.shape(op.outputs[0], out_type=index_type) - begin, column)
    return array_ops.pad(as_dense(grad), array_ops.concat([before, after], 1)), None, None


_SLICE_MASKS = ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask', 'shrink_axis_mask')


@register_gradient('StridedSlice')
def _strided_slice_grad(op, grad):
    x, begin, end, strides = op.inputs
    masks = {k: op.get_attr(k) for k in _SLICE_MASKS}
    shape = array_ops.shape(x, out_type=begin.dtype.base_dtype)
    dx = op_builder.output('StridedSliceGrad', [shape, begin, end, strides, as_dense(grad)], masks)
    return dx, None, None, None


@register_gradient('StridedSliceGrad')
def _strided_slice_grad_grad(op, grad):
    _, begin, end, strides, _ = op.inputs
    masks = {k: op.get_attr(k) for k in _SLICE_MASKS}
    return None, None, None, None, array_ops.strided_slice(grad, begin, end, strides, **masks)


@register_gradient('GatherV2')
def _gather_grad(op, grad):
    """Axis 0: IndexedSlices(grad rows, indices, shape(params)); other axes: a dense segment sum."""
    params, indices, axis_t = op.inputs
    with params.graph.colocate_with(params):
        params_shape = array_ops.shape(params)
    indices_size = array_ops.expand_dims(array_ops.size(indices), 0)
    axis = shape_fns.constant_value(axis_t)
    if axis is not None:
        axis = int(axis)
        if axis < 0 and params.shape.ndims is not None:
            axis += params.shape.ndims
    if axis == 0:
        values_shape = array_ops.concat([indices_size, params_shape[1:]], 0)
        values = array_ops.reshape(as_dense(grad), values_shape)
        return [IndexedSlices(values, array_ops.reshape(indices, indices_size), params_shape), None, None]
    if axis is None or axis < 0:
        axis = math_ops.floormod(math_ops.cast(axis_t, dtypes.int32), array_ops.rank(params))
    # Move the gathered axis to the front, sum rows by index, move it back.
    outer_shape, inner_shape = params_shape[:axis], params_shape[axis + 1:]
    values_shape = array_ops.concat([outer_shape, [-1], inner_shape], 0)
    values_rank, axis_rank = array_ops.size(values_shape), array_ops.size(outer_shape)
    outer_axes = array_ops.range(0, axis_rank)
    inner_axes = array_ops.range(axis_rank + 1, values_rank)
    values = array_ops.reshape(as_dense(grad), values_shape)
    values = array_ops.transpose(values, array_ops.concat([array_ops.reshape(axis_rank, [1]), outer_axes,
                                                           inner_axes], 0))
    flat_indices = array_ops.reshape(indices, indices_size)
    params_grad = math_ops.unsorted_segment_sum(values, flat_indices, params_shape[axis])
    params_grad = array_ops.transpose(params_grad, array_ops.concat([outer_axes + 1, [0], inner_axes], 0))
    return [params_grad, None, None]


@register_gradient('GatherNd')
def _gather_nd_grad(op, grad):
    """Scatters the gradient back: the index tuples become row numbers of params flattened over
    its first K dims (K = indices.shape[-1]), summed by UnsortedSegmentSum."""
    params, indices = op.inputs
    index_type = indices.dtype.base_dtype
    params_shape = array_ops.shape(params, out_type=index_type)
    k = array_ops.shape(indices, out_type=index_type)[-1]
    outer = params_shape[:k]
    strides = math_ops.cumprod(outer, exclusive=True, reverse=True)
    rows = math_ops.reduce_sum(indices * strides, -1)
    values = array_ops.reshape(as_dense(grad), array_ops.concat([[-1], params_shape[k:]], 0))
    summed = math_ops.unsorted_segment_sum(values, array_ops.reshape(rows, [-1]), math_ops.reduce_prod(outer))
    return array_ops.reshape(summed, params_shape), None


@register_gradient('Transpose')
def _transpose_grad(op, grad):
    return [array_ops.transpose(as_dense(grad), array_ops.invert_permutation(op.inputs[1])), None]


@register_gradient('ConjugateTranspose')
def _conjugate_transpose_grad(op, grad):
    return [array_ops.transpose(as_dense(grad), array_ops.invert_permutation(op.inputs[1]), conjugate=True), None]


@register_gradient('ReverseV2')
def _reverse_grad(op, grad):
    return array_ops.reverse(as_dense(grad), op.inputs[1]), None


@register_gradient('Tile')
def _tile_grad(op, grad):
    """Reshapes the gradient to [m0, d0, m1, d1, ...] (multiples interleaved with the input's dims) and
    sums over the multiples' axes."""
    x, multiples = op.inputs
    input_shape = array_ops.shape(x, out_type=multiples.dtype.base_dtype)
    split_shape = array_ops.reshape(array_ops.transpose(array_ops.stack([multiples, input_shape])), [-1])
    axes = array_ops.range(0, array_ops.size(split_shape), 2)
    input_grad = math_ops.reduce_sum(array_ops.reshape(as_dense(grad), split_shape), axes)
    input_grad.set_shape(x.shape)
    return [input_grad, None]


@register_gradient('Pad')
@register_gradient('PadV2')
def _pad_grad(op, grad):
    x, paddings = op.inputs[:2]
    before = array_ops.slice(paddings, [0, 0], array_ops.stack([array_ops.rank(x), 1]))
    begin = array_ops.reshape(before, [-1])
    x_grad = array_ops.slice(as_dense(grad), begin, array_ops.shape(x, out_type=begin.dtype.base_dtype))
    return (x_grad, None) if op.type == 'Pad' else (x_grad, None, None)


@register_gradient('MirrorPad')
def _mirror_pad_grad(op, grad):
    return op_builder.output('MirrorPadGrad', [as_dense(grad), op.inputs[1]], {'mode': op.get_attr('mode')}), None


@register_gradient('MirrorPadGrad')
def _mirror_pad_grad_grad(op, grad):
    return op_builder.output('MirrorPad', [grad, op.inputs[1]], {'mode': op.get_attr('mode')}), None


@register_gradient('Fill')
def _fill_grad(op, grad):
    return None, math_ops.reduce_sum(grad)


# -- selection --
@register_gradient('Select')
def _select_grad(op, grad):
    c, x = op.inputs[0], op.inputs[1]
    zeros = array_ops.zeros_like(x)
    return None, array_ops.where(c, grad, zeros), array_ops.where(c, zeros, grad)


@register_gradient('SelectV2')
def _select_v2_grad(op, grad):
    c, x, y = op.inputs
    out = op.outputs[0]
    zeros = array_ops.zeros([], dtype=grad.dtype.base_dtype)
    gx = reduce_gradient_args(x, out, array_ops.where_v2(c, grad, zeros), None)[0]
    gy = reduce_gradient_args(y, out, array_ops.where_v2(c, zeros, grad), None)[0]
    return None, gx, gy
