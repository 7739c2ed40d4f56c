"""Writes the golden TFRecord files in this folder with real TensorFlow (run once, by hand).

    /path/to/python-with-tensorflow tests/data/tfrecord/make_golden.py

examples.tfrecord, examples.tfrecord.gz (GZIP), examples.tfrecord.zlib (ZLIB): three serialized
tf.train.Example protos (the third one empty, so its record is zero bytes long).
sequence.tfrecord: one tf.train.SequenceExample.  tests/test_tfrecord.py holds the values these
protos contain; TensorFlow is not needed to run the tests.
"""
import os

import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))


def feature(kind, values):
    if kind == 'bytes':
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=values))
    if kind == 'float':
        return tf.train.Feature(float_list=tf.train.FloatList(value=values))
    return tf.train.Feature(int64_list=tf.train.Int64List(value=values))


def examples():
    first = tf.train.Example(features=tf.train.Features(feature={
        'label': feature('int64', [1]),
        'weights': feature('float', [0.5, -1.25, 3.0, 0.1]),
        'name': feature('bytes', [b'cat']),
        'ids': feature('int64', [-7, 0, 2 ** 40]),
    }))
    second = tf.train.Example(features=tf.train.Features(feature={
        'label': feature('int64', [0]),
        'weights': feature('float', []),
        'name': feature('bytes', [b'', b'\x00\xff']),
    }))
    return [first, second, tf.train.Example()]


def sequence_example():
    return tf.train.SequenceExample(
        context=tf.train.Features(feature={'length': feature('int64', [2])}),
        feature_lists=tf.train.FeatureLists(feature_list={
            'tokens': tf.train.FeatureList(feature=[feature('bytes', [b'a', b'b']),
                                                    feature('bytes', [b'c'])]),
            'scores': tf.train.FeatureList(feature=[feature('float', [1.5]),
                                                    feature('float', [-2.0, 0.25])]),
        }))


def main():
    records = [e.SerializeToString(deterministic=True) for e in examples()]
    for name, compression in [('examples.tfrecord', ''), ('examples.tfrecord.gz', 'GZIP'),
                              ('examples.tfrecord.zlib', 'ZLIB')]:
        with tf.io.TFRecordWriter(os.path.join(HERE, name), compression) as writer:
            for record in records:
                writer.write(record)
    with tf.io.TFRecordWriter(os.path.join(HERE, 'sequence.tfrecord')) as writer:
        writer.write(sequence_example().SerializeToString(deterministic=True))


if __name__ == '__main__':
    main()
