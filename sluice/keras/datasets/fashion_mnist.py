"""tf.keras.datasets.fashion_mnist.load_data: Zalando's 28x28 clothing images, ((x_train, y_train),
(x_test, y_test)) as uint8 [n, 28, 28] and [n], from four gzip IDX files cached in
<keras home>/datasets/fashion-mnist (TF 1.15's names and origin; its loader checks no hash)."""
import gzip
import os

import numpy as np

from sluice.keras.utils.data_utils import get_file

BASE = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/'
FILES = ['train-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz',
         't10k-images-idx3-ubyte.gz']


def _read(path, offset):
    with gzip.open(path, 'rb') as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)   # offset skips the IDX header


def load_data():
    dirname = os.path.join('datasets', 'fashion-mnist')
    paths = [get_file(fname, origin=BASE + fname, cache_subdir=dirname) for fname in FILES]
    y_train, y_test = _read(paths[0], 8), _read(paths[2], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
