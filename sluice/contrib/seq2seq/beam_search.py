"""tf.contrib.seq2seq.BeamSearchDecoder and gather_tree (TF 1.15's beam search).

The decoder keeps `beam_width` hypotheses per batch entry, the cell running on [batch * beam] rows. Each
step adds log_softmax(logits) to the beams' log probabilities (a finished beam may only emit `end_token`,
at no cost), scores them (divided by the GNMT length penalty ((5 + length) / 6) ^ weight, plus the coverage
penalty of the attention when its weight is not 0), keeps the top `beam_width` of beam_width * vocab per
batch entry, and gathers the cell state of each kept beam's parent. finalize() follows the parent ids back
from the last step (GatherTree) into FinalBeamSearchDecoderOutput.predicted_ids [batch, time, beam].
"""
import collections

import numpy as np

from sluice.contrib.seq2seq.attention import AttentionWrapperState
from sluice.contrib.seq2seq.decoding import Decoder
from sluice.engine import dtypes, op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_op
from sluice.engine.tensor_shape import TensorShape, as_shape
from sluice.ops import array_ops, control_flow_ops, math_ops, reduction_ops
from sluice.ops.filling_ops import one_hot, range as _range
from sluice.ops.indexing_ops import where
from sluice.ops.manip_ops import sequence_mask
from sluice.ops.nn_activation import log_softmax
from sluice.ops.nn_embedding import embedding_lookup
from sluice.ops.nn_top_k import top_k
from sluice.ops.shape_fns import constant_value
from sluice.ops.tensor_array_ops import TensorArray
from sluice.python.util import nest

__all__ = ['BeamSearchDecoder', 'BeamSearchDecoderOutput', 'BeamSearchDecoderState', 'FinalBeamSearchDecoderOutput',
           'gather_tree']

register_op('GatherTree', ['step_ids: T', 'parent_ids: T', 'max_sequence_lengths: int32', 'end_token: T'],
            ['beams: T'], {'T': 'type'}, lambda op: [op._inputs[0]._shape])
no_gradient('GatherTree')


def gather_tree(step_ids, parent_ids, max_sequence_lengths, end_token, name=None):
    """The full beams [time, batch, beam]: each step's id along the parents, end_token past the end."""
    return op_builder.output('GatherTree', [step_ids, parent_ids, max_sequence_lengths, end_token], {}, name)


class BeamSearchDecoderState(collections.namedtuple('BeamSearchDecoderState', (
        'cell_state', 'log_probs', 'finished', 'lengths', 'accumulated_attention_probs'))):
    __slots__ = ()


class BeamSearchDecoderOutput(collections.namedtuple('BeamSearchDecoderOutput',
                                                     ('scores', 'predicted_ids', 'parent_ids'))):
    __slots__ = ()


class FinalBeamSearchDecoderOutput(collections.namedtuple('FinalBeamDecoderOutput',
                                                          ['predicted_ids', 'beam_search_decoder_output'])):
    __slots__ = ()


def _gather(indices, source, batch_size, range_size, gather_shape, name=None):
    """source's rows picked by per-batch indices into [batch, range_size] (beam or beam * vocab)."""
    with name_scope(name, 'tensor_gather_helper'):
        offsets = array_ops.expand_dims(_range(batch_size) * range_size, 1)
        flat = array_ops.reshape(indices + offsets, [-1])
        output = array_ops.gather(array_ops.reshape(source, gather_shape), flat)
        final_shape = array_ops.shape(source)[:1 + len(gather_shape)]
        static_batch = constant_value(convert_to_tensor(batch_size))
        output = array_ops.reshape(output, final_shape, name='output')
        output.set_shape(TensorShape([None if static_batch is None else int(static_batch)]).concatenate(
            source.shape[1:1 + len(gather_shape)]))
        return output


def _length_penalty(lengths, weight):
    if weight == 0:
        return 1.0
    return ((5. + math_ops.cast(lengths, dtypes.float32)) ** weight) / ((5. + 1.) ** weight)


def _attention_probs(cell_state, weight):
    if weight == 0.0:
        return None
    states = [cell_state] if isinstance(cell_state, AttentionWrapperState) else \
        [s for s in cell_state if isinstance(s, AttentionWrapperState)] if isinstance(cell_state, tuple) else []
    if not states:
        raise ValueError('coverage_penalty_weight must be 0.0 if no cell is attentional.')
    probs = []
    for state in states:
        p = state.alignments
        if isinstance(p, tuple):
            p = reduction_ops.reduce_mean(array_ops.concat([array_ops.expand_dims(x, -1) for x in p], -1), -1)
        probs.append(p)
    if len(probs) == 1:
        return probs[0]
    return reduction_ops.reduce_mean(array_ops.concat([array_ops.expand_dims(p, -1) for p in probs], -1), -1)


class BeamSearchDecoder(Decoder):
    def __init__(self, cell, embedding, start_tokens, end_token, initial_state, beam_width, output_layer=None,
                 length_penalty_weight=0.0, coverage_penalty_weight=0.0, reorder_tensor_arrays=True):
        if not callable(cell):
            raise TypeError('cell must be an RNNCell, received: %s' % type(cell))
        if output_layer is not None and not callable(output_layer):
            raise TypeError('output_layer must be a Layer, received: %s' % type(output_layer))
        self._cell, self._output_layer = cell, output_layer
        self._reorder_tensor_arrays = reorder_tensor_arrays
        self._beam_width = beam_width
        self._length_penalty_weight, self._coverage_penalty_weight = length_penalty_weight, coverage_penalty_weight
        self._embedding_fn = embedding if callable(embedding) else (lambda ids: embedding_lookup(embedding, ids))
        self._start_tokens = convert_to_tensor(start_tokens, dtype=dtypes.int32, name='start_tokens')
        if self._start_tokens.shape.ndims != 1:
            raise ValueError('start_tokens must be a vector')
        self._end_token = convert_to_tensor(end_token, dtype=dtypes.int32, name='end_token')
        if self._end_token.shape.ndims != 0:
            raise ValueError('end_token must be a scalar')
        self._batch_size = array_ops.size(start_tokens)
        self._initial_cell_state = nest.map_structure(self._maybe_split_batch_beams, initial_state,
                                                      self._cell.state_size)
        self._start_tokens = array_ops.tile(array_ops.expand_dims(self._start_tokens, 1), [1, beam_width])
        self._start_inputs = self._embedding_fn(self._start_tokens)
        self._finished = one_hot(array_ops.zeros([self._batch_size], dtype=dtypes.int32), depth=beam_width,
                                 on_value=False, off_value=True, dtype=dtypes.bool)

    batch_size = property(lambda self: self._batch_size)
    tracks_own_finished = property(lambda self: True)

    def _rnn_output_size(self):
        size = self._cell.output_size
        if self._output_layer is None:
            return size
        shapes = nest.map_structure(lambda s: TensorShape([None]).concatenate(s), size)
        return nest.map_structure(lambda s: s[1:], self._output_layer.compute_output_shape(shapes))

    @property
    def output_size(self):
        beams = TensorShape([self._beam_width])
        return BeamSearchDecoderOutput(scores=beams, predicted_ids=beams, parent_ids=beams)

    @property
    def output_dtype(self):
        dtype = nest.flatten(self._initial_cell_state)[0].dtype
        return BeamSearchDecoderOutput(scores=nest.map_structure(lambda _: dtype, self._rnn_output_size()),
                                       predicted_ids=dtypes.int32, parent_ids=dtypes.int32)

    def initialize(self, name=None):
        dtype = nest.flatten(self._initial_cell_state)[0].dtype
        log_probs = one_hot(array_ops.zeros([self._batch_size], dtype=dtypes.int32), depth=self._beam_width,
                            on_value=convert_to_tensor(0.0, dtype=dtype),
                            off_value=convert_to_tensor(-np.inf, dtype=dtype), dtype=dtype)
        attention = _attention_probs(self._initial_cell_state, self._coverage_penalty_weight)
        state = BeamSearchDecoderState(
            cell_state=self._initial_cell_state, log_probs=log_probs, finished=self._finished,
            lengths=array_ops.zeros([self._batch_size, self._beam_width], dtype=dtypes.int64),
            accumulated_attention_probs=() if attention is None else attention)
        return self._finished, self._start_inputs, state

    def finalize(self, outputs, final_state, sequence_lengths):
        longest = math_ops.cast(reduction_ops.reduce_max(final_state.lengths, axis=1), dtypes.int32)
        predicted = gather_tree(outputs.predicted_ids, outputs.parent_ids, longest, self._end_token)
        if self._reorder_tensor_arrays:
            final_state = final_state._replace(cell_state=nest.map_structure(
                lambda t: self._sort_array_beams(t, outputs.parent_ids, final_state.lengths), final_state.cell_state))
        return FinalBeamSearchDecoderOutput(beam_search_decoder_output=outputs, predicted_ids=predicted), final_state

    # -- [batch, beam, ...] <-> [batch * beam, ...] ---------------------------------------------------------------
    def _merge_batch_beams(self, t, s=None):
        s = as_shape(s) if s is not None else TensorShape(None)
        static = constant_value(convert_to_tensor(self._batch_size))
        merged = array_ops.reshape(t, array_ops.concat([[self._batch_size * self._beam_width],
                                                        array_ops.shape(t)[2:]], 0))
        merged.set_shape(TensorShape([None if static is None else int(static) * self._beam_width]).concatenate(s))
        return merged

    def _split_batch_beams(self, t, s=None):
        s = as_shape(s) if s is not None else TensorShape(None)
        split = array_ops.reshape(t, array_ops.concat([[self._batch_size, self._beam_width],
                                                       array_ops.shape(t)[1:]], 0))
        static = constant_value(convert_to_tensor(self._batch_size))
        expected = TensorShape([None if static is None else int(static), self._beam_width]).concatenate(s)
        if not split.shape.is_compatible_with(expected):
            raise ValueError('Unexpected behavior when reshaping between beam width and batch size.  The reshaped '
                             'tensor has shape: %s.  We expected it to have shape (batch_size, beam_width, depth) == '
                             '%s.  Perhaps you forgot to create a zero_state with batch_size=encoder_batch_size * '
                             'beam_width?' % (split.shape, expected))
        split.set_shape(expected)
        return split

    def _maybe_split_batch_beams(self, t, s):
        if isinstance(t, TensorArray):
            return t
        if t.shape.ndims is None:
            raise ValueError('Expected tensor (%s) to have known rank, but ndims == None.' % t)
        return self._split_batch_beams(t, s) if t.shape.ndims >= 1 else t

    def _maybe_merge_batch_beams(self, t, s):
        if isinstance(t, TensorArray):
            return t
        if t.shape.ndims is None:
            raise ValueError('Expected tensor (%s) to have known rank, but ndims == None.' % t)
        return self._merge_batch_beams(t, s) if t.shape.ndims >= 2 else t

    def _sort_array_beams(self, t, parent_ids, sequence_length):
        """A TensorArray of [batch * beam, ...] elements reordered along the final beams."""
        if not isinstance(t, TensorArray):
            return t
        stacked = t.stack()
        max_time, batch, beam = (array_ops.shape(parent_ids)[i] for i in range(3))
        beam_ids = array_ops.tile(array_ops.reshape(_range(beam), [1, 1, -1]), [max_time, batch, 1])
        longest = math_ops.cast(reduction_ops.reduce_max(sequence_length, axis=1), dtypes.int32)
        sorted_ids = gather_tree(beam_ids, parent_ids, longest, beam + 1)
        in_bounds = array_ops.transpose(sequence_mask(sequence_length, maxlen=max_time), [2, 0, 1])
        sorted_ids = where(in_bounds, sorted_ids, beam_ids)
        time_ind = array_ops.tile(array_ops.reshape(_range(max_time), [-1, 1, 1]), [1, batch, beam])
        batch_ind = array_ops.transpose(array_ops.tile(array_ops.reshape(_range(batch), [-1, 1, 1]),
                                                       [1, max_time, beam]), [1, 0, 2])
        indices = array_ops.stack([time_ind, batch_ind, sorted_ids], -1)
        source = array_ops.reshape(stacked, array_ops.concat([[max_time, batch, beam], [-1]], 0))
        return array_ops.reshape(array_ops.gather_nd(source, indices), array_ops.shape(stacked))

    # -- one step -------------------------------------------------------------------------------------------------
    def step(self, time, inputs, state, name=None):
        with name_scope(name, 'BeamSearchDecoderStep', (time, inputs, state)):
            inputs = nest.map_structure(lambda inp: self._merge_batch_beams(inp, s=inp.shape[2:]), inputs)
            cell_state = nest.map_structure(self._maybe_merge_batch_beams, state.cell_state, self._cell.state_size)
            cell_outputs, next_cell_state = self._cell(inputs, cell_state)
            cell_outputs = nest.map_structure(lambda out: self._split_batch_beams(out, out.shape[1:]), cell_outputs)
            next_cell_state = nest.map_structure(self._maybe_split_batch_beams, next_cell_state,
                                                 self._cell.state_size)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            output, next_state = self._beam_step(time, cell_outputs, next_cell_state, state)
            finished = next_state.finished
            next_inputs = control_flow_ops.cond(reduction_ops.reduce_all(finished), lambda: self._start_inputs,
                                                lambda: self._embedding_fn(output.predicted_ids))
        return output, next_state, next_inputs, finished

    def _beam_step(self, time, logits, next_cell_state, beam_state):
        batch_size, beam_width, end_token = self._batch_size, self._beam_width, self._end_token
        static_batch = constant_value(convert_to_tensor(batch_size))
        static_batch = None if static_batch is None else int(static_batch)
        previously_finished = beam_state.finished
        not_finished = math_ops.logical_not(previously_finished)
        step_log_probs = self._mask_probs(log_softmax(logits), end_token, previously_finished)
        total_probs = array_ops.expand_dims(beam_state.log_probs, 2) + step_log_probs
        vocab_size = logits.shape[-1].value or array_ops.shape(logits)[-1]
        lengths_to_add = one_hot(array_ops.fill([batch_size, beam_width], end_token), depth=vocab_size,
                                 on_value=np.int64(0), off_value=np.int64(1), dtype=dtypes.int64)
        lengths_to_add *= array_ops.expand_dims(math_ops.cast(not_finished, dtypes.int64), 2)
        new_lengths = lengths_to_add + array_ops.expand_dims(beam_state.lengths, 2)
        accumulated = None
        attention = _attention_probs(next_cell_state, self._coverage_penalty_weight)
        if attention is not None:
            attention *= array_ops.expand_dims(math_ops.cast(not_finished, dtypes.float32), 2)
            accumulated = beam_state.accumulated_attention_probs + attention
        scores = total_probs / math_ops.cast(_length_penalty(new_lengths, self._length_penalty_weight),
                                             total_probs.dtype)
        if accumulated is not None:
            safe = where(math_ops.equal(accumulated, 0.0), array_ops.ones_like(accumulated), accumulated)
            coverage = reduction_ops.reduce_sum(math_ops.log(math_ops.minimum(safe, 1.0)), 2)
            coverage *= math_ops.cast(previously_finished, dtypes.float32)
            scores += array_ops.expand_dims(coverage * self._coverage_penalty_weight, 2)
        next_scores, word_indices = top_k(array_ops.reshape(scores, [batch_size, -1]), k=beam_width)
        next_scores.set_shape([static_batch, beam_width])
        word_indices.set_shape([static_batch, beam_width])
        next_log_probs = _gather(word_indices, total_probs, batch_size, beam_width * vocab_size, [-1],
                                 name='next_beam_probs')
        next_word_ids = math_ops.cast(math_ops.mod(word_indices, vocab_size, name='next_beam_word_ids'), dtypes.int32)
        next_beam_ids = math_ops.cast(word_indices / vocab_size, dtypes.int32, name='next_beam_parent_ids')
        previously_finished = _gather(next_beam_ids, previously_finished, batch_size, beam_width, [-1])
        next_finished = math_ops.logical_or(previously_finished, math_ops.equal(next_word_ids, end_token),
                                            name='next_beam_finished')
        next_lengths = _gather(next_beam_ids, beam_state.lengths, batch_size, beam_width, [-1])
        next_lengths += math_ops.cast(math_ops.logical_not(previously_finished), dtypes.int64)
        next_accumulated = () if accumulated is None else _gather(
            next_beam_ids, accumulated, batch_size, beam_width, [batch_size * beam_width, -1],
            name='next_accumulated_attention_probs')

        def gather_state(source):
            if isinstance(source, TensorArray) or source.shape.ndims < 2:
                return source
            return _gather(next_beam_ids, source, batch_size, beam_width, [batch_size * beam_width, -1])
        next_state = BeamSearchDecoderState(
            cell_state=nest.map_structure(gather_state, next_cell_state), log_probs=next_log_probs,
            lengths=next_lengths, finished=next_finished, accumulated_attention_probs=next_accumulated)
        return BeamSearchDecoderOutput(scores=next_scores, predicted_ids=next_word_ids,
                                       parent_ids=next_beam_ids), next_state

    @staticmethod
    def _mask_probs(probs, eos_token, finished):
        """Finished beams: log probability 0 for end_token, the dtype's lowest for every other id."""
        vocab_size = array_ops.shape(probs)[2]
        finished_row = one_hot(eos_token, vocab_size, dtype=probs.dtype,
                               on_value=convert_to_tensor(0., dtype=probs.dtype), off_value=probs.dtype.min)
        finished_probs = array_ops.tile(array_ops.reshape(finished_row, [1, 1, -1]),
                                        array_ops.concat([array_ops.shape(finished), [1]], 0))
        finished_mask = array_ops.tile(array_ops.expand_dims(finished, 2), [1, 1, vocab_size])
        return where(finished_mask, finished_probs, probs)
