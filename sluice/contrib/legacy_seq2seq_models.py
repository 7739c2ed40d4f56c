"""tf.contrib.legacy_seq2seq's encoder-decoder models over Python lists of per-step tensors (TF 1.15):

- rnn_decoder / basic_rnn_seq2seq / tied_rnn_seq2seq: a cell unrolled over the decoder inputs from the
  encoder's final state (a `loop_function` feeds back the previous output);
- embedding_rnn_decoder / embedding_rnn_seq2seq: ids embedded ('embedding'), outputs projected to the
  symbols (OutputProjectionWrapper) unless an `output_projection` (W, b) is given; `feed_previous` feeds
  back the embedding of the argmax (a greedy decoder);
- attention_decoder / embedding_attention_decoder / embedding_attention_seq2seq: Bahdanau-style attention
  over the encoder outputs with `num_heads` heads ('AttnW_i' 1x1 convolutions of the states, 'AttnV_i',
  'Attention_i' query projections, 'AttnOutputProjection'), the input of each step being a projection
  of [input, previous attentions];
- model_with_buckets: one model per (encoder length, decoder length) bucket sharing variables, with its
  sequence loss.
Variables are named as TF 1.15 names them, so its checkpoints of these models load.
"""
import copy

from sluice.contrib.rnn_wrappers import EmbeddingWrapper, OutputProjectionWrapper, _Linear
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.ops import array_ops, math_ops, reduction_ops
from sluice.ops import variable_scope as vs
from sluice.ops.nn_activation import softmax
from sluice.ops.nn_conv_pool import conv2d
from sluice.ops.nn_embedding import embedding_lookup
from sluice.ops.rnn import static_rnn
from sluice.python.util import nest

__all__ = ['rnn_decoder', 'basic_rnn_seq2seq', 'tied_rnn_seq2seq', 'embedding_rnn_decoder', 'embedding_rnn_seq2seq',
           'attention_decoder', 'embedding_attention_decoder', 'embedding_attention_seq2seq', 'model_with_buckets']


def _extract_argmax_and_embed(embedding, output_projection=None, update_embedding=True):
    def loop_function(prev, _):
        if output_projection is not None:
            prev = math_ops.matmul(prev, output_projection[0]) + output_projection[1]
        emb_prev = embedding_lookup(embedding, reduction_ops.argmax(prev, 1))
        return emb_prev if update_embedding else array_ops.stop_gradient(emb_prev)
    return loop_function


def rnn_decoder(decoder_inputs, initial_state, cell, loop_function=None, scope=None):
    with vs.variable_scope(scope or 'rnn_decoder'):
        state, outputs, prev = initial_state, [], None
        for i, inp in enumerate(decoder_inputs):
            if loop_function is not None and prev is not None:
                with vs.variable_scope('loop_function', reuse=True):
                    inp = loop_function(prev, i)
            if i > 0:
                vs.get_variable_scope().reuse_variables()
            output, state = cell(inp, state)
            outputs.append(output)
            if loop_function is not None:
                prev = output
    return outputs, state


def basic_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, dtype=dtypes.float32, scope=None):
    with vs.variable_scope(scope or 'basic_rnn_seq2seq'):
        enc_cell = copy.deepcopy(cell)
        _, enc_state = static_rnn(enc_cell, encoder_inputs, dtype=dtype)
        return rnn_decoder(decoder_inputs, enc_state, cell)


def tied_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, loop_function=None, dtype=dtypes.float32, scope=None):
    with vs.variable_scope('combined_tied_rnn_seq2seq'):
        scope = scope or 'tied_rnn_seq2seq'
        _, enc_state = static_rnn(cell, encoder_inputs, dtype=dtype, scope=scope)
        vs.get_variable_scope().reuse_variables()
        return rnn_decoder(decoder_inputs, enc_state, cell, loop_function=loop_function, scope=scope)


def embedding_rnn_decoder(decoder_inputs, initial_state, cell, num_symbols, embedding_size, output_projection=None,
                          feed_previous=False, update_embedding_for_previous=True, scope=None):
    with vs.variable_scope(scope or 'embedding_rnn_decoder') as scope:
        if output_projection is not None:
            bias = convert_to_tensor(output_projection[1], dtype=scope.dtype)
            bias.shape.assert_is_compatible_with([num_symbols])
        embedding = vs.get_variable('embedding', [num_symbols, embedding_size])
        loop_function = _extract_argmax_and_embed(embedding, output_projection, update_embedding_for_previous) \
            if feed_previous else None
        emb_inp = [embedding_lookup(embedding, i) for i in decoder_inputs]
        return rnn_decoder(emb_inp, initial_state, cell, loop_function=loop_function)


def _feed_previous_is_bool(feed_previous, what):
    if not isinstance(feed_previous, bool):
        raise NotImplementedError('sluice does not implement %s with a tensor feed_previous yet (give a Python '
                                  'bool)' % what)


def embedding_rnn_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols, num_decoder_symbols,
                          embedding_size, output_projection=None, feed_previous=False, dtype=None, scope=None):
    _feed_previous_is_bool(feed_previous, 'embedding_rnn_seq2seq')
    with vs.variable_scope(scope or 'embedding_rnn_seq2seq') as scope:
        dtype = dtype or scope.dtype or dtypes.float32
        encoder_cell = EmbeddingWrapper(copy.deepcopy(cell), embedding_classes=num_encoder_symbols,
                                        embedding_size=embedding_size)
        _, encoder_state = static_rnn(encoder_cell, encoder_inputs, dtype=dtype)
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
        return embedding_rnn_decoder(decoder_inputs, encoder_state, cell, num_decoder_symbols, embedding_size,
                                     output_projection=output_projection, feed_previous=feed_previous)


def attention_decoder(decoder_inputs, initial_state, attention_states, cell, output_size=None, num_heads=1,
                      loop_function=None, dtype=None, scope=None, initial_state_attention=False):
    if not decoder_inputs:
        raise ValueError('Must provide at least 1 input to attention decoder.')
    if num_heads < 1:
        raise ValueError('With less than 1 heads, use a non-attention decoder.')
    if attention_states.shape[2].value is None:
        raise ValueError('Shape[2] of attention_states must be known: %s' % attention_states.shape)
    if output_size is None:
        output_size = cell.output_size
    with vs.variable_scope(scope or 'attention_decoder', dtype=dtype) as scope:
        dtype = scope.dtype or dtypes.float32
        batch_size = array_ops.shape(decoder_inputs[0])[0]
        attn_length = attention_states.shape[1].value
        if attn_length is None:
            attn_length = array_ops.shape(attention_states)[1]
        attn_size = attention_states.shape[2].value
        hidden = array_ops.reshape(attention_states, [-1, attn_length, 1, attn_size])
        hidden_features, v = [], []
        for a in range(num_heads):
            k = vs.get_variable('AttnW_%d' % a, [1, 1, attn_size, attn_size], dtype=dtype)
            hidden_features.append(conv2d(hidden, k, [1, 1, 1, 1], 'SAME'))
            v.append(vs.get_variable('AttnV_%d' % a, [attn_size], dtype=dtype))

        def attention(query):
            query = array_ops.concat(nest.flatten(query), 1) if nest.is_sequence(query) else query
            reads = []
            for a in range(num_heads):
                with vs.variable_scope('Attention_%d' % a):
                    y = _Linear(query, attn_size, True)(query)
                    y = array_ops.reshape(y, [-1, 1, 1, attn_size])
                    s = reduction_ops.reduce_sum(v[a] * math_ops.tanh(hidden_features[a] + y), [2, 3])
                    weights = softmax(s)
                    read = reduction_ops.reduce_sum(array_ops.reshape(weights, [-1, attn_length, 1, 1]) * hidden,
                                                    [1, 2])
                    reads.append(array_ops.reshape(read, [-1, attn_size]))
            return reads

        outputs, prev, state = [], None, initial_state
        attns = [array_ops.zeros(array_ops.stack([batch_size, attn_size]), dtype=dtype) for _ in range(num_heads)]
        for a in attns:
            a.set_shape([None, attn_size])
        if initial_state_attention:
            attns = attention(initial_state)
        for i, inp in enumerate(decoder_inputs):
            if i > 0:
                vs.get_variable_scope().reuse_variables()
            if loop_function is not None and prev is not None:
                with vs.variable_scope('loop_function', reuse=True):
                    inp = loop_function(prev, i)
            if inp.shape.with_rank(2)[1].value is None:
                raise ValueError('Could not infer input size from input: %s' % inp.name)
            inputs = [inp] + attns
            x = _Linear(inputs, inp.shape[1].value, True)(inputs)
            cell_output, state = cell(x, state)
            if i == 0 and initial_state_attention:
                with vs.variable_scope(vs.get_variable_scope(), reuse=True):
                    attns = attention(state)
            else:
                attns = attention(state)
            with vs.variable_scope('AttnOutputProjection'):
                inputs = [cell_output] + attns
                output = _Linear(inputs, output_size, True)(inputs)
            if loop_function is not None:
                prev = output
            outputs.append(output)
    return outputs, state


def embedding_attention_decoder(decoder_inputs, initial_state, attention_states, cell, num_symbols, embedding_size,
                                num_heads=1, output_size=None, output_projection=None, feed_previous=False,
                                update_embedding_for_previous=True, dtype=None, scope=None,
                                initial_state_attention=False):
    if output_size is None:
        output_size = cell.output_size
    if output_projection is not None:
        bias = convert_to_tensor(output_projection[1], dtype=dtype)
        bias.shape.assert_is_compatible_with([num_symbols])
    with vs.variable_scope(scope or 'embedding_attention_decoder', dtype=dtype):
        embedding = vs.get_variable('embedding', [num_symbols, embedding_size])
        loop_function = _extract_argmax_and_embed(embedding, output_projection, update_embedding_for_previous) \
            if feed_previous else None
        emb_inp = [embedding_lookup(embedding, i) for i in decoder_inputs]
        return attention_decoder(emb_inp, initial_state, attention_states, cell, output_size=output_size,
                                 num_heads=num_heads, loop_function=loop_function,
                                 initial_state_attention=initial_state_attention)


def embedding_attention_seq2seq(encoder_inputs, decoder_inputs, cell, num_encoder_symbols, num_decoder_symbols,
                                embedding_size, num_heads=1, output_projection=None, feed_previous=False,
                                dtype=None, scope=None, initial_state_attention=False):
    _feed_previous_is_bool(feed_previous, 'embedding_attention_seq2seq')
    with vs.variable_scope(scope or 'embedding_attention_seq2seq', dtype=dtype) as scope:
        dtype = scope.dtype or dtypes.float32
        encoder_cell = EmbeddingWrapper(copy.deepcopy(cell), embedding_classes=num_encoder_symbols,
                                        embedding_size=embedding_size)
        encoder_outputs, encoder_state = static_rnn(encoder_cell, encoder_inputs, dtype=dtype)
        top_states = [array_ops.reshape(e, [-1, 1, cell.output_size]) for e in encoder_outputs]
        attention_states = array_ops.concat(top_states, 1)
        output_size = None
        if output_projection is None:
            cell = OutputProjectionWrapper(cell, num_decoder_symbols)
            output_size = num_decoder_symbols
        return embedding_attention_decoder(decoder_inputs, encoder_state, attention_states, cell, num_decoder_symbols,
                                           embedding_size, num_heads=num_heads, output_size=output_size,
                                           output_projection=output_projection, feed_previous=feed_previous,
                                           initial_state_attention=initial_state_attention)


def model_with_buckets(encoder_inputs, decoder_inputs, targets, weights, buckets, seq2seq, softmax_loss_function=None,
                       per_example_loss=False, name=None):
    """(outputs, losses) of `seq2seq` built once per bucket on the first bucket[0]/bucket[1] steps."""
    from sluice.contrib.legacy_seq2seq import sequence_loss, sequence_loss_by_example
    if len(encoder_inputs) < buckets[-1][0]:
        raise ValueError('Length of encoder_inputs (%d) must be at least that of last bucket (%d).'
                         % (len(encoder_inputs), buckets[-1][0]))
    if len(targets) < buckets[-1][1]:
        raise ValueError('Length of targets (%d) must be at least that of last bucket (%d).'
                         % (len(targets), buckets[-1][1]))
    if len(weights) < buckets[-1][1]:
        raise ValueError('Length of weights (%d) must be at least that of last bucket (%d).'
                         % (len(weights), buckets[-1][1]))
    losses, outputs = [], []
    with name_scope(name, 'model_with_buckets', encoder_inputs + decoder_inputs + targets + weights):
        for j, bucket in enumerate(buckets):
            with vs.variable_scope(vs.get_variable_scope(), reuse=True if j > 0 else None):
                bucket_outputs, _ = seq2seq(encoder_inputs[:bucket[0]], decoder_inputs[:bucket[1]])
                outputs.append(bucket_outputs)
                loss = sequence_loss_by_example if per_example_loss else sequence_loss
                losses.append(loss(outputs[-1], targets[:bucket[1]], weights[:bucket[1]],
                                   softmax_loss_function=softmax_loss_function))
    return outputs, losses
