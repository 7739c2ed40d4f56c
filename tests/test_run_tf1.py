"""tools/run_tf1.py: a TF1 program runs with `tensorflow` answered by sluice, and says how it ended."""
import json
import os
import subprocess
import sys


TOOL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools', 'run_tf1.py')


def _run(tmp_path, name, source, *args):
    path = tmp_path / name
    path.write_text(source)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(TOOL)))
    out = subprocess.run([sys.executable, TOOL, str(path)] + list(args), cwd=str(tmp_path), env=env,
                         capture_output=True, text=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1]), out


def test_a_program_that_trains_runs_on_sluice(tmp_path):
    report, out = _run(tmp_path, 'train.py', '''
import sys
import tensorflow as tf
from tensorflow.contrib import layers
from tensorflow.examples.tutorials.mnist import input_data  # noqa: F401
x = tf.placeholder(tf.float32, [None, 1])
w = tf.Variable([[0.0]])
loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 2 * x))
step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for _ in range(100):
        sess.run(step, {x: [[1.0], [2.0]]})
    print('w', round(float(sess.run(w)[0, 0]), 3), tf.__name__, layers.__name__, sys.argv[1:])
''', '--', '--steps', '3')
    assert report['status'] == 'ok', out
    assert "w 2.0 sluice sluice.contrib.layers ['--steps', '3']" in out


def test_a_failure_names_sluices_frame_and_the_programs_line(tmp_path):
    report, _ = _run(tmp_path, 'bad.py', 'import tensorflow as tf\ntf.reshape(tf.zeros([2, 3]), [4])\n')
    assert report['status'] == 'error' and report['error'].startswith('ValueError')
    assert report['where'].startswith('sluice/') and report['line'] == 'bad.py:2 tf.reshape(tf.zeros([2, 3]), [4])'


def test_a_missing_module_and_python2_code(tmp_path):
    report, _ = _run(tmp_path, 'missing.py', 'from tensorflow.contrib.no_such_thing import X\n')
    assert report['status'] == 'error' and 'tensorflow.contrib.no_such_thing' in report['error']
    report, _ = _run(tmp_path, 'py2.py', 'print "hello"\n')
    assert report['status'] == 'not-python3'


def test_a_program_still_training_is_stopped_and_counted_as_running(tmp_path):
    report, _ = _run(tmp_path, 'forever.py', 'import tensorflow as tf\nwhile True:\n    pass\n', '--seconds', '1')
    assert report['status'] == 'timeout'


def test_a_notebook_runs_its_code_cells(tmp_path):
    cells = [{'cell_type': 'markdown', 'source': ['# title']},
             {'cell_type': 'code', 'source': ['%matplotlib inline\n', 'import tensorflow as tf\n']},
             {'cell_type': 'code', 'source': 'print(tf.Session().run(tf.add(1, 2)))'}]
    report, out = _run(tmp_path, 'nb.ipynb', json.dumps({'cells': cells}))
    assert report['status'] == 'ok' and '\n3\n' in '\n' + out


def test_standalone_keras_is_sluices_keras_when_asked(tmp_path):
    source = ('import sys\nfrom keras.layers import Dense\nfrom keras import backend as K\n'
              'sys.stdout.write("%s %s" % (Dense.__module__, K.__name__))\n')  # no newline: a progress bar's end
    report, out = _run(tmp_path, 'k.py', source, '--keras')
    assert report['status'] == 'ok' and 'sluice.keras.layers.core sluice.keras.backend' in out, out
    _, out = _run(tmp_path, 'k.py', source)  # without the flag `keras` is whatever is installed, or absent
    assert 'sluice.keras' not in out


def test_a_package_root_on_the_path(tmp_path):
    (tmp_path / 'pkg').mkdir()
    (tmp_path / 'pkg' / '__init__.py').write_text('')
    (tmp_path / 'pkg' / 'utils.py').write_text('VALUE = 42\n')
    (tmp_path / 'pkg' / 'train').mkdir()
    source = 'from pkg.utils import VALUE\nprint("value", VALUE)\n'
    report, out = _run(tmp_path / 'pkg' / 'train', 'main.py', source, '--path', str(tmp_path))
    assert report['status'] == 'ok' and 'value 42' in out, out
    report, _ = _run(tmp_path / 'pkg' / 'train', 'main.py', source)
    assert report['status'] == 'error' and 'pkg' in report['error']
