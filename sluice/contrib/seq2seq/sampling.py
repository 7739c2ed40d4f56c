"""tf.contrib.seq2seq's sampling helpers: what a BasicDecoder feeds its cell at each step.

- TrainingHelper reads the ground-truth inputs (teacher forcing) until each sequence's length;
- GreedyEmbeddingHelper feeds back the embedding of the argmax, SampleEmbeddingHelper of a sample
  (softmax temperature), both finished at `end_token`;
- InferenceHelper / CustomHelper take the sampling and next-input rules as functions.
Each returns (finished, next_inputs, state) from `next_inputs`; when every sequence is finished the
next inputs are zeros (or the start inputs).
"""
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops, control_flow_ops, math_ops, random_ops, reduction_ops
from sluice.ops.indexing_ops import where
from sluice.ops.nn_embedding import embedding_lookup
from sluice.ops.rnn import _transpose_batch_time
from sluice.ops.tensor_array_ops import TensorArray
from sluice.python.util import nest

__all__ = ['Helper', 'CustomHelper', 'TrainingHelper', 'GreedyEmbeddingHelper', 'SampleEmbeddingHelper',
           'InferenceHelper']


def _unstack_ta(inp):
    return TensorArray(dtype=inp.dtype, size=array_ops.shape(inp)[0], element_shape=inp.shape[1:],
                       clear_after_read=False).unstack(inp)


def _read_or_zeros(input_tas, zero_inputs, time, all_finished):
    """Each input's step `time`, or zeros once every sequence is finished. TF picks with tf.cond so as
    not to read past the end; reading the clamped last step and selecting gives the same values and keeps
    the step differentiable (sluice differentiates an If only over stateless branches)."""
    def one(ta, zero):
        last = ta.size() - 1
        return where(all_finished, zero, ta.read(math_ops.minimum(time, last)))
    return nest.map_structure(one, input_tas, zero_inputs)


class Helper:
    """The interface: batch_size, sample_ids_shape/dtype, initialize(), sample(), next_inputs()."""

    batch_size = property(lambda self: self._batch_size)
    sample_ids_shape = property(lambda self: TensorShape([]))
    sample_ids_dtype = property(lambda self: dtypes.int32)


class CustomHelper(Helper):
    """A helper from three functions: initialize_fn(), sample_fn(time, outputs, state),
    next_inputs_fn(time, outputs, state, sample_ids)."""

    def __init__(self, initialize_fn, sample_fn, next_inputs_fn, sample_ids_shape=None, sample_ids_dtype=None):
        self._initialize_fn, self._sample_fn, self._next_inputs_fn = initialize_fn, sample_fn, next_inputs_fn
        self._batch_size = None
        self._sample_ids_shape = TensorShape(sample_ids_shape or [])
        self._sample_ids_dtype = sample_ids_dtype or dtypes.int32

    @property
    def batch_size(self):
        if self._batch_size is None:
            raise ValueError('batch_size accessed before initialize was called')
        return self._batch_size

    sample_ids_shape = property(lambda self: self._sample_ids_shape)
    sample_ids_dtype = property(lambda self: self._sample_ids_dtype)

    def initialize(self, name=None):
        with name_scope(name, '%sInitialize' % type(self).__name__):
            finished, next_inputs = self._initialize_fn()
            if self._batch_size is None:
                self._batch_size = array_ops.size(finished)
        return finished, next_inputs

    def sample(self, time, outputs, state, name=None):
        with name_scope(name, '%sSample' % type(self).__name__, (time, outputs, state)):
            return self._sample_fn(time=time, outputs=outputs, state=state)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        with name_scope(name, '%sNextInputs' % type(self).__name__, (time, outputs, state)):
            return self._next_inputs_fn(time=time, outputs=outputs, state=state, sample_ids=sample_ids)


class TrainingHelper(Helper):
    """Feeds `inputs` [batch, time, ...] (time-major when `time_major`) one step at a time."""

    def __init__(self, inputs, sequence_length, time_major=False, name=None):
        with name_scope(name, 'TrainingHelper', [inputs, sequence_length]):
            inputs = convert_to_tensor(inputs, name='inputs')
            self._inputs = inputs
            if not time_major:
                inputs = nest.map_structure(_transpose_batch_time, inputs)
            self._input_tas = nest.map_structure(_unstack_ta, inputs)
            self._sequence_length = convert_to_tensor(sequence_length, name='sequence_length')
            if self._sequence_length.shape.ndims != 1:
                raise ValueError('Expected sequence_length to be a vector, but received shape: %s' %
                                 self._sequence_length.shape)
            self._zero_inputs = nest.map_structure(lambda inp: array_ops.zeros_like(inp[0, :]), inputs)
            self._batch_size = array_ops.size(sequence_length)

    inputs = property(lambda self: self._inputs)
    sequence_length = property(lambda self: self._sequence_length)

    def initialize(self, name=None):
        with name_scope(name, 'TrainingHelperInitialize'):
            finished = math_ops.equal(0, self._sequence_length)
            all_finished = reduction_ops.reduce_all(finished)
            return finished, _read_or_zeros(self._input_tas, self._zero_inputs, 0, all_finished)

    def sample(self, time, outputs, name=None, **unused_kwargs):
        with name_scope(name, 'TrainingHelperSample', [time, outputs]):
            return math_ops.cast(reduction_ops.argmax(outputs, axis=-1), dtypes.int32)

    def next_inputs(self, time, outputs, state, name=None, **unused_kwargs):
        with name_scope(name, 'TrainingHelperNextInputs', [time, outputs, state]):
            next_time = time + 1
            finished = next_time >= self._sequence_length
            all_finished = reduction_ops.reduce_all(finished)
            return finished, _read_or_zeros(self._input_tas, self._zero_inputs, next_time, all_finished), state


class GreedyEmbeddingHelper(Helper):
    """Feeds back the embedding of the argmax of each output, from `start_tokens` until `end_token`."""

    def __init__(self, embedding, start_tokens, end_token):
        self._embedding_fn = embedding if callable(embedding) else (lambda ids: embedding_lookup(embedding, ids))
        self._start_tokens = convert_to_tensor(start_tokens, dtype=dtypes.int32, name='start_tokens')
        self._end_token = convert_to_tensor(end_token, dtype=dtypes.int32, name='end_token')
        if self._start_tokens.shape.ndims != 1:
            raise ValueError('start_tokens must be a vector')
        self._batch_size = array_ops.size(start_tokens)
        if self._end_token.shape.ndims != 0:
            raise ValueError('end_token must be a scalar')
        self._start_inputs = self._embedding_fn(self._start_tokens)

    def initialize(self, name=None):
        return array_ops.tile([False], [self._batch_size]), self._start_inputs

    def sample(self, time, outputs, state, name=None):
        if not hasattr(outputs, 'op'):
            raise TypeError('Expected outputs to be a single Tensor, got: %s' % type(outputs))
        return reduction_ops.argmax(outputs, axis=-1, output_type=dtypes.int32)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        finished = math_ops.equal(sample_ids, self._end_token)
        all_finished = reduction_ops.reduce_all(finished)
        next_inputs = control_flow_ops.cond(all_finished, lambda: self._start_inputs,
                                            lambda: self._embedding_fn(sample_ids))
        return finished, next_inputs, state


class SampleEmbeddingHelper(GreedyEmbeddingHelper):
    """GreedyEmbeddingHelper that samples from softmax(outputs / softmax_temperature) instead of argmax."""

    def __init__(self, embedding, start_tokens, end_token, softmax_temperature=None, seed=None):
        super().__init__(embedding, start_tokens, end_token)
        self._softmax_temperature, self._seed = softmax_temperature, seed

    def sample(self, time, outputs, state, name=None):
        if not hasattr(outputs, 'op'):
            raise TypeError('Expected outputs to be a single Tensor, got: %s' % type(outputs))
        logits = outputs if self._softmax_temperature is None else outputs / self._softmax_temperature
        drawn = random_ops.multinomial(logits, 1, seed=self._seed, output_dtype=dtypes.int32)
        return array_ops.reshape(drawn, [-1])


class InferenceHelper(Helper):
    """Feeds back sample_fn(outputs) (or next_inputs_fn of it); finished where end_fn(sample_ids)."""

    def __init__(self, sample_fn, sample_shape, sample_dtype, start_inputs, end_fn, next_inputs_fn=None):
        self._sample_fn, self._end_fn, self._next_inputs_fn = sample_fn, end_fn, next_inputs_fn
        self._sample_shape = TensorShape(sample_shape)
        self._sample_dtype = sample_dtype
        self._start_inputs = convert_to_tensor(start_inputs, name='start_inputs')
        self._batch_size = array_ops.shape(start_inputs)[0]

    sample_ids_shape = property(lambda self: self._sample_shape)
    sample_ids_dtype = property(lambda self: self._sample_dtype)

    def initialize(self, name=None):
        return array_ops.tile([False], [self._batch_size]), self._start_inputs

    def sample(self, time, outputs, state, name=None):
        return self._sample_fn(outputs)

    def next_inputs(self, time, outputs, state, sample_ids, name=None):
        next_inputs = sample_ids if self._next_inputs_fn is None else self._next_inputs_fn(sample_ids)
        return self._end_fn(sample_ids), next_inputs, state
