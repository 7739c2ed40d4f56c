"""examples/mnist_layers_cnn.py runs and learns: 60 Adam steps of the tf.layers CNN (narrowed with --filters 8)
reach 70% on 1000 test images (a model that does not learn stays near 10%), and --ckpt writes a checkpoint
whose batch-norm moving statistics moved off their initial values through UPDATE_OPS."""
import os
import re
import subprocess
import sys

import numpy as np

import sluice as tf

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_mnist_layers_cnn_learns_and_saves(tmp_path):
    ckpt = str(tmp_path / 'cnn.ckpt')
    proc = subprocess.run([sys.executable, os.path.join(REPO, 'examples', 'mnist_layers_cnn.py'), '--device', 'cpu',
                           '--steps', '60', '--batch_size', '50', '--filters', '8', '--test_images', '1000',
                           '--seed', '1', '--ckpt', ckpt], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert 'MNIST tf.layers CNN on CPU: 60 steps of 50 images, 1000 test images' in proc.stdout
    accuracy = float(re.search(r'test accuracy (\S+)', proc.stdout).group(1))
    assert accuracy > 0.7, proc.stdout
    reader = tf.train.NewCheckpointReader(ckpt)
    names = reader.get_variable_to_shape_map()
    assert {'conv2d/kernel', 'conv2d_1/bias', 'dense/kernel', 'dense_1/bias', 'batch_normalization/gamma',
            'batch_normalization/moving_mean', 'batch_normalization/moving_variance', 'global_step'} <= set(names)
    assert reader.get_variable_to_shape_map()['conv2d/kernel'] == [5, 5, 1, 8]
    assert np.abs(reader.get_tensor('batch_normalization/moving_mean')).max() > 0
