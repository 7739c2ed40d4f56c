"""tf.keras.datasets.boston_housing.load_data: 506 houses, 13 features and the price; shuffled with
np.random.seed(seed), the first (1 - test_split) of them for training."""
import numpy as np

from sluice.keras.utils.data_utils import get_file

ORIGIN = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz'
FILE_HASH = 'f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5'


def load_data(path='boston_housing.npz', test_split=0.2, seed=113):
    assert 0 <= test_split < 1
    path = get_file(path, origin=ORIGIN, file_hash=FILE_HASH)
    with np.load(path) as f:
        x, y = f['x'], f['y']
    np.random.seed(seed)
    indices = np.arange(len(x))
    np.random.shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
