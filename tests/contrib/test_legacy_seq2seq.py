"""tf.contrib.legacy_seq2seq's models (gone from TF 2.x): embedding_attention_seq2seq checked against the
same computation written out in NumPy from TF 1.15's definitions (GRU cell, EmbeddingWrapper,
OutputProjectionWrapper, multi-head attention decoder, feed_previous), its variable names against TF
1.15's, and model_with_buckets sharing them across buckets while training."""
import numpy as np
import pytest

import sluice as tf

ENC_IDS = [np.array([1, 2]), np.array([3, 0]), np.array([4, 4])]
DEC_IDS = [np.array([0, 1]), np.array([2, 2]), np.array([5, 3])]
PREFIX = 'embedding_attention_seq2seq/'
DECODER = PREFIX + 'embedding_attention_decoder/attention_decoder/'


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _gru(w, scope, x, h):
    r, u = np.split(_sigmoid(np.concatenate([x, h], 1) @ w[scope + 'gates/kernel'] + w[scope + 'gates/bias']), 2, 1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ w[scope + 'candidate/kernel'] + w[scope + 'candidate/bias'])
    return u * h + (1 - u) * c


def _numpy_model(w, heads, feed_previous):
    h = np.zeros((2, 4))
    states = []
    for ids in ENC_IDS:
        h = _gru(w, PREFIX + 'rnn/embedding_wrapper/gru_cell/', w[PREFIX + 'rnn/embedding_wrapper/embedding'][ids], h)
        states.append(h)
    states = np.stack(states, 1)  # [batch, time, depth]
    embedding = w[PREFIX + 'embedding_attention_decoder/embedding']
    attns = [np.zeros((2, 4))] * heads
    outputs, inp = [], embedding[DEC_IDS[0]]
    for step in range(len(DEC_IDS)):
        if step > 0:
            inp = embedding[outputs[-1].argmax(1)] if feed_previous else embedding[DEC_IDS[step]]
        x = np.concatenate([inp] + attns, 1) @ w[DECODER + 'kernel'] + w[DECODER + 'bias']
        h = _gru(w, DECODER + 'output_projection_wrapper/gru_cell/', x, h)
        projection = DECODER + 'output_projection_wrapper/'
        cell_output = h @ w[projection + 'kernel'] + w[projection + 'bias']
        attns = []
        for a in range(heads):
            features = states @ w[DECODER + 'AttnW_%d' % a][0, 0]
            y = h @ w[DECODER + 'Attention_%d/kernel' % a] + w[DECODER + 'Attention_%d/bias' % a]
            weights = _softmax((w[DECODER + 'AttnV_%d' % a] * np.tanh(features + y[:, None])).sum(-1))
            attns.append((weights[..., None] * states).sum(1))
        outputs.append(np.concatenate([cell_output] + attns, 1) @ w[DECODER + 'AttnOutputProjection/kernel'] +
                       w[DECODER + 'AttnOutputProjection/bias'])
    return outputs


@pytest.mark.parametrize('heads, feed_previous', [(1, False), (2, False), (2, True)])
def test_embedding_attention_seq2seq_is_the_numpy_model(heads, feed_previous):
    enc = [tf.constant(i) for i in ENC_IDS]
    dec = [tf.constant(i) for i in DEC_IDS]
    outputs, _ = tf.contrib.legacy_seq2seq.embedding_attention_seq2seq(
        enc, dec, tf.nn.rnn_cell.GRUCell(4), num_encoder_symbols=5, num_decoder_symbols=6, embedding_size=3,
        num_heads=heads, feed_previous=feed_previous)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(outputs)
        w = sess.run({v.op.name: v for v in tf.global_variables()})
    for a, b in zip(got, _numpy_model(w, heads, feed_previous)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_variable_names_and_buckets_share_them():
    enc = [tf.placeholder(tf.int32, [None]) for _ in range(3)]
    dec = [tf.placeholder(tf.int32, [None]) for _ in range(3)]
    targets = [tf.placeholder(tf.int32, [None]) for _ in range(3)]
    weights = [tf.ones([2]) for _ in range(3)]
    cell = tf.nn.rnn_cell.GRUCell(4)
    outputs, losses = tf.contrib.legacy_seq2seq.model_with_buckets(
        enc, dec, targets, weights, [(2, 2), (3, 3)],
        lambda e, d: tf.contrib.legacy_seq2seq.embedding_attention_seq2seq(e, d, cell, 5, 6, 3))
    names = [v.op.name for v in tf.global_variables()]
    assert names == [PREFIX + 'rnn/embedding_wrapper/embedding'] + \
        [PREFIX + 'rnn/embedding_wrapper/gru_cell/%s/%s' % (p, k) for p in ('gates', 'candidate')
         for k in ('kernel', 'bias')] + \
        [PREFIX + 'embedding_attention_decoder/embedding', DECODER + 'AttnW_0', DECODER + 'AttnV_0', DECODER + 'kernel',
         DECODER + 'bias'] + \
        [DECODER + 'output_projection_wrapper/gru_cell/%s/%s' % (p, k) for p in ('gates', 'candidate')
         for k in ('kernel', 'bias')] + \
        [DECODER + 'output_projection_wrapper/kernel', DECODER + 'output_projection_wrapper/bias',
         DECODER + 'Attention_0/kernel', DECODER + 'Attention_0/bias', DECODER + 'AttnOutputProjection/kernel',
         DECODER + 'AttnOutputProjection/bias']
    assert [len(o) for o in outputs] == [2, 3] and outputs[0][0].shape.as_list() == [None, 6]
    train = tf.train.AdamOptimizer(0.05).minimize(losses[1])
    feed = {p: v for p, v in zip(enc + dec, ENC_IDS + DEC_IDS)}
    feed.update({p: np.array([1, 2]) for p in targets})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(losses, feed)
        for _ in range(20):
            sess.run(train, feed)
        last = sess.run(losses, feed)
    assert last[1] < first[1] / 10 and last[0] != first[0]  # training bucket 2 moved bucket 1: shared variables


def test_errors():
    with pytest.raises(ValueError, match='Must provide at least 1 input to attention decoder.'):
        tf.contrib.legacy_seq2seq.attention_decoder([], tf.zeros([2, 4]), tf.zeros([2, 3, 4]),
                                                    tf.nn.rnn_cell.GRUCell(4))
    with pytest.raises(ValueError, match='Length of encoder_inputs \\(1\\) must be at least that of last bucket'):
        tf.contrib.legacy_seq2seq.model_with_buckets([tf.zeros([2])], [], [], [], [(2, 2)], None)
    with pytest.raises(ValueError, match='Parameter output_size must be > 0: 0.'):
        tf.contrib.rnn.OutputProjectionWrapper(tf.nn.rnn_cell.GRUCell(4), 0)
