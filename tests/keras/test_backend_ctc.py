"""tf.keras.backend's CTC functions: the batch cost equals TF's tf.nn.ctc_loss on the same log(softmax + eps)
time-major inputs (TF 1.15's definition, built with tf.compat.v1), decoding gives dense -1-padded labels,
and dense labels become the SparseTensor of their first label_length entries."""
import numpy as np
import pytest

import sluice as tf

K = tf.keras.backend
RNG = np.random.RandomState(0)
LOGITS = RNG.randn(2, 6, 4).astype(np.float32)
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(-1, keepdims=True)
LABELS = np.array([[1, 2, 0], [2, 2, 1]], np.int32)
LABEL_LENGTH = np.array([[2], [3]])
INPUT_LENGTH = np.array([[6], [5]])


def test_dense_labels_to_sparse():
    sparse = K.ctc_label_dense_to_sparse(tf.constant(LABELS), tf.constant([2, 3]))
    with tf.Session() as sess:
        indices, values, shape = sess.run([sparse.indices, sparse.values, sparse.dense_shape])
    assert indices.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]]
    assert values.tolist() == [1, 2, 2, 2, 1] and shape.tolist() == [2, 3]


@pytest.mark.tf
def test_batch_cost_and_decode_are_tensorflows_definition():
    tf_real = pytest.importorskip('tensorflow')
    tf1 = tf_real.compat.v1
    tf1.disable_v2_behavior()
    with tf.Session() as sess:
        cost, (dense, log_prob) = sess.run([
            K.ctc_batch_cost(tf.constant(LABELS), tf.constant(PROBS), tf.constant(INPUT_LENGTH),
                             tf.constant(LABEL_LENGTH)),
            K.ctc_decode(tf.constant(PROBS), tf.constant([6, 5]))])
    g = tf1.Graph()
    with g.as_default():
        inputs = tf1.log(tf1.transpose(tf1.constant(PROBS), [1, 0, 2]) + 1e-7)
        labels = tf1.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]], [1, 2, 2, 2, 1], [2, 3])
        loss = tf1.nn.ctc_loss(labels, inputs, [6, 5])
        decoded, want_lp = tf1.nn.ctc_greedy_decoder(inputs, [6, 5])
        want_dense = tf1.sparse.to_dense(tf1.SparseTensor(decoded[0].indices, decoded[0].values, [2, 6]), -1)
        with tf1.Session() as sess:
            want_cost, want_dense, want_lp = sess.run([loss, want_dense, want_lp])
    np.testing.assert_allclose(cost[:, 0], want_cost, rtol=1e-5)
    np.testing.assert_array_equal(dense[0], want_dense)
    np.testing.assert_allclose(log_prob, want_lp, rtol=1e-5)
