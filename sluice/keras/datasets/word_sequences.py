"""What the IMDB and Reuters loaders do to their word-index sequences (TF 1.15's steps, in order):
prepend start_char and shift every index by index_from (or only shift), drop sequences of maxlen or
more, then keep indices in [skip_top, num_words) and replace the others by oov_char (or drop them when
oov_char is None). num_words defaults to the largest index. Sequences come back as a 1-D object
array of lists, as TF 1.15's loaders return them."""
import numpy as np

from sluice.keras.preprocessing.sequence import _remove_long_seq


def index_words(xs, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    if maxlen:
        xs, labels = _remove_long_seq(maxlen, xs, labels)
        if not xs:
            raise ValueError('After filtering for sequences shorter than maxlen=' + str(maxlen) + ', no sequence '
                             'was kept. Increase maxlen.')
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    return xs, labels


def object_array(lists):
    """A 1-D object array holding each list (NumPy would make a 2-D array of equal-length lists)."""
    out = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        out[i] = list(item)
    return out


def legacy_num_words(num_words, kwargs, log):
    if 'nb_words' in kwargs:
        log.warning('The `nb_words` argument in `load_data` has been renamed `num_words`.')
        num_words = kwargs.pop('nb_words')
    if kwargs:
        raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
    return num_words
