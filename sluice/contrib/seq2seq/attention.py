"""tf.contrib.seq2seq's attention: mechanisms (Bahdanau, Luong) and the AttentionWrapper cell.

A mechanism holds the memory (encoder outputs [batch, time, depth], zeroed past `memory_sequence_length`)
and its keys (memory through 'memory_layer', a bias-free Dense made when the mechanism is). Called with
a query (the cell's output) it scores every memory step, masks steps past the length to -inf and turns
scores into alignments with `probability_fn` (softmax):
- Bahdanau: score = sum(v * tanh(keys + query_layer(query))) ('attention_v'; normalized with
  'attention_g' and 'attention_b' when `normalize`);
- Luong: score = query . keys (times 'attention_g' when `scale`).
AttentionWrapper feeds [inputs, previous attention] to its cell, attends with the cell output, and makes
attention = attention_layer([cell output, context]) (bias-free Dense 'attention_layer') or the context;
its state is AttentionWrapperState, with the alignments of every step in a TensorArray when
`alignment_history`. Variable names are TF 1.15's ('decoder/attention_wrapper/bahdanau_attention/attention_v').
"""
import collections
import math

import numpy as np

from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.tensor_shape import TensorShape, dimension_value
from sluice.layers.core import Dense
from sluice.ops import array_ops, check_ops, graph_ops, init_ops, math_ops, reduction_ops
from sluice.ops import variable_scope as vs
from sluice.ops.filling_ops import one_hot
from sluice.ops.indexing_ops import where
from sluice.ops.manip_ops import sequence_mask
from sluice.ops.nn_activation import softmax
from sluice.ops.rnn_cell_impl import RNNCell, zero_state_tensors
from sluice.ops.tensor_array_ops import TensorArray
from sluice.python.util import nest

__all__ = ['AttentionMechanism', 'BahdanauAttention', 'LuongAttention', 'AttentionWrapper', 'AttentionWrapperState',
           'hardmax', 'tile_batch']


class AttentionMechanism:
    pass


def _prepare_memory(memory, memory_sequence_length, check_inner_dims_defined):
    memory = nest.map_structure(lambda m: convert_to_tensor(m, name='memory'), memory)
    if check_inner_dims_defined:
        for m in nest.flatten(memory):
            if not m.shape[2:].is_fully_defined():
                raise ValueError('Expected memory %s to have fully defined inner dims, but saw shape: %s' %
                                 (m.name, m.shape))
    if memory_sequence_length is None:
        return memory
    lengths = convert_to_tensor(memory_sequence_length, name='memory_sequence_length')
    first = nest.flatten(memory)[0]
    mask = sequence_mask(lengths, maxlen=array_ops.shape(first)[1], dtype=first.dtype)

    def masked(m):
        extra = [1] * (m.shape.ndims - 2)
        return m * array_ops.reshape(mask, array_ops.concat([array_ops.shape(mask), extra], 0) if extra else
                                     array_ops.shape(mask))
    return nest.map_structure(masked, memory)


def _mask_score(score, memory_sequence_length, score_mask_value):
    if memory_sequence_length is None:
        return score
    with _graph.get_default_graph().control_dependencies([check_ops.assert_positive(
            memory_sequence_length, message='All values in memory_sequence_length must be greater than zero.')]):
        mask = sequence_mask(memory_sequence_length, maxlen=array_ops.shape(score)[1])
    return where(mask, score, score_mask_value * array_ops.ones_like(score))


class _BaseAttentionMechanism(AttentionMechanism):
    def __init__(self, query_layer, memory, probability_fn, memory_sequence_length=None, memory_layer=None,
                 check_inner_dims_defined=True, score_mask_value=None, custom_key_value_fn=None, name=None):
        self._query_layer, self._memory_layer = query_layer, memory_layer
        self.dtype = memory_layer.dtype
        if not callable(probability_fn):
            raise TypeError('probability_fn must be callable, saw type: %s' % type(probability_fn).__name__)
        if score_mask_value is None:
            score_mask_value = dtypes.as_dtype(memory_layer.dtype).as_numpy_dtype(-np.inf)
        self._probability_fn = lambda score, prev: probability_fn(
            _mask_score(score, memory_sequence_length, score_mask_value), prev)
        with name_scope(name, 'BaseAttentionMechanismInit', nest.flatten(memory)):
            self._values = _prepare_memory(memory, memory_sequence_length, check_inner_dims_defined)
            self._keys = self._memory_layer(self._values) if self._memory_layer else self._values
            if custom_key_value_fn is not None:
                self._keys, self._values = custom_key_value_fn(self._keys, self._values)
            self._batch_size = dimension_value(self._keys.shape[0]) or array_ops.shape(self._keys)[0]
            self._alignments_size = dimension_value(self._keys.shape[1]) or array_ops.shape(self._keys)[1]

    memory_layer = property(lambda self: self._memory_layer)
    query_layer = property(lambda self: self._query_layer)
    values = property(lambda self: self._values)
    keys = property(lambda self: self._keys)
    batch_size = property(lambda self: self._batch_size)
    alignments_size = property(lambda self: self._alignments_size)
    state_size = property(lambda self: self._alignments_size)

    def initial_alignments(self, batch_size, dtype):
        return zero_state_tensors(self._alignments_size, batch_size, dtype)

    def initial_state(self, batch_size, dtype):
        return self.initial_alignments(batch_size, dtype)


def _probability(probability_fn):
    probability_fn = softmax if probability_fn is None else probability_fn
    return lambda score, _: probability_fn(score)


class LuongAttention(_BaseAttentionMechanism):
    """Multiplicative attention: score = query . keys (scaled by a learned 'attention_g' when `scale`)."""

    def __init__(self, num_units, memory, memory_sequence_length=None, scale=False, probability_fn=None,
                 score_mask_value=None, dtype=None, custom_key_value_fn=None, name='LuongAttention'):
        dtype = dtypes.float32 if dtype is None else dtype
        super().__init__(query_layer=None,
                         memory_layer=Dense(num_units, name='memory_layer', use_bias=False, dtype=dtype),
                         memory=memory, probability_fn=_probability(probability_fn),
                         memory_sequence_length=memory_sequence_length, score_mask_value=score_mask_value,
                         custom_key_value_fn=custom_key_value_fn, name=name)
        self._num_units, self._scale, self._name = num_units, scale, name

    def __call__(self, query, state):
        with vs.variable_scope(None, 'luong_attention', [query]):
            depth, key_units = query.shape[-1], self._keys.shape[-1]
            if dimension_value(depth) != dimension_value(key_units):
                raise ValueError("Incompatible or unknown inner dimensions between query and keys.  Query (%s) has "
                                 "units: %s.  Keys (%s) have units: %s.  Perhaps you need to set num_units to the "
                                 "keys' dimension (%s)?" % (query, depth, self._keys, key_units, key_units))
            score = array_ops.squeeze(math_ops.matmul(array_ops.expand_dims(query, 1), self._keys,
                                                      transpose_b=True), [1])
            if self._scale:
                score = vs.get_variable('attention_g', dtype=query.dtype, initializer=init_ops.ones_initializer(),
                                        shape=()) * score
        alignments = self._probability_fn(score, state)
        return alignments, alignments


class BahdanauAttention(_BaseAttentionMechanism):
    """Additive attention: score = sum(attention_v * tanh(keys + query_layer(query)))."""

    def __init__(self, num_units, memory, memory_sequence_length=None, normalize=False, probability_fn=None,
                 score_mask_value=None, dtype=None, custom_key_value_fn=None, name='BahdanauAttention'):
        dtype = dtypes.float32 if dtype is None else dtype
        super().__init__(query_layer=Dense(num_units, name='query_layer', use_bias=False, dtype=dtype),
                         memory_layer=Dense(num_units, name='memory_layer', use_bias=False, dtype=dtype),
                         memory=memory, probability_fn=_probability(probability_fn),
                         custom_key_value_fn=custom_key_value_fn, memory_sequence_length=memory_sequence_length,
                         score_mask_value=score_mask_value, name=name)
        self._num_units, self._normalize, self._name = num_units, normalize, name

    def __call__(self, query, state):
        with vs.variable_scope(None, 'bahdanau_attention', [query]):
            processed = array_ops.expand_dims(self.query_layer(query) if self.query_layer else query, 1)
            v = vs.get_variable('attention_v', [self._num_units], dtype=query.dtype)
            if self._normalize:
                g = vs.get_variable('attention_g', dtype=query.dtype, shape=(),
                                    initializer=init_ops.constant_initializer(math.sqrt(1. / self._num_units)))
                b = vs.get_variable('attention_b', [self._num_units], dtype=query.dtype,
                                    initializer=init_ops.zeros_initializer())
                normed_v = g * v * math_ops.rsqrt(reduction_ops.reduce_sum(math_ops.square(v)))
                score = reduction_ops.reduce_sum(normed_v * math_ops.tanh(self._keys + processed + b), [2])
            else:
                score = reduction_ops.reduce_sum(v * math_ops.tanh(self._keys + processed), [2])
        alignments = self._probability_fn(score, state)
        return alignments, alignments


class AttentionWrapperState(collections.namedtuple('AttentionWrapperState', (
        'cell_state', 'attention', 'time', 'alignments', 'alignment_history', 'attention_state'))):
    """The AttentionWrapper's state; `clone(cell_state=...)` replaces fields keeping the static shapes."""
    __slots__ = ()

    def clone(self, **kwargs):
        def with_same_shape(old, new):
            if hasattr(old, 'shape') and hasattr(new, 'set_shape') and isinstance(old.shape, TensorShape):
                new.set_shape(old.shape)
            return new
        return nest.map_structure(with_same_shape, self, super()._replace(**kwargs))


def hardmax(logits, name=None):
    """One-hot of the argmax along the last axis."""
    with name_scope(name, 'Hardmax', [logits]):
        logits = convert_to_tensor(logits, name='logits')
        depth = dimension_value(logits.shape[-1])
        depth = depth if depth is not None else array_ops.shape(logits)[-1]
        return one_hot(reduction_ops.argmax(logits, -1), depth, dtype=logits.dtype)


def _compute_attention(mechanism, cell_output, attention_state, attention_layer):
    alignments, next_attention_state = mechanism(cell_output, state=attention_state)
    context = array_ops.squeeze(math_ops.matmul(array_ops.expand_dims(alignments, 1), mechanism.values), [1])
    attention = attention_layer(array_ops.concat([cell_output, context], 1)) if attention_layer is not None \
        else context
    return attention, alignments, next_attention_state


def _concat_inputs(inputs, attention):
    return array_ops.concat([inputs, attention], -1)


class AttentionWrapper(RNNCell):
    """Wraps `cell` with attention over one mechanism (or a list of them, concatenated)."""

    def __init__(self, cell, attention_mechanism, attention_layer_size=None, alignment_history=False,
                 cell_input_fn=None, output_attention=True, initial_cell_state=None, name=None,
                 attention_layer=None, attention_fn=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._is_multi = isinstance(attention_mechanism, (list, tuple))
        mechanisms = tuple(attention_mechanism) if self._is_multi else (attention_mechanism,)
        for m in mechanisms:
            if not isinstance(m, AttentionMechanism):
                raise TypeError('attention_mechanism must be an AttentionMechanism or list of multiple '
                                'AttentionMechanism instances, saw type: %s' % type(m).__name__)
        if cell_input_fn is None:
            cell_input_fn = _concat_inputs
        elif not callable(cell_input_fn):
            raise TypeError('cell_input_fn must be callable, saw type: %s' % type(cell_input_fn).__name__)
        if attention_layer_size is not None and attention_layer is not None:
            raise ValueError('Only one of attention_layer_size and attention_layer should be set')
        if attention_layer_size is not None:
            sizes = tuple(attention_layer_size if isinstance(attention_layer_size, (list, tuple))
                          else (attention_layer_size,))
            if len(sizes) != len(mechanisms):
                raise ValueError('If provided, attention_layer_size must contain exactly one integer per '
                                 'attention_mechanism, saw: %d vs %d' % (len(sizes), len(mechanisms)))
            self._attention_layers = tuple(Dense(size, name='attention_layer', use_bias=False,
                                                 dtype=mechanisms[i].dtype) for i, size in enumerate(sizes))
            self._attention_layer_size = sum(sizes)
        elif attention_layer is not None:
            self._attention_layers = tuple(attention_layer if isinstance(attention_layer, (list, tuple))
                                           else (attention_layer,))
            if len(self._attention_layers) != len(mechanisms):
                raise ValueError('If provided, attention_layer must contain exactly one layer per '
                                 'attention_mechanism, saw: %d vs %d' % (len(self._attention_layers), len(mechanisms)))
            self._attention_layer_size = sum(
                dimension_value(layer.compute_output_shape(
                    [None, cell.output_size + dimension_value(m.values.shape[-1])])[-1])
                for layer, m in zip(self._attention_layers, mechanisms))
        else:
            self._attention_layers = None
            self._attention_layer_size = sum(dimension_value(m.values.shape[-1]) for m in mechanisms)
        self._attention_fn = attention_fn or _compute_attention
        self._cell, self._attention_mechanisms = cell, mechanisms
        self._cell_input_fn, self._output_attention = cell_input_fn, output_attention
        self._alignment_history = alignment_history
        with name_scope(name, 'AttentionWrapperInit'):
            if initial_cell_state is None:
                self._initial_cell_state = None
            else:
                last = nest.flatten(initial_cell_state)[-1]
                batch = dimension_value(last.shape[0]) or array_ops.shape(last)[0]
                message = ('When constructing AttentionWrapper %s: Non-matching batch sizes between the memory '
                           '(encoder output) and initial_cell_state.  Are you using the BeamSearchDecoder?  You may '
                           'need to tile your initial state via the tf.contrib.seq2seq.tile_batch function with '
                           'argument multiple=beam_width.' % self._base_name)
                with _graph.get_default_graph().control_dependencies(self._batch_size_checks(batch, message)):
                    self._initial_cell_state = nest.map_structure(
                        lambda s: graph_ops.identity(s, name='check_initial_cell_state'), initial_cell_state)

    def _batch_size_checks(self, batch_size, message):
        return [check_ops.assert_equal(batch_size, m.batch_size, message=message) for m in self._attention_mechanisms]

    def _item_or_tuple(self, seq):
        t = tuple(seq)
        return t if self._is_multi else t[0]

    @property
    def output_size(self):
        return self._attention_layer_size if self._output_attention else self._cell.output_size

    @property
    def state_size(self):
        return AttentionWrapperState(
            cell_state=self._cell.state_size, time=TensorShape([]), attention=self._attention_layer_size,
            alignments=self._item_or_tuple(m.alignments_size for m in self._attention_mechanisms),
            attention_state=self._item_or_tuple(m.state_size for m in self._attention_mechanisms),
            alignment_history=self._item_or_tuple(m.alignments_size if self._alignment_history else ()
                                                  for m in self._attention_mechanisms))

    def zero_state(self, batch_size, dtype):
        with name_scope(type(self).__name__ + 'ZeroState', values=[batch_size]):
            cell_state = self._initial_cell_state if self._initial_cell_state is not None else \
                self._cell.zero_state(batch_size, dtype)
            message = ('When calling zero_state of AttentionWrapper %s: Non-matching batch sizes between the memory '
                       '(encoder output) and the requested batch size.  Are you using the BeamSearchDecoder?  If so, '
                       'make sure your encoder output has been tiled to beam_width via '
                       'tf.contrib.seq2seq.tile_batch, and the batch_size= argument passed to zero_state is '
                       'batch_size * beam_width.' % self._base_name)
            with _graph.get_default_graph().control_dependencies(self._batch_size_checks(batch_size, message)):
                cell_state = nest.map_structure(lambda s: graph_ops.identity(s, name='checked_cell_state'),
                                                cell_state)
            alignments = [m.initial_alignments(batch_size, dtype) for m in self._attention_mechanisms]
            return AttentionWrapperState(
                cell_state=cell_state, time=array_ops.zeros([], dtype=dtypes.int32),
                attention=zero_state_tensors(self._attention_layer_size, batch_size, dtype),
                alignments=self._item_or_tuple(alignments),
                attention_state=self._item_or_tuple(m.initial_state(batch_size, dtype)
                                                    for m in self._attention_mechanisms),
                alignment_history=self._item_or_tuple(
                    TensorArray(dtype, size=0, dynamic_size=True, element_shape=a.shape)
                    if self._alignment_history else () for a in alignments))

    def call(self, inputs, state):
        if not isinstance(state, AttentionWrapperState):
            raise TypeError('Expected state to be instance of AttentionWrapperState. Received type %s instead.'
                            % type(state))
        cell_output, next_cell_state = self._cell(self._cell_input_fn(inputs, state.attention), state.cell_state)
        batch = dimension_value(cell_output.shape[0]) or array_ops.shape(cell_output)[0]
        message = ('When applying AttentionWrapper %s: Non-matching batch sizes between the memory (encoder output) '
                   'and the query (decoder output).  Are you using the BeamSearchDecoder?  You may need to tile your '
                   'memory input via the tf.contrib.seq2seq.tile_batch function with argument multiple=beam_width.'
                   % self.name)
        with _graph.get_default_graph().control_dependencies(self._batch_size_checks(batch, message)):
            cell_output = graph_ops.identity(cell_output, name='checked_cell_output')
        previous_states = state.attention_state if self._is_multi else [state.attention_state]
        previous_histories = state.alignment_history if self._is_multi else [state.alignment_history]
        attentions, alignments_all, states, histories = [], [], [], []
        for i, mechanism in enumerate(self._attention_mechanisms):
            attention, alignments, next_attention_state = self._attention_fn(
                mechanism, cell_output, previous_states[i],
                self._attention_layers[i] if self._attention_layers else None)
            histories.append(previous_histories[i].write(state.time, alignments) if self._alignment_history else ())
            states.append(next_attention_state)
            alignments_all.append(alignments)
            attentions.append(attention)
        attention = array_ops.concat(attentions, 1)
        next_state = AttentionWrapperState(
            time=state.time + 1, cell_state=next_cell_state, attention=attention,
            attention_state=self._item_or_tuple(states), alignments=self._item_or_tuple(alignments_all),
            alignment_history=self._item_or_tuple(histories))
        return (attention if self._output_attention else cell_output), next_state


def tile_batch(t, multiplier, name=None):
    """Each batch entry repeated `multiplier` times in place ([a, b] -> [a, a, b, b]), for beam search."""
    flat = nest.flatten(t)
    with name_scope(name, 'tile_batch', flat + [multiplier]):
        def tile(x):
            x = convert_to_tensor(x, name='t')
            shape = array_ops.shape(x)
            if x.shape.ndims is None:
                raise ValueError('t must have statically known rank')
            tiling = [1] * (x.shape.ndims + 1)
            tiling[1] = multiplier
            batch = dimension_value(x.shape[0])
            tiled = array_ops.tile(array_ops.expand_dims(x, 1), tiling)
            tiled = array_ops.reshape(tiled, array_ops.concat([[shape[0] * multiplier], shape[1:]], 0))
            tiled.set_shape(TensorShape([batch * multiplier if batch is not None else None]).concatenate(
                x.shape[1:]))
            return tiled
        return nest.map_structure(tile, t)
