"""Host kernels of ops/image_codec_ops.py: PNG through io/png.py, JPEG through io/jpeg.py (Pillow).

DecodePng converts the file's channels to the requested ones as TF's libpng setup does: gray to RGB by
repetition, RGB to gray as libpng's fixed-point (9797 R + 19234 G + 3737 B) / 2^15 (truncated for 8-bit
samples, rounded for 16-bit), alpha dropped or added opaque; 8-bit samples widen to 16 bits by * 257 and
16-bit ones narrow to 8 by keeping the high byte."""
import struct
import zlib

import numpy as np

from sluice.engine import errors
from sluice.io import jpeg, png
from sluice.kernels.registry import register_kernel

_CPU = ('CPU',)
_GRAY = np.array([9797, 19234, 3737], np.int64)


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _bytes_scalar(op, contents):
    if np.ndim(contents) != 0:
        raise _invalid(op, 'contents must be scalar, got shape %s' % list(np.shape(contents)))
    item = contents[()] if isinstance(contents, np.ndarray) else contents
    return item.encode('utf-8') if isinstance(item, str) else bytes(item)


def _string_scalar(value):
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def _check_image(op, image, channels):
    if image.ndim != 3:
        raise _invalid(op, 'image must be 3-dimensional[%s]' % ','.join(map(str, image.shape)))
    if image.shape[2] not in channels:
        raise _invalid(op, 'image must have %s channels, got %d' % (' or '.join(map(str, channels)), image.shape[2]))


@register_kernel('EncodePng', devices=_CPU, fresh_output=True)
def encode_png(op, ctx):
    compression = op.get_attr('compression')
    if not -1 <= compression <= 9:
        raise _invalid(op, 'Invalid compression level %d' % compression)

    def run(image):
        _check_image(op, image, (1, 2, 3, 4))
        return _string_scalar(png.encode_png(image, compression))
    return run


def _to_gray(color, depth16):
    weighted = color.astype(np.int64) @ _GRAY
    return ((weighted + (16384 if depth16 else 0)) >> 15)[..., None]


def _convert_channels(pixels, channels):
    have = pixels.shape[2]
    if channels == 0 or channels == have:
        return pixels
    depth16 = pixels.dtype == np.uint16
    color = pixels[..., :3] if have >= 3 else pixels[..., :1]
    if channels == 1:
        out = color if have < 3 else _to_gray(color, depth16)
    else:
        rgb = np.repeat(color, 3, axis=2) if have < 3 else color
        out = rgb if channels == 3 else np.concatenate(
            [rgb, pixels[..., -1:] if have in (2, 4) else np.full(rgb.shape[:2] + (1,), np.iinfo(pixels.dtype).max,
                                                                   pixels.dtype)], axis=2)
    return out.astype(pixels.dtype, copy=False)


@register_kernel('DecodePng', devices=_CPU, fresh_output=True)
def decode_png(op, ctx):
    channels = op.get_attr('channels')
    if channels not in (0, 1, 3, 4):
        raise _invalid(op, 'channels must be 0, 1, 3, or 4, got %d' % channels)
    wide = op.get_attr('dtype').base_dtype.name == 'uint16'

    def run(contents):
        data = _bytes_scalar(op, contents)
        try:
            pixels = png.decode_png(data)
        except (ValueError, IndexError, KeyError, zlib.error, struct.error):
            raise _invalid(op, 'Invalid PNG data, size %d' % len(data)) from None
        pixels = _convert_channels(pixels, channels)
        if wide and pixels.dtype == np.uint8:
            return pixels.astype(np.uint16) * np.uint16(257)
        if not wide and pixels.dtype == np.uint16:
            return (pixels >> 8).astype(np.uint8)
        return np.array(pixels, copy=True)
    return run


def _attr_bytes(value):
    return value.encode('utf-8') if isinstance(value, str) else bytes(value)


@register_kernel('EncodeJpeg', devices=_CPU, fresh_output=True)
def encode_jpeg(op, ctx):
    attrs = {k: op.get_attr(k) for k in ('format', 'quality', 'progressive', 'optimize_size', 'chroma_downsampling',
                                         'density_unit', 'x_density', 'y_density', 'xmp_metadata')}
    wanted = {'': None, 'grayscale': 1, 'rgb': 3}[attrs['format'].decode() if isinstance(attrs['format'], bytes)
                                                   else attrs['format']]
    unit = attrs['density_unit'].decode() if isinstance(attrs['density_unit'], bytes) else attrs['density_unit']
    if not 0 <= attrs['quality'] <= 100:
        raise _invalid(op, 'quality must be in [0,100], got %d' % attrs['quality'])

    def run(image):
        _check_image(op, image, (wanted,) if wanted else (1, 3))
        try:
            data = jpeg.encode_jpeg(image, attrs['quality'], attrs['progressive'], attrs['optimize_size'],
                                    attrs['chroma_downsampling'], unit, attrs['x_density'], attrs['y_density'],
                                    _attr_bytes(attrs['xmp_metadata']))
        except ImportError as e:
            raise errors.error_for_op(errors.UnimplementedError, op, str(e)) from None
        return _string_scalar(data)
    return run


@register_kernel('DecodeJpeg', devices=_CPU, fresh_output=True)
def decode_jpeg(op, ctx):
    channels, ratio = op.get_attr('channels'), op.get_attr('ratio')
    if channels not in (0, 1, 3):
        raise _invalid(op, 'channels must be 0, 1, or 3, got %d' % channels)
    if ratio not in (1, 2, 4, 8):
        raise _invalid(op, 'ratio must be 1, 2, 4, or 8, got %d' % ratio)

    def run(contents):
        data = _bytes_scalar(op, contents)
        try:
            return jpeg.decode_jpeg(data, channels, ratio)
        except ImportError as e:
            raise errors.error_for_op(errors.UnimplementedError, op, str(e)) from None
        except Exception:  # Pillow raises OSError, ValueError, SyntaxError, ... on corrupt data
            raise _invalid(op, 'Invalid JPEG data or crop window, data size %d' % len(data)) from None
    return run
