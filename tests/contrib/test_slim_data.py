"""slim's data modules: a Dataset of TFRecord files of tf.Examples decoded by a TFExampleDecoder and
served by a DatasetDataProvider (through parallel_reader and slim.queues.QueueRunners), as the
models/research/slim and google/seq2seq input pipelines use them."""
import numpy as np
import pytest

import sluice as tf

slim = tf.contrib.slim


def _write_examples(path, rows):
    with tf.python_io.TFRecordWriter(path) as writer:
        for tokens, label in rows:
            feature = {'tokens': tf.train.Feature(bytes_list=tf.train.BytesList(value=[t.encode() for t in tokens])),
                       'length': tf.train.Feature(int64_list=tf.train.Int64List(value=[len(tokens)])),
                       'label': tf.train.Feature(int64_list=tf.train.Int64List(value=[label]))}
            writer.write(tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString())


def _dataset(pattern, num_samples):
    keys_to_features = {'tokens': tf.VarLenFeature(tf.string),
                        'length': tf.FixedLenFeature([1], tf.int64),
                        'label': tf.FixedLenFeature([], tf.int64, default_value=-1)}
    items_to_handlers = {
        'tokens': slim.tfexample_decoder.Tensor('tokens', default_value=''),
        'length': slim.tfexample_decoder.Tensor('length', shape=[]),
        'label_plus_length': slim.tfexample_decoder.ItemHandlerCallback(
            ['label', 'length'], lambda t: t['label'] + t['length'][0])}
    decoder = slim.tfexample_decoder.TFExampleDecoder(keys_to_features, items_to_handlers)
    return slim.dataset.Dataset(data_sources=pattern, reader=tf.TFRecordReader, decoder=decoder,
                                num_samples=num_samples, items_to_descriptions={}, num_classes=2)


def test_dataset_data_provider_reads_and_decodes_every_record(tmp_path):
    rows = [(['a', 'b'], 0), (['c'], 1), (['d', 'e', 'f'], 1)]
    _write_examples(str(tmp_path / 'part-0.tfrecord'), rows[:2])
    _write_examples(str(tmp_path / 'part-1.tfrecord'), rows[2:])
    ds = _dataset(str(tmp_path / 'part-*.tfrecord'), 3)
    assert ds.num_classes == 2 and ds.num_samples == 3
    # one epoch: with more, two readers may hand out a file's second pass before another's first
    provider = slim.dataset_data_provider.DatasetDataProvider(ds, num_readers=2, shuffle=False, num_epochs=1)
    assert sorted(provider.list_items()) == ['label_plus_length', 'length', 'record_key', 'tokens']
    tokens, length, total, key = provider.get(['tokens', 'length', 'label_plus_length', 'record_key'])
    assert provider.num_samples() == 3 and length.shape.ndims == 0
    assert tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)
    got = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        with slim.queues.QueueRunners(sess):
            for _ in range(3):
                t, n, s, k = sess.run([tokens, length, total, key])
                got.append(([x.decode() for x in t], int(n), int(s), k.decode()))
            with pytest.raises(tf.errors.OutOfRangeError):
                sess.run(tokens)
    assert sorted(g[:3] for g in got) == sorted((list(tok), len(tok), lab + len(tok)) for tok, lab in rows)
    assert all('part-' in g[3] for g in got)
    with pytest.raises(ValueError, match='is invalid'):
        provider.get(['nothing'])


def test_parallel_reader_checks_and_data_files(tmp_path):
    with pytest.raises(ValueError, match='No data files found'):
        slim.parallel_reader.get_data_files(str(tmp_path / '*.none'))
    assert slim.parallel_reader.get_data_files(['a', 'b']) == ['a', 'b']
    with pytest.raises(TypeError, match='tf.string, tf.string'):
        slim.parallel_reader.ParallelReader(tf.TFRecordReader, tf.FIFOQueue(4, [tf.int32, tf.string]))
    with pytest.raises(ValueError, match='Cannot specify both'):
        slim.tfexample_decoder.Tensor('x', shape_keys='s', shape=[2])
    with pytest.raises(AttributeError, match='does not implement tf.contrib.slim.tfexample_decoder.Image'):
        slim.tfexample_decoder.Image


def test_tfexample_decoder_reshapes_by_shape_keys():
    example = tf.train.Example(features=tf.train.Features(feature={
        'v': tf.train.Feature(float_list=tf.train.FloatList(value=np.arange(6.0))),
        'h': tf.train.Feature(int64_list=tf.train.Int64List(value=[2])),
        'w': tf.train.Feature(int64_list=tf.train.Int64List(value=[3]))})).SerializeToString()
    decoder = slim.tfexample_decoder.TFExampleDecoder(
        {'v': tf.VarLenFeature(tf.float32), 'h': tf.FixedLenFeature([], tf.int64),
         'w': tf.FixedLenFeature([], tf.int64)},
        {'v': slim.tfexample_decoder.Tensor('v', shape_keys=['h', 'w'])})
    [v] = decoder.decode(tf.constant(example))
    with tf.Session() as sess:
        assert sess.run(v).tolist() == np.arange(6.0).reshape(2, 3).tolist()
