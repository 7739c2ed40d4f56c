"""Readers (TFRecordReader, TextLineReader, FixedLengthRecordReader, WholeFileReader, IdentityReader),
read_file, matching_files: keys, values, counters and errors as the scratch TensorFlow 1.x gives them
(values below were printed by tf.compat.v1 for the same files). Every test runs under a watchdog.
"""
import os
import threading
import time

import numpy as np
import pytest

import sluice as tf
from sluice.queues import reader_kernels  # noqa: F401  (registers the kernels)
from sluice.queues import readers



pytestmark = pytest.mark.usefixtures('no_leaked_threads')  # conftest: watchdog, no thread left


def _session():
    return tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=10000))


def _tfrecord(path, records, options=None):
    with tf.python_io.TFRecordWriter(str(path), options) as writer:
        for r in records:
            writer.write(r)
    return str(path)


def _filename_queue(sess, names, close=True):
    q = tf.FIFOQueue(10, tf.string)
    sess.run(q.enqueue_many([names]))
    if close:
        sess.run(q.close())
    return q


def _drain(sess, fetch, limit=20):
    out = []
    for _ in range(limit):
        try:
            out.append(sess.run(fetch))
        except tf.errors.OutOfRangeError:
            return out
    raise AssertionError('no OutOfRangeError after %d reads' % limit)


def test_tfrecord_reader_keys_are_byte_offsets_and_empty_files_are_skipped(tmp_path):
    a = _tfrecord(tmp_path / 'a.tfr', [b'a0', b'a1', b'a22'])
    e = _tfrecord(tmp_path / 'e.tfr', [])
    b = _tfrecord(tmp_path / 'b.tfr', [b'b0'])
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [a, e, b])
        reader = readers.TFRecordReader()
        key, value = reader.read(q)
        assert key.shape.as_list() == [] and key.dtype == tf.string and key.op.type == 'ReaderReadV2'
        got = [sess.run([key, value]) for _ in range(4)]
        # TF: [b'<a>:0', b'a0'], [b'<a>:18', b'a1'], [b'<a>:36', b'a22'], [b'<b>:0', b'b0']
        assert got == [[(a + ':0').encode(), b'a0'], [(a + ':18').encode(), b'a1'],
                       [(a + ':36').encode(), b'a22'], [(b + ':0').encode(), b'b0']]
        # b's end is not noticed yet: a and e are the completed work units (TF: [4, 2]).
        assert sess.run([reader.num_records_produced(), reader.num_work_units_completed()]) == [4, 2]
        with pytest.raises(tf.errors.OutOfRangeError, match='is closed and has insufficient elements'):
            sess.run(key)


def test_read_up_to_stops_at_the_end_of_each_file(tmp_path):
    a = _tfrecord(tmp_path / 'a.tfr', [b'a0', b'a1', b'a22'])
    b = _tfrecord(tmp_path / 'b.tfr', [b'b0'])
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [a, b, a])
        reader = readers.TFRecordReader()
        keys, values = reader.read_up_to(q, 2)
        assert keys.shape.as_list() == [None] and keys.op.name == 'ReaderReadUpToV2'
        batches = [list(v) for _, v in _drain(sess, [keys, values])]
        assert batches == [[b'a0', b'a1'], [b'a22'], [b'b0'], [b'a0', b'a1'], [b'a22']]  # as TF
        assert sess.run([reader.num_records_produced(), reader.num_work_units_completed()]) == [7, 3]


def test_compressed_tfrecord_files(tmp_path):
    path = _tfrecord(tmp_path / 'z.tfr', [b'x' * 100, b'y'], tf.python_io.TFRecordOptions('GZIP'))
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [path])
        reader = readers.TFRecordReader(options=tf.python_io.TFRecordOptions('GZIP'))
        assert reader.reader_ref.op.get_attr('compression_type') == 'GZIP'
        assert [v for _, v in _drain(sess, reader.read(q))] == [b'x' * 100, b'y']


def test_text_line_reader_skips_header_lines_per_file(tmp_path):
    text = tmp_path / 't.txt'
    text.write_bytes(b'h1\nh2\nl1\nl2\r\nl3')
    header_only = tmp_path / 't2.txt'
    header_only.write_bytes(b'h1\n')
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [str(text), str(header_only), str(text)])
        reader = readers.TextLineReader(skip_header_lines=2)
        got = _drain(sess, reader.read(q))
        t = str(text)
        expected = [[(t + ':3').encode(), b'l1'], [(t + ':4').encode(), b'l2'], [(t + ':5').encode(), b'l3']] * 2
        assert [list(r) for r in got] == expected  # TF: line numbers count the header lines


def test_text_line_reader_empty_lines_and_read_up_to(tmp_path):
    text = tmp_path / 't.txt'
    text.write_bytes(b'a\n\nb\r\n\n')
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [str(text), str(text)])
        reader = readers.TextLineReader()
        got = _drain(sess, reader.read_up_to(q, 3))
        assert [list(v) for _, v in got] == [[b'a', b'', b'b'], [b''], [b'a', b'', b'b'], [b'']]
        assert [k.decode().rsplit(':', 1)[1] for k in got[0][0]] == ['1', '2', '3']
        assert sess.run(reader.num_records_produced()) == 8


def test_fixed_length_record_reader_header_footer_and_hop(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(b'HHabcdefghijFF')
    p = str(path)
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [p])
        reader = readers.FixedLengthRecordReader(3, header_bytes=2, footer_bytes=2)
        assert [list(r) for r in _drain(sess, reader.read(q))] == [
            [(p + ':0').encode(), b'abc'], [(p + ':1').encode(), b'def'], [(p + ':2').encode(), b'ghi']]
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [p])
        reader = readers.FixedLengthRecordReader(4, header_bytes=2, footer_bytes=2, hop_bytes=3)
        assert [v for _, v in _drain(sess, reader.read(q))] == [b'abcd', b'defg', b'ghij']  # as TF
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [p])
        reader = readers.FixedLengthRecordReader(4, header_bytes=2, footer_bytes=2)
        assert [list(v) for _, v in _drain(sess, reader.read_up_to(q, 5))] == [[b'abcd', b'efgh']]


def test_whole_file_reader_counts_a_file_when_read_and_reset(tmp_path):
    path = tmp_path / 'w.txt'
    path.write_bytes(b'h1\nh2')
    missing = str(tmp_path / 'nope')
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [str(path), missing], close=False)
        reader = readers.WholeFileReader()
        key, value = reader.read(q)
        assert sess.run([key, value]) == [str(path).encode(), b'h1\nh2']
        with pytest.raises(tf.errors.NotFoundError, match='nope; No such file or directory'):
            sess.run(key)
        counters = [reader.num_records_produced(), reader.num_work_units_completed()]
        assert sess.run(counters) == [1, 1]  # TF: [1, 1]
        sess.run(reader.reset())
        assert sess.run(counters) == [0, 0]


def test_identity_reader_and_reader_state_is_per_session(tmp_path):
    with tf.Graph().as_default():
        q = tf.FIFOQueue(10, tf.string)
        fill = q.enqueue_many([['w1', 'w2']])
        reader = readers.IdentityReader()
        key, value = reader.read(q)
        produced = reader.num_records_produced()
        for _ in range(2):
            with _session() as sess:
                sess.run(fill)
                assert sess.run([key, value]) == [b'w1', b'w1']
                assert sess.run(produced) == 1


def test_reader_errors(tmp_path):
    text = tmp_path / 'not_a_record'
    text.write_bytes(b'this is not a tfrecord file')
    with tf.Graph().as_default(), _session() as sess:
        q = _filename_queue(sess, [str(text)])
        key, _ = readers.TFRecordReader().read(q)
        with pytest.raises(tf.errors.DataLossError, match=r'corrupted record at 0 \(Is this even a TFRecord file\?\)'):
            sess.run(key)
    with tf.Graph().as_default(), _session() as sess:
        q = tf.FIFOQueue(10, tf.int32)
        sess.run(q.enqueue(1))
        key, _ = readers.TFRecordReader().read(q)
        with pytest.raises(tf.errors.InvalidArgumentError, match='string work items'):
            sess.run(key)


def test_a_blocked_read_is_woken_by_closing_the_queue(tmp_path):
    a = _tfrecord(tmp_path / 'a.tfr', [b'r'])
    with tf.Graph().as_default(), _session() as sess:
        q = tf.FIFOQueue(10, tf.string)
        key, value = readers.TFRecordReader().read(q)
        results = []

        def reader_thread():
            try:
                results.append(sess.run(value))
                sess.run(value)
            except tf.errors.OutOfRangeError as e:
                results.append(type(e))

        t = threading.Thread(target=reader_thread)
        t.start()
        time.sleep(0.05)
        sess.run(q.enqueue(a))
        sess.run(q.close())
        t.join(10)
        assert results == [b'r', tf.errors.OutOfRangeError]


def test_graph_nodes_as_tensorflow_names_them():
    with tf.Graph().as_default() as g:
        q = tf.FIFOQueue(3, tf.string)
        r = readers.TFRecordReader()
        r.read(q)
        r.read_up_to(q, 4)
        r.num_records_produced()
        r.num_work_units_completed()
        r.reset()
        readers.TextLineReader(skip_header_lines=1)
        readers.WholeFileReader()
        readers.FixedLengthRecordReader(4)
        names = [(op.name, op.type) for op in g.get_operations()]
    # TF 1.x (compat.v1) builds these nodes, in this order.
    assert names == [('fifo_queue', 'FIFOQueueV2'), ('TFRecordReaderV2', 'TFRecordReaderV2'),
                     ('ReaderReadV2', 'ReaderReadV2'), ('ReaderReadUpToV2/num_records', 'Const'),
                     ('ReaderReadUpToV2', 'ReaderReadUpToV2'),
                     ('ReaderNumRecordsProducedV2', 'ReaderNumRecordsProducedV2'),
                     ('ReaderNumWorkUnitsCompletedV2', 'ReaderNumWorkUnitsCompletedV2'),
                     ('ReaderResetV2', 'ReaderResetV2'), ('TextLineReaderV2', 'TextLineReaderV2'),
                     ('WholeFileReaderV2', 'WholeFileReaderV2'),
                     ('FixedLengthRecordReaderV2', 'FixedLengthRecordReaderV2')]
    assert g.get_operation_by_name('TextLineReaderV2').get_attr('skip_header_lines') == 1
    assert g.get_operation_by_name('FixedLengthRecordReaderV2').get_attr('record_bytes') == 4


def test_read_file_and_matching_files(tmp_path):
    for name in ('b.csv', 'a.csv', 'c.txt'):
        (tmp_path / name).write_bytes(name.encode())
    with tf.Graph().as_default(), _session() as sess:
        contents = readers.read_file(str(tmp_path / 'a.csv'))
        files = readers.matching_files(os.path.join(str(tmp_path), '*.csv'))
        assert contents.op.type == 'ReadFile' and files.shape.as_list() == [None]
        assert sess.run(contents) == b'a.csv'
        assert [os.path.basename(f) for f in sess.run(files)] == [b'a.csv', b'b.csv']
        with pytest.raises(tf.errors.NotFoundError):
            sess.run(readers.read_file(str(tmp_path / 'missing')))


def test_readers_run_on_the_host_when_a_gpu_is_present(tmp_path):
    from sluice.engine import devices
    from sluice.kernels import parsing_kernels  # noqa: F401
    from sluice.ops import parsing_ops
    a = _tfrecord(tmp_path / 'a.tfr', [np.arange(3, dtype=np.int32).tobytes()])
    with devices.fake_gpus(1), tf.Graph().as_default(), _session() as sess:
        q = tf.FIFOQueue(3, tf.string)
        _, value = readers.TFRecordReader().read(q)
        doubled = parsing_ops.decode_raw(value, tf.int32) * 2  # the multiply may run on the GPU
        sess.run(q.enqueue_many([[a]]))
        np.testing.assert_array_equal(sess.run(doubled), [0, 2, 4])
        assert sess._placer.device_of(value.op).device_type == 'CPU'


def test_a_read_from_an_unpinned_int32_queue_runs_on_the_host_when_a_gpu_is_present():
    # The queue is placed by the first run, before the read joins its colocation group: with CPU-only
    # queue kernels (TF's) it is on the CPU already, where the reader's kernels are.
    from sluice.engine import devices
    with devices.fake_gpus(1), tf.Graph().as_default(), _session() as sess:
        q = tf.FIFOQueue(10, tf.int32)
        sess.run(q.enqueue(1))
        key, _ = readers.TFRecordReader().read(q)
        with pytest.raises(tf.errors.InvalidArgumentError, match='string work items'):
            sess.run(key)  # the reader's kernel ran, and refused the int32 work item
        assert {sess._placer.device_of(op).device_type for op in (q.queue_ref.op, key.op)} == {'CPU'}
