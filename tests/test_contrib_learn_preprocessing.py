"""tf.contrib.learn.preprocessing (VocabularyProcessor and friends) and tf.contrib.learn.ModeKeys, with the
expected ids worked out by hand from TF 1.15's rules (contrib is not in TF 2.x to compare with)."""
import numpy as np
import pytest

import sluice as tf

learn = tf.contrib.learn
preprocessing = learn.preprocessing


def test_tokenizer_splits_as_tf():
    assert list(preprocessing.tokenizer(['I love TensorFlow', "don't stop-now USA ok"])) == [
        ['I', 'love', 'Tensor', 'Flow'], ["don't", 'stop-now', 'USA', 'ok']]


def test_vocabulary_processor_fit_transform_reverse():
    docs = ['a b c', 'b c d e f g', 'x']
    vp = preprocessing.VocabularyProcessor(4)
    rows = np.array(list(vp.fit_transform(docs)))
    # ids from 1 in order of first appearance; rows cut at 4 and zero-padded
    np.testing.assert_array_equal(rows, [[1, 2, 3, 0], [2, 3, 4, 5], [8, 0, 0, 0]])
    assert rows.dtype == np.int64 and len(vp.vocabulary_) == 9
    np.testing.assert_array_equal(next(vp.transform(['c unknown a'])), [3, 0, 1, 0])  # frozen: unseen is 0
    assert list(vp.reverse(rows[:1])) == ['a b c <UNK>']


def test_min_frequency_renumbers_by_count():
    vp = preprocessing.VocabularyProcessor(3, min_frequency=1)
    vp.fit(['b a b', 'c a b', 'd'])
    # counts b 3, a 2, c 1, d 1: only counts above 1 stay, by descending count
    assert (vp.vocabulary_.get('b'), vp.vocabulary_.get('a'), vp.vocabulary_.get('c')) == (1, 2, 0)
    assert len(vp.vocabulary_) == 3


def test_given_vocabulary_and_tokenizer():
    vocabulary = preprocessing.CategoricalVocabulary()
    vocabulary.get('z')
    vp = preprocessing.VocabularyProcessor(2, vocabulary=vocabulary, tokenizer_fn=lambda docs: (d.split('|')
                                                                                                 for d in docs))
    rows = list(vp.fit_transform(['z|y', 'y']))
    np.testing.assert_array_equal(rows, [[1, 2], [2, 0]])


def test_save_and_restore(tmp_path):
    vp = preprocessing.VocabularyProcessor(3)
    vp.fit(['one two', 'three'])
    path = str(tmp_path / 'vocab')
    vp.save(path)
    restored = preprocessing.VocabularyProcessor.restore(path)
    assert restored.max_document_length == 3
    np.testing.assert_array_equal(next(restored.transform(['three one'])), [3, 1, 0])


def test_byte_processor():
    bp = preprocessing.ByteProcessor(4)
    rows = list(bp.transform(['ab', 'abcdef']))
    np.testing.assert_array_equal(rows, [[97, 98, 0, 0], [97, 98, 99, 100]])
    assert list(bp.reverse(rows)) == ['ab', 'abcd']


def test_reverse_needs_support():
    with pytest.raises(ValueError, match="wasn't initialized with support_reverse"):
        preprocessing.CategoricalVocabulary(support_reverse=False).reverse(0)


def test_mode_keys_and_missing_names():
    assert (learn.ModeKeys.TRAIN, learn.ModeKeys.EVAL, learn.ModeKeys.INFER) == ('train', 'eval', 'infer')
    learn.ModeKeys.validate('infer')
    with pytest.raises(ValueError, match='Invalid mode predict.'):
        learn.ModeKeys.validate('predict')
    with pytest.raises(AttributeError, match='sluice does not implement tf.contrib.learn.Experiment yet'):
        learn.Experiment  # noqa: B018
