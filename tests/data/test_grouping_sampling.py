"""tf.data.experimental's group_by_window, bucket_by_sequence_length, scan, choose_from_datasets and
sample_from_datasets: the same pipelines built in sluice and TF compat.v1 give the same elements
(sampling, whose random streams differ, by its frequencies), and bad arguments TF's errors."""
import numpy as np
import pytest

import sluice as tf
from tests.data.pipelines import assert_same_elements, drain, reference

LENGTHS = [1, 5, 3, 2, 7, 4, 1, 2, 6, 3, 3]


def _sequences(t):
    ds = t.data.Dataset.from_tensor_slices(np.array(LENGTHS, np.int64))
    return ds.map(lambda n: (t.fill([n], n), n))


PIPELINES = {
    'group_by_window': lambda t: t.data.Dataset.range(20).apply(t.data.experimental.group_by_window(
        lambda x: x % 3, lambda k, w: w.batch(4), window_size=4)),
    'group_window_size_func': lambda t: t.data.Dataset.range(17).apply(t.data.experimental.group_by_window(
        lambda x: x % 2, lambda k, w: w.map(lambda x: x * 10 + k).batch(10), window_size_func=lambda k: k + 2)),
    'group_tuple_elements': lambda t: t.data.Dataset.from_tensor_slices(
        (np.arange(10, dtype=np.int64), np.arange(10, dtype=np.float32) / 2)).apply(
        t.data.experimental.group_by_window(lambda x, y: x // 4, lambda k, w: w.batch(3), window_size=3)),
    'bucket': lambda t: _sequences(t).apply(t.data.experimental.bucket_by_sequence_length(
        lambda x, n: t.shape(x)[0], [3, 5], [2, 2, 3])),
    'bucket_boundary': lambda t: _sequences(t).filter(lambda x, n: n < 7).apply(
        t.data.experimental.bucket_by_sequence_length(
            lambda x, n: t.shape(x)[0], [3, 7], [2, 3, 2], pad_to_bucket_boundary=True, padding_values=(
                t.constant(-1, t.int64), t.constant(0, t.int64)))),
    'bucket_drop': lambda t: _sequences(t).apply(t.data.experimental.bucket_by_sequence_length(
        lambda x, n: t.shape(x)[0], [4], [2, 3], drop_remainder=True)),
    'bucket_no_padding': lambda t: t.data.Dataset.range(12).apply(t.data.experimental.bucket_by_sequence_length(
        lambda x: t.cast(x % 4, t.int32), [2], [3, 2], no_padding=True)),
    'scan': lambda t: t.data.Dataset.range(8).apply(t.data.experimental.scan(
        t.constant(0, t.int64), lambda s, x: (s + x, s * 2))),
    'scan_tuple_state': lambda t: t.data.Dataset.range(6).apply(t.data.experimental.scan(
        (t.constant(1, t.int64), t.constant(0.5, t.float32)),
        lambda s, x: ((s[0] * 2, s[1] + t.cast(x, t.float32)), s[1] * t.cast(s[0], t.float32)))),
    'scan_growing_state': lambda t: t.data.Dataset.range(4).apply(t.data.experimental.scan(
        t.constant([], t.int64), lambda s, x: (t.concat([s, [x]], 0), t.reduce_sum(s)))),
    'choose': lambda t: t.data.experimental.choose_from_datasets(
        [t.data.Dataset.range(0, 4), t.data.Dataset.range(10, 14), t.data.Dataset.range(20, 22)],
        t.data.Dataset.from_tensor_slices(np.array([0, 1, 2, 2, 1, 0, 1, 0, 0], np.int64))),
}


@pytest.mark.tf
@pytest.mark.parametrize('name', sorted(PIPELINES))
def test_matches_tensorflow(name):
    build = PIPELINES[name]
    expected = reference(build)
    with tf.Graph().as_default():
        got = drain(tf, build(tf))
    assert_same_elements(got, expected)


def test_static_shapes():
    with tf.Graph().as_default():
        ds = PIPELINES['bucket'](tf)
        assert [s.as_list() for s in ds.output_shapes] == [[None, None], [None]]
        ds = PIPELINES['scan_growing_state'](tf)
        assert ds.output_shapes.as_list() == [] and ds.output_types == tf.int64


def test_window_flushes_groups_in_key_order():
    with tf.Graph().as_default():
        ds = tf.data.Dataset.from_tensor_slices(np.array([5, 1, 3, 1], np.int64)).apply(
            tf.data.experimental.group_by_window(lambda x: x, lambda k, w: w.batch(9), window_size=9))
        assert [a.tolist() for a in drain(tf, ds)] == [[1, 1], [3], [5]]


def test_sample_from_datasets_frequencies_and_seed():
    def build(seed):
        parts = [tf.data.Dataset.from_tensors(np.int64(i)).repeat() for i in range(3)]
        return tf.data.experimental.sample_from_datasets(parts, [0.5, 0.2, 0.3], seed=seed).take(6000)
    with tf.Graph().as_default():
        a, b, c = drain(tf, build(7)), drain(tf, build(7)), drain(tf, build(8))
    counts = np.bincount(np.array(a), minlength=3) / 6000.0
    np.testing.assert_allclose(counts, [0.5, 0.2, 0.3], atol=0.03)
    assert a == b and a != c


def test_sample_from_datasets_weights_dataset_and_exhaustion():
    with tf.Graph().as_default():
        weights = tf.data.Dataset.from_tensors(np.array([0.0, 1.0], np.float32)).repeat(3).concatenate(
            tf.data.Dataset.from_tensors(np.array([1.0, 0.0], np.float32)).repeat(4))
        parts = [tf.data.Dataset.range(0, 3), tf.data.Dataset.range(10, 20)]
        got = drain(tf, tf.data.experimental.sample_from_datasets(parts, weights, seed=1))
    assert got == [10, 11, 12, 0, 1, 2]


def test_bad_arguments():
    ds = tf.data.Dataset.range(4)
    with pytest.raises(ValueError, match='Must pass either window_size or window_size_func'):
        tf.data.experimental.group_by_window(lambda x: x, lambda k, w: w)
    with pytest.raises(ValueError, match='key_func'):
        ds.apply(tf.data.experimental.group_by_window(lambda x: [x, x], lambda k, w: w, window_size=2))
    with pytest.raises(TypeError, match='reduce_func'):
        ds.apply(tf.data.experimental.group_by_window(lambda x: x, lambda k, w: k, window_size=2))
    with pytest.raises(ValueError, match='len\\(bucket_batch_sizes\\)'):
        tf.data.experimental.bucket_by_sequence_length(lambda x: x, [2, 4], [1, 2])
    with pytest.raises(TypeError, match='choice_dataset'):
        tf.data.experimental.choose_from_datasets([ds], tf.data.Dataset.range(2).map(lambda x: tf.cast(x, tf.int32)))
    with pytest.raises(TypeError, match='same type'):
        tf.data.experimental.choose_from_datasets([ds, ds.map(lambda x: tf.cast(x, tf.float32))], ds)
    with pytest.raises(ValueError, match='weights'):
        tf.data.experimental.sample_from_datasets([ds, ds], [0.5, 0.2, 0.3])
    with pytest.raises(TypeError, match='weights'):
        tf.data.experimental.sample_from_datasets([ds, ds], [1, 2])
    with pytest.raises(TypeError, match='new state'):
        ds.apply(tf.data.experimental.scan(tf.constant(0, tf.int64), lambda s, x: (tf.cast(s, tf.int32), x)))


def test_run_time_errors():
    with tf.Graph().as_default():
        bad_choice = tf.data.experimental.choose_from_datasets(
            [tf.data.Dataset.range(3)], tf.data.Dataset.from_tensor_slices(np.array([0, 1], np.int64)))
        with pytest.raises(tf.errors.InvalidArgumentError, match='Selector index out of range'):
            drain(tf, bad_choice)
        zero = tf.data.Dataset.range(3).apply(tf.data.experimental.group_by_window(
            lambda x: x, lambda k, w: w, window_size=0))
        with pytest.raises(tf.errors.InvalidArgumentError, match='Window size must be greater than zero'):
            drain(tf, zero)
        boundary = _sequences(tf).apply(tf.data.experimental.bucket_by_sequence_length(
            lambda x, n: tf.shape(x)[0], [3], [2, 2], pad_to_bucket_boundary=True))
        with pytest.raises(tf.errors.InvalidArgumentError, match='pad_to_bucket_boundary'):
            drain(tf, boundary)
