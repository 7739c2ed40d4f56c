"""tf.keras.layers.Embedding (TF 1.15, graph mode): 'embeddings' [input_dim, output_dim] (Keras's 'uniform'
initializer, U(-0.05, 0.05)); the output is embedding_lookup(embeddings, ids) (ids cast to int32 unless
int32/int64). With mask_zero, id 0 is padding: the output mask is ids != 0.
"""
from sluice.engine.tensor_shape import TensorShape
from sluice.keras import backend as K, constraints, initializers, regularizers
from sluice.keras.engine.base_layer import Layer
from sluice.keras.layers.core import merge_config
from sluice.ops import math_ops, nn_embedding


class Embedding(Layer):
    """Turns ids in [0, input_dim) into dense vectors of size output_dim."""

    def __init__(self, input_dim, output_dim, embeddings_initializer='uniform', embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        if 'input_shape' not in kwargs:
            kwargs['input_shape'] = (input_length,) if input_length else (None,)
        dtype = kwargs.pop('dtype', K.floatx())
        super().__init__(dtype=dtype, activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer, name='embeddings',
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return math_ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        dims = TensorShape(input_shape).as_list()
        if self.input_length is None:
            return TensorShape(dims + [self.output_dim])
        lengths = list(self.input_length) if isinstance(self.input_length, (list, tuple)) else \
            [self.input_length]
        if len(lengths) != len(dims) - 1:
            raise ValueError('"input_length" is %s, but received input has shape %s' %
                             (str(self.input_length), str(tuple(dims))))
        for i, (given, seen) in enumerate(zip(lengths, dims[1:])):
            if given is not None and seen is not None and given != seen:
                raise ValueError('"input_length" is %s, but received input has shape %s' %
                                 (str(self.input_length), str(tuple(dims))))
            if given is None:
                lengths[i] = seen
        return TensorShape([dims[0]] + lengths + [self.output_dim])

    def call(self, inputs):
        if inputs.dtype.base_dtype.name not in ('int32', 'int64'):
            inputs = math_ops.cast(inputs, 'int32')
        return nn_embedding.embedding_lookup(self.embeddings, inputs)

    def get_config(self):
        return merge_config(super().get_config(), {
            'input_dim': self.input_dim, 'output_dim': self.output_dim,
            'embeddings_initializer': initializers.serialize(self.embeddings_initializer),
            'embeddings_regularizer': regularizers.serialize(self.embeddings_regularizer),
            'activity_regularizer': regularizers.serialize(self.activity_regularizer),
            'embeddings_constraint': constraints.serialize(self.embeddings_constraint),
            'mask_zero': self.mask_zero, 'input_length': self.input_length})


__all__ = ['Embedding']
