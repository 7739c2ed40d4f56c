"""RunOptions(trace_level=FULL_TRACE) fills RunMetadata.step_stats, one entry per executed node."""
import numpy as np

import sluice as tf
from sluice.engine import devices


def test_full_trace_records_each_node_with_its_device_and_outputs():
    with tf.device('/cpu:0'):  # unpinned, y would run on a GPU (behind a copy of x)
        x = tf.placeholder(tf.float32, [2], name='x')
        y = tf.identity(x, name='y')
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        out = sess.run(y, {x: [1.0, 2.0]}, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
                       run_metadata=meta)
    np.testing.assert_array_equal(out, [1.0, 2.0])
    (dev,) = meta.step_stats.dev_stats
    assert dev.device == '/job:localhost/replica:0/task:0/device:CPU:0'
    (node,) = dev.node_stats
    assert node.node_name == 'y'
    assert node.timeline_label == 'y = Identity(x)'
    assert node.output[0].tensor_description.allocation_description.requested_bytes == 8
    assert node.all_end_rel_nanos >= 0


def test_no_trace_leaves_run_metadata_empty():
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(tf.constant(1.0), options=tf.RunOptions(), run_metadata=meta)
    assert not meta.step_stats.dev_stats


def test_trace_has_one_device_entry_per_device_and_names_copies():
    with devices.fake_gpus(1):
        with tf.device('/cpu:0'):
            a = tf.constant([1.0], name='a')
        with tf.device('/gpu:0'):
            b = tf.identity(a, name='b')
        meta = tf.RunMetadata()
        with tf.Session() as sess:
            sess.run(b, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE), run_metadata=meta)
    names = {d.device[-5:]: [n.timeline_label for n in d.node_stats] for d in meta.step_stats.dev_stats}
    assert names['CPU:0'] == ['a = Const()']
    assert names['GPU:0'] == ['MEMCPYHtoD: b', 'b = Identity(a)']
