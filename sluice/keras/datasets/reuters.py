"""tf.keras.datasets.reuters: 11228 newswires as word-index sequences with 46 topic labels. load_data
shuffles them with np.random.seed(seed), indexes the words as word_sequences describes, and keeps the
first (1 - test_split) for training; get_word_index gives word -> rank."""
import json
import logging

import numpy as np

from sluice.keras.datasets.word_sequences import index_words, legacy_num_words, object_array
from sluice.keras.utils.data_utils import get_file

_log = logging.getLogger('tensorflow')
ORIGIN_FOLDER = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/'
FILE_HASH = 'd6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916'
WORD_INDEX_HASH = '4d44cc38712099c9e383dc6e5f11a921'


def load_data(path='reuters.npz', num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    num_words = legacy_num_words(num_words, kwargs, _log)
    path = get_file(path, origin=ORIGIN_FOLDER + 'reuters.npz', file_hash=FILE_HASH)
    with np.load(path, allow_pickle=True) as f:
        xs, labels = f['x'], f['y']
    np.random.seed(seed)
    indices = np.arange(len(xs))
    np.random.shuffle(indices)
    xs, labels = list(xs[indices]), labels[indices]
    xs, labels = index_words(xs, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from)
    split = int(len(xs) * (1 - test_split))
    return ((object_array(xs[:split]), np.array(labels[:split])),
            (object_array(xs[split:]), np.array(labels[split:])))


def get_word_index(path='reuters_word_index.json'):
    path = get_file(path, origin=ORIGIN_FOLDER + 'reuters_word_index.json', file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)
