"""tf.keras.datasets.imdb: 25000 training and 25000 test movie reviews as word-index sequences with
0/1 sentiment labels. load_data shuffles each split with np.random.seed(seed), then indexes the words
as word_sequences describes (start_char=1, oov_char=2, index_from=3 by default) over both splits at
once; get_word_index gives word -> rank (before index_from is added)."""
import json
import logging

import numpy as np

from sluice.keras.datasets.word_sequences import index_words, legacy_num_words, object_array
from sluice.keras.utils.data_utils import get_file

_log = logging.getLogger('tensorflow')
ORIGIN_FOLDER = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/'
FILE_HASH = '69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f'
WORD_INDEX_HASH = 'bfafd718b763782e994055a2d397834f'


def load_data(path='imdb.npz', num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    num_words = legacy_num_words(num_words, kwargs, _log)
    path = get_file(path, origin=ORIGIN_FOLDER + 'imdb.npz', file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as f:
        x_train, labels_train = f['x_train'], f['y_train']
        x_test, labels_test = f['x_test'], f['y_test']
    np.random.seed(seed)
    indices = np.arange(len(x_train))
    np.random.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    np.random.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    xs = list(x_train) + list(x_test)
    labels = np.concatenate([labels_train, labels_test])
    xs, labels = index_words(xs, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from)
    split = len(x_train)
    return ((object_array(xs[:split]), np.array(labels[:split])),
            (object_array(xs[split:]), np.array(labels[split:])))


def get_word_index(path='imdb_word_index.json'):
    path = get_file(path, origin=ORIGIN_FOLDER + 'imdb_word_index.json', file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)
