"""tf.data's file datasets (TFRecord with compression, text lines, fixed-length records) and the
TFRecord -> parse_single_example -> batch pipeline, whose map runs once per batch."""
import gzip
import zlib

import numpy as np
import pytest

import sluice as tf
from tests.data.pipelines import assert_same_elements, drain, reference


def _example(i):
    return tf.train.Example(features=tf.train.Features(feature={
        'image': tf.train.Feature(float_list=tf.train.FloatList(value=[i, i + 0.5, -i])),
        'label': tf.train.Feature(int64_list=tf.train.Int64List(value=[i])),
        'name': tf.train.Feature(bytes_list=tf.train.BytesList(value=[b'n%d' % i]))})).SerializeToString()


@pytest.fixture
def record_files(tmp_path):
    paths = []
    for k, kind in enumerate(['', 'GZIP', 'ZLIB']):
        path = str(tmp_path / ('r%d.tfrecord' % k))
        with tf.python_io.TFRecordWriter(path, tf.python_io.TFRecordOptions(kind or None)) as w:
            for i in range(k * 10, k * 10 + 7):
                w.write(_example(i))
        paths.append((path, kind))
    return paths


def _parse(t):
    features = {'image': t.FixedLenFeature([3], t.float32), 'label': t.FixedLenFeature([], t.int64),
                'name': t.FixedLenFeature([], t.string)}
    return lambda s: t.parse_single_example(s, features)


def test_tfrecord_dataset_compressions(record_files):
    for path, kind in record_files:
        records = drain(tf, tf.data.TFRecordDataset(path, compression_type=kind, buffer_size=100))
        assert len(records) == 7 and records[0] == _example(int(path[-10]) * 10)
    plain = [p for p, k in record_files if not k]
    both = drain(tf, tf.data.TFRecordDataset(plain * 2))
    assert len(both) == 14


@pytest.mark.tf
def test_parse_pipeline_matches_tensorflow(record_files):
    path = record_files[0][0]
    build = lambda t: t.data.TFRecordDataset(path).map(_parse(t)).batch(3)  # noqa: E731
    assert_same_elements(drain(tf, build(tf)), reference(build))
    ds = build(tf)
    assert ds.output_shapes['image'].as_list() == [None, 3]


def test_parse_map_runs_per_batch(record_files):
    from sluice.kernels import dataset_kernels
    path = record_files[0][0]
    ds = tf.data.TFRecordDataset(path).map(_parse(tf))
    fg = ds._variant_tensor.op.get_attr('f')
    assert dataset_kernels._batchable(fg, 1)
    batched = drain(tf, ds.batch(4))
    single = drain(tf, ds)
    np.testing.assert_array_equal(np.concatenate([b['image'] for b in batched]), np.stack([s['image'] for s in single]))
    assert np.concatenate([b['name'] for b in batched]).tolist() == [s['name'] for s in single]
    bad = tf.data.TFRecordDataset(path).map(lambda s: tf.reduce_sum(_parse(tf)(s)['image']))
    assert not dataset_kernels._batchable(bad._variant_tensor.op.get_attr('f'), 1)


def test_interleaved_reads(record_files):
    paths = [p for p, k in record_files if not k] + [record_files[0][0]]
    ds = tf.data.TFRecordDataset(paths, num_parallel_reads=2)
    assert len(drain(tf, ds)) == 14


def test_text_line_dataset(tmp_path):
    plain = tmp_path / 'a.txt'
    plain.write_bytes(b'one\ntwo\r\n\nthree')
    gz = tmp_path / 'b.txt.gz'
    gz.write_bytes(gzip.compress(b'x\ny\n'))
    z = tmp_path / 'c.txt.z'
    z.write_bytes(zlib.compress(b'q\n'))
    assert drain(tf, tf.data.TextLineDataset(str(plain))) == [b'one', b'two', b'', b'three']
    assert drain(tf, tf.data.TextLineDataset([str(gz)], compression_type='GZIP')) == [b'x', b'y']
    assert drain(tf, tf.data.TextLineDataset(str(z), compression_type='ZLIB')) == [b'q']
    with pytest.raises(tf.errors.NotFoundError):
        drain(tf, tf.data.TextLineDataset(str(tmp_path / 'missing.txt')))


@pytest.mark.tf
def test_text_and_fixed_length_match_tensorflow(tmp_path):
    text = tmp_path / 't.txt'
    text.write_bytes(b'alpha\nbeta\r\ngamma\n')
    fixed = tmp_path / 'f.bin'
    fixed.write_bytes(b'HH' + bytes(range(12)) + b'F')
    for build in (lambda t: t.data.TextLineDataset(str(text)),
                  lambda t: t.data.FixedLengthRecordDataset(str(fixed), 4, header_bytes=2, footer_bytes=1)
                  .map(lambda r: t.decode_raw(r, t.uint8))):
        assert_same_elements(drain(tf, build(tf)), reference(build))


def test_fixed_length_errors(tmp_path):
    fixed = tmp_path / 'f.bin'
    fixed.write_bytes(bytes(10))
    with pytest.raises(tf.errors.InvalidArgumentError, match='not an exact multiple'):
        drain(tf, tf.data.FixedLengthRecordDataset(str(fixed), 4))
    gz = tmp_path / 'f.gz'
    gz.write_bytes(gzip.compress(bytes(range(8))))
    assert drain(tf, tf.data.FixedLengthRecordDataset(str(gz), 4, compression_type='GZIP')) == [
        bytes(range(4)), bytes(range(4, 8))]
