"""tf.keras.preprocessing.sequence (TF 1.15, i.e. keras_preprocessing 1.1): padding, skip-grams and
windows over time series, all in NumPy / Python.

pad_sequences: a [num_samples, maxlen, *sample_shape] array filled with `value`; each sequence is cut
to its last (truncating='pre') or first ('post') maxlen items and placed at the end (padding='pre')
or start ('post') of its row. maxlen defaults to the longest sequence.
skipgrams: for each non-zero word w_i (kept with probability sampling_table[w_i] when a table is given),
the pairs (w_i, w_j) for non-zero w_j with 0 < |i - j| <= window_size get label 1; then
int(positives * negative_samples) pairs (a shuffled positive's first word, a random word in
[1, vocabulary_size - 1]) get label 0; couples and labels are shuffled alike (Python's `random`, seeded
by `seed`).
make_sampling_table: word2vec's keep probability min(1, sqrt(f / s) / (f / s)) (f / s = sampling_factor
times Zipf's inverse frequency of the rank).
TimeseriesGenerator: a Sequence of (samples, targets) batches: the sample for row t is
data[t - length:t:sampling_rate] (reversed with reverse), its target targets[t], rows from
start_index + length to end_index every `stride` steps (or drawn at random with shuffle).
"""
import json
import random

import numpy as np

from sluice.keras.utils.data_utils import Sequence


def pad_sequences(sequences, maxlen=None, dtype='int32', padding='pre', truncating='pre', value=0.):
    if not hasattr(sequences, '__len__'):
        raise ValueError('`sequences` must be iterable.')
    lengths, sample_shape = [], None
    for x in sequences:
        try:
            lengths.append(len(x))
        except TypeError:
            raise ValueError('`sequences` must be a list of iterables. Found non-iterable: ' + str(x)) from None
        if sample_shape is None and len(x):
            sample_shape = np.asarray(x).shape[1:]   # the first non-empty sequence fixes it
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = np.max(lengths)
    if isinstance(value, str) and dtype != object and not np.issubdtype(dtype, np.str_):
        raise ValueError('`dtype` {} is not compatible with `value`\'s type: {}\nYou should set `dtype=object` for '
                         'variable length strings.'.format(dtype, type(value)))
    x = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    for idx, s in enumerate(sequences):
        if not len(s):
            continue
        if truncating == 'pre':
            kept = s[-maxlen:]
        elif truncating == 'post':
            kept = s[:maxlen]
        else:
            raise ValueError('Truncating type "%s" not understood' % truncating)
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError('Shape of sample %s of sequence at position %s is different from expected shape %s'
                             % (kept.shape[1:], idx, sample_shape))
        if padding == 'post':
            x[idx, :len(kept)] = kept
        elif padding == 'pre':
            x[idx, -len(kept):] = kept
        else:
            raise ValueError('Padding type "%s" not understood' % padding)
    return x


def make_sampling_table(size, sampling_factor=1e-5):
    """sampling_table[i]: the probability of keeping the i-th most frequent word (see module docstring)."""
    gamma = 0.577   # Euler-Mascheroni, in Zipf's approximation of the frequency of a rank
    rank = np.arange(size)
    rank[0] = 1
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1. / (12. * rank)
    f = sampling_factor * inverse_frequency
    return np.minimum(1., f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1., shuffle=True, categorical=False,
              sampling_table=None, seed=None):
    """(couples, labels): word pairs from `sequence` labelled 1 (in a window) or 0 (random negatives)."""
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    couples, labels = [], []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append(positive)
    if negative_samples > 0:
        count = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)], random.randint(1, int(vocabulary_size - 1))] for i in range(count)]
        labels += [negative] * count
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)   # the same permutation for both lists
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


def _remove_long_seq(maxlen, seq, label):
    """The (sequence, label) pairs whose sequence is shorter than maxlen."""
    kept = [(x, y) for x, y in zip(seq, label) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


class TimeseriesGenerator(Sequence):
    """Batches of (windows of `data`, the target at each window's end); see the module docstring."""

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0, end_index=None,
                 shuffle=False, reverse=False, batch_size=128):
        if len(data) != len(targets):
            raise ValueError('Data and targets have to be of same length. Data length is {} while target length '
                             'is {}'.format(len(data), len(targets)))
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError('`start_index+length=%i > end_index=%i` is disallowed, as no part of the sequence '
                             'would be left to be used as current step.' % (self.start_index, self.end_index))

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(first, min(first + self.batch_size * self.stride, self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate] for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        def as_json(values, what):
            values = values.tolist() if isinstance(values, np.ndarray) else values
            try:
                return json.dumps(values)
            except TypeError:
                raise TypeError('%s not JSON Serializable:' % what, values) from None
        return {'data': as_json(self.data, 'Data'), 'targets': as_json(self.targets, 'Targets'),
                'length': self.length, 'sampling_rate': self.sampling_rate, 'stride': self.stride,
                'start_index': self.start_index, 'end_index': self.end_index, 'shuffle': self.shuffle,
                'reverse': self.reverse, 'batch_size': self.batch_size}

    def to_json(self, **kwargs):
        return json.dumps({'class_name': self.__class__.__name__, 'config': self.get_config()}, **kwargs)
