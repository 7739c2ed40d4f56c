"""Connectionist temporal classification (TF 1.15's ctc_ops): the loss and the two decoders.

Inputs are time-major logits [max_time, batch, num_classes]; the last class is the blank.
- CTCLoss: -log p(labels | inputs) per batch entry (labels a SparseTensor of int32 classes) and, as a
  second output, its gradient with respect to the logits, which the registered gradient scales by the
  loss's incoming gradient (TF's form). `preprocess_collapse_repeated` merges repeated labels first;
  `ctc_merge_repeated=False` lets a label repeat without a blank between; a label sequence longer than
  the time allows is an error unless `ignore_longer_outputs_than_inputs` (loss and gradient 0 then).
- CTCGreedyDecoder: the best class per step, repeats merged (merge_repeated) and blanks removed;
  log_probability is minus the sum of the steps' largest logits, as TF reports it.
- CTCBeamSearchDecoder: prefix beam search over softmax probabilities keeping `beam_width` prefixes,
  the `top_paths` best with their log probabilities (merge_repeated collapses repeated labels of a path).
"""
from sluice.engine import dtypes, op_builder
from sluice.engine.graph import convert_to_tensor, name_scope
from sluice.engine.op_registry import no_gradient, register_gradient, register_op
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import array_ops
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['ctc_loss', 'ctc_greedy_decoder', 'ctc_beam_search_decoder']


def _loss_shape(op):
    inputs = op._inputs[0]._shape
    batch = inputs.as_list()[1] if inputs.ndims == 3 else None
    return [TensorShape([batch]), inputs if inputs.ndims == 3 else TensorShape([None, None, None])]


def _decoder_shape(op):
    inputs = op._inputs[0]._shape
    batch = inputs.as_list()[1] if inputs.ndims == 3 else None
    paths = op._attrs.get('top_paths', 1)
    return ([TensorShape([None, 2])] * paths + [TensorShape([None])] * paths + [TensorShape([2])] * paths +
            [TensorShape([batch, paths])])


register_op('CTCLoss', ['inputs: T', 'labels_indices: int64', 'labels_values: int32', 'sequence_length: int32'],
            ['loss: T', 'gradient: T'],
            {'preprocess_collapse_repeated': ('bool', False), 'ctc_merge_repeated': ('bool', True),
             'ignore_longer_outputs_than_inputs': ('bool', False), 'T': ('type', dtypes.float32)}, _loss_shape)
register_op('CTCGreedyDecoder', ['inputs: T', 'sequence_length: int32'],
            ['decoded_indices: int64', 'decoded_values: int64', 'decoded_shape: int64', 'log_probability: T'],
            {'merge_repeated': ('bool', False), 'T': ('type', dtypes.float32)}, _decoder_shape)
register_op('CTCBeamSearchDecoder', ['inputs: T', 'sequence_length: int32'],
            ['decoded_indices: top_paths * int64', 'decoded_values: top_paths * int64',
             'decoded_shape: top_paths * int64', 'log_probability: T'],
            {'beam_width': 'int', 'top_paths': 'int', 'merge_repeated': ('bool', True),
             'T': ('type', dtypes.float32)}, _decoder_shape)
no_gradient('CTCGreedyDecoder')
no_gradient('CTCBeamSearchDecoder')


@register_gradient('CTCLoss')
def _ctc_loss_grad(op, grad_loss, _):
    # The op's own gradient output, scaled per batch entry; it is not differentiated again (as TF).
    gradient = array_ops.stop_gradient(op._outputs[1])
    return [array_ops.expand_dims(grad_loss, -1) * gradient if grad_loss is not None else None, None, None, None]


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False, ctc_merge_repeated=True,
             ignore_longer_outputs_than_inputs=False, time_major=True, logits=None):
    """The CTC loss per batch entry of time-major (or batch-major) logits against SparseTensor labels."""
    if inputs is None:
        inputs = logits
    if not isinstance(labels, SparseTensor):
        raise TypeError('Expected labels (first argument) to be a SparseTensor')
    inputs = convert_to_tensor(inputs, name='logits')
    if not time_major:
        inputs = array_ops.transpose(inputs, [1, 0, 2])
    attrs = {'preprocess_collapse_repeated': bool(preprocess_collapse_repeated),
             'ctc_merge_repeated': bool(ctc_merge_repeated),
             'ignore_longer_outputs_than_inputs': bool(ignore_longer_outputs_than_inputs)}
    with name_scope(None, 'CTCLoss'):
        sequence_length = convert_to_tensor(sequence_length, dtype=dtypes.int32, name='sequence_length')
    return op_builder.apply('CTCLoss', [inputs, labels.indices, labels.values, sequence_length], attrs)._outputs[0]


def _sparse_outputs(indices, values, shapes):
    return [SparseTensor(i, v, s) for i, v, s in zip(indices, values, shapes)]


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """([SparseTensor of the best path], log_probability [batch, 1])."""
    if blank_index is not None and blank_index not in (-1,):
        raise NotImplementedError('sluice does not implement ctc_greedy_decoder(blank_index=%r) yet: the blank '
                                  'is the last class' % blank_index)
    outs = op_builder.apply('CTCGreedyDecoder', [inputs, sequence_length],
                            {'merge_repeated': bool(merge_repeated)})._outputs
    return _sparse_outputs([outs[0]], [outs[1]], [outs[2]]), outs[3]


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1, merge_repeated=True):
    """([top_paths SparseTensors], log_probability [batch, top_paths])."""
    outs = op_builder.apply('CTCBeamSearchDecoder', [inputs, sequence_length],
                            {'beam_width': int(beam_width), 'top_paths': int(top_paths),
                             'merge_repeated': bool(merge_repeated)})._outputs
    n = int(top_paths)
    return _sparse_outputs(outs[:n], outs[n:2 * n], outs[2 * n:3 * n]), outs[3 * n]
