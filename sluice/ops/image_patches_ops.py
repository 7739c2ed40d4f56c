"""tf.image.extract_image_patches: the ExtractImagePatches op (TF's attrs ksizes, strides, rates, padding;
kernel in kernels/image_patches_kernels.py). Each output pixel holds the ksize_rows x ksize_cols patch
(taps `rates` apart) that a convolution with the same geometry would see, flattened in (row, col, depth)
order; SAME padding reads zeros outside the image. No gradient yet (TF has one): tf.gradients raises LookupError."""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.op_registry import register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops.math_ops import _shape_error

__all__ = ['extract_image_patches']

_REAL = tuple(getattr(dtypes, n) for n in ('float32', 'float64', 'int32', 'uint8', 'int16', 'int8', 'int64',
                                           'bfloat16', 'uint16', 'float16', 'uint32', 'uint64') if hasattr(dtypes, n))


def output_size(size, ksize, stride, rate, padding):
    """(output size, padding before) along one axis, as a convolution computes them."""
    effective = ksize + (ksize - 1) * (rate - 1)
    if padding == 'VALID':
        return max(0, (size - effective + stride) // stride), 0
    out = (size + stride - 1) // stride
    return out, max((out - 1) * stride + effective - size, 0) // 2


def _patches_shape(op):
    dims = op._inputs[0]._shape._dims
    if dims is not None and len(dims) != 4:
        raise _shape_error(op, 'Shape must be rank 4 but is rank %d' % len(dims))
    ksizes, strides, rates = (op.get_attr(k) for k in ('ksizes', 'strides', 'rates'))
    padding = op.get_attr('padding')
    padding = padding.decode() if isinstance(padding, bytes) else padding
    if dims is None:
        return [TensorShape([None] * 4)]
    n, h, w, d = dims
    rows = None if h is None else output_size(h, ksizes[1], strides[1], rates[1], padding)[0]
    cols = None if w is None else output_size(w, ksizes[2], strides[2], rates[2], padding)[0]
    return [TensorShape([n, rows, cols, None if d is None else ksizes[1] * ksizes[2] * d])]


register_op('ExtractImagePatches', ['images: T'], ['patches: T'],
            {'ksizes': 'list(int)', 'strides': 'list(int)', 'rates': 'list(int)', 'T': 'type', 'padding': 'string'},
            _patches_shape, allowed={'T': _REAL})


def _check(name, values):
    values = [int(v) for v in values]
    if len(values) != 4 or values[0] != 1 or values[3] != 1:
        raise ValueError('ExtractImagePatches requires %s to be [1, rows, cols, 1], got %s' % (name, values))
    if min(values) < 1:
        raise ValueError('ExtractImagePatches requires positive %s, got %s' % (name, values))
    return values


def extract_image_patches(images, ksizes=None, strides=None, rates=None, padding=None, name=None, sizes=None):
    """[batch, out_rows, out_cols, ksize_rows * ksize_cols * depth] patches of [batch, rows, cols, depth] images
    (`sizes` is the newer name of `ksizes`)."""
    ksizes = ksizes if ksizes is not None else sizes
    if ksizes is None or strides is None or rates is None or padding is None:
        raise TypeError('extract_image_patches() needs ksizes, strides, rates and padding')
    if padding not in ('SAME', 'VALID'):
        raise ValueError("padding must be 'SAME' or 'VALID', got %r" % (padding,))
    attrs = {'ksizes': _check('ksizes', ksizes), 'strides': _check('strides', strides),
             'rates': _check('rates', rates), 'padding': padding}
    images = _graph.convert_to_tensor(images, name='images')
    return op_builder.apply('ExtractImagePatches', [images], attrs, name)._outputs[0]
