"""tf.data iterators: one-shot, initializable (placeholders read at initialization), reinitializable,
feedable; End of sequence; the threads a pipeline starts end with its iterator or session."""
import threading
import time

import numpy as np
import pytest

import sluice as tf
from tests.data.pipelines import outcomes, reference_outcomes


def _data_threads():
    return [t for t in threading.enumerate() if t.name.startswith('sluice-data')]


def test_one_shot_iterator_and_end_of_sequence():
    nxt = tf.data.Dataset.range(3).make_one_shot_iterator().get_next()
    assert nxt.shape.as_list() == [] and nxt.dtype == tf.int64
    assert nxt.op.type == 'IteratorGetNext'
    with tf.Session() as sess:
        assert [sess.run(nxt) for _ in range(3)] == [0, 1, 2]
        for _ in range(2):  # stays at the end
            with pytest.raises(tf.errors.OutOfRangeError) as info:
                sess.run(nxt)
            assert info.value.message.startswith('End of sequence')
    with tf.Session() as sess:  # a new session starts over
        assert sess.run(nxt) == 0
    it = tf.compat.v1.data.make_one_shot_iterator(tf.data.Dataset.range(2))
    with tf.Session() as sess:
        assert sess.run(it.get_next()) == 0


def test_one_shot_iterator_refuses_placeholders():
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match='Cannot capture a placeholder'):
        tf.data.Dataset.from_tensor_slices(x).make_one_shot_iterator()


def test_initializable_iterator_reads_placeholders_at_initialization():
    x = tf.placeholder(tf.int64, [None])
    n = tf.placeholder(tf.int64, [])
    it = tf.data.Dataset.from_tensor_slices(x).repeat(n).make_initializable_iterator()
    nxt = it.get_next()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match='iterator has not been initialized'):
            sess.run(nxt)
        sess.run(it.initializer, {x: [1, 2], n: 2})
        assert [sess.run(nxt) for _ in range(4)] == [1, 2, 1, 2]
        with pytest.raises(tf.errors.OutOfRangeError):
            sess.run(nxt)
        sess.run(it.initializer, {x: [7], n: 1})
        assert sess.run(nxt) == 7


def test_reinitializable_iterator_from_structure():
    train = tf.data.Dataset.from_tensor_slices((np.zeros((4, 3), np.float32), np.arange(4))).batch(2)
    test = tf.data.Dataset.from_tensor_slices((np.ones((3, 3), np.float32), np.arange(3))).batch(3)
    it = tf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    x, y = it.get_next()
    assert x.shape.as_list() == [None, 3]
    train_init, test_init = it.make_initializer(train), it.make_initializer(test)
    assert train_init.type == 'MakeIterator'
    with tf.Session() as sess:
        sess.run(train_init)
        assert sess.run(y).tolist() == [0, 1]
        sess.run(test_init)
        assert sess.run(x).shape == (3, 3)
        sess.run(train_init)
        assert sess.run(y).tolist() == [0, 1]
    with pytest.raises(TypeError, match='Expected output types'):
        it.make_initializer(tf.data.Dataset.range(3).map(lambda v: (tf.cast(v, tf.float64), v)))
    with pytest.raises(ValueError, match='does not have an initializer'):
        it.initializer


def test_feedable_iterator_from_string_handle():
    a = tf.data.Dataset.range(10).make_one_shot_iterator()
    b = tf.data.Dataset.range(100, 110).make_initializable_iterator()
    handle = tf.placeholder(tf.string, [])
    it = tf.data.Iterator.from_string_handle(handle, a.output_types, a.output_shapes)
    nxt = it.get_next()
    with tf.Session() as sess:
        ha, hb = sess.run([a.string_handle(), b.string_handle()])
        sess.run(b.initializer)
        assert sess.run(nxt, {handle: ha}) == 0
        assert sess.run(nxt, {handle: hb}) == 100
        assert sess.run(nxt, {handle: ha}) == 1
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(nxt, {handle: b'nonsense'})


def test_prefetch_thread_ends_on_reinitialize_and_close():
    before = len(_data_threads())
    ds = tf.data.Dataset.range(1000).map(lambda x: x * 2, num_parallel_calls=2).prefetch(3)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    sess = tf.Session()
    sess.run(it.initializer)
    assert sess.run(nxt) == 0
    assert len(_data_threads()) > before
    for _ in range(3):
        sess.run(it.initializer)  # the previous pipeline's threads are joined
        assert sess.run(nxt) == 0
        assert len([t for t in _data_threads() if t.name == 'sluice-data-prefetch']) == 1
    sess.close()
    assert len(_data_threads()) == before


def test_close_wakes_a_consumer_waiting_on_prefetch():
    release = threading.Event()

    def slow():
        yield 1
        release.wait(5)
        yield 2
    ds = tf.data.Dataset.from_generator(slow, tf.int64).prefetch(1)
    nxt = ds.make_one_shot_iterator().get_next()
    sess = tf.Session()
    assert sess.run(nxt) == 1
    errors = []

    def consume():
        try:
            sess.run(nxt)
        except Exception as e:  # noqa: BLE001  (the test inspects what the consumer saw)
            errors.append(e)
    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.2)
    closer = threading.Thread(target=sess.close)
    closer.start()
    t.join(5)
    release.set()
    closer.join(5)
    assert not t.is_alive() and not closer.is_alive()
    assert errors and isinstance(errors[0], (tf.errors.CancelledError, RuntimeError))
    assert not _data_threads()


def test_errors_reach_the_consumer_through_prefetch():
    ds = tf.data.Dataset.from_tensor_slices(np.array([1.0, 0.0], np.float32)).map(
        lambda x: tf.check_numerics(1.0 / x, 'bad value')).prefetch(2)
    nxt = ds.make_one_shot_iterator().get_next()
    with tf.Session() as sess:
        assert sess.run(nxt) == 1.0
        with pytest.raises(tf.errors.InvalidArgumentError, match='bad value'):
            sess.run(nxt)
    assert not _data_threads()


def test_iterator_on_fake_gpu_feeds_gpu_ops():
    from sluice.engine import devices
    with devices.fake_gpus(1):
        with tf.device('/gpu:0'):
            ds = tf.data.Dataset.from_tensor_slices(np.arange(6, dtype=np.float32)).batch(3)
            x = ds.make_one_shot_iterator().get_next()
            y = x * 2.0
        with tf.Session(config=tf.ConfigProto(allow_soft_placement=True)) as sess:
            assert sess.run(y).tolist() == [0.0, 2.0, 4.0]


@pytest.mark.tf
def test_get_next_static_shapes_match_tensorflow():
    tf1 = pytest.importorskip('tensorflow').compat.v1
    def build(t):
        ds = t.data.Dataset.from_tensor_slices({'a': np.zeros((10, 3), np.float32), 'b': np.arange(10)})
        return ds.batch(4, drop_remainder=True).repeat()
    g = tf1.Graph()
    with g.as_default():
        ref = tf1.data.make_one_shot_iterator(build(tf1)).get_next()
    ours = tf.data.make_one_shot_iterator(build(tf)).get_next()
    assert {k: v.shape.as_list() for k, v in ours.items()} == {k: v.shape.as_list() for k, v in ref.items()}


def test_batches_feed_ops_on_every_device(device):
    ds = tf.data.Dataset.from_tensor_slices(np.arange(12, dtype=np.float32).reshape(6, 2)).shuffle(6, seed=1).batch(3)
    x = ds.make_one_shot_iterator().get_next()
    with tf.device(device):
        total = tf.reduce_sum(x * 2.0, axis=0)
    with tf.Session() as sess:
        sums = [sess.run(total) for _ in range(2)]
    np.testing.assert_allclose(sums[0] + sums[1], [60.0, 72.0])


def test_elements_are_never_shared_with_the_dataset():
    data = np.arange(6.0).reshape(3, 2)
    for ds in (tf.data.Dataset.from_tensor_slices(data), tf.data.Dataset.from_tensors(data).repeat(2),
               tf.data.Dataset.from_tensor_slices(data).cache().repeat(2)):
        x = ds.make_one_shot_iterator().get_next()
        y = tf.add(x, 1.0)
        with tf.Session() as sess:
            first = sess.run(x)
            first += 100.0  # the caller's array: changing it changes nothing the dataset holds
            assert sess.run(y).max() < 100.0
    np.testing.assert_array_equal(data, np.arange(6.0).reshape(3, 2))


ERROR_PIPELINES = {
    'map': lambda t: t.data.Dataset.from_tensor_slices(np.array([1.0, 0.0, 2.0, 4.0], np.float32)).map(
        lambda x: t.check_numerics(1.0 / x, 'inf')),
    'map_batch': lambda t: t.data.Dataset.from_tensor_slices(np.array([1.0, 0.0, 2.0, 4.0, 5.0], np.float32)).map(
        lambda x: t.check_numerics(1.0 / x, 'inf')).batch(2),
    'parallel_map_prefetch': lambda t: t.data.Dataset.range(6).map(
        lambda x: t.check_numerics(1.0 / t.cast(x % 3, t.float32), 'inf'), num_parallel_calls=2).prefetch(2),
    'filter_repeat': lambda t: t.data.Dataset.from_tensor_slices(np.array([1.0, 0.0, 2.0], np.float32)).filter(
        lambda x: t.check_numerics(1.0 / x, 'inf') > 0.6).repeat(2),
}


@pytest.mark.tf
@pytest.mark.parametrize('name', sorted(ERROR_PIPELINES))
def test_an_element_error_does_not_end_the_iterator(name):
    build = ERROR_PIPELINES[name]
    expected = reference_outcomes(build)
    assert 'InvalidArgumentError' in expected
    assert outcomes(tf, build(tf)) == expected
