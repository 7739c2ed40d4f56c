"""tf.contrib.seq2seq's decoders and attention (TF 2.x has no contrib): every decode is checked against the
same computation written out in NumPy from TF 1.15's definitions (BasicLSTMCell, Bahdanau/Luong scores,
masking, AttentionWrapper, the helpers' feeding and finishing rules), gradients against finite
differences of that NumPy decode, and variable names against TF 1.15's."""
import numpy as np
import pytest

import sluice as tf

B, T, D, U, V, STEPS = 2, 5, 3, 4, 6, 4
RNG = np.random.RandomState(0)
ENC = RNG.randn(B, T, D).astype(np.float32)
DEC_IN = RNG.randn(B, STEPS, D).astype(np.float32)
EMB = RNG.randn(V, D).astype(np.float32)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _lstm(w, x, state):
    c, h = state
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ w['basic_lstm_cell/kernel'] + w['basic_lstm_cell/bias'], 4, 1)
    c = c * _sigmoid(f + 1.0) + _sigmoid(i) * np.tanh(j)
    return np.tanh(c) * _sigmoid(o), (c, np.tanh(c) * _sigmoid(o))


def _attend(w, kind, keys, values, lengths, query):
    if kind == 'bahdanau':
        v, g, b = w['bahdanau_attention/attention_v'], w['bahdanau_attention/attention_g'], \
            w['bahdanau_attention/attention_b']
        processed = query @ w['bahdanau_attention/query_layer/kernel']
        score = (g * v / np.sqrt((v ** 2).sum()) * np.tanh(keys + processed[:, None] + b)).sum(2)
    else:
        score = w['luong_attention/attention_g'] * np.einsum('bu,btu->bt', query, keys)
    score = np.where(np.arange(keys.shape[1])[None] < lengths[:, None], score, -np.inf)
    alignments = _softmax(score)
    return alignments, np.einsum('bt,btd->bd', alignments, values)


def _numpy_decode(w, kind, lengths, feed, steps):
    """AttentionWrapper(BasicLSTMCell, mechanism, attention_layer_size=U) under a BasicDecoder with a Dense
    output layer; `feed(t, logits)` gives the next inputs (None when the decode stops)."""
    values = ENC * (np.arange(T)[None, :, None] < lengths[:, None, None])
    keys = values @ w['memory_layer/kernel']
    state, attention = (np.zeros((B, U), np.float32),) * 2, np.zeros((B, U), np.float32)
    inputs, outputs, history = feed(-1, None), [], []
    for t in range(steps):
        cell_out, state = _lstm(w, np.concatenate([inputs, attention], 1), state)
        alignments, context = _attend(w, kind, keys, values, lengths, cell_out)
        attention = np.concatenate([cell_out, context], 1) @ w['attention_layer/kernel']
        logits = attention @ w['dense/kernel'] + w['dense/bias']
        outputs.append(logits)
        history.append(alignments)
        inputs = feed(t, logits)
    return np.stack(outputs, 1), np.stack(history)


def _build(kind, helper_fn, maximum_iterations=None, impute_finished=False):
    enc = tf.constant(ENC)
    lengths = tf.constant([5, 3])
    if kind == 'bahdanau':
        mech = tf.contrib.seq2seq.BahdanauAttention(U, enc, memory_sequence_length=lengths, normalize=True)
    else:
        mech = tf.contrib.seq2seq.LuongAttention(U, enc, memory_sequence_length=lengths, scale=True)
    cell = tf.contrib.seq2seq.AttentionWrapper(tf.nn.rnn_cell.BasicLSTMCell(U), mech, attention_layer_size=U,
                                               alignment_history=True)
    decoder = tf.contrib.seq2seq.BasicDecoder(cell, helper_fn(), cell.zero_state(B, tf.float32),
                                              output_layer=tf.layers.Dense(V))
    out, state, lens = tf.contrib.seq2seq.dynamic_decode(decoder, maximum_iterations=maximum_iterations,
                                                         impute_finished=impute_finished)
    return out, state.alignment_history.stack(), lens


def _weights(sess):
    values = sess.run({v.op.name: v for v in tf.global_variables()})
    return {name.replace('decoder/attention_wrapper/', '').replace('decoder/', ''): value
            for name, value in values.items()}


@pytest.mark.parametrize('kind', ['bahdanau', 'luong'])
def test_teacher_forced_attention_decode_is_the_numpy_decode(kind):
    out, history, lens = _build(kind, lambda: tf.contrib.seq2seq.TrainingHelper(tf.constant(DEC_IN), [4, 2]))
    assert out.rnn_output.shape.as_list() == [B, None, V] and out.sample_id.dtype == tf.int32
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, got_history, got_lens = sess.run([out, history, lens])
        w = _weights(sess)
    want, want_history = _numpy_decode(w, kind, np.array([5, 3]),
                                       lambda t, logits: DEC_IN[:, t + 1] if t + 1 < STEPS else None, STEPS)
    np.testing.assert_allclose(got.rnn_output, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got.sample_id, want.argmax(-1))
    np.testing.assert_allclose(got_history, want_history, rtol=1e-5, atol=1e-6)
    assert got_history[:, 1, 3:].max() == 0.0  # masked past the memory's length
    np.testing.assert_array_equal(got_lens, [4, 2])


def test_greedy_decode_feeds_back_argmax_until_the_end_token():
    end = 2

    def helper():
        return tf.contrib.seq2seq.GreedyEmbeddingHelper(tf.constant(EMB), tf.fill([B], 1), end)
    out, _, lens = _build('bahdanau', helper, maximum_iterations=6, impute_finished=True)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got, got_lens = sess.run([out, lens])
        w = _weights(sess)
    ids = []

    def feed(t, logits):
        if logits is None:
            return EMB[[1, 1]]
        ids.append(logits.argmax(-1))
        return EMB[logits.argmax(-1)]
    want, _ = _numpy_decode(w, 'bahdanau', np.array([5, 3]), feed, got.sample_id.shape[1])
    want_ids = np.stack(ids, 1)
    for b in range(B):  # up to and including each sequence's end token; zeros after (impute_finished)
        n = got_lens[b]
        np.testing.assert_array_equal(got.sample_id[b, :n], want_ids[b, :n])
        np.testing.assert_allclose(got.rnn_output[b, :n], want[b, :n], rtol=1e-5, atol=1e-6)
        assert (got.rnn_output[b, n:] == 0).all() and (got.sample_id[b, n:] == 0).all()
        assert n == 6 or want_ids[b, n - 1] == end


def test_variable_names_are_tensorflows():
    _build('bahdanau', lambda: tf.contrib.seq2seq.TrainingHelper(tf.constant(DEC_IN), [4, 2]))
    wrapper = 'decoder/attention_wrapper/'
    assert [v.op.name for v in tf.global_variables()] == [
        'memory_layer/kernel', wrapper + 'basic_lstm_cell/kernel', wrapper + 'basic_lstm_cell/bias',
        wrapper + 'bahdanau_attention/query_layer/kernel', wrapper + 'bahdanau_attention/attention_v',
        wrapper + 'bahdanau_attention/attention_g', wrapper + 'bahdanau_attention/attention_b',
        wrapper + 'attention_layer/kernel', 'decoder/dense/kernel', 'decoder/dense/bias']


def test_gradients_match_finite_differences_of_the_numpy_decode():
    out, _, _ = _build('luong', lambda: tf.contrib.seq2seq.TrainingHelper(tf.constant(DEC_IN), [4, 4]))
    probe = np.random.RandomState(1).randn(B, STEPS, V).astype(np.float32)
    loss = tf.reduce_sum(out.rnn_output * probe)
    variables = tf.trainable_variables()
    grads = tf.gradients(loss, variables)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = dict(zip([v.op.name for v in variables], sess.run(grads)))
        w = {k: v.astype(np.float64) for k, v in _weights(sess).items()}

    def numpy_loss(weights):
        logits, _ = _numpy_decode(weights, 'luong', np.array([5, 3]),
                                  lambda t, _: DEC_IN[:, t + 1] if t + 1 < STEPS else None, STEPS)
        return (logits * probe).sum()
    for full_name, short in (('decoder/attention_wrapper/luong_attention/attention_g', 'luong_attention/attention_g'),
                             ('memory_layer/kernel', 'memory_layer/kernel'),
                             ('decoder/attention_wrapper/basic_lstm_cell/kernel', 'basic_lstm_cell/kernel'),
                             ('decoder/dense/bias', 'dense/bias')):
        flat = w[short].reshape(-1)
        for i in range(0, flat.size, max(1, flat.size // 5)):
            eps = 1e-4
            up, down = dict(w), dict(w)
            up[short] = (flat + eps * (np.arange(flat.size) == i)).reshape(w[short].shape)
            down[short] = (flat - eps * (np.arange(flat.size) == i)).reshape(w[short].shape)
            numeric = (numpy_loss(up) - numpy_loss(down)) / (2 * eps)
            assert abs(got[full_name].reshape(-1)[i] - numeric) < 1e-3 * max(1.0, abs(numeric)), (full_name, i)


def test_tile_batch_hardmax_and_errors():
    t = tf.constant([[1, 2], [3, 4]])
    tiled = tf.contrib.seq2seq.tile_batch(t, 3)
    assert tiled.shape.as_list() == [6, 2]
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(tiled), [[1, 2]] * 3 + [[3, 4]] * 3)
        np.testing.assert_array_equal(sess.run(tf.contrib.seq2seq.hardmax([[0.1, 0.7, 0.2]])), [[0, 1, 0]])
    with pytest.raises(TypeError, match='Expected decoder to be type Decoder'):
        tf.contrib.seq2seq.dynamic_decode(object())
    with pytest.raises(ValueError, match='Expected sequence_length to be a vector'):
        tf.contrib.seq2seq.TrainingHelper(tf.constant(DEC_IN), 3)
    with pytest.raises(AttributeError, match='sluice does not implement'):
        tf.contrib.seq2seq.BahdanauMonotonicAttention
