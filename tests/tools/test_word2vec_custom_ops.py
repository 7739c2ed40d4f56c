"""The word2vec custom-op example: its ops against NumPy, and its training run."""
import os
import sys

import numpy as np
import pytest

import sluice as tf
from sluice import custom_ops
from sluice.engine import errors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, 'examples', 'word2vec_custom_ops')


@pytest.fixture
def word2vec(tmp_path, monkeypatch):
    monkeypatch.setenv('SLUICE_OP_CACHE', str(tmp_path / 'cache'))
    module = tf.load_op_library(EXAMPLE)
    yield module
    custom_ops.unload_op_library(module)


def test_skipgram_vocabulary_and_pairs(word2vec, tmp_path):
    text = 'b a c a b a d e a b c ' * 30
    (tmp_path / 'text.txt').write_text(text)
    words = text.split()
    with tf.Graph().as_default():
        out = word2vec.skipgram_word2vec(filename=str(tmp_path / 'text.txt'), batch_size=50, window_size=1,
                                         min_count=61, subsample=0.0)
        assert out.examples.shape.as_list() == [50] and out.vocab_word.shape.as_list() == [None]
        with tf.Session() as sess:
            vocab, freq, per_epoch, epoch, total, examples, labels = sess.run(list(out))
            later = sess.run(out.examples)
    # 'a' (120) and 'b' (90) are kept; 'c', 'd', 'e' (60, 30, 30) fall under UNK
    assert vocab.tolist() == [b'UNK', b'a', b'b'] and freq.tolist() == [120, 120, 90]
    # one sentence of 1000 words was read from the ring of 330: three times round, 1000 words read
    assert per_epoch == len(words) and epoch == 1000 // len(words) and total == 1000
    ids = {'a': 1, 'b': 2}
    stream = [ids.get(w, 0) for w in words]
    adjacent = {(stream[i], stream[i + 1]) for i in range(len(stream) - 1)}
    adjacent |= {(y, x) for x, y in adjacent}
    assert all((e, l) in adjacent for e, l in zip(examples, labels))
    # window 1 from the start of the sentence: the first pairs are (w0, w1), (w1, w0), (w1, w2)
    assert list(zip(examples[:3], labels[:3])) == [(stream[0], stream[1]), (stream[1], stream[0]),
                                                   (stream[1], stream[2])]
    assert not np.array_equal(later, examples)


def test_neg_train_without_negatives_matches_numpy(word2vec):
    rng = np.random.RandomState(0)
    w_in0, w_out0 = rng.uniform(-0.5, 0.5, (6, 4)).astype(np.float32), rng.uniform(-0.5, 0.5, (6, 4)).astype(
        np.float32)
    examples, labels, lr = np.array([1, 2, 1], np.int32), np.array([3, 3, 5], np.int32), 0.5
    with tf.Graph().as_default():
        w_in, w_out = tf.Variable(w_in0), tf.Variable(w_out0)
        train = word2vec.neg_train_word2vec(w_in, w_out, examples, labels, lr, vocab_count=[1] * 6,
                                            num_negative_samples=0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            got_in, got_out = sess.run([w_in, w_out])
    want_in, want_out = w_in0.copy(), w_out0.copy()
    for e, l in zip(examples, labels):
        g = lr * (1 - 1 / (1 + np.exp(-(want_in[e] @ want_out[l]))))
        step_in = g * want_out[l]
        want_out[l] += g * want_in[e]
        want_in[e] += step_in
    np.testing.assert_allclose(got_in, want_in, rtol=1e-5)
    np.testing.assert_allclose(got_out, want_out, rtol=1e-5)


def test_neg_train_checks_ids_and_counts(word2vec):
    with tf.Graph().as_default():
        w_in, w_out = tf.Variable(tf.zeros([3, 2])), tf.Variable(tf.zeros([3, 2]))
        bad_id = word2vec.neg_train_word2vec(w_in, w_out, [7], [0], 0.1, vocab_count=[1, 1, 1],
                                             num_negative_samples=1)
        bad_counts = word2vec.neg_train_word2vec(w_in, w_out, [0], [0], 0.1, vocab_count=[1, 1],
                                                 num_negative_samples=1)
        mismatched = word2vec.neg_train_word2vec(w_in, w_out, [0, 1], [0], 0.1, vocab_count=[1, 1, 1],
                                                 num_negative_samples=1)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            with pytest.raises(errors.InvalidArgumentError, match=r'examples\[0\] = 7 is not in \[0, 3\)'):
                sess.run(bad_id)
            with pytest.raises(errors.InvalidArgumentError, match='vocab_count has 2 entries'):
                sess.run(bad_counts)
            with pytest.raises(errors.InvalidArgumentError, match='argument labels has shape'):
                sess.run(mismatched)


def test_example_trains_topic_embeddings(word2vec, capsys):
    sys.path.insert(0, EXAMPLE)
    try:
        import word2vec_train
        accuracy = word2vec_train.main(['--epochs', '2'])
    finally:
        sys.path.remove(EXAMPLE)
    assert accuracy >= 0.8          # chance: about 1/6
    assert 'topic accuracy of nearest neighbours' in capsys.readouterr().out
