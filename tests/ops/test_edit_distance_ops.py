"""tf.edit_distance: TF 1.15's doc example, the Levenshtein rows against the textbook recurrence, and errors."""
import numpy as np
import pytest

import sluice as tf
from sluice.kernels.edit_distance_kernels import levenshtein


def _textbook(a, b):
    table = np.zeros((len(a) + 1, len(b) + 1), int)
    table[:, 0], table[0, :] = np.arange(len(a) + 1), np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i, j] = min(table[i - 1, j] + 1, table[i, j - 1] + 1, table[i - 1, j - 1] + (a[i - 1] != b[j - 1]))
    return table[-1, -1]


def test_levenshtein_rows_match_the_textbook_table():
    rng = np.random.RandomState(0)
    for _ in range(200):
        a, b = rng.randint(0, 3, rng.randint(0, 8)), rng.randint(0, 3, rng.randint(0, 8))
        assert levenshtein(a, b) == _textbook(a, b)


def test_doc_example_of_tf_1_15():
    hypothesis = tf.SparseTensor([[0, 0, 0], [1, 0, 0]], ['a', 'b'], (2, 1, 1))
    truth = tf.SparseTensor([[0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]], ['a', 'b', 'c', 'a'], (2, 2, 2))
    distance = tf.edit_distance(hypothesis, truth)
    assert distance.shape.as_list() == [2, 2] and distance.dtype == tf.float32
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(distance), [[np.inf, 1.0], [0.5, 1.0]])
        value = tf.SparseTensorValue([[0, 0], [0, 1]], [3, 4], [1, 2])
        assert sess.run(tf.edit_distance(value, value, normalize=False)) == [0.0]


def test_a_sequence_is_read_in_the_order_its_entries_come():
    hypothesis = tf.SparseTensor([[0, 2], [0, 0], [0, 1]], [3, 1, 2], [1, 3])
    truth = tf.SparseTensor([[0, 0], [0, 1], [0, 2]], [1, 2, 3], [1, 3])
    with tf.Session() as sess:
        assert sess.run(tf.edit_distance(hypothesis, truth, normalize=False)) == [2.0]  # TF: [3, 1, 2]


def test_dense_inputs_and_mismatched_ranks_are_refused():
    st = tf.SparseTensor([[0, 0]], [1], [1, 1])
    with pytest.raises(TypeError, match='Hypothesis must be a SparseTensor'):
        tf.edit_distance(tf.constant([[1]]), st)
    with pytest.raises(TypeError, match='Truth must be a SparseTensor'):
        tf.edit_distance(st, [[1]])
    shape = tf.placeholder(tf.int64, [None])
    indices = tf.placeholder(tf.int64, [None, None])
    distance = tf.edit_distance(st, tf.SparseTensor(indices, tf.constant([1]), shape))
    with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match='same rank'):
        sess.run(distance, {shape: [1, 1, 1], indices: [[0, 0, 0]]})


def test_the_last_coordinate_may_pass_the_stated_shape_but_a_group_may_not():
    # TF reads sequences past the dense shape's last dimension (the cookbook's 'bear' in shape [1, 1, 1])
    truth = tf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 0, 3]], list('beer'), [1, 1, 1])
    bear = tf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 0, 3]], list('bear'), [1, 1, 1])
    before = tf.SparseTensor([[0, 0, 0], [0, 0, -1]], list('ba'), [1, 1, 1])
    outside = tf.SparseTensor([[0, 0, 0], [0, 3, 0]], list('ba'), [1, 1, 1])
    with tf.Session() as sess:
        assert sess.run(tf.edit_distance(bear, truth, normalize=False)) == [[1.0]]
        assert sess.run(tf.edit_distance(before, truth, normalize=False)) == [[3.0]]
        with pytest.raises(tf.errors.InternalError, match='outside of the buffer'):
            sess.run(tf.edit_distance(outside, truth))
