"""Nothing written is lost when a program never closes its writers: event files (FileWriter) and
TFRecord files are complete after the process exits, or after the writer is garbage-collected, and a
hung disk delays exit only by the time limit of sluice.io.open_writers."""
import os
import subprocess
import sys
import textwrap
import time

import pytest

import sluice as tf
from sluice.io import open_writers

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _child(code, tmp_path, env=None, timeout=120):
    environment = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get('PYTHONPATH', ''))
    environment.update(env or {})
    began = time.monotonic()
    proc = subprocess.run([sys.executable, '-c', textwrap.dedent(code)], cwd=str(tmp_path), capture_output=True,
                          text=True, timeout=timeout, env=environment)
    return proc, time.monotonic() - began


def _summary_steps(logdir):
    steps = []
    for name in sorted(os.listdir(logdir)):
        for event in tf.train.summary_iterator(os.path.join(logdir, name)):
            if event.HasField('summary'):
                steps.append(event.step)
    return steps


def test_file_writer_never_closed_keeps_every_summary(tmp_path):
    proc, _ = _child('''
        import sluice as tf
        x = tf.placeholder(tf.float32)
        merged = tf.summary.scalar('x', x)
        writer = tf.summary.FileWriter('logs')
        with tf.Session() as sess:
            for step in range(10001):
                writer.add_summary(sess.run(merged, {x: step}), step)
        # no flush(), no close()
        ''', tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _summary_steps(str(tmp_path / 'logs')) == list(range(10001))


def test_collected_file_writer_writes_and_closes_its_file(tmp_path):
    # os._exit skips the exit hooks: only the writer's own finalizer can have saved the events
    proc, _ = _child('''
        import gc, os, threading, time
        import sluice as tf
        writer = tf.summary.FileWriter('logs')
        for step in range(11):
            writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag='loss', simple_value=step)]), step)
        del writer
        gc.collect()
        deadline = time.monotonic() + 10   # the thread notices within POLL_SECONDS, then ends
        while time.monotonic() < deadline and any(t.name == 'EventLoggerThread' for t in threading.enumerate()):
            time.sleep(0.05)
        os._exit(0)
        ''', tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _summary_steps(str(tmp_path / 'logs')) == list(range(11))


@pytest.mark.parametrize('compression', ['', 'GZIP'])
def test_tfrecord_writer_never_closed_keeps_every_record(tmp_path, compression):
    # The writer lives in the frame of a daemon thread that never returns: no __del__ runs at exit.
    proc, _ = _child('''
        import threading
        import sluice as tf
        written, never = threading.Event(), threading.Event()

        def produce():
            writer = tf.python_io.TFRecordWriter('data.tfrecord', options=%r or None)
            for i in range(5000):
                writer.write(b'record %%d' %% i)
            written.set()
            never.wait()

        threading.Thread(target=produce, daemon=True).start()
        written.wait()
        ''' % compression, tmp_path)
    assert proc.returncode == 0, proc.stderr
    options = tf.python_io.TFRecordOptions(compression) if compression else None
    records = list(tf.python_io.tf_record_iterator(str(tmp_path / 'data.tfrecord'), options=options))
    assert records == [b'record %d' % i for i in range(5000)]


def test_hung_disk_delays_exit_only_by_the_limit(tmp_path):
    proc, seconds = _child('''
        import time
        import sluice as tf
        from sluice.io import event_file
        event_file.EventsFile.flush = lambda self: time.sleep(600)   # a disk that never answers
        writer = tf.summary.FileWriter('logs')
        writer.add_summary(tf.Summary(value=[tf.Summary.Value(tag='loss', simple_value=1.0)]), 1)
        ''', tmp_path, env={'SLUICE_WRITER_EXIT_SECONDS': '1'}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert seconds < 30
    assert 'did not finish writing within 1 s of exit' in proc.stderr and 'event file writer' in proc.stderr


def test_closed_writers_leave_the_registry(tmp_path):
    record_writer = tf.python_io.TFRecordWriter(str(tmp_path / 'r.tfrecord'))
    summary_writer = tf.summary.FileWriter(str(tmp_path / 'logs'))
    threads = [w for w in open_writers.tracked() if w is summary_writer.event_writer._worker]
    assert record_writer in open_writers.tracked() and threads
    record_writer.close()
    summary_writer.close()
    assert record_writer not in open_writers.tracked() and threads[0] not in open_writers.tracked()


def test_close_all_reports_writers_past_the_limit():
    class Slow:
        def _close_at_exit(self):
            time.sleep(5)

    class Quick:
        closed = False

        def _close_at_exit(self):
            Quick.closed = True

    quick, slow = Quick(), Slow()
    open_writers.track(quick)
    open_writers.track(slow)
    try:
        assert open_writers.close_all(0.5) == [slow]
        assert Quick.closed
    finally:
        open_writers.untrack(quick)
        open_writers.untrack(slow)
