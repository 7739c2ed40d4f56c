"""tf.estimator.inputs.numpy_input_fn: batches, epochs, shuffling and errors as TF 1.15's numpy_io."""
import numpy as np
import pytest

import sluice as tf
from sluice.estimator.numpy_feeding import next_batch_indices

numpy_input_fn = tf.estimator.inputs.numpy_input_fn


def _drain(fetches):
    """Every batch of `fetches` until the input ends (runs the queue runners)."""
    out = []
    with tf.train.MonitoredSession() as sess:
        while not sess.should_stop():
            out.append(sess.run(fetches))
    return out


def test_dict_features_and_target_batches_in_order_with_short_last_batch():
    x = {'b': np.arange(10.0), 'a': np.arange(10, 20)}
    y = np.arange(-10, 0)
    features, target = numpy_input_fn(x, y, batch_size=4, shuffle=False, num_epochs=1)()
    assert sorted(features) == ['a', 'b']
    batches = _drain((features, target))
    assert [len(t) for _, t in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([f['b'] for f, _ in batches]), x['b'])
    np.testing.assert_array_equal(np.concatenate([f['a'] for f, _ in batches]), x['a'])
    np.testing.assert_array_equal(np.concatenate([t for _, t in batches]), y)


def test_array_features_without_target_two_epochs():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    features = numpy_input_fn(x, batch_size=4, shuffle=False, num_epochs=2)()
    assert isinstance(features, tf.Tensor) and features.shape.as_list() == [None, 2]
    rows = np.concatenate(_drain(features))
    np.testing.assert_array_equal(rows, np.concatenate([x, x]))


def test_dict_target():
    x = {'f': np.arange(5)}
    y = {'t1': np.arange(5) * 2, 't2': np.arange(5) * 3}
    features, target = numpy_input_fn(x, y, batch_size=5, shuffle=False)()
    (f, t), = _drain((features, target))
    np.testing.assert_array_equal(t['t1'], y['t1'])
    np.testing.assert_array_equal(t['t2'], y['t2'])


def test_shuffle_yields_each_row_once_per_epoch():
    x = {'v': np.arange(50)}
    features, target = numpy_input_fn(x, np.arange(50) * 10, batch_size=8, shuffle=True, num_epochs=1,
                                      queue_capacity=20)()
    batches = _drain((features, target))
    values = np.concatenate([f['v'] for f, _ in batches])
    assert sorted(values.tolist()) == list(range(50))
    np.testing.assert_array_equal(np.concatenate([t for _, t in batches]), values * 10)  # rows stay together


def test_num_epochs_none_repeats_forever_with_full_batches():
    features = numpy_input_fn({'v': np.arange(3)}, batch_size=5, shuffle=False, num_epochs=None)()
    assert features['v'].shape.as_list() == [5]  # dequeue_many: a static batch size
    with tf.train.MonitoredSession() as sess:
        got = [sess.run(features)['v'] for _ in range(3)]
    np.testing.assert_array_equal(np.concatenate(got), np.arange(15) % 3)


def test_next_batch_indices_stops_exactly_at_the_last_epoch_end():
    # start 2 of 5 rows: an epoch ends at index 1; two epochs from 2 end after 10 rows
    indices, epoch = next_batch_indices(2, 4, 1, 5, 0, 2)
    assert indices == [2, 3, 4, 0] and epoch == 0
    indices, epoch = next_batch_indices(6, 4, 1, 5, 0, 2)
    assert indices == [1, 2, 3, 4] and epoch == 1
    indices, epoch = next_batch_indices(10, 4, 1, 5, 1, 2)
    assert indices == [0, 1] and epoch == 2
    with pytest.raises(tf.errors.OutOfRangeError, match='Already emitted 2 epochs.'):
        next_batch_indices(12, 4, 1, 5, 2, 2)


def test_errors_as_tf():
    with pytest.raises(ValueError, match='shuffle must be provided and explicitly set as boolean'):
        numpy_input_fn({'a': np.arange(3)})
    with pytest.raises(ValueError, match='x cannot be an empty dict'):
        numpy_input_fn({}, shuffle=False)()
    with pytest.raises(TypeError, match='x must be a dict or array; got list'):
        numpy_input_fn([1, 2], shuffle=False)()
    with pytest.raises(ValueError, match='Length of tensors in x and y is mismatched'):
        numpy_input_fn({'a': np.arange(3)}, np.arange(4), shuffle=False)()
    with pytest.raises(ValueError, match='1 duplicate keys are found in both x and y'):
        numpy_input_fn({'a': np.arange(3)}, {'a': np.arange(3)}, shuffle=False)()
    with pytest.raises(ValueError, match='y cannot be empty dict, use None instead.'):
        numpy_input_fn({'a': np.arange(3)}, {}, shuffle=False)()


def test_queue_and_summary_names():
    numpy_input_fn({'a': np.arange(3.0)}, shuffle=False, queue_capacity=100)()
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert 'enqueue_input/fifo_queue' in names
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 1
    tags = [s.op.name for s in tf.get_collection(tf.GraphKeys.SUMMARIES)]
    assert any('fraction_over_0_of_100_full' in t for t in tags), tags
