"""JPEG through Pillow (the optional `image` extra: pip install sluice[image]); sluice has no JPEG codec of
its own. Encoding maps TF's EncodeJpeg attrs onto Pillow's save options (quality, progressive, optimize,
subsampling 4:2:0 when chroma_downsampling else 4:4:4, dpi in the JFIF header, XMP); decoding asks
libjpeg for a 1/ratio scaled image (Pillow's draft mode) and converts to the requested channels.
Pixels differ from TF's by a few levels: TF's default dct_method '' is libjpeg's fast integer IDCT,
Pillow's is the accurate one."""
import io

import numpy as np

__all__ = ['encode_jpeg', 'decode_jpeg']


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('JPEG encoding and decoding need Pillow: pip install "sluice[image]" (or Pillow)') from None
    return Image


def encode_jpeg(image, quality=95, progressive=False, optimize=False, chroma_downsampling=True,
                density_unit='in', x_density=300, y_density=300, xmp=b''):
    """JPEG bytes of a [height, width, 1 or 3] uint8 array."""
    pil = _pillow()
    mode = 'L' if image.shape[2] == 1 else 'RGB'
    picture = pil.fromarray(np.ascontiguousarray(image[:, :, 0] if mode == 'L' else image), mode)
    # Pillow's dpi is per inch; TF writes the JFIF density unit it is given
    scale = 2.54 if density_unit == 'cm' else 1.0
    options = dict(quality=int(quality), progressive=bool(progressive), optimize=bool(optimize),
                   subsampling=2 if chroma_downsampling else 0, dpi=(x_density * scale, y_density * scale))
    if xmp:
        options['xmp'] = xmp
    out = io.BytesIO()
    picture.save(out, format='JPEG', **options)
    return out.getvalue()


def decode_jpeg(data, channels=0, ratio=1):
    """[height, width, channels] uint8 pixels of JPEG bytes (channels 0: the file's, 1 or 3)."""
    pil = _pillow()
    picture = pil.open(io.BytesIO(bytes(data)))
    if picture.format != 'JPEG':
        raise ValueError('Not a JPEG file')
    if ratio != 1:
        width, height = picture.size
        picture.draft(picture.mode, (-(-width // ratio), -(-height // ratio)))
    if channels == 0:
        channels = 1 if picture.mode == 'L' else 3
    picture = picture.convert('L' if channels == 1 else 'RGB')
    pixels = np.asarray(picture, dtype=np.uint8)
    return pixels.reshape(pixels.shape[0], pixels.shape[1], channels)
