"""examples/char_rnn.py runs unchanged, learns, and writes a checkpoint TF can read under TF's names."""
import os
import sys

import numpy as np
import pytest

import sluice as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                'examples'))
import char_rnn  # noqa: E402


def test_char_rnn_learns_and_checkpoints(tmp_path):
    path = str(tmp_path / 'char_rnn.ckpt')
    losses, text = char_rnn.main(['--train_steps', '60', '--hidden', '32', '--steps', '16', '--report', '30',
                                  '--sample', '20', '--checkpoint', path])
    assert np.mean(losses[-10:]) < losses[0] - 0.4
    assert len(text) == 21
    names = dict(tf.train.list_variables(path))
    assert names['char_rnn/rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel'] == [64, 128]
    assert names['char_rnn/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias'] == [128]


@pytest.mark.tf
def test_tensorflow_reads_the_checkpoint(tmp_path):
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    path = str(tmp_path / 'char_rnn.ckpt')
    tf.reset_default_graph()
    char_rnn.main(['--train_steps', '2', '--hidden', '8', '--steps', '8', '--sample', '2', '--checkpoint', path])
    reader = tf1.train.NewCheckpointReader(path)
    ours = tf.train.load_checkpoint(path)
    name = 'char_rnn/rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel'
    np.testing.assert_array_equal(reader.get_tensor(name), ours.get_tensor(name))
