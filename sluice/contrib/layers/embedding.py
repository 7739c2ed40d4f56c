"""contrib.layers' one_hot_encoding (int32 labels widened to int64 first, as TF does) and embed_sequence
(a model variable EmbedSequence/embeddings [vocab_size, embed_dim] looked up by ids)."""
from sluice.contrib.framework.arg_scope import add_arg_scope
from sluice.contrib.framework.variables import model_variable
from sluice.contrib.layers.named_outputs import collect_named_outputs
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.ops import array_ops, filling_ops, indexing_ops, manip_ops, math_ops, nn_embedding
from sluice.ops import variable_scope as vs

__all__ = ['one_hot_encoding', 'embed_sequence']


@add_arg_scope
def one_hot_encoding(labels, num_classes, on_value=1.0, off_value=0.0, outputs_collections=None, scope=None):
    """One-hot float rows of width num_classes for integer labels."""
    with _graph.name_scope(scope, 'OneHotEncoding', [labels, num_classes]) as sc:
        labels = _graph.convert_to_tensor(labels)
        if labels.dtype == dtypes.int32:
            labels = math_ops.cast(labels, dtypes.int64)
        outputs = filling_ops.one_hot(labels, num_classes, on_value=on_value, off_value=off_value)
        return collect_named_outputs(outputs_collections, sc, outputs)


def embed_sequence(ids, vocab_size=None, embed_dim=None, unique=False, initializer=None, regularizer=None,
                   trainable=True, scope=None, reuse=None):
    """Embeddings of `ids` ([batch, length] -> [batch, length, embed_dim])."""
    if not (reuse or (vocab_size and embed_dim)):
        raise ValueError('Must specify vocab size and embedding dimension when not reusing. Got vocab_size=%s '
                         'and embed_dim=%s' % (vocab_size, embed_dim))
    with vs.variable_scope(scope, 'EmbedSequence', [ids], reuse=reuse):
        shape = [vocab_size, embed_dim]
        if (reuse and vocab_size is None) or embed_dim is None:
            shape = None
        embeddings = model_variable('embeddings', shape=shape, initializer=initializer, regularizer=regularizer,
                                    trainable=trainable)
        if unique:
            return _lookup_unique(embeddings, ids)
        return nn_embedding.embedding_lookup(embeddings, ids)


def _lookup_unique(params, ids):
    """embedding_lookup over the distinct ids only, gathered back to the ids' shape."""
    with _graph.name_scope(None, 'EmbeddingLookupUnique', [params, ids]):
        ids = _graph.convert_to_tensor(ids)
        shape = array_ops.shape(ids)
        distinct, index = manip_ops.unique(array_ops.reshape(ids, [-1]))
        rows = indexing_ops.gather(nn_embedding.embedding_lookup(params, distinct), index)
        out = array_ops.reshape(rows, array_ops.concat([shape, array_ops.shape(rows)[1:]], 0))
        out.set_shape(ids.get_shape().concatenate(params.get_shape()[1:]))
        return out
