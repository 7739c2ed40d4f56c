"""tf.keras.backend's CTC functions (TF 1.15): dense labels to a SparseTensor, the batch cost over softmax
outputs (log taken with K.epsilon() added, time-major for tf.nn.ctc_loss) and decoding to dense -1-padded
label matrices."""
from sluice.engine import dtypes
from sluice.engine.graph import convert_to_tensor
from sluice.ops import array_ops, math_ops
from sluice.ops.ctc_ops import ctc_beam_search_decoder, ctc_greedy_decoder, ctc_loss
from sluice.ops.indexing_ops import where
from sluice.ops.manip_ops import sequence_mask
from sluice.ops.sparse_ops import sparse_tensor_to_dense
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['ctc_label_dense_to_sparse', 'ctc_batch_cost', 'ctc_decode']


def _epsilon():
    from sluice.keras import backend
    return backend.epsilon()


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first label_lengths[b] labels of each row of `labels` [batch, max labels] as a SparseTensor."""
    labels = convert_to_tensor(labels)
    shape = array_ops.shape(labels)
    mask = sequence_mask(label_lengths, maxlen=shape[1])
    indices = where(mask)
    values = array_ops.gather_nd(labels, indices)
    return SparseTensor(math_ops.cast(indices, dtypes.int64), values, math_ops.cast(shape, dtypes.int64))


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """[batch, 1] CTC losses of softmax outputs y_pred [batch, time, classes] against dense labels."""
    label_length = math_ops.cast(array_ops.squeeze(label_length, axis=-1), dtypes.int32)
    input_length = math_ops.cast(array_ops.squeeze(input_length, axis=-1), dtypes.int32)
    sparse = ctc_label_dense_to_sparse(y_true, label_length)
    sparse = SparseTensor(sparse.indices, math_ops.cast(sparse.values, dtypes.int32), sparse.dense_shape)
    y_pred = math_ops.log(array_ops.transpose(y_pred, perm=[1, 0, 2]) + _epsilon())
    return array_ops.expand_dims(ctc_loss(inputs=y_pred, labels=sparse, sequence_length=input_length), 1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """([dense decoded labels, -1 padded, per path], log probabilities)."""
    y_pred = convert_to_tensor(y_pred)
    shape = array_ops.shape(y_pred)
    num_samples, num_steps = shape[0], shape[1]
    y_pred = math_ops.log(array_ops.transpose(y_pred, perm=[1, 0, 2]) + _epsilon())
    input_length = math_ops.cast(input_length, dtypes.int32)
    if greedy:
        decoded, log_prob = ctc_greedy_decoder(inputs=y_pred, sequence_length=input_length)
    else:
        decoded, log_prob = ctc_beam_search_decoder(inputs=y_pred, sequence_length=input_length,
                                                    beam_width=beam_width, top_paths=top_paths)
    dense_shape = math_ops.cast(array_ops.stack([num_samples, num_steps]), dtypes.int64)
    dense = [sparse_tensor_to_dense(SparseTensor(st.indices, st.values, dense_shape), default_value=-1)
             for st in decoded]
    return dense, log_prob
