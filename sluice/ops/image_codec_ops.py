"""The image codec ops: EncodePng, DecodePng (in-house, io/png.py) and EncodeJpeg, DecodeJpeg (through Pillow,
the optional `image` extra; io/jpeg.py). TF's op names, attrs and defaults; the kernels
(kernels/image_codec_kernels.py) run on the host only, as TF's string ops do. None is differentiable."""
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops.math_ops import _shape_error

__all__ = ['encode_png', 'decode_png', 'encode_jpeg', 'decode_jpeg']


def _image_rank3(op):
    dims = op._inputs[0]._shape._dims
    if dims is not None and len(dims) != 3:
        raise _shape_error(op, 'Shape must be rank 3 but is rank %d' % len(dims))
    return [TensorShape([])]


def _decoded_shape(op):
    dims = op._inputs[0]._shape._dims
    if dims is not None and len(dims) != 0:
        raise _shape_error(op, 'Shape must be rank 0 but is rank %d' % len(dims))
    channels = op.get_attr('channels')
    return [TensorShape([None, None, channels or None])]


register_op('EncodePng', ['image: T'], ['contents: string'], {'compression': ('int', -1), 'T': ('type', dtypes.uint8)},
            _image_rank3, allowed={'T': (dtypes.uint8, dtypes.uint16)})
register_op('DecodePng', ['contents: string'], ['image: dtype'],
            {'channels': ('int', 0), 'dtype': ('type', dtypes.uint8)}, _decoded_shape,
            allowed={'dtype': (dtypes.uint8, dtypes.uint16)})
register_op('EncodeJpeg', ['image: uint8'], ['contents: string'],
            {'format': ('string', ''), 'quality': ('int', 95), 'progressive': ('bool', False),
             'optimize_size': ('bool', False), 'chroma_downsampling': ('bool', True), 'density_unit': ('string', 'in'),
             'x_density': ('int', 300), 'y_density': ('int', 300), 'xmp_metadata': ('string', '')}, _image_rank3)
register_op('DecodeJpeg', ['contents: string'], ['image: uint8'],
            {'channels': ('int', 0), 'ratio': ('int', 1), 'fancy_upscaling': ('bool', True),
             'try_recover_truncated': ('bool', False), 'acceptable_fraction': ('float', 1.0),
             'dct_method': ('string', '')}, _decoded_shape)
for _type in ('EncodePng', 'DecodePng', 'EncodeJpeg', 'DecodeJpeg'):
    no_gradient(_type)


def _check_channels(channels, allowed, op_name):
    if channels not in allowed:
        raise ValueError('%s: channels must be one of %s, got %r' % (op_name, allowed, channels))


def encode_png(image, compression=-1, name=None):
    """tf.image.encode_png: a [height, width, channels] uint8/uint16 image (1 to 4 channels) as PNG bytes."""
    image = _graph.convert_to_tensor(image, name='image')
    return op_builder.apply('EncodePng', [image], {'compression': int(compression)}, name)._outputs[0]


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """tf.image.decode_png: PNG bytes to [height, width, channels] (channels 0 keeps the file's)."""
    _check_channels(channels, (0, 1, 3, 4), 'DecodePng')
    attrs = {'channels': int(channels), 'dtype': dtypes.as_dtype(dtype)}
    return op_builder.apply('DecodePng', [contents], attrs, name)._outputs[0]


def encode_jpeg(image, format='', quality=95, progressive=False, optimize_size=False, chroma_downsampling=True,
                density_unit='in', x_density=300, y_density=300, xmp_metadata='', name=None):
    """tf.image.encode_jpeg: a [height, width, 1 or 3] uint8 image as JPEG bytes (needs Pillow)."""
    if format not in ('', 'grayscale', 'rgb'):
        raise ValueError("EncodeJpeg: format must be '', 'grayscale' or 'rgb', got %r" % (format,))
    if density_unit not in ('in', 'cm'):
        raise ValueError("EncodeJpeg: density_unit must be 'in' or 'cm', got %r" % (density_unit,))
    attrs = {'format': format, 'quality': int(quality), 'progressive': bool(progressive),
             'optimize_size': bool(optimize_size), 'chroma_downsampling': bool(chroma_downsampling),
             'density_unit': density_unit, 'x_density': int(x_density), 'y_density': int(y_density),
             'xmp_metadata': xmp_metadata}
    return op_builder.apply('EncodeJpeg', [image], attrs, name)._outputs[0]


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method='', name=None):
    """tf.image.decode_jpeg: JPEG bytes to [height / ratio, width / ratio, channels] uint8 (needs Pillow)."""
    _check_channels(channels, (0, 1, 3), 'DecodeJpeg')
    if ratio not in (1, 2, 4, 8):
        raise ValueError('DecodeJpeg: ratio must be 1, 2, 4 or 8, got %r' % (ratio,))
    attrs = {'channels': int(channels), 'ratio': int(ratio), 'fancy_upscaling': bool(fancy_upscaling),
             'try_recover_truncated': bool(try_recover_truncated),
             'acceptable_fraction': float(acceptable_fraction), 'dct_method': dct_method}
    return op_builder.apply('DecodeJpeg', [contents], attrs, name)._outputs[0]
