"""tf.keras.datasets.cifar10.load_data: 50000 training and 10000 test 32x32 colour images of 10 classes,
((x_train, y_train), (x_test, y_test)), uint8, images channels-last unless the Keras image data format
is channels_first, labels [n, 1]. The archive unpacks into <keras home>/datasets/cifar-10-batches-py."""
import os

import numpy as np

from sluice.keras import backend as K
from sluice.keras.datasets.cifar import load_batch
from sluice.keras.utils.data_utils import get_file

ORIGIN = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
FILE_HASH = '6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce'


def load_data():
    path = get_file('cifar-10-batches-py', origin=ORIGIN, untar=True, file_hash=FILE_HASH)
    batches = [load_batch(os.path.join(path, 'data_batch_%d' % i)) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in batches]).astype('uint8')
    y_train = np.concatenate([np.asarray(labels) for _, labels in batches]).astype('uint8')
    x_test, y_test = load_batch(os.path.join(path, 'test_batch'))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if K.image_data_format() == 'channels_last':
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test.astype(y_train.dtype))
