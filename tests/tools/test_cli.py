"""The command line: `python -m sluice inspect_checkpoint | graph | bench` and the console script."""
import os
import subprocess
import sys

import numpy as np
import pytest

import sluice as tf
from sluice import cli

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def checkpoint(tmp_path):
    with tf.Graph().as_default():
        tf.Variable([[1., 2.], [3., 4.]], name='w')
        tf.Variable(3, name='step')
        tf.Variable(np.zeros([5], np.float32), name='opt/slot')
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return saver.save(sess, str(tmp_path / 'model'))


def _run(capsys, *argv):
    status = cli.main(list(argv))
    return status, capsys.readouterr().out


def test_inspect_checkpoint_debug_string(checkpoint, capsys):
    status, out = _run(capsys, 'inspect_checkpoint', '--file_name=' + checkpoint)
    assert status == 0
    assert out == ('opt/slot (DT_FLOAT) [5]\nstep (DT_INT32) []\nw (DT_FLOAT) [2,2]\n\n'
                   '# Total number of params: 10\n')


def test_inspect_checkpoint_one_tensor_and_all(checkpoint, capsys):
    _, out = _run(capsys, 'inspect_checkpoint', '--file_name', checkpoint, '--tensor_name=w')
    assert out == 'tensor_name:  w\n[[1. 2.]\n [3. 4.]]\n# Total number of params: 10\n'
    _, out = _run(capsys, 'inspect_checkpoint', '--file_name', checkpoint, '--all_tensors')
    assert out.splitlines()[:4] == ['tensor_name:  opt/slot', '[0. 0. 0. 0. 0.]', 'tensor_name:  step', '3']
    _, out = _run(capsys, 'inspect_checkpoint', '--file_name', checkpoint, '--all_tensor_names=true',
                  '--count_exclude_pattern=^opt/')
    assert out.splitlines() == ['tensor_name:  opt/slot', 'tensor_name:  step', 'tensor_name:  w',
                                '# Excluding 1 tensors (5 params) that match ^opt/ when counting.',
                                '# Total number of params: 5']


def test_inspect_checkpoint_errors_are_printed(checkpoint, capsys):
    _, out = _run(capsys, 'inspect_checkpoint', '--file_name', checkpoint, '--tensor_name=nope')
    assert out == 'tensor_name:  nope\nKey nope not found in checkpoint\n'
    _, out = _run(capsys, 'inspect_checkpoint', '--file_name', checkpoint + '.index')
    assert 'Unable to open table file' in out and '--file_name = %s\n' % checkpoint in out
    status, out = _run(capsys, 'inspect_checkpoint')
    assert status == 1 and out.startswith('Usage: inspect_checkpoint --file_name=')


def test_tools_module_path(checkpoint, capsys):
    from sluice.python.tools import inspect_checkpoint
    inspect_checkpoint.print_tensors_in_checkpoint_file(checkpoint, 'step', False)
    assert capsys.readouterr().out == 'tensor_name:  step\n3\n# Total number of params: 10\n'


@pytest.mark.tf
def test_debug_string_matches_tensorflow_tool(checkpoint):
    pytest.importorskip('tensorflow')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3', PYTHONPATH=ROOT)

    def tool(*argv):
        return subprocess.run([sys.executable, '-m', *argv, '--file_name=' + checkpoint], capture_output=True,
                              text=True, env=env, timeout=240).stdout
    assert tool('sluice', 'inspect_checkpoint') == tool('tensorflow.python.tools.inspect_checkpoint')


def test_graph_summary_of_meta_and_graph_def(tmp_path, capsys):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [None, 3], name='x')
        w = tf.Variable(tf.ones([3, 2]), name='w')
        tf.Variable(0, trainable=False, name='count')
        loss = tf.reduce_mean(tf.nn.softmax(tf.matmul(x, w)), name='loss')
        tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        tf.train.Saver()
        tf.train.export_meta_graph(str(tmp_path / 'g.meta'))
        tf.train.write_graph(g, str(tmp_path), 'g.pbtxt')
        nodes = len(g.get_operations())
    status, out = _run(capsys, 'graph', str(tmp_path / 'g.meta'))
    lines = out.splitlines()
    assert status == 0
    assert lines[0] == 'Found 1 possible inputs: (name=x, type=float(1), shape=[?,3])'
    assert lines[1] == ('Found 2 variables: (name=w, type=float(1), shape=[3,2], trainable) '
                        '(name=count, type=int32(3), shape=[])')
    assert lines[2] == 'Found 1 possible outputs: (name=loss, op=Mean)'
    assert lines[3].startswith('Found ') and ' 7 (7) variable parameters' in lines[3]
    assert ' 3 MatMul, ' in lines[4] and ' 2 VariableV2' in lines[4]
    assert lines[-1] == '%d nodes in all' % nodes
    _, text_out = _run(capsys, 'graph', str(tmp_path / 'g.pbtxt'))
    assert text_out.replace(', trainable', '') == out.replace(', trainable', '')


def test_graph_summary_bad_files(tmp_path, capsys):
    assert _run(capsys, 'graph', str(tmp_path / 'none.pb')) == (1, 'File %s does not exist.\n' % (tmp_path / 'none.pb'))
    (tmp_path / 'bad.pbtxt').write_text('not a graph')
    status, out = _run(capsys, 'graph', str(tmp_path / 'bad.pbtxt'))
    assert status == 1 and out.startswith('Cannot parse file')


def test_bench_lists_the_checkout_benchmarks(capsys):
    from sluice.cli import bench
    if bench.benchmarks_dir() is None:
        pytest.skip('not a source checkout')
    status, out = _run(capsys, 'bench')
    assert status == 0 and any(line.startswith('training ') for line in out.splitlines())
    status, out = _run(capsys, 'bench', 'no_such_bench')
    assert status == 1 and 'no benchmark' in out


def test_python_dash_m_and_console_script():
    done = subprocess.run([sys.executable, '-m', 'sluice', '--help'], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0 and 'inspect_checkpoint' in done.stdout and 'graph' in done.stdout
    with open(os.path.join(ROOT, 'pyproject.toml')) as f:
        assert 'sluice = "sluice.cli:main"' in f.read()
