"""CTC loss and decoders: against TF 2.21's tf.compat.v1.nn (the same program built in both: losses,
gradients, decoded paths and log probabilities), and the loss against a brute-force sum over every
alignment of a tiny case (no TF needed)."""
import itertools

import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors

RNG = np.random.RandomState(0)
X = RNG.randn(6, 3, 5).astype(np.float32)


@pytest.fixture
def tf1():
    tf_real = pytest.importorskip('tensorflow')
    v1 = tf_real.compat.v1
    v1.disable_v2_behavior()
    return v1


def _program(t):
    x = t.constant(X)
    labels = t.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 0]], [1, 1, 2, 0, 3, 3], [3, 3])
    out = []
    for kw in ({}, {'ctc_merge_repeated': False}, {'preprocess_collapse_repeated': True}):
        loss = t.nn.ctc_loss(labels, x, [6, 5, 2], **kw)
        out += [loss, t.gradients(t.reduce_sum(loss * [1., 2., 3.]), x)[0]]
    batch_major = t.nn.ctc_loss(labels, t.transpose(x, [1, 0, 2]), [6, 5, 2], time_major=False)
    decoded, log_prob = t.nn.ctc_greedy_decoder(x, [6, 5, 2])
    unmerged, unmerged_lp = t.nn.ctc_greedy_decoder(x, [6, 5, 2], merge_repeated=False)
    beams, beam_lp = t.nn.ctc_beam_search_decoder(x, [6, 5, 2], beam_width=6, top_paths=3)
    raw, raw_lp = t.nn.ctc_beam_search_decoder(x, [6, 5, 2], beam_width=6, top_paths=2, merge_repeated=False)
    out += [batch_major, decoded[0], log_prob, unmerged[0], unmerged_lp] + list(beams) + [beam_lp] + list(raw) + \
        [raw_lp]
    with t.Session() as sess:
        return sess.run(out), out


@pytest.mark.tf
def test_ctc_is_tensorflows(tf1):
    (ours, our_tensors), (theirs, their_tensors) = _program(tf), _program(tf1)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if hasattr(a, 'indices'):
            for p, q in zip(a, b):
                np.testing.assert_array_equal(p, q, err_msg=str(i))
        else:
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=str(i))
    for a, b in zip(our_tensors, their_tensors):
        a, b = (getattr(a, 'values', a), getattr(b, 'values', b))
        assert a.dtype.name == b.dtype.name


def test_loss_is_the_sum_over_all_alignments():
    steps, classes = 4, 3  # classes 0, 1 and the blank 2
    logits = RNG.randn(steps, 1, classes).astype(np.float32)
    probs = np.exp(logits[:, 0]) / np.exp(logits[:, 0]).sum(-1, keepdims=True)
    target = [0, 0, 1]

    def collapse(path):
        merged = [k for j, k in enumerate(path) if j == 0 or k != path[j - 1]]
        return [k for k in merged if k != 2]
    total = sum(np.prod([probs[t, k] for t, k in enumerate(path)])
                for path in itertools.product(range(classes), repeat=steps) if collapse(path) == target)
    loss = tf.nn.ctc_loss(tf.SparseTensor([[0, 0], [0, 1], [0, 2]], target, [1, 3]), logits, [steps])
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(loss), [-np.log(total)], rtol=1e-5)


def test_errors():
    labels = tf.SparseTensor([[0, 0], [0, 1], [0, 2]], [1, 1, 1], [1, 3])
    x = tf.constant(X[:, :1])
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match='Not enough time for target transition sequence'):
            sess.run(tf.nn.ctc_loss(labels, x, [4]))
        assert sess.run(tf.nn.ctc_loss(labels, x, [4], ignore_longer_outputs_than_inputs=True)).tolist() == [0.0]
        with pytest.raises(errors.InvalidArgumentError, match='len\\(sequence_length\\) != batch_size'):
            sess.run(tf.nn.ctc_loss(labels, x, [4, 4]))
    with pytest.raises(TypeError, match='Expected labels \\(first argument\\) to be a SparseTensor'):
        tf.nn.ctc_loss(tf.constant([[1]]), x, [4])
