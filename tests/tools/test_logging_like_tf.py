"""sluice's log lines against TensorFlow's: the same program's stderr, line for line.

The program saves and restores a checkpoint (the library's 'Restoring parameters from ...' line,
INFO), logs through tf.logging at several verbosities, and optionally configures the root logger
with logging.basicConfig before or after the import. TF's C++ start-up lines and its deprecation
notice for disable_v2_behavior are left out of the comparison.
"""
import logging
import os
import re
import subprocess
import sys

import pytest

import sluice as tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROGRAM = r'''
import logging, os, sys
if 'basic-before' in sys.argv[1:]:
    logging.basicConfig()
if sys.argv[1] == 'tf':
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
else:
    import sluice as tf
if 'basic-after' in sys.argv[1:]:
    logging.basicConfig()
path = os.path.join(sys.argv[2], 'model')
v = tf.Variable([1.0, 2.0], name='v')
saver = tf.train.Saver()
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    saver.save(s, path)
    saver.restore(s, path)
tf.logging.info('hidden %d', 1)
tf.logging.warn('shown %s', 'a')
tf.logging.set_verbosity(tf.logging.INFO)
with tf.Session() as s:
    saver.restore(s, path)
tf.logging.info('shown %d', 2)
tf.logging.set_verbosity(tf.logging.ERROR)
tf.logging.warn('hidden')
with tf.Session() as s:
    saver.restore(s, path)
tf.logging.error('err %d', 3)
'''

_CPP_LINE = re.compile(r'^([IWEF]\d{4} |WARNING: All log messages before absl|To enable the following instructions)')


def _stderr(tmp_path, *args):
    script = tmp_path / 'prog.py'
    script.write_text(PROGRAM)
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL='3')
    done = subprocess.run([sys.executable, str(script), *args[:1], str(tmp_path), *args[1:]],
                          capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stderr
    return done.stderr.replace(str(tmp_path), '<dir>')


def _without_tf_noise(text):
    lines, skip = [], 0
    for line in text.splitlines():
        if skip:
            skip -= 1
        elif line.startswith('WARNING:tensorflow:From ') and 'is deprecated' in line:
            skip = 2            # 'Instructions for updating:' and the instruction
        elif not _CPP_LINE.match(line):
            lines.append(line)
    return lines


EXPECTED = ['WARNING:tensorflow:shown a', 'INFO:tensorflow:Restoring parameters from <dir>/model',
            'INFO:tensorflow:shown 2', 'ERROR:tensorflow:err 3']


def test_default_verbosity_and_format(tmp_path):
    assert _stderr(tmp_path, 'sluice').splitlines() == EXPECTED


@pytest.mark.parametrize('when', ['basic-before', 'basic-after'])
def test_one_line_per_message_under_basic_config(tmp_path, when):
    assert _stderr(tmp_path, 'sluice', when).splitlines() == EXPECTED


@pytest.mark.tf
def test_stderr_matches_tensorflow(tmp_path):
    pytest.importorskip('tensorflow')
    assert _without_tf_noise(_stderr(tmp_path, 'tf')) == _stderr(tmp_path, 'sluice').splitlines()
    assert (_without_tf_noise(_stderr(tmp_path, 'tf', 'basic-before'))
            == _stderr(tmp_path, 'sluice', 'basic-before').splitlines())


def test_library_lines_follow_set_verbosity(capsys):
    from sluice.engine.log import logger
    try:
        tf.logging.set_verbosity(tf.logging.ERROR)
        logger.warning('library warning hidden')
        tf.logging.set_verbosity(tf.logging.INFO)
        logger.info('library info shown')
    finally:
        tf.logging.set_verbosity(logging.NOTSET)
    err = capsys.readouterr().err
    assert 'hidden' not in err and 'INFO:tensorflow:library info shown\n' in err


def test_placement_lines_on_stdout_as_tf_prints_them(capsys):
    with tf.Graph().as_default():
        a = tf.constant([1.0], name='a')
        b = tf.add(a, a, name='b')
        config = tf.ConfigProto(log_device_placement=True, device_count={'GPU': 0})
        with tf.Session(config=config) as sess:
            sess.run(b)
    out = capsys.readouterr().out.splitlines()
    cpu = '/job:localhost/replica:0/task:0/device:CPU:0'
    assert 'a: (Const): %s' % cpu in out and 'b: (AddV2): %s' % cpu in out
