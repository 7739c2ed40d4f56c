"""tf.keras.datasets.cifar100.load_data(label_mode='fine'|'coarse'): 50000 training and 10000 test 32x32
colour images with 100 fine or 20 coarse labels [n, 1], images channels-last unless the Keras image data
format is channels_first. The archive unpacks into <keras home>/datasets/cifar-100-python."""
import os

import numpy as np

from sluice.keras import backend as K
from sluice.keras.datasets.cifar import load_batch
from sluice.keras.utils.data_utils import get_file

ORIGIN = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'
FILE_HASH = '85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7'


def load_data(label_mode='fine'):
    if label_mode not in ['fine', 'coarse']:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`.')
    path = get_file('cifar-100-python', origin=ORIGIN, untar=True, file_hash=FILE_HASH)
    x_train, y_train = load_batch(os.path.join(path, 'train'), label_key=label_mode + '_labels')
    x_test, y_test = load_batch(os.path.join(path, 'test'), label_key=label_mode + '_labels')
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if K.image_data_format() == 'channels_last':
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
