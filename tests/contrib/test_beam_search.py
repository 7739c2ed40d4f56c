"""tf.contrib.seq2seq.BeamSearchDecoder and gather_tree (gone from TF 2.x): the decode is checked step by
step against TF 1.15's beam search written out in NumPy (log-softmax, finished beams held on end_token,
length penalty, top-k over beam x vocab, parents' states gathered), and gather_tree against TF's own
documented examples."""
import numpy as np
import pytest

import sluice as tf
from sluice.engine import errors

B, K, V, U = 2, 3, 5, 4
END, START = 0, 1
RNG = np.random.RandomState(3)
EMB = RNG.randn(V, 3).astype(np.float32)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _log_softmax(x):
    s = x - x.max(-1, keepdims=True)
    return s - np.log(np.exp(s).sum(-1, keepdims=True))


def _numpy_beam_search(w, h0, penalty, steps):
    def cell(x, h):
        r, u = np.split(_sigmoid(np.concatenate([x, h], 1) @ w['gates/kernel'] + w['gates/bias']), 2, 1)
        c = np.tanh(np.concatenate([x, r * h], 1) @ w['candidate/kernel'] + w['candidate/bias'])
        return u * h + (1 - u) * c
    h = np.repeat(h0, K, axis=0)  # [B * K, U]
    log_probs = np.where(np.arange(K) == 0, 0.0, -np.inf)[None].repeat(B, 0)
    finished = np.arange(K)[None].repeat(B, 0) != 0
    lengths = np.zeros((B, K), np.int64)
    ids = np.full((B, K), START)
    history = []
    for _ in range(steps):
        h = cell(EMB[ids.reshape(-1)], h)
        logits = (h @ w['dense/kernel'] + w['dense/bias']).reshape(B, K, V)
        step = _log_softmax(logits)
        step = np.where(finished[..., None], np.where(np.arange(V) == END, 0.0, np.finfo(np.float32).min), step)
        total = log_probs[..., None] + step
        new_lengths = lengths[..., None] + ((np.arange(V) != END) & ~finished[..., None])
        scores = total / (((5. + new_lengths) ** penalty) / 6. ** penalty) if penalty else total
        flat = scores.reshape(B, -1)
        top = np.argsort(-flat, axis=1, kind='stable')[:, :K]
        parents, words = top // V, top % V
        rows = np.arange(B)[:, None]
        log_probs = total.reshape(B, -1)[rows, top]
        was_finished = finished[rows, parents]
        finished = was_finished | (words == END)
        lengths = lengths[rows, parents] + ~was_finished
        h = h.reshape(B, K, U)[rows, parents].reshape(B * K, U)
        history.append((flat[rows, top], words, parents))
        ids = words
        if finished.all():
            break
    return history, lengths


def _numpy_gather_tree(words, parents, max_lengths):
    out = np.full(words.shape, END)
    for b in range(words.shape[1]):
        n = max_lengths[b]
        for k in range(words.shape[2]):
            parent = k
            for t in range(n - 1, -1, -1):
                out[t, b, k] = words[t, b, parent]
                parent = parents[t, b, parent]
            ended = np.nonzero(out[:n, b, k] == END)[0]
            if ended.size:
                out[ended[0] + 1:n, b, k] = END
    return out


@pytest.mark.parametrize('penalty', [0.0, 0.6])
def test_beam_search_is_tf_115s_algorithm(penalty):
    h0 = RNG.randn(B, U).astype(np.float32)
    cell = tf.nn.rnn_cell.GRUCell(U)
    decoder = tf.contrib.seq2seq.BeamSearchDecoder(
        cell, tf.constant(EMB), tf.fill([B], START), END, tf.contrib.seq2seq.tile_batch(tf.constant(h0), K), K,
        output_layer=tf.layers.Dense(V), length_penalty_weight=penalty)
    out, state, _ = tf.contrib.seq2seq.dynamic_decode(decoder, maximum_iterations=6)
    assert out.predicted_ids.shape.as_list() == [B, None, K] and out.predicted_ids.dtype == tf.int32
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, got_state = sess.run([out, state])
        names = {v.op.name.replace('decoder/', '').replace('gru_cell/', ''): v for v in tf.global_variables()}
        w = sess.run(names)
    history, lengths = _numpy_beam_search(w, h0, penalty, 6)
    steps = got.predicted_ids.shape[1]
    assert steps == len(history)
    scores, words, parents = (np.stack([h[i] for h in history], 1) for i in range(3))  # [B, T, K]
    np.testing.assert_allclose(got.beam_search_decoder_output.scores, scores, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(got.beam_search_decoder_output.predicted_ids, words)
    np.testing.assert_array_equal(got.beam_search_decoder_output.parent_ids, parents)
    np.testing.assert_array_equal(got_state.lengths, lengths)
    want = _numpy_gather_tree(words.transpose(1, 0, 2), parents.transpose(1, 0, 2), lengths.max(1))
    np.testing.assert_array_equal(got.predicted_ids, want.transpose(1, 0, 2))


def test_gather_tree_is_tensorflows_example():
    # TF's own example (beam_search_ops_test): beams followed back from the last step.
    step_ids = np.array([[[1, 2, 3], [4, 5, 6], [7, 8, 9], [-1, -1, -1]]]).transpose(1, 0, 2)
    parent_ids = np.array([[[0, 0, 0], [0, 1, 1], [2, 1, 2], [-1, -1, -1]]]).transpose(1, 0, 2)
    beams = tf.contrib.seq2seq.gather_tree(step_ids, parent_ids, [3], 10)
    with tf.Session() as sess:
        got = sess.run(beams)
        expected = np.array([[[2, 2, 2], [6, 5, 6], [7, 8, 9], [10, 10, 10]]]).transpose(1, 0, 2)
        np.testing.assert_array_equal(got, expected)
        with pytest.raises(errors.InvalidArgumentError, match='Saw invalid parent id 5'):
            sess.run(tf.contrib.seq2seq.gather_tree(step_ids, np.full_like(parent_ids, 5), [3], 10))


def test_attention_wrapper_under_beam_search_with_tiled_memory():
    memory = tf.constant(RNG.randn(B, 7, 3).astype(np.float32))
    tiled = tf.contrib.seq2seq.tile_batch(memory, K)
    lengths = tf.contrib.seq2seq.tile_batch(tf.constant([7, 4]), K)
    mechanism = tf.contrib.seq2seq.LuongAttention(U, tiled, memory_sequence_length=lengths)
    cell = tf.contrib.seq2seq.AttentionWrapper(tf.nn.rnn_cell.GRUCell(U), mechanism, attention_layer_size=U,
                                               alignment_history=True)
    decoder = tf.contrib.seq2seq.BeamSearchDecoder(
        cell, tf.constant(EMB), tf.fill([B], START), END, cell.zero_state(B * K, tf.float32), K,
        output_layer=tf.layers.Dense(V), coverage_penalty_weight=0.2)
    out, state, _ = tf.contrib.seq2seq.dynamic_decode(decoder, maximum_iterations=5)
    history = state.cell_state.alignment_history  # reordered along the final beams: [time, batch * beam, 7]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        ids, alignments = sess.run([out.predicted_ids, history])
    assert ids.shape[0] == B and ids.shape[2] == K and 1 <= ids.shape[1] <= 5
    assert alignments.shape == (ids.shape[1], B * K, 7)
    np.testing.assert_allclose(alignments.sum(-1), 1.0, rtol=1e-5)
    assert np.abs(alignments.reshape(-1, B, K, 7)[:, 1, :, 4:]).max() == 0.0  # masked past length 4
