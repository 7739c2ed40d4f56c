"""examples/mnist_slim_cnn.py trains a slim CNN a few steps on real MNIST (small layers) to a useful
accuracy, and its checkpoint carries TF's variable names (read by TensorFlow when installed)."""
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(REPO, 'examples', 'mnist_slim_cnn.py')


def test_slim_cnn_example_learns_and_saves_tf_names(tmp_path):
    prefix = str(tmp_path / 'slim_cnn.ckpt')
    proc = subprocess.run([sys.executable, EXAMPLE, '--device', 'cpu', '--steps', '60', '--conv1', '8',
                           '--conv2', '16', '--fc', '64', '--test_images', '1000', '--log_every', '20',
                           '--seed', '3', '--save', prefix], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    losses = [float(v) for v in re.findall(r'loss ([0-9.]+)', proc.stdout)]
    assert len(losses) == 3 and losses[-1] < losses[0], proc.stdout
    accuracy = float(re.search(r'test accuracy ([0-9.]+)', proc.stdout).group(1))
    assert accuracy > 0.7, proc.stdout
    import sluice as tf
    names = dict(tf.contrib.framework.list_variables(prefix))
    assert names['conv1/weights'] == [5, 5, 1, 8]
    assert names['conv2/BatchNorm/moving_variance'] == [16]
    assert names['fc4/biases'] == [10] and 'global_step' in names
    try:
        tf1 = pytest.importorskip('tensorflow').compat.v1
    except pytest.skip.Exception:
        return
    assert dict(tf1.train.list_variables(prefix)) == names
