"""tf.keras.preprocessing.text against tf_keras (keras_preprocessing's text module, as TF 1.15 uses)."""
import json

import numpy as np
import pytest

from sluice.keras.preprocessing import text


@pytest.fixture(scope='module')
def reference():
    return pytest.importorskip('tf_keras.src.preprocessing.text')


TEXTS = ['The cat sat on the mat.', 'The dog ate my homework!', 'Cat, dog; and\tbird\nflew away', '',
         'the THE the cat']


@pytest.mark.parametrize('kwargs', [{}, dict(lower=False), dict(filters='', split=','), dict(split='a')])
def test_text_to_word_sequence_as_tf_keras(reference, kwargs):
    for sample in TEXTS + ['a,b,,c']:
        assert text.text_to_word_sequence(sample, **kwargs) == reference.text_to_word_sequence(sample, **kwargs)


def test_hashing_as_tf_keras(reference):
    for sample in TEXTS:
        assert text.one_hot(sample, 7) == reference.one_hot(sample, 7)
        assert text.hashing_trick(sample, 13, 'md5') == reference.hashing_trick(sample, 13, 'md5')
    assert all(1 <= i <= 4 for i in text.hashing_trick(TEXTS[1], 5, 'md5'))


@pytest.mark.parametrize('kwargs', [{}, dict(num_words=4), dict(oov_token='<unk>'),
                                    dict(num_words=5, oov_token='<unk>'), dict(char_level=True),
                                    dict(lower=False, num_words=6)])
def test_tokenizer_as_tf_keras(reference, kwargs):
    ours, theirs = text.Tokenizer(**kwargs), reference.Tokenizer(**kwargs)
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    assert ours.word_index == theirs.word_index and ours.index_word == theirs.index_word
    assert ours.word_counts == theirs.word_counts and dict(ours.word_docs) == dict(theirs.word_docs)
    probe = ['the bird sat on a new mat', 'dog dog cat zebra', ['The', 'cat']]
    assert ours.texts_to_sequences(probe) == theirs.texts_to_sequences(probe)
    sequences = theirs.texts_to_sequences(probe) + [[1, 2, 99]]
    assert ours.sequences_to_texts(sequences) == theirs.sequences_to_texts(sequences)
    for mode in ('binary', 'count', 'freq', 'tfidf'):
        np.testing.assert_allclose(ours.texts_to_matrix(probe, mode=mode), theirs.texts_to_matrix(probe, mode=mode),
                                   rtol=1e-12)


def test_tokenizer_json_round_trip(reference):
    tokenizer = text.Tokenizer(num_words=10, oov_token='?')
    tokenizer.fit_on_texts(TEXTS)
    restored = text.tokenizer_from_json(tokenizer.to_json())
    assert restored.word_index == tokenizer.word_index and restored.index_word == tokenizer.index_word
    assert restored.texts_to_sequences(TEXTS) == tokenizer.texts_to_sequences(TEXTS)
    theirs = reference.tokenizer_from_json(tokenizer.to_json())
    assert theirs.texts_to_sequences(TEXTS) == tokenizer.texts_to_sequences(TEXTS)
    assert json.loads(tokenizer.to_json())['class_name'] == 'Tokenizer'


def test_fit_on_sequences_counts_documents_for_tfidf():
    tokenizer = text.Tokenizer(num_words=4)
    tokenizer.fit_on_sequences([[1, 2, 2], [2, 3]])
    matrix = tokenizer.sequences_to_matrix([[2, 2, 1]], mode='tfidf')
    np.testing.assert_allclose(matrix[0], [0, np.log(1 + 2 / 2.), (1 + np.log(2)) * np.log(1 + 2 / 3.), 0])


def test_tokenizer_errors():
    with pytest.raises(ValueError, match='Specify a dimension'):
        text.Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match='Fit the Tokenizer on some data before using tfidf mode.'):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode='tfidf')
    with pytest.raises(ValueError, match='Unknown vectorization mode'):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode='odd')
    with pytest.raises(TypeError, match='Unrecognized keyword arguments'):
        text.Tokenizer(words=3)
    with pytest.warns(UserWarning, match='renamed `num_words`'):
        assert text.Tokenizer(nb_words=3).num_words == 3
