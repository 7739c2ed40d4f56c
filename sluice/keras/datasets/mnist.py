"""tf.keras.datasets.mnist.load_data: ((x_train, y_train), (x_test, y_test)), uint8 images [n, 28, 28]
and uint8 labels [n] (60000 training, 10000 test).

Sources, in order: TF 1.15's cache file `path` (default mnist.npz in ~/.keras/datasets or
$KERAS_HOME/datasets) when present; else the four IDX files sluice's MNIST tutorials read
($SLUICE_MNIST_DIR, else the copy shipped in sluice/examples/tutorials/mnist/data), which hold the same
images and labels; else the download TF 1.15 makes (origin and sha256 below).
"""
import os

import numpy as np

from sluice.keras.utils import data_utils

ORIGIN = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz'
FILE_HASH = '731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1'


def _cached_path(path):
    return os.path.join(os.path.expanduser(data_utils.keras_home()), 'datasets', path)


def _from_idx_files():
    """The arrays from sluice's MNIST IDX files, or None when no folder holds all four."""
    from sluice.examples.tutorials.mnist import input_data
    folder = input_data.default_dir()
    if input_data._missing(folder):
        return None
    read = lambda i, magic: input_data._read_idx(os.path.join(folder, input_data.FILES[i]), magic)   # noqa: E731
    return (read(0, 2051), read(1, 2049)), (read(2, 2051), read(3, 2049))


def load_data(path='mnist.npz'):
    if not os.path.exists(_cached_path(path)):
        arrays = _from_idx_files()
        if arrays is not None:
            return arrays
    path = data_utils.get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path) as f:
        return (f['x_train'], f['y_train']), (f['x_test'], f['y_test'])
