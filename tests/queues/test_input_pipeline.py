"""Input producers and batchers (tf.train.*_input_producer, batch, shuffle_batch, *_join) and the TF1
reader pipeline, TF 1.x semantics: node names as TensorFlow builds them, every element exactly once per
epoch, num_epochs ending in OutOfRangeError, dict inputs, dynamic_pad, allow_smaller_final_batch, and
the chunked runner steps giving what one run per element gives. Every test runs under a watchdog and
must leave no thread behind.
"""
import os

import numpy as np
import pytest

import sluice as tf
from sluice.engine.graph import GraphKeys
from sluice.kernels import parsing_kernels  # noqa: F401  (registers the kernels)
from sluice.ops import parsing_ops
from sluice.queues import input as tf_input
from sluice.queues import reader_kernels  # noqa: F401
from sluice.queues import readers



pytestmark = pytest.mark.usefixtures('no_leaked_threads')  # conftest: watchdog, no thread left


class Pipeline:
    """A session with local variables initialized and the queue runners started under a Coordinator."""

    def __init__(self, init_local=True):
        self.sess = tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=10000))
        self.sess.run(tf.global_variables_initializer())
        if init_local:
            self.sess.run(tf.local_variables_initializer())
        self.coord = tf.train.Coordinator()
        self.threads = tf.train.start_queue_runners(sess=self.sess, coord=self.coord)

    def __enter__(self):
        return self

    def drain(self, fetch, limit=10000):
        """Runs fetch until OutOfRangeError; returns the results."""
        out = []
        for _ in range(limit):
            try:
                out.append(self.sess.run(fetch))
            except tf.errors.OutOfRangeError:
                return out
        raise AssertionError('no OutOfRangeError')

    def __exit__(self, *exc):
        self.coord.request_stop()
        try:
            self.coord.join(self.threads, stop_grace_period_secs=10)
        finally:
            self.sess.close()
        return False


# -- producers -------------------------------------------------------------------------------------------

def test_string_input_producer_num_epochs_then_out_of_range():
    q = tf_input.string_input_producer(['a', 'b', 'c'], num_epochs=2, shuffle=False)
    item = q.dequeue()
    g = tf.get_default_graph()
    assert q.name == 'input_producer' and item.shape.as_list() == []
    assert [v.name for v in g.get_collection(GraphKeys.LOCAL_VARIABLES)] == ['input_producer/limit_epochs/epochs:0']
    assert [s.name for s in g.get_collection(GraphKeys.SUMMARIES)] == ['input_producer/fraction_of_32_full:0']
    [qr] = g.get_collection(GraphKeys.QUEUE_RUNNERS)
    assert [op.name for op in qr.enqueue_ops] == ['input_producer/input_producer_EnqueueMany']
    assert (qr.close_op.name, qr.cancel_op.name) == ('input_producer/input_producer_Close',
                                                     'input_producer/input_producer_Close_1')
    with Pipeline() as p:
        assert p.drain(item) == [b'a', b'b', b'c'] * 2


def test_shuffled_epochs_are_permutations():
    tf.set_random_seed(7)
    q = tf_input.range_input_producer(10, num_epochs=3, shuffle=True)
    with Pipeline() as p:
        values = p.drain(q.dequeue())
    assert len(values) == 30
    epochs = [sorted(values[i:i + 10]) for i in (0, 10, 20)]
    assert epochs == [list(range(10))] * 3 and values[:10] != list(range(10))


def test_producer_errors():
    with pytest.raises(ValueError, match='string_input_producer requires a non-null input tensor'):
        tf_input.string_input_producer([])
    with pytest.raises(ValueError, match='num_epochs must be > 0 not 0.'):
        tf_input.limit_epochs(tf.constant([1]), 0)
    with pytest.raises(ValueError, match='Either `input_tensor` must have a fully defined shape'):
        tf_input.input_producer(tf.placeholder(tf.float32, [None, None]))


def test_uninitialized_epochs_counter_is_reported_to_the_coordinator():
    q = tf_input.string_input_producer(['a'], num_epochs=1)
    q.dequeue()
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match='Attempting to use uninitialized value input_producer/limit_epochs/epochs'):
        with Pipeline(init_local=False) as p:
            p.coord.wait_for_stop(10)


def test_limit_epochs_and_count_up_to():
    t = tf_input.limit_epochs(tf.constant([1, 2]), 2)
    assert t.op.name == 'limit_epochs' and t.op.type == 'Identity'
    counter = [op for op in tf.get_default_graph().get_operations() if op.type == 'CountUpTo']
    assert [op.name for op in counter] == ['limit_epochs/CountUpTo']
    v = tf.Variable(0, name='v')
    up = tf_input.count_up_to(v, 2)
    with tf.Session() as sess:
        sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
        assert sess.run(t).tolist() == [1, 2] and sess.run(t).tolist() == [1, 2]
        with pytest.raises(tf.errors.OutOfRangeError, match='Reached limit of 2'):
            sess.run(t)
        assert [sess.run(up), sess.run(up)] == [0, 1]
        with pytest.raises(tf.errors.OutOfRangeError, match='Reached limit of 2'):
            sess.run(up)
        assert sess.run(v) == 2


def test_match_filenames_once(tmp_path):
    for name in ('b.csv', 'a.csv', 'x.txt'):
        (tmp_path / name).write_text('1')
    files = tf_input.match_filenames_once(os.path.join(str(tmp_path), '*.csv'))
    assert files.op.name == 'matching_filenames' and files in tf.local_variables()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        assert [os.path.basename(f) for f in sess.run(files)] == [b'a.csv', b'b.csv']


# -- batching --------------------------------------------------------------------------------------------

def _images(n=50):
    return np.arange(n * 6, dtype=np.float32).reshape(n, 2, 3), np.arange(n, dtype=np.int32)


@pytest.mark.parametrize('shuffle_batch', [False, True])
def test_every_element_exactly_once_per_epoch(shuffle_batch):
    images, labels = _images()
    image, label = tf_input.slice_input_producer([images, labels], num_epochs=1, shuffle=True)
    if shuffle_batch:
        xb, yb = tf_input.shuffle_batch([image, label], 8, capacity=30, min_after_dequeue=10, num_threads=2,
                                        allow_smaller_final_batch=True)
    else:
        xb, yb = tf_input.batch([image, label], 8, num_threads=2, allow_smaller_final_batch=True)
    assert xb.shape.as_list() == [None, 2, 3] and yb.shape.as_list() == [None]
    assert all(isinstance(qr, tf_input.ChunkingQueueRunner)
               for qr in tf.get_collection(GraphKeys.QUEUE_RUNNERS)[1:])
    with Pipeline() as p:
        batches = p.drain([xb, yb])
    sizes = [len(y) for _, y in batches]
    assert sizes == [8] * 6 + [2]
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    assert sorted(y.tolist()) == list(range(50))
    np.testing.assert_array_equal(x, images[y])  # each image still with its label


def test_unchunked_runner_gives_the_same_elements():
    # A Variable's gather is not chunked: the plain one-run-per-element path.
    images, labels = _images(20)
    table = tf.Variable(images)
    [index] = tf_input.slice_input_producer([labels], num_epochs=2, shuffle=False)
    xb, yb = tf_input.batch([tf.gather(table, index), index], 5, allow_smaller_final_batch=True)
    with Pipeline() as p:
        batches = p.drain([xb, yb])
    y = np.concatenate([b[1] for b in batches])
    assert y.tolist() == list(range(20)) * 2
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images[y])


def test_batch_static_shapes_names_and_summary():
    images, labels = _images(10)
    xb, yb = tf_input.batch([tf.constant(images[0]), tf.constant('x')], 4)
    assert xb.shape.as_list() == [4, 2, 3] and yb.shape.as_list() == [4] and xb.op.name == 'batch'
    assert xb.op.type == 'QueueDequeueManyV2'
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names == ['Const', 'Const_1', 'batch/Const', 'batch/fifo_queue', 'batch/fifo_queue_enqueue',
                     'batch/fifo_queue_Close', 'batch/fifo_queue_Close_1', 'batch/fifo_queue_Size', 'batch/Cast',
                     'batch/mul/y', 'batch/mul', 'batch/fraction_of_32_full/tags', 'batch/fraction_of_32_full',
                     'batch/n', 'batch']  # TF 1.x's nodes for the same call
    sb = tf_input.shuffle_batch([tf.constant(labels)], 4, 100, 10, enqueue_many=True, seed=3)
    assert sb.shape.as_list() == [4] and sb.op.name == 'shuffle_batch'
    g = tf.get_default_graph()
    assert g.get_operation_by_name('shuffle_batch/random_shuffle_queue').get_attr('seed2') == 3
    assert [s.name for s in g.get_collection(GraphKeys.SUMMARIES)][-1] == \
        'shuffle_batch/fraction_over_10_of_90_full:0'
    with Pipeline() as p:
        got = p.sess.run([xb, yb])
        assert got[0].shape == (4, 2, 3) and got[1].tolist() == [b'x'] * 4
        assert set(p.sess.run(sb).tolist()) <= set(range(10))


def test_dict_in_dict_out():
    images, labels = _images(12)
    image, label = tf_input.slice_input_producer([images, labels], num_epochs=1, shuffle=False)
    out = tf_input.batch({'label': label, 'image': image}, 4, allow_smaller_final_batch=True)
    assert sorted(out) == ['image', 'label'] and out['image'].shape.as_list() == [None, 2, 3]
    single = tf_input.shuffle_batch({'only': tf.constant(1.0)}, 3, 20, 5)
    assert list(single) == ['only'] and single['only'].shape.as_list() == [3]
    with Pipeline() as p:
        batches = p.drain(out)
        assert [b['label'].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
        np.testing.assert_array_equal(batches[1]['image'], images[4:8])


def test_dynamic_pad():
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    n = q.dequeue()
    row = tf.range(n)
    padded = tf_input.batch([row, n], 3, dynamic_pad=True, allow_smaller_final_batch=True)
    assert padded[0].shape.as_list() == [None, None]
    assert padded[0].op.inputs[0].op.type == 'PaddingFIFOQueueV2'
    with Pipeline() as p:
        p.sess.run(q.enqueue_many([[2, 0, 3, 1]]))
        p.sess.run(q.close())
        got = p.drain(padded)
    assert got[0][0].tolist() == [[0, 1, 0], [0, 0, 0], [0, 1, 2]] and got[0][1].tolist() == [2, 0, 3]
    assert got[1][0].tolist() == [[0]]


def test_batch_join_and_shuffle_batch_join():
    a = tf_input.slice_input_producer([np.arange(0, 10, dtype=np.int32)], num_epochs=1, shuffle=False)
    b = tf_input.slice_input_producer([np.arange(100, 110, dtype=np.int32)], num_epochs=1, shuffle=False)
    joined = tf_input.batch_join([a, b], 4, allow_smaller_final_batch=True)
    c = tf_input.slice_input_producer([np.arange(10, dtype=np.int32)], num_epochs=1, shuffle=False)
    d = tf_input.slice_input_producer([np.arange(100, 110, dtype=np.int32)], num_epochs=1, shuffle=False)
    shuffled = tf_input.shuffle_batch_join([{'v': c[0]}, {'v': d[0]}], 4, 30, 2, allow_smaller_final_batch=True)
    runners = [qr for qr in tf.get_collection(GraphKeys.QUEUE_RUNNERS) if 'join' in qr.name]
    assert [len(qr.enqueue_ops) for qr in runners] == [2, 2]
    with Pipeline() as p:
        first = np.concatenate(p.drain(joined))
        second = np.concatenate([x['v'] for x in p.drain(shuffled)])
    expected = list(range(10)) + list(range(100, 110))
    assert sorted(first.tolist()) == expected and sorted(second.tolist()) == expected


def test_enqueue_many_of_constants_cycles_in_order():
    out = tf_input.batch([np.arange(10, dtype=np.int64)], 4, enqueue_many=True)
    assert out.shape.as_list() == [4]
    with Pipeline() as p:
        assert [p.sess.run(out).tolist() for _ in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]]


def test_chunked_gather_reports_a_bad_index_after_the_good_elements():
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    row = tf.gather(tf.constant([10, 11, 12]), q.dequeue())
    out = tf_input.batch([row], 1)
    p = Pipeline()
    try:
        p.sess.run(q.enqueue_many([[0, 1, 7, 2]]))
        assert [p.sess.run(out).tolist(), p.sess.run(out).tolist()] == [[10], [11]]
        p.coord.wait_for_stop(10)
    finally:
        p.coord.request_stop()
        with pytest.raises(tf.errors.InvalidArgumentError, match=r'indices = 7 is not in \[0, 3\)'):
            p.coord.join(p.threads, stop_grace_period_secs=10)
        # (TF would leave the index after the bad one queued; a chunk took it with the others.)
        p.sess.close()


def test_batching_argument_errors():
    with pytest.raises(ValueError, match='capacity 10 must be bigger than min_after_dequeue 10.'):
        tf_input.shuffle_batch([tf.constant(1)], 2, 10, 10)
    with pytest.raises(ValueError, match="Cannot infer Tensor's rank"):
        tf_input.batch([tf.placeholder(tf.float32)], 2)
    with pytest.raises(ValueError, match='All dictionaries in tensors_list must have the same keys'):
        tf_input.batch_join([{'a': tf.constant(1)}, {'b': tf.constant(1)}], 2)
    with pytest.raises(TypeError, match='Expected types to be consistent: int32 vs. float32.'):
        tf_input.batch_join([[tf.constant(1)], [tf.constant(1.0)]], 2)
    with pytest.raises(ValueError, match='Expected at least one tensor in batch'):
        tf_input.batch([], 2)


# -- the TF1 reader pipeline ------------------------------------------------------------------------------

def _write_examples(folder, n_files=3, per_file=7):
    files, rng = [], np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n_files * per_file, 4, 5), dtype=np.uint8)
    for k in range(n_files):
        path = os.path.join(str(folder), 'data-%d.tfrecord' % k)
        with tf.python_io.TFRecordWriter(path) as writer:
            for i in range(k * per_file, (k + 1) * per_file):
                example = tf.train.Example(features=tf.train.Features(feature={
                    'img_raw': tf.train.Feature(bytes_list=tf.train.BytesList(value=[images[i].tobytes()])),
                    'pixels': tf.train.Feature(float_list=tf.train.FloatList(value=images[i].reshape(-1))),
                    'label': tf.train.Feature(int64_list=tf.train.Int64List(value=[i]))}))
                writer.write(example.SerializeToString())
        files.append(path)
    return files, images


def test_tutorial_reader_pipeline_to_shuffled_batches(tmp_path):
    files, images = _write_examples(tmp_path)
    filename_queue = tf_input.string_input_producer(files, num_epochs=1)
    _, serialized = readers.TFRecordReader().read(filename_queue)
    features = parsing_ops.parse_single_example(serialized, {'img_raw': parsing_ops.FixedLenFeature([], tf.string),
                                                             'label': parsing_ops.FixedLenFeature([], tf.int64)})
    image = tf.reshape(parsing_ops.decode_raw(features['img_raw'], tf.uint8), [4, 5])
    label = tf.cast(features['label'], tf.int32)
    xb, yb = tf_input.shuffle_batch([image, label], 4, capacity=20, min_after_dequeue=5, num_threads=2,
                                    allow_smaller_final_batch=True)
    with Pipeline() as p:
        batches = p.drain([xb, yb])
    y = np.concatenate([b[1] for b in batches])
    assert sorted(y.tolist()) == list(range(21)) and [len(b[1]) for b in batches][:5] == [4] * 5
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images[y])


def test_chunked_reader_parse_step_every_record_once(tmp_path):
    files, images = _write_examples(tmp_path)
    filename_queue = tf_input.string_input_producer(files, num_epochs=2)
    key, serialized = readers.TFRecordReader().read(filename_queue)
    features = parsing_ops.parse_single_example(serialized, {
        'pixels': parsing_ops.FixedLenFeature([4, 5], tf.float32), 'label': parsing_ops.FixedLenFeature([], tf.int64),
        'missing': parsing_ops.FixedLenFeature([2], tf.int64, default_value=[7, 8])})
    out = tf_input.batch([features['pixels'], features['label'], features['missing'], key], 5, num_threads=2,
                         allow_smaller_final_batch=True)
    with Pipeline() as p:
        batches = p.drain(out)
    labels = np.concatenate([b[1] for b in batches])
    assert sorted(labels.tolist()) == sorted(list(range(21)) * 2)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images[labels].astype(np.float32))
    assert np.concatenate([b[2] for b in batches]).tolist() == [[7, 8]] * 42
    keys = np.concatenate([b[3] for b in batches])
    assert all(k.startswith(os.path.join(str(tmp_path), 'data-').encode()) for k in keys)


def test_chunked_reader_parse_step_stops_at_a_bad_record(tmp_path):
    path = os.path.join(str(tmp_path), 'bad.tfrecord')
    with tf.python_io.TFRecordWriter(path) as writer:
        for i in range(6):
            feature = (tf.train.Feature(float_list=tf.train.FloatList(value=[0.5])) if i == 3 else
                       tf.train.Feature(int64_list=tf.train.Int64List(value=[i])))
            writer.write(tf.train.Example(features=tf.train.Features(feature={'n': feature})).SerializeToString())
    filename_queue = tf_input.string_input_producer([path], num_epochs=1)
    reader = readers.TFRecordReader()
    _, serialized = reader.read(filename_queue)
    n = parsing_ops.parse_single_example(serialized, {'n': parsing_ops.FixedLenFeature([], tf.int64)})['n']
    out = tf_input.batch([n], 1)
    p = Pipeline()
    try:
        assert [p.sess.run(out).tolist() for _ in range(3)] == [[0], [1], [2]]
        p.coord.wait_for_stop(10)
    finally:
        p.coord.request_stop()
        with pytest.raises(tf.errors.InvalidArgumentError, match="Key: n.  Data types don't match"):
            p.coord.join(p.threads, stop_grace_period_secs=10)
        # Records 4 and 5 were handed back: the reader gives them next, as TF's would.
        assert p.sess.run(reader.num_records_produced()) == 4
        p.sess.close()
