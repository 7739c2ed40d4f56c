"""tfdbg: the dumping wrapper (TF's dump layout), and the command-line wrapper driven in a
pseudo-terminal the way a person would find where a NaN was born."""
import glob
import os
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors
from sluice.python import debug as tfdbg

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NAN_PROGRAM = '''\
import sluice as tf
from sluice.python import debug as tfdbg

x = tf.placeholder(tf.float32, [3], name='x')
w = tf.Variable([1.0, 2.0, 3.0], name='w')
scaled = tf.multiply(x, w, name='scaled')
log_x = tf.log(scaled - 1.0, name='log_x')       # -inf when scaled is 1, NaN below
loss = tf.reduce_sum(log_x, name='loss')

sess = tfdbg.LocalCLIDebugWrapperSession(tf.Session())
sess.add_tensor_filter('has_inf_or_nan', tfdbg.has_inf_or_nan)
sess.run(w.initializer)
for step in range(6):
    value = sess.run(loss, {x: [3.0 - step, 2.0, 2.0]})
print('done', value)
'''


def _spawn(tmp_path, program):
    pexpect = pytest.importorskip('pexpect')
    script = tmp_path / 'program.py'
    script.write_text(program)
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONWARNINGS='ignore')
    return pexpect.spawn(sys.executable, [str(script)], env=env, encoding='utf-8', timeout=60, cwd=str(tmp_path))


def test_cli_finds_where_a_nan_was_born(tmp_path):
    child = _spawn(tmp_path, NAN_PROGRAM)
    child.expect('Session.run\\(\\) call #1:')
    child.expect('tfdbg> ')
    child.sendline('run -f has_inf_or_nan')
    # runs go through watched until one dumps an inf or NaN: scaled[0] = 3 - step is 1 at step 2, run #4
    child.expect('run-end: Session.run\\(\\) call #4')
    child.expect('dumped tensor\\(s\\) passing filter "has_inf_or_nan":')
    child.expect('Tensor name')
    child.expect('\\] +\\d+ +(\\w+) +(\\S+)\r\n')       # the first tensor that passes: the NaN's origin
    assert (child.match.group(1), child.match.group(2)) == ('Log', 'log_x:0')
    child.expect('tfdbg> ')
    child.sendline('pt log_x')
    child.expect('Tensor "log_x:0:DebugIdentity":')
    child.expect('-inf')
    child.expect('tfdbg> ')
    child.sendline('ni -t log_x')
    child.expect('Op: Log')
    child.expect('Traceback of node construction:')
    child.expect('program.py')
    child.expect('Line: +7')
    child.expect("log_x = tf.log\\(scaled - 1.0, name='log_x'\\)")
    child.expect('tfdbg> ')
    child.sendline('li log_x')
    child.expect('\\[Sub\\] sub:0')
    child.expect('tfdbg> ')
    child.sendline('pt scaled[0:2]')
    child.expect('shape: \\(2,\\)')
    child.expect('tfdbg> ')
    child.sendline('exit')
    child.expect('done nan')                         # the later runs went on unwatched
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0


def pexpect_eof():
    import pexpect
    return pexpect.EOF


def _scripted(commands):
    lines = iter(commands)
    shown = []

    def read(prompt):
        command = next(lines)
        shown.append(prompt + command)
        return command
    return read, shown


class _Out:
    def __init__(self):
        self.text = []

    def write(self, s):
        self.text.append(s)

    def flush(self):
        pass

    def value(self):
        return ''.join(self.text)


def test_run_n_run_t_and_exit():
    with tf.Graph().as_default():
        v = tf.Variable(0, name='v')
        inc = tf.assign_add(v, 1, name='inc')
        read, _ = _scripted(['run -n', 'run -t 2', 'lt -n inc', 'exit'])
        out = _Out()
        sess = tfdbg.LocalCLIDebugWrapperSession(tf.Session(), input_fn=read, out=out)
        sess.run(v.initializer)                 # run -n
        assert sess.run(inc) == 1                # run -t 2: this one unwatched,
        assert sess.run(inc) == 2                # this one watched: its run-end lists inc, then exit
        assert sess.run(inc) == 3                # after exit: no UI
    text = out.value()
    assert 'run-end: Session.run() call #3' in text and 'inc:0' in text
    assert 'Session.run() call #4' not in text


def test_failed_run_shows_the_error_then_raises():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None], name='x')
        checked = tf.debugging.assert_positive(x, message='x must be positive') if hasattr(tf, 'debugging') \
            else tf.assert_positive(x, message='x must be positive')
        with tf.control_dependencies([checked]):
            y = tf.identity(x, name='y')
        read, _ = _scripted(['run', 'lt', 'run'])
        out = _Out()
        sess = tfdbg.LocalCLIDebugWrapperSession(tf.Session(), input_fn=read, out=out)
        with pytest.raises(errors.InvalidArgumentError, match='x must be positive'):
            sess.run(y, {x: [1.0, -1.0]})
    assert 'run-end: Session.run() call #1 failed' in out.value()
    assert 'InvalidArgumentError' in out.value()


def test_dumping_wrapper_writes_tf_layout(tmp_path):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 2], name='x')
        with tf.name_scope('layer'):
            w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name='w')
            y = tf.matmul(x, w, name='mm')
            z = tf.log(y - 3.0, name='log')
        with tf.Session() as plain:
            plain.run(w.initializer)
            sess = tfdbg.DumpingDebugWrapperSession(plain, str(tmp_path / 'dumps'))
            sess.run(z, {x: np.eye(2)})
    (run_dir,) = glob.glob(str(tmp_path / 'dumps' / 'run_*'))
    device_dir = os.path.join(run_dir, '_tfdbg_device_,job_localhost,replica_0,task_0,device_CPU_0')
    assert os.path.isdir(os.path.join(device_dir, 'layer'))
    assert glob.glob(os.path.join(device_dir, '_tfdbg_graph_*'))
    dump = tfdbg.DebugDumpDir(run_dir)
    assert dump.devices() == ['/job:localhost/replica:0/task:0/device:CPU:0']
    np.testing.assert_array_equal(dump.get_tensors('layer/mm', 0)[0], [[1, 2], [3, 4]])
    (first_bad,) = dump.find(tfdbg.has_inf_or_nan, first_n=1)
    assert first_bad.node_name == 'layer/log'


@pytest.mark.tf
def test_tensorflow_reads_the_dumps(tmp_path):
    pytest.importorskip('tensorflow')
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2], name='x')
        y = tf.square(x, name='sq')
        with tf.Session() as plain:
            tfdbg.DumpingDebugWrapperSession(plain, str(tmp_path)).run(y, {x: [1.0, 3.0]})
    (run_dir,) = glob.glob(str(tmp_path / 'run_*'))
    code = ('import sys\nfrom tensorflow.python.debug.lib import debug_data\n'
            'd = debug_data.DebugDumpDir(sys.argv[1], validate=False)\n'
            'print(d.size, d.get_tensors("sq", 0, "DebugIdentity")[0].tolist())\n')
    done = subprocess.run([sys.executable, '-c', code, run_dir], capture_output=True, text=True, timeout=240,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3'))
    assert done.stdout.split('\n')[0] == '1 [1.0, 9.0]', done.stderr
