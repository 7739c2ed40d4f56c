"""tf.contrib.seq2seq's Decoder, BasicDecoder and dynamic_decode.

dynamic_decode runs `decoder.step` in a while_loop inside variable scope 'decoder' until every sequence
is finished (or `maximum_iterations`), writing each step's outputs to TensorArrays: outputs are
stacked [time, batch, ...] (transposed to batch-major unless `output_time_major`), with the final state
and each sequence's length (steps until it finished). With `impute_finished`, finished sequences emit
zeros and keep their state. BasicDecoder's step is cell -> optional output layer -> helper's sample and
next inputs; its outputs are BasicDecoderOutput(rnn_output, sample_id).
"""
import collections

from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, constant_op, control_flow_ops, filling_ops, math_ops
from sluice.ops import variable_scope as vs
from sluice.ops.indexing_ops import where
from sluice.ops.rnn import _transpose_batch_time
from sluice.ops.shape_fns import constant_value
from sluice.ops.tensor_array_ops import TensorArray
from sluice.python.util import nest

__all__ = ['Decoder', 'BasicDecoder', 'BasicDecoderOutput', 'dynamic_decode']


class Decoder:
    """The interface dynamic_decode drives: batch_size, output_size, output_dtype, initialize(), step()."""

    tracks_own_finished = property(lambda self: False)

    def finalize(self, outputs, final_state, sequence_lengths):
        raise NotImplementedError


class BasicDecoderOutput(collections.namedtuple('BasicDecoderOutput', ('rnn_output', 'sample_id'))):
    __slots__ = ()


class BasicDecoder(Decoder):
    """A cell driven by a sampling helper, with an optional layer (e.g. tf.layers.Dense) on its outputs."""

    def __init__(self, cell, helper, initial_state, output_layer=None):
        if not callable(cell):
            raise TypeError('cell must be an RNNCell, received: %s' % type(cell))
        if output_layer is not None and not callable(output_layer):
            raise TypeError('output_layer must be a Layer, received: %s' % type(output_layer))
        self._cell, self._helper, self._initial_state = cell, helper, initial_state
        self._output_layer = output_layer

    batch_size = property(lambda self: self._helper.batch_size)

    def _rnn_output_size(self):
        size = self._cell.output_size
        if self._output_layer is None:
            return size
        shapes = nest.map_structure(lambda s: TensorShape([None]).concatenate(s), size)
        layer_shape = self._output_layer.compute_output_shape(shapes)
        return nest.map_structure(lambda s: s[1:], layer_shape)

    @property
    def output_size(self):
        return BasicDecoderOutput(rnn_output=self._rnn_output_size(), sample_id=self._helper.sample_ids_shape)

    @property
    def output_dtype(self):
        dtype = nest.flatten(self._initial_state)[0].dtype
        return BasicDecoderOutput(nest.map_structure(lambda _: dtype, self._rnn_output_size()),
                                  self._helper.sample_ids_dtype)

    def initialize(self, name=None):
        return self._helper.initialize() + (self._initial_state,)

    def step(self, time, inputs, state, name=None):
        with name_scope(name, 'BasicDecoderStep', (time, inputs, state)):
            cell_outputs, cell_state = self._cell(inputs, state)
            if self._output_layer is not None:
                cell_outputs = self._output_layer(cell_outputs)
            sample_ids = self._helper.sample(time=time, outputs=cell_outputs, state=cell_state)
            finished, next_inputs, next_state = self._helper.next_inputs(
                time=time, outputs=cell_outputs, state=cell_state, sample_ids=sample_ids)
        return BasicDecoderOutput(cell_outputs, sample_ids), next_state, next_inputs, finished


def _zeros(size, dtype, batch_size):
    """Zeros [batch_size] + size for each (size, dtype) of the structures."""
    def one(s, d):
        shape = TensorShape(s).as_list() if not isinstance(s, int) else [s]
        return filling_ops.zeros(array_ops.concat([array_ops.reshape(batch_size, [1]), shape], 0)
                                 if shape else array_ops.reshape(batch_size, [1]), dtype=d)
    return nest.map_structure(one, size, dtype)


def dynamic_decode(decoder, output_time_major=False, impute_finished=False, maximum_iterations=None,
                   parallel_iterations=32, swap_memory=False, scope=None):
    """(final_outputs, final_state, final_sequence_lengths) of running `decoder` to the end."""
    if not isinstance(decoder, Decoder):
        raise TypeError('Expected decoder to be type Decoder, but saw: %s' % type(decoder))
    with vs.variable_scope(scope, 'decoder'):
        if maximum_iterations is not None:
            maximum_iterations = convert_to_tensor(maximum_iterations, dtype=dtypes.int32, name='maximum_iterations')
            if maximum_iterations.shape.ndims != 0:
                raise ValueError('maximum_iterations must be a scalar')
        initial_finished, initial_inputs, initial_state = decoder.initialize()
        zero_outputs = _zeros(decoder.output_size, decoder.output_dtype, decoder.batch_size)
        if maximum_iterations is not None:
            initial_finished = math_ops.logical_or(initial_finished, 0 >= maximum_iterations)
        initial_lengths = array_ops.zeros_like(initial_finished, dtype=dtypes.int32)
        batch = constant_value(convert_to_tensor(decoder.batch_size))
        batch = None if batch is None else int(batch)

        def make_ta(size, dtype):
            shape = TensorShape([batch]).concatenate(size) if isinstance(size, TensorShape) and size.ndims else None
            return TensorArray(dtype=dtype, size=0, dynamic_size=True, element_shape=shape)
        initial_outputs_ta = nest.map_structure(
            make_ta, nest.map_structure(lambda s: TensorShape(s) if not isinstance(s, TensorShape) else s,
                                        decoder.output_size), decoder.output_dtype)

        def condition(time, outputs_ta, state, inputs, finished, lengths):
            return math_ops.logical_not(math_ops.reduce_all(finished))

        def body(time, outputs_ta, state, inputs, finished, lengths):
            next_outputs, decoder_state, next_inputs, decoder_finished = decoder.step(time, inputs, state)
            next_finished = decoder_finished if decoder.tracks_own_finished else \
                math_ops.logical_or(decoder_finished, finished)
            next_lengths = where(math_ops.logical_not(finished),
                                 array_ops.fill(array_ops.shape(lengths), time + 1), lengths)
            nest.assert_same_structure(state, decoder_state)
            nest.assert_same_structure(outputs_ta, next_outputs)
            nest.assert_same_structure(inputs, next_inputs)
            if impute_finished:
                emit = nest.map_structure(lambda out, zero: where(finished, zero, out), next_outputs, zero_outputs)

                def keep_finished(new, cur):
                    if isinstance(cur, TensorArray):
                        return new
                    new.set_shape(cur.shape)
                    return new if new.shape.ndims == 0 else where(finished, cur, new)
                next_state = nest.map_structure(keep_finished, decoder_state, state)
            else:
                emit, next_state = next_outputs, decoder_state
            outputs_ta = nest.map_structure(lambda ta, out: ta.write(time, out), outputs_ta, emit)
            return time + 1, outputs_ta, next_state, next_inputs, next_finished, next_lengths

        result = control_flow_ops.while_loop(
            condition, body, loop_vars=(constant_op.constant(0, dtype=dtypes.int32), initial_outputs_ta,
                                        initial_state, initial_inputs, initial_finished, initial_lengths),
            parallel_iterations=parallel_iterations, maximum_iterations=maximum_iterations,
            swap_memory=swap_memory)
        final_outputs = nest.map_structure(lambda ta: ta.stack(), result[1])
        final_state, final_lengths = result[2], result[5]
        try:
            final_outputs, final_state = decoder.finalize(final_outputs, final_state, final_lengths)
        except NotImplementedError:
            pass
        if not output_time_major:
            final_outputs = nest.map_structure(_transpose_batch_time, final_outputs)
    return final_outputs, final_state, final_lengths
