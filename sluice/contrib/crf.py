"""tf.contrib.crf: a linear-chain CRF over unary potentials [batch, time, tags] and a transition matrix.

score(tags) = sum of the unary potentials of the tags + sum of transitions[tag_t, tag_t+1], both within
each sequence's length; log Z (crf_log_norm) is the forward recursion alpha_t = x_t + logsumexp(alpha_t-1
+ transitions) run by dynamic_rnn (so steps past a sequence's end keep its alphas), and
crf_log_likelihood = score - log Z, making the 'transitions' variable [tags, tags] when none is given.
crf_decode is the Viterbi recursion in the graph (max and argmax back-pointers, then a backward pass);
viterbi_decode the same in NumPy. Sequences of length 1 skip the recursions; length 0 scores 0.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor
from sluice.engine.tensor_shape import dimension_value
from sluice.layers.base import smart_cond
from sluice.ops import array_ops, constant_op, math_ops, reduction_ops
from sluice.ops import variable_scope as vs
from sluice.ops.filling_ops import range as _range
from sluice.ops.indexing_ops import where
from sluice.ops.manip_ops import reverse_sequence, sequence_mask
from sluice.ops.rnn import dynamic_rnn
from sluice.ops.rnn_cell_impl import RNNCell

__all__ = ['crf_sequence_score', 'crf_log_norm', 'crf_log_likelihood', 'crf_unary_score', 'crf_binary_score',
           'CrfForwardRnnCell', 'viterbi_decode', 'crf_decode', 'CrfDecodeForwardRnnCell', 'CrfDecodeBackwardRnnCell',
           'crf_multitag_sequence_score']


def _one_step(inputs):
    """True (a Python bool or a tensor) when the time axis has length 1."""
    steps = dimension_value(inputs.shape[1])
    return steps == 1 if steps is not None else math_ops.equal(array_ops.shape(inputs)[1], 1)


def _zero_where_empty(values, sequence_lengths):
    return where(math_ops.less_equal(sequence_lengths, 0), array_ops.zeros_like(values), values)


def crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params):
    """The unnormalized score of `tag_indices` [batch, time] under the potentials and transitions."""
    inputs, tag_indices = convert_to_tensor(inputs), convert_to_tensor(tag_indices)

    def single():
        batch = array_ops.shape(inputs, out_type=tag_indices.dtype)[0]
        rows = array_ops.reshape(_range(batch, dtype=tag_indices.dtype), [-1, 1])
        scores = array_ops.gather_nd(array_ops.squeeze(inputs, [1]), array_ops.concat([rows, tag_indices], axis=1))
        return _zero_where_empty(scores, sequence_lengths)

    def multi():
        return crf_unary_score(tag_indices, sequence_lengths, inputs) + \
            crf_binary_score(tag_indices, sequence_lengths, transition_params)
    return smart_cond(_one_step(inputs), single, multi)


def crf_multitag_sequence_score(inputs, tag_bitmap, sequence_lengths, transition_params):
    """log of the summed scores of every tag sequence allowed by `tag_bitmap` [batch, time, tags]."""
    inputs = convert_to_tensor(inputs)
    filtered = where(tag_bitmap, inputs, array_ops.fill(array_ops.shape(inputs), float('-inf')))
    return smart_cond(_one_step(inputs), lambda: reduction_ops.reduce_logsumexp(filtered, axis=[1, 2]),
                      lambda: crf_log_norm(filtered, sequence_lengths, transition_params))


def crf_log_norm(inputs, sequence_lengths, transition_params):
    """log Z: the log of the summed exponentiated scores of every tag sequence."""
    inputs = convert_to_tensor(inputs)
    first = array_ops.squeeze(array_ops.slice(inputs, [0, 0, 0], [-1, 1, -1]), [1])

    def single():
        return _zero_where_empty(reduction_ops.reduce_logsumexp(first, [1]), sequence_lengths)

    def multi():
        rest = array_ops.slice(inputs, [0, 1, 0], [-1, -1, -1])
        lengths = convert_to_tensor(sequence_lengths)
        shorter = math_ops.maximum(constant_op.constant(0, dtype=lengths.dtype), lengths - 1)
        _, alphas = dynamic_rnn(cell=CrfForwardRnnCell(transition_params), inputs=rest, sequence_length=shorter,
                                initial_state=first, dtype=dtypes.float32)
        return _zero_where_empty(reduction_ops.reduce_logsumexp(alphas, [1]), sequence_lengths)
    return smart_cond(_one_step(inputs), single, multi)


def crf_log_likelihood(inputs, tag_indices, sequence_lengths, transition_params=None):
    """(log p(tag_indices | inputs) per sequence, the transition matrix, made as 'transitions' if None)."""
    inputs = convert_to_tensor(inputs)
    num_tags = dimension_value(inputs.shape[2])
    if transition_params is None:
        transition_params = vs.get_variable('transitions', [num_tags, num_tags])
    scores = crf_sequence_score(inputs, tag_indices, sequence_lengths, transition_params)
    return scores - crf_log_norm(inputs, sequence_lengths, transition_params), transition_params


def crf_unary_score(tag_indices, sequence_lengths, inputs):
    inputs, tag_indices = convert_to_tensor(inputs), convert_to_tensor(tag_indices)
    batch, steps, tags = (array_ops.shape(inputs)[i] for i in range(3))
    offsets = array_ops.expand_dims(_range(batch) * steps * tags, 1) + \
        array_ops.expand_dims(_range(steps) * tags, 0)
    if tag_indices.dtype == dtypes.int64:
        offsets = math_ops.cast(offsets, dtypes.int64)
    picked = array_ops.gather(array_ops.reshape(inputs, [-1]), array_ops.reshape(offsets + tag_indices, [-1]))
    masks = sequence_mask(sequence_lengths, maxlen=array_ops.shape(tag_indices)[1], dtype=dtypes.float32)
    return reduction_ops.reduce_sum(array_ops.reshape(picked, [batch, steps]) * masks, 1)


def crf_binary_score(tag_indices, sequence_lengths, transition_params):
    tag_indices, transition_params = convert_to_tensor(tag_indices), convert_to_tensor(transition_params)
    num_tags = transition_params.shape[0].value
    transitions = array_ops.shape(tag_indices)[1] - 1
    starts = array_ops.slice(tag_indices, [0, 0], [-1, transitions])
    ends = array_ops.slice(tag_indices, [0, 1], [-1, transitions])
    scores = array_ops.gather(array_ops.reshape(transition_params, [-1]), starts * num_tags + ends)
    masks = sequence_mask(sequence_lengths, maxlen=array_ops.shape(tag_indices)[1], dtype=dtypes.float32)
    return reduction_ops.reduce_sum(scores * array_ops.slice(masks, [0, 1], [-1, -1]), 1)


class _CrfCell(RNNCell):
    """A cell with no variables of its own: __call__ computes directly, without a scope."""

    def __init__(self, transition_params):
        super().__init__()
        transition_params = convert_to_tensor(transition_params)
        self._transition_params = array_ops.expand_dims(transition_params, 0)
        self._num_tags = dimension_value(transition_params.shape[0])

    state_size = property(lambda self: self._num_tags)
    output_size = property(lambda self: self._num_tags)


class CrfForwardRnnCell(_CrfCell):
    def __call__(self, inputs, state, scope=None):
        scores = array_ops.expand_dims(state, 2) + self._transition_params
        alphas = inputs + reduction_ops.reduce_logsumexp(scores, [1])
        return alphas, alphas


class CrfDecodeForwardRnnCell(_CrfCell):
    def __call__(self, inputs, state, scope=None):
        scores = array_ops.expand_dims(state, 2) + self._transition_params  # [B, O, O]
        backpointers = math_ops.cast(reduction_ops.argmax(scores, 1), dtypes.int32)
        return backpointers, inputs + reduction_ops.reduce_max(scores, [1])


class CrfDecodeBackwardRnnCell(RNNCell):
    def __init__(self, num_tags):
        super().__init__()
        self._num_tags = num_tags

    state_size = property(lambda self: 1)
    output_size = property(lambda self: 1)

    def __call__(self, inputs, state, scope=None):
        state = array_ops.squeeze(state, axis=[1])
        indices = array_ops.stack([_range(array_ops.shape(inputs)[0]), state], axis=1)
        tags = array_ops.expand_dims(array_ops.gather_nd(inputs, indices), axis=-1)
        return tags, tags


def viterbi_decode(score, transition_params):
    """(best tag list, its score) of one [time, tags] score matrix, in NumPy (for test time)."""
    trellis = np.zeros_like(score)
    backpointers = np.zeros_like(score, dtype=np.int32)
    trellis[0] = score[0]
    for t in range(1, score.shape[0]):
        v = np.expand_dims(trellis[t - 1], 1) + transition_params
        trellis[t] = score[t] + np.max(v, 0)
        backpointers[t] = np.argmax(v, 0)
    viterbi = [np.argmax(trellis[-1])]
    for bp in reversed(backpointers[1:]):
        viterbi.append(bp[viterbi[-1]])
    viterbi.reverse()
    return viterbi, np.max(trellis[-1])


def crf_decode(potentials, transition_params, sequence_length):
    """(best tags [batch, time] int32, their scores [batch]) by Viterbi in the graph."""
    potentials = convert_to_tensor(potentials)

    def single():
        squeezed = array_ops.squeeze(potentials, [1])
        tags = array_ops.expand_dims(reduction_ops.argmax(squeezed, axis=1), 1)
        return math_ops.cast(tags, dtype=dtypes.int32), reduction_ops.reduce_max(squeezed, axis=1)

    def multi():
        lengths = convert_to_tensor(sequence_length)
        initial = array_ops.squeeze(array_ops.slice(potentials, [0, 0, 0], [-1, 1, -1]), axis=[1])
        rest = array_ops.slice(potentials, [0, 1, 0], [-1, -1, -1])
        shorter = math_ops.maximum(constant_op.constant(0, dtype=lengths.dtype), lengths - 1)
        backpointers, last_score = dynamic_rnn(CrfDecodeForwardRnnCell(transition_params), inputs=rest,
                                               sequence_length=shorter, initial_state=initial, time_major=False,
                                               dtype=dtypes.int32)
        backpointers = reverse_sequence(backpointers, shorter, seq_axis=1)
        last = array_ops.expand_dims(math_ops.cast(reduction_ops.argmax(last_score, axis=1), dtypes.int32), -1)
        tags, _ = dynamic_rnn(CrfDecodeBackwardRnnCell(dimension_value(potentials.shape[2])), inputs=backpointers,
                              sequence_length=shorter, initial_state=last, time_major=False, dtype=dtypes.int32)
        tags = array_ops.concat([last, array_ops.squeeze(tags, axis=[2])], axis=1)
        return reverse_sequence(tags, lengths, seq_axis=1), reduction_ops.reduce_max(last_score, axis=1)
    return smart_cond(_one_step(potentials), single, multi)
