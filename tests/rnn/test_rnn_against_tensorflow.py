"""RNN cells, dynamic/bidirectional/static RNNs and the seq2seq losses against TF 1.x (TF 2.21's compat.v1
with the legacy Keras cells): the same variable names, and with TF's weights loaded into sluice's
variables by name, the same outputs, final states and gradients (w.r.t. the inputs and every weight)."""
import os

import numpy as np
import pytest

import sluice as tf

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')  # tf.compat.v1.nn.rnn_cell needs the legacy Keras cells
pytestmark = pytest.mark.tf

RNG = np.random.RandomState(3)
X = RNG.uniform(-1, 1, (3, 5, 4))
LENGTHS = np.array([5, 2, 0], np.int32)


def _tf1():
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    tf1 = pytest.importorskip('tensorflow.compat.v1')
    tf1.disable_v2_behavior()
    pytest.importorskip('tf_keras')
    return tf1


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _flat(v)]
    return [x]


def _run(m, build, weights=None):
    """(variable names, values: outputs then gradients) of build(m, x) -> (tensors, loss)."""
    g = m.Graph()
    with g.as_default():
        m.set_random_seed(1)
        x = m.placeholder(m.float64, X.shape)
        tensors, loss = build(m, x)
        variables = m.trainable_variables()
        grads = m.gradients(loss, [x] + variables)
        with m.Session(graph=g) as sess:
            sess.run(m.global_variables_initializer())
            if weights is not None:
                for v in variables:
                    v.load(weights[v.op.name], sess)
            names = [v.op.name for v in variables]
            values = sess.run(_flat(tensors) + [loss] + grads, {x: X})
            return names, dict(zip(names, sess.run(variables))), values


def _compare(build):
    tf1 = _tf1()
    names, weights, want = _run(tf1, build)
    got_names, _, got = _run(tf, build, weights)
    assert got_names == names
    assert len(got) == len(want)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)
    return names


def _lstm_loss(m, out, state):
    return m.reduce_sum(out * out) + m.add_n([m.reduce_sum(s * 0.5) for s in _flat(state)])


CELLS = {
    'basic_rnn': lambda m: m.nn.rnn_cell.BasicRNNCell(6),
    'basic_lstm': lambda m: m.nn.rnn_cell.BasicLSTMCell(6, forget_bias=0.5),
    'basic_lstm_concat_state': lambda m: m.nn.rnn_cell.BasicLSTMCell(3, state_is_tuple=False),
    'lstm': lambda m: m.nn.rnn_cell.LSTMCell(5),
    'lstm_peepholes_proj_clip': lambda m: m.nn.rnn_cell.LSTMCell(5, use_peepholes=True, num_proj=3, cell_clip=0.2,
                                                                 proj_clip=0.3),
    'gru': lambda m: m.nn.rnn_cell.GRUCell(4),
    'multi': lambda m: m.nn.rnn_cell.MultiRNNCell([m.nn.rnn_cell.BasicLSTMCell(6), m.nn.rnn_cell.GRUCell(5)]),
    'residual_dropout_kept': lambda m: m.nn.rnn_cell.MultiRNNCell([
        m.nn.rnn_cell.ResidualWrapper(m.nn.rnn_cell.BasicRNNCell(4)),
        m.nn.rnn_cell.DropoutWrapper(m.nn.rnn_cell.LSTMCell(3), input_keep_prob=1.0, output_keep_prob=1.0)]),
}


@pytest.mark.parametrize('cell', sorted(CELLS))
def test_dynamic_rnn(cell):
    def build(m, x):
        out, state = m.nn.dynamic_rnn(CELLS[cell](m), x, dtype=m.float64)
        return [out, state], _lstm_loss(m, out, state)
    names = _compare(build)
    assert all(n.startswith('rnn/') for n in names)


@pytest.mark.parametrize('cell', ['basic_lstm', 'gru', 'multi'])
def test_dynamic_rnn_with_sequence_length_time_major_and_initial_state(cell):
    def build(m, x):
        c = CELLS[cell](m)
        init = _add(m, c.zero_state(3, m.float64))
        out, state = m.nn.dynamic_rnn(c, m.transpose(x, [1, 0, 2]), sequence_length=LENGTHS, initial_state=init,
                                      time_major=True, scope='encoder')
        return [out, state], _lstm_loss(m, out, state)
    _compare(build)


def _add(m, state):
    if isinstance(state, tuple):
        return type(state)(*[_add(m, s) for s in state]) if hasattr(state, '_fields') else \
            tuple(_add(m, s) for s in state)
    return state + 0.1


def test_bidirectional_dynamic_rnn():
    def build(m, x):
        (fw, bw), (sf, sb) = m.nn.bidirectional_dynamic_rnn(m.nn.rnn_cell.BasicLSTMCell(3),
                                                            m.nn.rnn_cell.GRUCell(2), x, sequence_length=LENGTHS,
                                                            dtype=m.float64)
        return [fw, bw, sf, sb], _lstm_loss(m, m.concat([fw, bw], 2), [sf, sb])
    names = _compare(build)
    assert names[0] == 'bidirectional_rnn/fw/basic_lstm_cell/kernel'


@pytest.mark.parametrize('lengths', [None, LENGTHS])
def test_static_rnn(lengths):
    def build(m, x):
        steps = m.unstack(x, axis=1)
        outs, state = m.nn.static_rnn(CELLS['multi'](m), steps, dtype=m.float64, sequence_length=lengths)
        return [outs, state], _lstm_loss(m, m.stack(outs), state)
    _compare(build)


def test_sequence_losses():
    targets = RNG.randint(0, 4, (3, 5))
    weights = (RNG.uniform(size=(3, 5)) > 0.3).astype(np.float64)

    def build(m, x):
        if m is tf:
            losses = [tf.contrib.seq2seq.sequence_loss(x, targets, weights, **kw) for kw in _SEQUENCE_LOSS_ARGS]
        else:  # TF 2 has no contrib: TF 1.15's formula in TF ops
            losses = [_tf_sequence_loss(m, x, targets, weights, **kw) for kw in _SEQUENCE_LOSS_ARGS]
        steps = m.unstack(x, axis=1)
        t_steps, w_steps = list(targets.T), list(weights.T)
        by_example = (_tf_by_example(m, steps, t_steps, w_steps) if m is not tf
                      else tf.contrib.legacy_seq2seq.sequence_loss_by_example(steps, t_steps, w_steps))
        total = m.add_n([m.reduce_sum(v) for v in losses + [by_example]])
        return losses + [by_example], total
    _compare(build)


_SEQUENCE_LOSS_ARGS = [{}, dict(average_across_batch=False), dict(average_across_timesteps=False),
                       dict(average_across_timesteps=False, average_across_batch=False),
                       dict(average_across_timesteps=False, average_across_batch=False, sum_over_timesteps=True,
                            sum_over_batch=True),
                       dict(average_across_timesteps=False, sum_over_timesteps=True)]


def _tf_sequence_loss(m, logits, targets, weights, average_across_timesteps=True, average_across_batch=True,
                      sum_over_timesteps=False, sum_over_batch=False):
    """TF 1.15's contrib.seq2seq.sequence_loss written with TF ops (contrib is gone from TF 2)."""
    crossent = m.nn.sparse_softmax_cross_entropy_with_logits(labels=targets.reshape(-1),
                                                             logits=m.reshape(logits, [-1, 4]))
    crossent *= weights.reshape(-1)
    if average_across_timesteps and average_across_batch:
        return m.div_no_nan(m.reduce_sum(crossent), m.reduce_sum(weights))
    if sum_over_timesteps and sum_over_batch:
        return m.div_no_nan(m.reduce_sum(crossent), m.cast(m.count_nonzero(weights), m.float64))
    crossent = m.reshape(crossent, [3, 5])
    if average_across_timesteps or average_across_batch:
        axis = [0] if average_across_batch else [1]
        return m.div_no_nan(m.reduce_sum(crossent, axis=axis), m.reduce_sum(weights, axis=axis))
    if sum_over_timesteps or sum_over_batch:
        axis = [0] if sum_over_batch else [1]
        return m.div_no_nan(m.reduce_sum(crossent, axis=axis), m.cast(m.count_nonzero(weights, axis=axis),
                                                                      m.float64))
    return crossent


def _tf_by_example(m, logits, targets, weights):
    terms = [m.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=l) * w
             for l, t, w in zip(logits, targets, weights)]
    return m.add_n(terms) / (m.add_n([m.constant(w) for w in weights]) + 1e-12)
