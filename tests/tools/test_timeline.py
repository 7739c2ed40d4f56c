"""Step stats with memory, and their Chrome trace (sluice.python.client.timeline) against TF's."""
import json

import numpy as np
import pytest

import sluice as tf
from sluice.engine import devices
from sluice.python.client import timeline

FULL = dict(options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))


def _traced_mlp(gpus=0):
    meta = tf.RunMetadata()
    with devices.fake_gpus(gpus), tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [4, 3], name='x')
        with tf.device('/cpu:0'):
            w = tf.Variable(np.ones((3, 2), np.float32), name='w')
        with tf.device('/gpu:0' if gpus else '/cpu:0'):
            y = tf.matmul(x, w, name='mm')
            z = tf.nn.relu(y, name='r')
        s = tf.reduce_sum(z, name='s')
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            value = sess.run(s, {x: np.ones((4, 3))}, run_metadata=meta, **FULL)
    assert value == 24.0
    return meta


def _nodes(meta):
    return {(d.device.rsplit('/', 1)[-1], n.node_name): n for d in meta.step_stats.dev_stats for n in d.node_stats}


def test_node_memory_counts_fresh_outputs_and_variables_as_persistent():
    nodes = _nodes(_traced_mlp())
    cpu = 'device:CPU:0'
    (mm,) = nodes[cpu, 'mm'].memory
    assert (mm.allocator_name, mm.total_bytes, mm.peak_bytes, mm.live_bytes) == ('cpu', 32, 32, 0)
    assert nodes[cpu, 'mm'].timeline_label == 'mm = MatMul(x, w/read)'
    # the variable's array is persistent: its node says so, and reading it allocates nothing
    assert nodes[cpu, 'w'].memory_stats.persistent_memory_size == 24
    assert nodes[cpu, 'w/read'].memory[0].total_bytes == 0
    # the fetched sum is still held when the run ends
    (s,) = nodes[cpu, 's'].memory
    assert s.total_bytes == s.live_bytes == 4
    in_use = [n.memory[0].allocator_bytes_in_use for n in nodes.values() if n.memory]
    assert max(in_use) >= 32 + 4


def test_gpu_trace_shows_copies_and_kernels_on_streams():
    meta = _traced_mlp(gpus=1)
    by_device = {d.device.split('device:', 1)[1]: [n.node_name for n in d.node_stats]
                 for d in meta.step_stats.dev_stats}
    assert 'mm:MatMul' in by_device['GPU:0/stream:all'] and 'r:Relu' in by_device['GPU:0/stream:all']
    assert any(name.endswith(':MEMCPYHtoD') for name in by_device['GPU:0/memcpy'])
    gpu_mm = _nodes(meta)['device:GPU:0', 'mm']
    assert gpu_mm.memory[0].allocator_name == 'GPU_0_bfc' and gpu_mm.memory[0].total_bytes == 32


def test_chrome_trace_structure():
    meta = _traced_mlp(gpus=1)
    trace = json.loads(timeline.Timeline(meta.step_stats).generate_chrome_trace_format(show_memory=True))
    events = trace['traceEvents']
    processes = [e['args']['name'] for e in events if e['ph'] == 'M' and e['name'] == 'process_name']
    assert processes[0] == 'Allocators' and processes[1].endswith('CPU:0 Compute')
    ops = {e['args']['name']: e for e in events if e['ph'] == 'X' and 'input0' in e['args']}
    assert ops['mm']['name'] == 'MatMul' and ops['mm']['args']['input1'].startswith('w')
    flows = [e for e in events if e['ph'] in 'st']
    assert flows and {e['cat'] for e in flows} == {'DataFlow'}
    counters = [e for e in events if e['ph'] == 'C']
    assert {e['name'] for e in counters} == {'cpu', 'GPU_0_bfc'}
    peaks = timeline.Timeline(meta.step_stats).analyze_step_stats().allocator_maximums
    assert peaks['GPU_0_bfc'].num_bytes >= 32


@pytest.mark.tf
@pytest.mark.parametrize('show_memory', [False, True])
@pytest.mark.parametrize('show_dataflow', [False, True])
def test_trace_equals_tensorflow_timeline(show_memory, show_dataflow):
    tft = pytest.importorskip('tensorflow.python.client.timeline')
    from tensorflow.core.framework import step_stats_pb2
    meta = _traced_mlp(gpus=1)
    theirs = tft.Timeline(step_stats_pb2.StepStats.FromString(meta.step_stats.SerializeToString()))
    ours = timeline.Timeline(meta.step_stats)
    assert (ours.generate_chrome_trace_format(show_dataflow, show_memory)
            == theirs.generate_chrome_trace_format(show_dataflow, show_memory))


def test_seed_trace_gives_tensorboard_compute_time_and_memory(tmp_path):
    """The seed's FULL_TRACE + add_run_metadata program, read back as TensorBoard reads it."""
    accumulator = pytest.importorskip('tensorboard.backend.event_processing.event_accumulator')
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 2], name='x-input')
        y_ = tf.placeholder(tf.float32, [None, 2], name='y-input')
        w = tf.Variable(tf.zeros([2, 2]))
        b = tf.Variable(tf.zeros([2]))
        y = tf.matmul(x, w) + b
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y))
        train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        feed = {x: [[0., 1.], [1., 0.]], y_: [[1., 0.], [0., 1.]]}
        with tf.Session() as sess:
            writer = tf.summary.FileWriter(str(tmp_path), sess.graph)
            sess.run(tf.global_variables_initializer())
            meta = tf.RunMetadata()
            sess.run(train_step, feed, run_metadata=meta, **FULL)
            writer.add_run_metadata(meta, 'step000')
            writer.close()
    acc = accumulator.EventAccumulator(str(tmp_path))
    acc.Reload()
    read = acc.RunMetadata('step000')
    # what TensorBoard's graph joins onto its nodes: memory[].total_bytes and all_end_rel_micros
    graph_nodes = {n.name for n in acc.Graph().node}
    stats = {n.node_name: n for d in read.step_stats.dev_stats for n in d.node_stats}
    assert set(stats) <= graph_nodes
    assert stats['MatMul'].memory[0].total_bytes == 2 * 2 * 4
    assert sum(m.total_bytes for n in stats.values() for m in n.memory) > 16
    assert all(n.all_start_micros > 0 for n in stats.values())
