"""PNG (in-house) and JPEG (Pillow) codec ops against TF compat.v1: pixels, channel conversions, dtypes, errors."""
import numpy as np
import pytest

import sluice as tf


def _tf1():
    tf_ = pytest.importorskip('tensorflow')
    tf1 = tf_.compat.v1
    tf1.disable_v2_behavior()
    return tf1


def _run(module, build, feed=None):
    with module.Graph().as_default():
        out = build(module)
        with module.Session() as sess:
            return sess.run(out, feed)


_RNG = np.random.RandomState(3)
_IMAGES = {c: _RNG.randint(0, 256, size=(9, 11, c)).astype(np.uint8) for c in (1, 2, 3, 4)}
_Y, _X = np.mgrid[0:16, 0:24]
# JPEG is checked on smooth pictures (noise makes the fast and accurate IDCTs differ by many levels)
_SMOOTH = {1: (_Y * 8 + _X * 4)[..., None].astype(np.uint8),
           3: np.stack([_Y * 12, _X * 9, 255 - _X * 5 - _Y * 3], -1).astype(np.uint8)}
_WIDE = {c: _RNG.randint(0, 65536, size=(5, 6, c)).astype(np.uint16) for c in (1, 3, 4)}


@pytest.mark.parametrize('channels', [1, 2, 3, 4])
def test_png_round_trip(channels):
    image = _IMAGES[channels]
    got = _run(tf, lambda m: m.image.decode_png(m.image.encode_png(image), channels=0))
    np.testing.assert_array_equal(got, image)
    wide = _WIDE.get(channels)
    if wide is not None:
        got = _run(tf, lambda m: m.image.decode_png(m.image.encode_png(wide), dtype=m.uint16))
        assert got.dtype == np.uint16
        np.testing.assert_array_equal(got, wide)


@pytest.mark.tf
@pytest.mark.parametrize('source', [1, 2, 3, 4, 'wide3', 'wide4'])
@pytest.mark.parametrize('channels', [0, 1, 3, 4])
@pytest.mark.parametrize('dtype', ['uint8', 'uint16'])
def test_decode_png_matches_tf(source, channels, dtype):
    tf1 = _tf1()
    image = _WIDE[int(source[-1])] if isinstance(source, str) else _IMAGES[source]
    data = _run(tf1, lambda m: m.image.encode_png(image))
    want = _run(tf1, lambda m: m.image.decode_png(data, channels=channels, dtype=getattr(m, dtype)))
    got = _run(tf, lambda m: m.image.decode_png(data, channels=channels, dtype=getattr(m, dtype)))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    # and TF decodes sluice's encoding to the same pixels
    ours = _run(tf, lambda m: m.image.encode_png(image))
    np.testing.assert_array_equal(_run(tf1, lambda m: m.image.decode_png(ours, dtype=m.as_dtype(image.dtype))), image)


def test_png_shapes_and_errors():
    with tf.Graph().as_default():
        data = tf.placeholder(tf.string, [])
        assert tf.image.decode_png(data, channels=3).get_shape().as_list() == [None, None, 3]
        assert tf.image.decode_png(data).get_shape().as_list() == [None, None, None]
        assert tf.image.encode_png(_IMAGES[3]).get_shape().as_list() == []
        with pytest.raises(ValueError, match='rank 3'):
            tf.image.encode_png(np.zeros((2, 2), np.uint8))
        with pytest.raises(TypeError):
            tf.image.encode_png(np.zeros((2, 2, 3), np.float32))
        with pytest.raises(ValueError, match='channels'):
            tf.image.decode_png(data, channels=2)
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError):
                sess.run(tf.image.decode_png(data), {data: b'not a png'})


@pytest.mark.tf
@pytest.mark.parametrize('channels', [0, 1, 3])
@pytest.mark.parametrize('source', [1, 3])
def test_jpeg_decodes_like_tf(source, channels):
    pytest.importorskip('PIL')
    tf1 = _tf1()
    image = _SMOOTH[source]
    data = _run(tf1, lambda m: m.image.encode_jpeg(image, quality=90))
    want = _run(tf1, lambda m: m.image.decode_jpeg(data, channels=channels))
    got = _run(tf, lambda m: m.image.decode_jpeg(data, channels=channels))
    assert got.shape == want.shape and got.dtype == np.uint8
    # TF's default dct_method '' is libjpeg's fast integer IDCT; Pillow decodes with the accurate one
    diff = np.abs(got.astype(int) - want.astype(int))
    assert diff.max() <= 4 and diff.mean() < 1.5
    # sluice's JPEG bytes decode in TF as in sluice, close to the source image
    ours = _run(tf, lambda m: m.image.encode_jpeg(image, quality=85, chroma_downsampling=False))
    back = _run(tf1, lambda m: m.image.decode_jpeg(ours))
    mine = _run(tf, lambda m: m.image.decode_jpeg(ours))
    assert back.shape == mine.shape == image.shape
    assert np.abs(back.astype(int) - mine.astype(int)).max() <= 3
    assert np.abs(mine.astype(int) - image.astype(int)).mean() < 2


def test_jpeg_without_pillow_says_so(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_pil(name, *args, **kw):
        if name == 'PIL' or name.startswith('PIL.'):
            raise ImportError('No module named PIL')
        return real_import(name, *args, **kw)
    monkeypatch.setattr(builtins, '__import__', no_pil)
    with pytest.raises(tf.errors.UnimplementedError, match='Pillow'):
        _run(tf, lambda m: m.image.encode_jpeg(_IMAGES[3]))


@pytest.mark.tf
@pytest.mark.parametrize('dtype', ['uint8', 'uint16', 'float32'])
@pytest.mark.parametrize('channels', [None, 1, 3])
def test_decode_image_dispatches_like_tf(channels, dtype):
    tf1 = _tf1()
    png = _run(tf1, lambda m: m.image.encode_png(_IMAGES[3]))
    jpeg = _run(tf1, lambda m: m.image.encode_jpeg(_SMOOTH[3], quality=90))

    def build(m):
        contents = m.placeholder(m.string, [])
        return contents, m.image.decode_image(contents, channels=channels, dtype=getattr(m, dtype))
    for data, tolerance in ((png, 0), (jpeg, 4 / 255 if dtype == 'float32' else 4 * (257 if dtype == 'uint16' else 1))):
        results = []
        for module in (tf1, tf):
            with module.Graph().as_default():
                contents, image = build(module)
                with module.Session() as sess:
                    results.append((image.shape.ndims, sess.run(image, {contents: data})))
        (want_rank, want), (got_rank, got) = results
        assert got_rank == want_rank is None and got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got.astype(float), want.astype(float), atol=tolerance)


@pytest.mark.tf
def test_decode_image_shape_and_errors_like_tf():
    tf1 = _tf1()
    for module in (tf1, tf):
        with module.Graph().as_default():
            contents = module.placeholder(module.string, [])
            flat = module.image.decode_image(contents, channels=3, expand_animations=False)
            # TF 1.15 merges its BMP branch (decode_bmp without channels: [?, ?, ?]); TF 2's DecodeImage
            # op knows the channels
            assert flat.shape.as_list() == ([None, None, 3] if module is tf1 else [None, None, None])
            if module is tf:  # TF 1.15 checks channels in Python; TF 2's op checks it when run
                with pytest.raises(ValueError, match=r'channels must be in \(None, 0, 1, 3, 4\)'):
                    module.image.decode_image(contents, channels=2)
            with module.Session() as sess:
                with pytest.raises(module.errors.InvalidArgumentError) as info:
                    sess.run(flat, {contents: b'not an image'})
                if module is tf:  # TF 1.15's Assert message (TF 2's DecodeImage op words it otherwise)
                    assert 'Unable to decode bytes as JPEG, PNG, GIF, or BMP' in str(info.value)


def test_decode_image_says_gif_and_bmp_are_not_decoded():
    with tf.Graph().as_default():
        contents = tf.placeholder(tf.string, [])
        image = tf.image.decode_image(contents)
        with tf.Session() as sess:
            for data in (b'GIF89a\x01\x00', b'BM\x00\x00'):
                with pytest.raises(tf.errors.InvalidArgumentError, match='sluice does not implement decoding GIF or BMP'):
                    sess.run(image, {contents: data})
