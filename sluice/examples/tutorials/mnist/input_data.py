"""read_data_sets: MNIST from its gzip IDX files, as TF1's tutorials load it.

Nothing is downloaded: sluice ships the four files (train-images-idx3-ubyte.gz,
train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in DATA_DIR, beside
this module, with their licence note (CC BY-SA 3.0, Yann LeCun and Corinna Cortes). read_data_sets(train_dir)
reads the first folder that holds all four: `train_dir`, then $SLUICE_MNIST_DIR, then DATA_DIR. So a TF1
script's read_data_sets("MNIST_data/") works from any working directory. A folder holding only some of
the files, or a file that is not valid gzip IDX data, is an error whose message names the file, says
where the files go and where to get them (MNIST_MIRROR, TF's own source).
"""
import collections
import gzip
import logging
import os
import zlib

import numpy as np

FILES = ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
         't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')
DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
MNIST_MIRROR = 'https://storage.googleapis.com/cvdf-datasets/mnist/'

logger = logging.getLogger('sluice')

Datasets = collections.namedtuple('Datasets', ['train', 'validation', 'test'])


def _read_idx(path, magic):
    try:
        with gzip.open(path, 'rb') as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:   # not gzip, truncated, bad CRC
        raise ValueError(_damaged(path, 'not a readable gzip file (%s)' % e)) from None
    found = int.from_bytes(data[:4], 'big')
    if found != magic:
        raise ValueError(_damaged(path, 'invalid magic number %d (expected %d)' % (found, magic)))
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    expected = 4 + 4 * ndim + int(np.prod(dims))
    if len(data) != expected:
        raise ValueError(_damaged(path, '%d bytes of IDX data where its header announces %d' % (len(data), expected)))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _damaged(path, why):
    return ('MNIST file %s is damaged: %s. Replace it with a fresh copy of %s from %s (or delete the folder\'s '
            'four files to use the copy shipped with sluice in %s).'
            % (path, why, os.path.basename(path), MNIST_MIRROR, DATA_DIR))


def extract_images(path):
    """[N, 28, 28, 1] uint8 images."""
    images = _read_idx(path, 2051)
    return images.reshape(images.shape + (1,))


def extract_labels(path, one_hot=False, num_classes=10):
    labels = _read_idx(path, 2049)
    if one_hot:
        return dense_to_one_hot(labels, num_classes)
    return labels


def dense_to_one_hot(labels, num_classes):
    out = np.zeros((labels.shape[0], num_classes), dtype=np.uint8)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


class DataSet:
    """Images and labels with next_batch over shuffled epochs (TF1's mnist.DataSet)."""

    def __init__(self, images, labels, dtype=np.float32, reshape=True, seed=None):
        assert images.shape[0] == labels.shape[0], 'images.shape: %s labels.shape: %s' % (images.shape,
                                                                                          labels.shape)
        if reshape:
            images = images.reshape(images.shape[0], int(np.prod(images.shape[1:])))  # also 0 images
        if np.dtype(dtype) == np.float32:
            images = images.astype(np.float32) * (1.0 / 255.0)
        self._images, self._labels = images, labels
        self._num_examples = images.shape[0]
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random.RandomState(seed)

    images = property(lambda self: self._images)
    labels = property(lambda self: self._labels)
    num_examples = property(lambda self: self._num_examples)
    epochs_completed = property(lambda self: self._epochs_completed)

    def next_batch(self, batch_size, fake_data=False, shuffle=True):
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            self._shuffle()
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest = self._num_examples - start
            images_rest, labels_rest = self._images[start:], self._labels[start:]
            if shuffle:
                self._shuffle()
            self._index_in_epoch = batch_size - rest
            end = self._index_in_epoch
            return (np.concatenate((images_rest, self._images[:end]), axis=0),
                    np.concatenate((labels_rest, self._labels[:end]), axis=0))
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]

    def _shuffle(self):
        order = self._rng.permutation(self._num_examples)
        self._images, self._labels = self._images[order], self._labels[order]


def default_dir():
    """Where the files are read from when `train_dir` lacks them: $SLUICE_MNIST_DIR, else DATA_DIR."""
    return os.environ.get('SLUICE_MNIST_DIR') or DATA_DIR


def _missing(folder):
    return [f for f in FILES if not os.path.isfile(os.path.join(folder, f))]


def _locate(train_dir):
    """The first of train_dir, $SLUICE_MNIST_DIR, DATA_DIR that holds all four files."""
    candidates = [d for d in (train_dir, os.environ.get('SLUICE_MNIST_DIR'), DATA_DIR) if d]
    for folder in candidates:
        missing = _missing(folder)
        if not missing:
            return folder
        if len(missing) < len(FILES):
            raise FileNotFoundError(
                'MNIST folder %s lacks %s. Put all four files (%s) in one folder; they are at %s '
                '(sluice also ships them in %s).' % (folder, ', '.join(missing), ', '.join(FILES), MNIST_MIRROR,
                                                     DATA_DIR))
        if folder != candidates[-1]:
            logger.debug('MNIST files not in %s; trying %s', folder, candidates[candidates.index(folder) + 1])
    raise FileNotFoundError(
        'MNIST files not found in %s. Put the four files (%s) in one of those folders (DATA_DIR %s is where '
        'sluice ships them; $SLUICE_MNIST_DIR names another); they are at %s.'
        % (' nor '.join(candidates), ', '.join(FILES), DATA_DIR, MNIST_MIRROR))


def read_data_sets(train_dir, fake_data=False, one_hot=False, dtype=np.float32, reshape=True,
                   validation_size=5000, seed=None, source_url=None):
    """Datasets(train, validation, test) read from train_dir (the first validation_size training images
    are the validation set, as in TF1)."""
    if fake_data:
        raise ValueError('fake_data is not supported; pass the real files')
    path = _locate(train_dir)
    train_images = extract_images(os.path.join(path, FILES[0]))
    train_labels = extract_labels(os.path.join(path, FILES[1]), one_hot=one_hot)
    test_images = extract_images(os.path.join(path, FILES[2]))
    test_labels = extract_labels(os.path.join(path, FILES[3]), one_hot=one_hot)
    if not 0 <= validation_size <= len(train_images):
        raise ValueError('Validation size should be between 0 and %d. Received: %d.'
                         % (len(train_images), validation_size))
    options = dict(dtype=dtype, reshape=reshape, seed=seed)
    return Datasets(train=DataSet(train_images[validation_size:], train_labels[validation_size:], **options),
                    validation=DataSet(train_images[:validation_size], train_labels[:validation_size], **options),
                    test=DataSet(test_images, test_labels, **options))


def load_mnist(train_dir='MNIST-data'):
    return read_data_sets(train_dir)
