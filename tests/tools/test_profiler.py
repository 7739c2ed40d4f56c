"""tf.profiler.profile (parameters and float operations) and tf.train.ProfilerHook."""
import json
import os
import subprocess
import sys

import pytest

import sluice as tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# the same program under sluice and TF: its stdout is the two reports and the totals
PROGRAM = r'''
import sys
if sys.argv[1] == 'tf':
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
else:
    import sluice as tf
x = tf.placeholder(tf.float32, [4, 3], name='x')
with tf.variable_scope('layer'):
    w = tf.Variable(tf.ones([3, 2]), name='w')
    b = tf.Variable(tf.zeros([2]), name='b')
    y = tf.nn.relu(tf.matmul(x, w) + b)
    with tf.name_scope('deep'):
        z = tf.square(y) - tf.nn.bias_add(y, b)
img = tf.placeholder(tf.float32, [2, 8, 8, 3], name='img')
f = tf.Variable(tf.ones([3, 3, 3, 4]), name='f', trainable=False)
c = tf.nn.max_pool(tf.nn.conv2d(img, f, [1, 1, 1, 1], 'SAME', name='conv'), [1, 2, 2, 1], [1, 2, 2, 1], 'VALID')
s = tf.Variable(3.0, name='scalar')
loss = tf.reduce_sum(z) + tf.reduce_mean(c) * s + tf.nn.l2_loss(w)
g = tf.get_default_graph()
p = tf.profiler.profile(g, options=tf.profiler.ProfileOptionBuilder.trainable_variables_parameter())
fl = tf.profiler.profile(g, options=tf.profiler.ProfileOptionBuilder.float_operation())
opts = tf.profiler.ProfileOptionBuilder(tf.profiler.ProfileOptionBuilder.trainable_variables_parameter()).select(
    ['params', 'float_ops']).build()
both = tf.profiler.profile(g, options=opts)
print(p.total_parameters, fl.total_float_ops, both.total_parameters, [(n.name, n.total_float_ops) for n in fl.children])
'''


def _run(tmp_path, which):
    script = tmp_path / 'prog.py'
    script.write_text(PROGRAM)
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL='3')
    done = subprocess.run([sys.executable, str(script), which], capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_profile_counts_parameters_and_float_ops(tmp_path):
    out = _run(tmp_path, 'sluice')
    totals = out.strip().splitlines()[-1]
    # params: w 6 + b 2 + scalar 1 (f is not trainable); flops: MatMul 2*3*8=48, add 8, Square 8,
    # BiasAdd 8, sub 8, Sum 7, conv 2*512*27=27648, MaxPool 4*128=512, Mean 128, mul 1, add 1, L2Loss 17, add 1
    assert totals.startswith('9 28395 9 ')
    assert '    layer/w (3x2, 6/6 params)' in out and '  scalar (1, 1/1 params)' in out
    assert 'node name | # parameters | # float_ops' in out


@pytest.mark.tf
def test_profile_report_equals_tensorflow(tmp_path):
    pytest.importorskip('tensorflow')
    assert _run(tmp_path, 'sluice') == _run(tmp_path, 'tf')


def test_profile_unsupported_views_say_so():
    with tf.Graph().as_default() as g:
        tf.Variable(1.0)
        with pytest.raises(NotImplementedError, match="cmd='scope'"):
            tf.profiler.profile(g, cmd='op')
        with pytest.raises(NotImplementedError, match='micros'):
            tf.profiler.profile(g, options=tf.profiler.ProfileOptionBuilder.time_and_memory())
        quiet = tf.profiler.ProfileOptionBuilder(tf.profiler.ProfileOptionBuilder.trainable_variables_parameter())
        assert tf.profiler.profile(g, options=quiet.with_empty_output().build()).total_parameters == 1


def test_profiler_hook_writes_timelines_and_run_metadata(tmp_path):
    with tf.Graph().as_default():
        step = tf.train.get_or_create_global_step()
        w = tf.Variable([1.0, 2.0])
        loss = tf.reduce_sum(w * w)
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
        hook = tf.train.ProfilerHook(save_steps=2, output_dir=str(tmp_path), show_memory=True)
        with tf.train.MonitoredSession(hooks=[hook]) as sess:
            for _ in range(5):
                sess.run(train)
    names = sorted(f for f in os.listdir(tmp_path) if f.startswith('timeline-'))
    assert names == ['timeline-2.json', 'timeline-4.json']    # as TF: the first step only starts the timer
    with open(tmp_path / names[0]) as f:
        events = json.load(f)['traceEvents']
    assert any(e['ph'] == 'X' and e['name'] == 'ApplyGradientDescent' for e in events)
    assert any(e['ph'] == 'C' for e in events)         # show_memory: allocator counters
    from sluice.summary import summary_iterator
    (events_file,) = [f for f in os.listdir(tmp_path) if f.startswith('events.')]
    tags = [e.tagged_run_metadata.tag for e in summary_iterator(str(tmp_path / events_file))
            if e.HasField('tagged_run_metadata')]
    assert tags == ['step_2', 'step_4']
