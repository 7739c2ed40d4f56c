"""Regenerates the golden V2 checkpoints in this folder with a real TensorFlow (not run by tests).

    /tmp/tfenv/bin/python tests/data/checkpoint/make_golden.py

saver/        tf.train.Saver (save_relative_paths=True, no meta graph) of a few variables, saved at
              steps 5 and 7: model.ckpt-{5,7}.{index,data-00000-of-00001} and the `checkpoint` file.
dtypes/       one raw SaveV2 of every dtype the bundle format stores as bytes, strings included.
partitioned/  Saver of a variable split into 3 slices by fixed_size_partitioner (sliced entries).
The expected values are restated in tests/test_checkpoint_format.py (GOLDEN_* there).
"""
import os
import shutil

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()
HERE = os.path.dirname(os.path.abspath(__file__))


def fresh(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def saver_golden():
    path = fresh('saver')
    tf.reset_default_graph()
    step = tf.train.get_or_create_global_step()
    weights = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4) / 4 - 1, name='layer1/weights')
    biases = tf.Variable(np.array([0.5, -0.25, 1e-3, 3e38], np.float32), name='layer1/biases')
    counter = tf.Variable(np.int64(-1234567890123), name='counter')
    vocab = tf.Variable(np.array([[b'alpha', b''], [u'\u00fcn\u00ef'.encode(), b'\xff\x00bin']], dtype=object),
                        name='vocab')
    mask = tf.Variable(np.array([True, False, True]), name='mask')
    cube = tf.Variable(np.arange(24, dtype=np.float64).reshape(2, 3, 4) * np.pi, name='cube')
    bump = [tf.assign_add(weights, tf.ones_like(weights)), tf.assign(step, 7)]
    saver = tf.train.Saver(save_relative_paths=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(step, 5))
        saver.save(sess, os.path.join(path, 'model.ckpt'), global_step=step, write_meta_graph=False)
        sess.run(bump)
        saver.save(sess, os.path.join(path, 'model.ckpt'), global_step=step, write_meta_graph=False)
    del biases, counter, vocab, mask, cube


def dtype_values():
    values = {
        'f16': np.array([1.5, -0.0, 65504.0], np.float16),
        'f32': np.array([[1.0, -2.5]], np.float32),
        'f64': np.array(2.0 ** -1074, np.float64),
        'i8': np.array([-128, 127], np.int8),
        'i16': np.array([-32768, 7], np.int16),
        'i32': np.array([[1], [-2], [2 ** 31 - 1]], np.int32),
        'i64': np.array([-2 ** 63, 2 ** 63 - 1], np.int64),
        'u8': np.array([0, 255], np.uint8),
        'u16': np.array([65535], np.uint16),
        'u32': np.array([4294967295, 1], np.uint32),
        'u64': np.array([18446744073709551615], np.uint64),
        'c64': np.array([1 + 2j, -3.5j], np.complex64),
        'c128': np.array([[1e300 - 1j]], np.complex128),
        'bool': np.array([[True], [False]]),
        'empty_f32': np.zeros((0, 3), np.float32),
        'empty_str': np.zeros((2, 0), dtype=object),
        'str_scalar': np.array(b'x' * 200, dtype=object),
        'str_vec': np.array([b'', b'a', b'\x00\xff', b'y' * 130], dtype=object),
    }
    return values


def dtypes_golden():
    path = fresh('dtypes')
    tf.reset_default_graph()
    values = dtype_values()
    names = sorted(values)
    tensors = [tf.constant(values[n]) for n in names]
    bf16 = tf.cast(tf.constant([1.0, -3.0, 0.5]), tf.bfloat16)
    names.append('bf16')
    tensors.append(bf16)
    save = tf.raw_ops.SaveV2(prefix=os.path.join(path, 'all'), tensor_names=names,
                             shape_and_slices=[''] * len(names), tensors=tensors)
    with tf.Session() as sess:
        sess.run(save)


def partitioned_golden():
    path = fresh('partitioned')
    tf.reset_default_graph()
    init = np.arange(24, dtype=np.float32).reshape(6, 4)

    def initializer(shape, dtype=None, partition_info=None):
        start = partition_info.var_offset[0]
        return tf.constant(init[start:start + shape[0]])

    emb = tf.get_variable('emb', shape=[6, 4], initializer=initializer, partitioner=tf.fixed_size_partitioner(3))
    plain = tf.Variable([7, 8], name='plain')
    saver = tf.train.Saver(save_relative_paths=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        saver.save(sess, os.path.join(path, 'model.ckpt'), write_meta_graph=False)
    del emb, plain


if __name__ == '__main__':
    saver_golden()
    dtypes_golden()
    partitioned_golden()
    for root, _, files in sorted(os.walk(HERE)):
        for f in sorted(files):
            print(os.path.relpath(os.path.join(root, f), HERE), os.path.getsize(os.path.join(root, f)))
