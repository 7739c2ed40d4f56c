"""tf.keras.preprocessing.sequence against tf_keras (whose sequence module is keras_preprocessing's, the
one TF 1.15 re-exports)."""
import json
import random

import numpy as np
import pytest

from sluice.keras.preprocessing import sequence
from sluice.keras.utils.data_utils import Sequence


@pytest.fixture(scope='module')
def reference():
    return pytest.importorskip('tf_keras.src.preprocessing.sequence')


@pytest.fixture(scope='module')
def reference_pad():
    return pytest.importorskip('tf_keras.src.utils.data_utils').pad_sequences


SEQUENCES = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9, 10]]


@pytest.mark.parametrize('kwargs', [{}, dict(maxlen=2), dict(maxlen=4, padding='post'),
                                    dict(maxlen=3, truncating='post', value=-1),
                                    dict(maxlen=6, padding='post', truncating='post', dtype='float32', value=0.5)])
def test_pad_sequences_as_tf_keras(reference_pad, kwargs):
    got = sequence.pad_sequences(SEQUENCES, **kwargs)
    expected = reference_pad(SEQUENCES, **kwargs)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_pad_sequences_of_vectors_and_strings(reference_pad):
    vectors = [np.ones((2, 3)), np.zeros((4, 3))]
    np.testing.assert_array_equal(sequence.pad_sequences(vectors, maxlen=3, dtype='float32'),
                                  reference_pad(vectors, maxlen=3, dtype='float32'))
    words = [['a', 'bb'], ['ccc']]
    np.testing.assert_array_equal(sequence.pad_sequences(words, dtype=object, value='-'),
                                  reference_pad(words, dtype=object, value='-'))


@pytest.mark.parametrize('args, message', [
    ((5,), '`sequences` must be iterable.'),
    (([[1], 2],), '`sequences` must be a list of iterables. Found non-iterable: 2'),
    (([[1]], None, 'int32', 'middle'), 'Padding type "middle" not understood'),
    (([[1]], None, 'int32', 'pre', 'middle'), 'Truncating type "middle" not understood'),
    (([[1]], None, 'int32', 'pre', 'pre', 'x'), "`dtype` int32 is not compatible with `value`'s type"),
    (([np.ones((1, 2)), np.ones((1, 3))],), r'Shape of sample \(3,\) of sequence at position 1 is different')])
def test_pad_sequences_errors(args, message):
    with pytest.raises(ValueError, match=message):
        sequence.pad_sequences(*args)


def test_make_sampling_table_as_tf_keras(reference):
    np.testing.assert_allclose(sequence.make_sampling_table(50), reference.make_sampling_table(50), rtol=1e-12)
    np.testing.assert_allclose(sequence.make_sampling_table(20, 1e-3), reference.make_sampling_table(20, 1e-3))


@pytest.mark.parametrize('kwargs', [dict(window_size=2, seed=3), dict(window_size=1, negative_samples=0.5, seed=7),
                                    dict(categorical=True, seed=11), dict(shuffle=False, negative_samples=0),
                                    dict(sampling_table=np.linspace(0.2, 1.0, 10), seed=5)])
def test_skipgrams_as_tf_keras(reference, kwargs):
    words = [1, 2, 0, 3, 4, 5, 2, 9]
    random.seed(1234)
    got = sequence.skipgrams(words, 10, **kwargs)
    random.seed(1234)
    expected = reference.skipgrams(words, 10, **kwargs)
    assert got == expected


def test_skipgrams_pairs_are_window_neighbours():
    couples, labels = sequence.skipgrams([1, 2, 3], 4, window_size=1, shuffle=False, negative_samples=0)
    assert couples == [[1, 2], [2, 1], [2, 3], [3, 2]] and labels == [1, 1, 1, 1]


def test_remove_long_seq():
    assert sequence._remove_long_seq(3, [[1], [1, 2, 3], [1, 2]], ['a', 'b', 'c']) == ([[1], [1, 2]], ['a', 'c'])


@pytest.mark.parametrize('kwargs', [dict(length=10, sampling_rate=2, batch_size=2),
                                    dict(length=3, stride=2, start_index=4, end_index=30, batch_size=5),
                                    dict(length=5, reverse=True, batch_size=7)])
def test_timeseries_generator_as_tf_keras(reference, kwargs):
    data = np.array([[i, -i] for i in range(50)])
    targets = np.arange(50) * 10
    ours = sequence.TimeseriesGenerator(data, targets, **kwargs)
    theirs = reference.TimeseriesGenerator(data, targets, **kwargs)
    assert isinstance(ours, Sequence) and len(ours) == len(theirs)
    for i in range(len(ours)):
        for a, b in zip(ours[i], theirs[i]):
            np.testing.assert_array_equal(a, b)
    assert json.loads(ours.to_json()) == json.loads(theirs.to_json())


def test_timeseries_generator_shuffles_rows_in_range():
    np.random.seed(0)
    gen = sequence.TimeseriesGenerator(np.arange(20), np.arange(20), length=4, shuffle=True, batch_size=6)
    samples, targets = gen[0]
    assert samples.shape == (6, 4) and np.all(targets >= 4)
    np.testing.assert_array_equal(samples[:, -1] + 1, targets)


def test_timeseries_generator_errors():
    with pytest.raises(ValueError, match='Data and targets have to be of same length. Data length is 3 while '
                                         'target length is 2'):
        sequence.TimeseriesGenerator([1, 2, 3], [1, 2], length=1)
    with pytest.raises(ValueError, match=r'`start_index\+length=5 > end_index=2` is disallowed'):
        sequence.TimeseriesGenerator([1, 2, 3], [1, 2, 3], length=5)
