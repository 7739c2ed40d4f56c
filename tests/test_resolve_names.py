"""tools/resolve_names.py: finding the tf.* uses of TF1 programs and resolving them in sluice."""
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tools'))
import resolve_names  # noqa: E402

PY3 = '''
import tensorflow as tf
import tensorflow.contrib.slim as slim
from tensorflow.python.client import device_lib
from tensorflow.core.framework import graph_pb2
x = tf.placeholder(tf.float32, [None, 3])
y = tf.layers.dense(x, 4)
net = slim.conv2d(x, 8, [3, 3])
mode = tf.estimator.ModeKeys.TRAIN
size = tf.app.flags.FLAGS.batch_size
tf.model = tf.keras.Sequential()
tf.model.fit(x)
tf.surely_missing_name(x)
'''
PY2 = '''
import tensorflow as tf
print "loss", tf.reduce_mean(tf.zeros([2]))
w = tf.Variable(tf.random_normal([2, 2]))
z = tf.not_a_tf_name(w)
'''


def test_uses_from_the_ast():
    uses = resolve_names.find_uses(PY3)
    assert uses.count('tensorflow.placeholder') == 1 and 'tensorflow.float32' in uses
    assert 'tensorflow.contrib.slim' in uses and 'tensorflow.contrib.slim.conv2d' in uses
    assert 'tensorflow.python.client.device_lib' in uses and 'tensorflow.core.framework.graph_pb2' in uses
    assert 'tensorflow.estimator.ModeKeys.TRAIN' in uses and 'tensorflow.layers.dense' in uses
    assert 'tensorflow.keras.Sequential' in uses
    assert not [u for u in uses if u.startswith('tensorflow.model')]  # the program's own attribute


def test_uses_from_tokens_for_python2():
    uses = resolve_names.find_uses(PY2)
    assert uses == ['tensorflow.reduce_mean', 'tensorflow.zeros', 'tensorflow.Variable', 'tensorflow.random_normal',
                    'tensorflow.not_a_tf_name']


def test_resolver():
    resolver = resolve_names.Resolver('sluice')
    assert resolver.resolves('tensorflow.nn.relu') and resolver.resolves('tensorflow.GraphKeys.UPDATE_OPS')
    assert resolver.resolves('tensorflow.core.framework.graph_pb2.GraphDef')
    assert resolver.resolves('tensorflow.python.client.device_lib.list_local_devices')
    assert resolver.resolves('tensorflow.app.flags.FLAGS.anything')  # an object's attribute: the program's
    assert resolver.resolves('tensorflow.estimator.ModeKeys.TRAIN')
    assert not resolver.resolves('tensorflow.not_a_tf_name')
    assert resolver.first_missing('tensorflow.nn.not_there.deeper') == 'tensorflow.nn.not_there'


def test_report_over_files_notebooks_and_a_git_directory(tmp_path):
    corpus = tmp_path / 'corpus'
    corpus.mkdir()
    (corpus / 'a.py').write_text(PY3)
    (corpus / 'b.py').write_text(PY2)
    (corpus / 'c.py').write_text('import tensorflow as tf\ntf.nn.relu\n')
    (corpus / 'plain.py').write_text('import numpy\n')
    notebook = {'cells': [{'cell_type': 'code', 'source': ['%matplotlib inline\n', 'import tensorflow as tf\n',
                                                             'tf.nn.softmax\n']},
                          {'cell_type': 'markdown', 'source': ['tf.nothing']}]}
    (corpus / 'n.ipynb').write_text(json.dumps(notebook))
    result = resolve_names.analyse([str(corpus)], resolve_names.Resolver('sluice'))
    assert result['files'] == 3 and result['files_resolving'] == 1  # c.py only
    with_notebooks = resolve_names.analyse([str(corpus)], resolve_names.Resolver('sluice'), notebooks=True)
    assert with_notebooks['files'] == 4 and with_notebooks['files_resolving'] == 2
    missing = dict((path, files) for path, files, _ in result['missing'])
    assert missing['tensorflow.not_a_tf_name'] == 1
    excluded = resolve_names.analyse([str(corpus)], resolve_names.Resolver('sluice'), excludes=['*/b.py'])
    assert excluded['files'] == 2

    git = subprocess.run(['git', 'init', '-q', str(tmp_path / 'repo')], capture_output=True)
    if git.returncode != 0:
        pytest.skip('git is not available')
    repo = tmp_path / 'repo'
    (repo / 'c.py').write_text('import tensorflow as tf\ntf.nn.relu\ntf.no_such\n')
    env = dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@t', GIT_COMMITTER_NAME='t',
               GIT_COMMITTER_EMAIL='t@t')
    subprocess.run(['git', '-C', str(repo), 'add', '.'], check=True, env=env)
    subprocess.run(['git', '-C', str(repo), 'commit', '-qm', 'c'], check=True, env=env)
    from_git = resolve_names.analyse([str(repo / '.git')], resolve_names.Resolver('sluice'))
    assert (from_git['files'], from_git['uses'], from_git['uses_resolving']) == (1, 2, 1)


def test_command_line(tmp_path):
    (tmp_path / 'p.py').write_text('import tensorflow as tf\ntf.nn.relu\ntf.surely_missing.dense\n')
    out = subprocess.run([sys.executable, os.path.join(REPO, 'tools', 'resolve_names.py'), str(tmp_path),
                          '--json', str(tmp_path / 'r.json')], capture_output=True, text=True, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert 'uses that resolve:  1 / 2 = 50.0%' in out.stdout and 'tf.surely_missing.dense' in out.stdout
    assert json.loads((tmp_path / 'r.json').read_text())['uses'] == 2


def test_notebook_source_keeps_the_program_ipython_runs():
    cells = [['try:\n', '    %tensorflow_version 1.x\n', 'except Exception:\n', '    pass\n'],
             ['from __future__ import division\n', '%matplotlib inline\n', 'x = (3\n', '     % 2)\n'],
             ['%time y = x + 1\n', '!ls\n'],
             ['%%bash\n', 'echo hi\n'],
             ['%%time\n', 'z = y * 2\n']]
    notebook = {'cells': [{'cell_type': 'code', 'source': c} for c in cells]}
    source = resolve_names._notebook_source(json.dumps(notebook))
    assert source.splitlines()[0] == 'from __future__ import division'
    assert 'echo hi' not in source
    scope = {}
    exec(compile(source, 'nb', 'exec'), scope)
    assert (scope['x'], scope['y'], scope['z']) == (1, 2, 4)
