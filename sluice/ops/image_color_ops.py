"""The colour-space ops of tf.image: RGBToHSV, HSVToRGB, AdjustHue, AdjustSaturation (TF's op names,
inputs, attrs and allowed dtypes; kernels in kernels/image_color_kernels.py). Hue, saturation and value
are in [0, 1]; the last axis holds the three channels. TF 1.15 registers a gradient only for RGBToHSV
(sluice has none yet: differentiating it raises LookupError); the other three are not differentiable."""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.op_registry import register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops.math_ops import _shape_error

__all__ = ['rgb_to_hsv', 'hsv_to_rgb', 'adjust_hue_op', 'adjust_saturation_op']

_HSV_TYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_ADJUST_TYPES = (dtypes.float16, dtypes.float32)


def _last_dim_three(op):
    shape = op._inputs[0]._shape
    dims = shape._dims
    if dims is not None:
        if len(dims) < 1:
            raise _shape_error(op, 'Shape must be at least rank 1 but is rank 0')
        if dims[-1] is not None and dims[-1] != 3:
            raise _shape_error(op, 'Dimension must be 3 but is %d' % dims[-1])
    return [shape if dims is None else TensorShape(list(dims[:-1]) + [3])]


def _adjust_shape(op):
    shape = op._inputs[0]._shape
    if shape._dims is not None and len(shape._dims) < 3:
        raise _shape_error(op, 'Shape must be at least rank 3 but is rank %d' % len(shape._dims))
    factor = op._inputs[1]._shape._dims
    if factor is not None and len(factor) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(factor))
    return [shape]


register_op('RGBToHSV', ['images: T'], ['output: T'], {'T': ('type', dtypes.float32)}, _last_dim_three,
            allowed={'T': _HSV_TYPES})
register_op('HSVToRGB', ['images: T'], ['output: T'], {'T': ('type', dtypes.float32)}, _last_dim_three,
            allowed={'T': _HSV_TYPES})
register_op('AdjustHue', ['images: T', 'delta: float'], ['output: T'], {'T': ('type', dtypes.float32)},
            _adjust_shape, allowed={'T': _ADJUST_TYPES})
register_op('AdjustSaturation', ['images: T', 'scale: float'], ['output: T'], {'T': ('type', dtypes.float32)},
            _adjust_shape, allowed={'T': _ADJUST_TYPES})


def _apply(op_type, inputs, name):
    return op_builder.apply(op_type, inputs, {}, name)._outputs[0]


def rgb_to_hsv(images, name=None):
    """tf.image.rgb_to_hsv: [..., 3] RGB in [0, 1] to hue, saturation, value in [0, 1]."""
    return _apply('RGBToHSV', [_graph.convert_to_tensor(images, name='images')], name)


def hsv_to_rgb(images, name=None):
    """tf.image.hsv_to_rgb: [..., 3] hue, saturation, value in [0, 1] to RGB."""
    return _apply('HSVToRGB', [_graph.convert_to_tensor(images, name='images')], name)


def adjust_hue_op(images, delta, name=None):
    """The AdjustHue op: hue += delta (wrapping around 1) on float16/float32 [..., h, w, 3] images."""
    delta = _graph.convert_to_tensor(delta, dtype=dtypes.float32, name='delta')
    return _apply('AdjustHue', [images, delta], name)


def adjust_saturation_op(images, scale, name=None):
    """The AdjustSaturation op: saturation *= scale, clipped to [0, 1]."""
    scale = _graph.convert_to_tensor(scale, dtype=dtypes.float32, name='scale')
    return _apply('AdjustSaturation', [images, scale], name)
