"""The feature columns of TF 1.15's tf.feature_column (v1): how a raw feature becomes a model input.

Contract (as TF's feature_column.py): a column is an immutable namedtuple (so equal columns share one
transformation in a FeatureTransformationCache) with
  name                         the column's name, used to sort columns and as its variable scope;
  _parse_example_spec          {feature key: FixedLenFeature / VarLenFeature} it reads from a tf.Example;
  _transform_feature(builder)  its transformed tensor, built from builder.get(<key or parent column>).
A dense column (numeric, bucketized, indicator, embedding) also has _variable_shape and
_get_dense_tensor(builder, weight_collections, trainable); a categorical column (identity, vocabulary
list/file, hash bucket, bucketized, weighted, crossed) has _num_buckets and _get_sparse_tensors(...) -> IdWeightPair
of SparseTensors (ids in [0, num_buckets), optional weights).
Dense integer/string inputs to categorical columns become SparseTensors with the ignore value (-1, '')
dropped; bucketizing counts the boundaries each value reaches (TF's Bucketize: bucket i holds
boundaries[i-1] <= x < boundaries[i]).
"""
import collections
import math

import numpy as np

from sluice.engine import dtypes
from sluice.engine.graph import get_default_graph, name_scope
from sluice.engine.tensor_shape import TensorShape
from sluice.ops import constant_op
from sluice.ops import (array_ops, check_ops, filling_ops, graph_ops, indexing_ops, init_ops, lookup_ops,
                        manip_ops, math_ops, reduction_ops, sparse_cross_ops, string_ops, string_transform_ops,
                        variable_scope)
from sluice.ops.nn_embedding_sparse import safe_embedding_lookup_sparse
from sluice.ops.parsing_ops import FixedLenFeature, VarLenFeature
from sluice.ops.sparse_ops import sparse_tensor_to_dense
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['numeric_column', 'bucketized_column', 'categorical_column_with_identity',
           'categorical_column_with_vocabulary_list', 'categorical_column_with_vocabulary_file',
           'categorical_column_with_hash_bucket', 'weighted_categorical_column', 'indicator_column',
           'embedding_column', 'crossed_column', 'IdWeightPair']

IdWeightPair = collections.namedtuple('IdWeightPair', ('id_tensor', 'weight_tensor'))


class _FeatureColumn:
    """Marker base of every column (see the module docstring for the contract)."""
    __slots__ = ()

    @property
    def _var_scope_name(self):
        return self.name


class _DenseColumn(_FeatureColumn):
    __slots__ = ()


class _CategoricalColumn(_FeatureColumn):
    __slots__ = ()


def _assert_key_is_string(key):
    if not isinstance(key, str):
        raise ValueError('key must be a string. Got: type {}. Given key: {}.'.format(type(key), key))


def _to_sparse_input_and_drop_ignore_values(input_tensor, ignore_value=None):
    """A SparseTensor of input_tensor's entries other than ignore_value ('' for strings, -1 for ints)."""
    if isinstance(input_tensor, SparseTensor):
        return input_tensor
    with name_scope(None, 'to_sparse_input', (input_tensor,)):
        if ignore_value is None:
            if input_tensor.dtype == dtypes.string:
                ignore_value = ''
            elif input_tensor.dtype.is_integer:
                ignore_value = -1
            else:
                ignore_value = input_tensor.dtype.as_numpy_dtype()
        ignore = math_ops.cast(ignore_value, input_tensor.dtype) if input_tensor.dtype != dtypes.string \
            else ignore_value
        indices = indexing_ops.where(math_ops.not_equal(input_tensor, ignore), name='indices')
        return SparseTensor(indices=indices, values=indexing_ops.gather_nd(input_tensor, indices, name='values'),
                            dense_shape=array_ops.shape(input_tensor, out_type=dtypes.int64, name='dense_shape'))


def _check_input_dtype(column, tensor, allowed):
    if not (tensor.dtype == dtypes.string if allowed == 'string' else tensor.dtype.is_integer):
        raise ValueError('Column dtype and SparseTensors dtype must be compatible. key: {}, column dtype: {}, '
                         'tensor dtype: {}'.format(column.key, column.dtype, tensor.dtype))


# -- numeric and bucketized ----------------------------------------------------------------------
class _NumericColumn(_DenseColumn, collections.namedtuple(
        '_NumericColumn', ['key', 'shape', 'default_value', 'dtype', 'normalizer_fn'])):
    __slots__ = ()

    name = property(lambda self: self.key)
    _parse_example_spec = property(lambda self: {self.key: FixedLenFeature(self.shape, self.dtype,
                                                                           self.default_value)})
    _variable_shape = property(lambda self: TensorShape(self.shape))

    def _transform_feature(self, inputs):
        input_tensor = inputs.get(self.key)
        if isinstance(input_tensor, SparseTensor):
            raise ValueError('The corresponding Tensor of numerical column must be a Tensor. SparseTensor is not '
                             'supported. key: {}'.format(self.key))
        if self.normalizer_fn is not None:
            input_tensor = self.normalizer_fn(input_tensor)
        return math_ops.cast(input_tensor, dtypes.float32)

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return inputs.get(self)


def _check_default_value(shape, default_value, dtype, key):
    """default_value as a nested tuple shaped like `shape` (a scalar fills it, cast to dtype), or None."""
    if default_value is None:
        return None
    if isinstance(default_value, (int, float)):
        if dtype.is_integer and not isinstance(default_value, int):
            raise TypeError('The default_value of {} must be compatible with dtype {}. default_value: {}'
                            .format(key, dtype, default_value))
        filled = (int if dtype.is_integer else float)(default_value)
        return _nest_like(shape, [filled] * int(np.prod(shape)))
    value = np.asarray(default_value)
    if value.shape != tuple(shape):
        raise ValueError('The shape of default_value must be equal to given shape. default_value: {}, shape: {}, '
                         'key: {}'.format(default_value, shape, key))
    return _nest_like(shape, value.reshape(-1).tolist())


def _nest_like(shape, flat):
    if len(shape) == 1:
        return tuple(flat)
    step = len(flat) // shape[0]
    return tuple(_nest_like(shape[1:], flat[i * step:(i + 1) * step]) for i in range(shape[0]))


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32, normalizer_fn=None):
    """A dense float feature of fixed `shape`, cast to float32 after `normalizer_fn`."""
    _assert_key_is_string(key)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for dim in shape:
        if not isinstance(dim, int) or dim < 1:
            raise ValueError('shape dimensions must be greater than 0. shape: {}, key: {}'.format(shape, key))
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_integer or dtype.is_floating):
        raise ValueError('dtype must be convertible to float. dtype: {}, key: {}'.format(dtype, key))
    default_value = _check_default_value(shape, default_value, dtype, key)
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError('normalizer_fn must be a callable. Given: {}'.format(normalizer_fn))
    return _NumericColumn(key, shape, default_value, dtype, normalizer_fn)


def _bucketize(values, boundaries):
    """Bucket ids: how many boundaries are <= each value (TF's Bucketize, int32)."""
    edges = constant_op.constant([float(b) for b in boundaries], dtype=dtypes.float32)
    reached = math_ops.greater_equal(array_ops.expand_dims(math_ops.cast(values, dtypes.float32), -1), edges)
    return reduction_ops.reduce_sum(math_ops.cast(reached, dtypes.int32), axis=-1)


class _BucketizedColumn(_DenseColumn, _CategoricalColumn, collections.namedtuple(
        '_BucketizedColumn', ['source_column', 'boundaries'])):
    __slots__ = ()

    name = property(lambda self: '{}_bucketized'.format(self.source_column.name))
    _parse_example_spec = property(lambda self: self.source_column._parse_example_spec)
    _variable_shape = property(lambda self: TensorShape(tuple(self.source_column.shape)
                                                        + (len(self.boundaries) + 1,)))
    _num_buckets = property(lambda self: (len(self.boundaries) + 1) * self.source_column.shape[0])

    def _transform_feature(self, inputs):
        return _bucketize(inputs.get(self.source_column), self.boundaries)

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return filling_ops.one_hot(math_ops.cast(inputs.get(self), dtypes.int64), depth=len(self.boundaries) + 1,
                                   on_value=1., off_value=0.)

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        # Element j of a row lands in buckets [j * (len+1), (j+1) * (len+1)).
        input_tensor = inputs.get(self)
        batch_size = array_ops.shape(input_tensor)[0]
        source_dimension = self.source_column.shape[0]
        i1 = array_ops.reshape(array_ops.tile(array_ops.expand_dims(filling_ops.range(0, batch_size), 1),
                                              [1, source_dimension]), (-1,))
        i2 = array_ops.tile(filling_ops.range(0, source_dimension), [batch_size])
        bucket_indices = array_ops.reshape(input_tensor, (-1,)) + (len(self.boundaries) + 1) * i2
        indices = math_ops.cast(array_ops.transpose(array_ops.stack((i1, i2))), dtypes.int64)
        dense_shape = math_ops.cast(array_ops.stack([batch_size, source_dimension]), dtypes.int64)
        return IdWeightPair(SparseTensor(indices, bucket_indices, dense_shape), None)


def bucketized_column(source_column, boundaries):
    """A numeric column discretized by sorted `boundaries` into len(boundaries)+1 buckets per element."""
    if not isinstance(source_column, _NumericColumn):
        raise ValueError('source_column must be a column generated with numeric_column(). Given: {}'
                         .format(source_column))
    if len(source_column.shape) > 1:
        raise ValueError('source_column must be one-dimensional column. Given: {}'.format(source_column))
    if not boundaries or not isinstance(boundaries, (list, tuple)):
        raise ValueError('boundaries must be a sorted list.')
    for i in range(len(boundaries) - 1):
        if boundaries[i] >= boundaries[i + 1]:
            raise ValueError('boundaries must be a sorted list.')
    return _BucketizedColumn(source_column, tuple(boundaries))


# -- categorical -----------------------------------------------------------------------------------
class _IdentityCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        '_IdentityCategoricalColumn', ['key', 'num_buckets', 'default_value'])):
    __slots__ = ()

    name = property(lambda self: self.key)
    _parse_example_spec = property(lambda self: {self.key: VarLenFeature(dtypes.int64)})
    _num_buckets = property(lambda self: self.num_buckets)

    def _transform_feature(self, inputs):
        input_tensor = _to_sparse_input_and_drop_ignore_values(inputs.get(self.key))
        if not input_tensor.dtype.is_integer:
            raise ValueError('Invalid input, not integer. key: {} dtype: {}'.format(self.key, input_tensor.dtype))
        values = math_ops.cast(input_tensor.values, dtypes.int64, name='values')
        num_buckets = math_ops.cast(self.num_buckets, dtypes.int64, name='num_buckets')
        zero = math_ops.cast(0, dtypes.int64, name='zero')
        if self.default_value is None:
            # As TF: ids outside [0, num_buckets) fail at run time.
            checks = [check_ops.assert_less(values, num_buckets, data=(values, num_buckets),
                                            name='assert_less_than_num_buckets'),
                      check_ops.assert_less_equal(zero, values, data=(values,), name='assert_greater_or_equal_0')]
            with get_default_graph().control_dependencies(checks):
                values = graph_ops.identity(values)
        else:
            outside = math_ops.logical_or(math_ops.less(values, zero), math_ops.greater_equal(values, num_buckets),
                                          name='out_of_range')
            values = indexing_ops.where(outside, filling_ops.fill(array_ops.shape(values),
                                        math_ops.cast(self.default_value, dtypes.int64)), values)
        return SparseTensor(input_tensor.indices, values, input_tensor.dense_shape)

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return IdWeightPair(inputs.get(self), None)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """Integer ids used as they are; ids outside [0, num_buckets) become default_value (or fail)."""
    _assert_key_is_string(key)
    if num_buckets < 1:
        raise ValueError('num_buckets {} < 1, column_name {}'.format(num_buckets, key))
    if default_value is not None and (default_value < 0 or default_value >= num_buckets):
        raise ValueError('default_value {} not in range [0, {}), column_name {}'
                         .format(default_value, num_buckets, key))
    return _IdentityCategoricalColumn(key, num_buckets, default_value)


class _VocabularyListCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        '_VocabularyListCategoricalColumn', ['key', 'vocabulary_list', 'dtype', 'default_value', 'num_oov_buckets'])):
    __slots__ = ()

    name = property(lambda self: self.key)
    _parse_example_spec = property(lambda self: {self.key: VarLenFeature(self.dtype)})
    _num_buckets = property(lambda self: len(self.vocabulary_list) + self.num_oov_buckets)

    def _transform_feature(self, inputs):
        input_tensor = _to_sparse_input_and_drop_ignore_values(inputs.get(self.key))
        _check_input_dtype(self, input_tensor, 'string' if self.dtype == dtypes.string else 'int')
        key_dtype = self.dtype
        if input_tensor.dtype.is_integer:
            key_dtype = dtypes.int64
            input_tensor = SparseTensor(input_tensor.indices, math_ops.cast(input_tensor.values, dtypes.int64),
                                        input_tensor.dense_shape)
        table = lookup_ops.index_table_from_tensor(vocabulary_list=tuple(self.vocabulary_list),
                                                   default_value=self.default_value,
                                                   num_oov_buckets=self.num_oov_buckets, dtype=key_dtype,
                                                   name='{}_lookup'.format(self.key))
        return table.lookup(input_tensor)

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return IdWeightPair(inputs.get(self), None)


def _check_oov(key, default_value, num_oov_buckets):
    if num_oov_buckets is not None and num_oov_buckets < 0:
        raise ValueError('Invalid num_oov_buckets {} in {}.'.format(num_oov_buckets, key))
    if default_value is not None and default_value != -1 and num_oov_buckets:
        raise ValueError("Can't specify both default_value {} and num_oov_buckets {}, column_name: {}"
                         .format(default_value, num_oov_buckets, key))


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets=0):
    """Strings or ints mapped to their index in vocabulary_list; others to default_value or an OOV bucket."""
    _assert_key_is_string(key)
    if vocabulary_list is None or len(vocabulary_list) < 1:
        raise ValueError('vocabulary_list {} must be non-empty, column_name: {}'.format(vocabulary_list, key))
    vocabulary_list = tuple(vocabulary_list)
    if len(set(vocabulary_list)) != len(vocabulary_list):
        raise ValueError('Duplicate keys in vocabulary_list {}, column_name: {}'.format(vocabulary_list, key))
    vocab_dtype = dtypes.string if isinstance(vocabulary_list[0], (str, bytes)) else dtypes.int64
    if dtype is None:
        dtype = vocab_dtype
    dtype = dtypes.as_dtype(dtype)
    if (dtype == dtypes.string) != (vocab_dtype == dtypes.string):
        raise ValueError('dtype {} and vocabulary dtype {} do not match, column_name: {}'
                         .format(dtype, vocab_dtype, key))
    if dtype != dtypes.string and not dtype.is_integer:
        raise ValueError('dtype {} must be string or integer, column_name: {}'.format(dtype, key))
    _check_oov(key, default_value, num_oov_buckets)
    return _VocabularyListCategoricalColumn(key, vocabulary_list, dtype, default_value, num_oov_buckets)


class _VocabularyFileCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        '_VocabularyFileCategoricalColumn',
        ['key', 'vocabulary_file', 'vocabulary_size', 'num_oov_buckets', 'dtype', 'default_value'])):
    __slots__ = ()

    name = property(lambda self: self.key)
    _parse_example_spec = property(lambda self: {self.key: VarLenFeature(self.dtype)})
    _num_buckets = property(lambda self: self.vocabulary_size + self.num_oov_buckets)

    def _transform_feature(self, inputs):
        input_tensor = _to_sparse_input_and_drop_ignore_values(inputs.get(self.key))
        _check_input_dtype(self, input_tensor, 'string' if self.dtype == dtypes.string else 'int')
        key_dtype = self.dtype
        if input_tensor.dtype.is_integer:
            key_dtype = dtypes.int64
            input_tensor = SparseTensor(input_tensor.indices, math_ops.cast(input_tensor.values, dtypes.int64),
                                        input_tensor.dense_shape)
        table = lookup_ops.index_table_from_file(vocabulary_file=self.vocabulary_file,
                                                 num_oov_buckets=self.num_oov_buckets,
                                                 vocab_size=self.vocabulary_size, default_value=self.default_value,
                                                 key_dtype=key_dtype, name='{}_lookup'.format(self.key))
        return table.lookup(input_tensor)

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return IdWeightPair(inputs.get(self), None)


def categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None, num_oov_buckets=0,
                                            default_value=None, dtype=dtypes.string):
    """Like the vocabulary list, with the vocabulary one entry a line of a file (its line count by default)."""
    _assert_key_is_string(key)
    if not vocabulary_file:
        raise ValueError('Missing vocabulary_file in {}.'.format(key))
    if vocabulary_size is None:
        from sluice import gfile
        if not gfile.Exists(vocabulary_file):
            raise ValueError('vocabulary_file in {} does not exist.'.format(key))
        with gfile.GFile(vocabulary_file, 'rb') as f:
            vocabulary_size = sum(1 for _ in f)
    if vocabulary_size < 1:
        raise ValueError('Invalid vocabulary_size in {}.'.format(key))
    _check_oov(key, default_value, num_oov_buckets)
    dtype = dtypes.as_dtype(dtype)
    if dtype != dtypes.string and not dtype.is_integer:
        raise ValueError('Invalid dtype {} in {}.'.format(dtype, key))
    return _VocabularyFileCategoricalColumn(key, vocabulary_file, vocabulary_size, num_oov_buckets or 0, dtype,
                                            -1 if default_value is None else default_value)


class _HashedCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        '_HashedCategoricalColumn', ['key', 'hash_bucket_size', 'dtype'])):
    __slots__ = ()

    name = property(lambda self: self.key)
    _parse_example_spec = property(lambda self: {self.key: VarLenFeature(self.dtype)})
    _num_buckets = property(lambda self: self.hash_bucket_size)

    def _transform_feature(self, inputs):
        input_tensor = _to_sparse_input_and_drop_ignore_values(inputs.get(self.key))
        if not (input_tensor.dtype == dtypes.string or input_tensor.dtype.is_integer):
            raise ValueError('SparseColumn input must be a SparseTensor.')
        _check_input_dtype(self, input_tensor, 'string' if self.dtype == dtypes.string else 'int')
        values = input_tensor.values
        if values.dtype != dtypes.string:
            values = string_ops.as_string(values)
        # Fingerprint64 of the text modulo hash_bucket_size, as TF's StringToHashBucketFast.
        ids = string_transform_ops.string_to_hash_bucket_fast(values, self.hash_bucket_size, name='lookup')
        return SparseTensor(input_tensor.indices, ids, input_tensor.dense_shape)

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return IdWeightPair(inputs.get(self), None)


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=dtypes.string):
    """Strings (or ints as their decimal text) sent to Fingerprint64(text) % hash_bucket_size."""
    if hash_bucket_size is None:
        raise ValueError('hash_bucket_size must be set. key: {}'.format(key))
    if hash_bucket_size < 1:
        raise ValueError('hash_bucket_size must be at least 1. hash_bucket_size: {}, key: {}'
                         .format(hash_bucket_size, key))
    _assert_key_is_string(key)
    dtype = dtypes.as_dtype(dtype)
    if dtype != dtypes.string and not dtype.is_integer:
        raise ValueError('dtype must be string or integer. dtype: {}, column_name: {}'.format(dtype, key))
    return _HashedCategoricalColumn(key, hash_bucket_size, dtype)


class _WeightedCategoricalColumn(_CategoricalColumn, collections.namedtuple(
        '_WeightedCategoricalColumn', ['categorical_column', 'weight_feature_key', 'dtype'])):
    __slots__ = ()

    name = property(lambda self: '{}_weighted_by_{}'.format(self.categorical_column.name,
                                                             self.weight_feature_key))
    _num_buckets = property(lambda self: self.categorical_column._num_buckets)

    @property
    def _parse_example_spec(self):
        config = dict(self.categorical_column._parse_example_spec)
        if self.weight_feature_key in config:
            raise ValueError('Parse config {} already exists for {}.'.format(config[self.weight_feature_key],
                                                                             self.weight_feature_key))
        config[self.weight_feature_key] = VarLenFeature(self.dtype)
        return config

    def _transform_feature(self, inputs):
        weight_tensor = inputs.get(self.weight_feature_key)
        if weight_tensor is None:
            raise ValueError('Missing weights {}.'.format(self.weight_feature_key))
        if self.dtype != weight_tensor.dtype.base_dtype:
            raise ValueError('Bad dtype, expected {}, but got {}.'.format(self.dtype, weight_tensor.dtype))
        if not isinstance(weight_tensor, SparseTensor):
            weight_tensor = _to_sparse_input_and_drop_ignore_values(weight_tensor, ignore_value=0.0)
        if not weight_tensor.dtype.is_floating:
            weight_tensor = SparseTensor(weight_tensor.indices, math_ops.cast(weight_tensor.values, dtypes.float32),
                                         weight_tensor.dense_shape)
        return inputs.get(self.categorical_column), weight_tensor

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return IdWeightPair(*inputs.get(self))


def weighted_categorical_column(categorical_column, weight_feature_key, dtype=dtypes.float32):
    """A categorical column whose ids carry the weights of feature `weight_feature_key`."""
    if weight_feature_key is None or not weight_feature_key:
        raise ValueError('weight_feature_key must be set.')
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_integer or dtype.is_floating):
        raise ValueError('dtype {} is not convertible to float.'.format(dtype))
    if not isinstance(categorical_column, _CategoricalColumn):
        raise ValueError('categorical_column must be of type _CategoricalColumn. Given: {}'
                         .format(categorical_column))
    return _WeightedCategoricalColumn(categorical_column, weight_feature_key, dtype)


# -- dense wrappers of categorical columns ---------------------------------------------------------
class _IndicatorColumn(_DenseColumn, collections.namedtuple('_IndicatorColumn', ['categorical_column'])):
    __slots__ = ()

    name = property(lambda self: '{}_indicator'.format(self.categorical_column.name))
    _parse_example_spec = property(lambda self: self.categorical_column._parse_example_spec)
    _variable_shape = property(lambda self: TensorShape([1, self.categorical_column._num_buckets]))

    def _transform_feature(self, inputs):
        id_tensor, weight_tensor = self.categorical_column._get_sparse_tensors(inputs)
        depth = self.categorical_column._num_buckets
        if weight_tensor is not None:
            # Weights of repeated ids add up, as TF's sparse_merge + sparse_tensor_to_dense.
            rows = math_ops.cast(id_tensor.indices[:, 0], dtypes.int64)
            cells = array_ops.stack([rows, math_ops.cast(id_tensor.values, dtypes.int64)], axis=1)
            shape = array_ops.stack([id_tensor.dense_shape[0], math_ops.cast(depth, dtypes.int64)])
            return manip_ops.scatter_nd(cells, weight_tensor.values, shape)
        dense_id_tensor = sparse_tensor_to_dense(id_tensor, default_value=-1)
        one_hot_id_tensor = filling_ops.one_hot(dense_id_tensor, depth=depth, on_value=1.0, off_value=0.0)
        return reduction_ops.reduce_sum(one_hot_id_tensor, axis=[-2])

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        return inputs.get(self)


def indicator_column(categorical_column):
    """A multi-hot (or id-weighted) dense vector of a categorical column's ids."""
    if not isinstance(categorical_column, _CategoricalColumn):
        raise ValueError('Unsupported input type. Input must be a _CategoricalColumn. Given: {}'
                         .format(categorical_column))
    return _IndicatorColumn(categorical_column)


class _EmbeddingColumn(_DenseColumn, collections.namedtuple(
        '_EmbeddingColumn', ['categorical_column', 'dimension', 'combiner', 'layer_creator', 'ckpt_to_load_from',
                             'tensor_name_in_ckpt', 'max_norm', 'trainable'])):
    __slots__ = ()

    name = property(lambda self: '{}_embedding'.format(self.categorical_column.name))
    _parse_example_spec = property(lambda self: self.categorical_column._parse_example_spec)
    _variable_shape = property(lambda self: TensorShape([self.dimension]))

    def _transform_feature(self, inputs):
        return inputs.get(self.categorical_column)

    def _get_dense_tensor(self, inputs, weight_collections=None, trainable=None):
        sparse_ids, sparse_weights = self.categorical_column._get_sparse_tensors(
            inputs, weight_collections=weight_collections, trainable=trainable)
        embedding_weights = self.layer_creator(weight_collections=weight_collections,
                                               trainable=self.trainable and trainable is not False)
        if self.ckpt_to_load_from is not None:
            from sluice.io import checkpoint_init
            checkpoint_init.init_from_checkpoint(self.ckpt_to_load_from,
                                                  {self.tensor_name_in_ckpt: embedding_weights})
        return safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights, combiner=self.combiner,
                                            name='%s_weights' % self.name, max_norm=self.max_norm)


class _EmbeddingWeightsCreator:
    """Creates 'embedding_weights' [num_buckets, dimension] in the caller's variable scope (hashable by id)."""

    def __init__(self, shape, initializer):
        self._shape, self._initializer = shape, initializer

    def __call__(self, weight_collections, trainable):
        return variable_scope.get_variable(name='embedding_weights', shape=self._shape, dtype=dtypes.float32,
                                           initializer=self._initializer, trainable=trainable,
                                           collections=_collections(weight_collections))


def _collections(weight_collections):
    from sluice.engine.graph import GraphKeys
    if weight_collections is None:
        return None
    names = list(weight_collections)
    return names if GraphKeys.GLOBAL_VARIABLES in names else names + [GraphKeys.GLOBAL_VARIABLES]


def embedding_column(categorical_column, dimension, combiner='mean', initializer=None, ckpt_to_load_from=None,
                     tensor_name_in_ckpt=None, max_norm=None, trainable=True):
    """A dense `dimension`-vector per example: the combined embeddings of its ids (a learned table)."""
    if dimension is None or dimension < 1:
        raise ValueError('Invalid dimension {}.'.format(dimension))
    if (ckpt_to_load_from is None) != (tensor_name_in_ckpt is None):
        raise ValueError('Must specify both `ckpt_to_load_from` and `tensor_name_in_ckpt` or none of them.')
    if initializer is not None and not callable(initializer):
        raise ValueError('initializer must be callable if specified. Embedding of column_name: {}'
                         .format(categorical_column.name))
    if combiner not in ('mean', 'sqrtn', 'sum'):
        raise ValueError('combiner must be one of "mean", "sqrtn", "sum". Given: {}'.format(combiner))
    if initializer is None:
        initializer = init_ops.truncated_normal_initializer(mean=0.0, stddev=1 / math.sqrt(dimension))
    creator = _EmbeddingWeightsCreator((categorical_column._num_buckets, dimension), initializer)
    return _EmbeddingColumn(categorical_column, dimension, combiner, creator, ckpt_to_load_from,
                            tensor_name_in_ckpt, max_norm, trainable)


# -- crosses ----------------------------------------------------------------------------------------
def _leaf_keys(column):
    """The string keys and categorical columns under a (possibly nested) crossed column."""
    keys = []
    for key in column.keys:
        keys.extend(_leaf_keys(key) if isinstance(key, _CrossedColumn) else [key])
    return keys


class _CrossedColumn(_CategoricalColumn, collections.namedtuple(
        '_CrossedColumn', ['keys', 'hash_bucket_size', 'hash_key'])):
    __slots__ = ()

    name = property(lambda self: '_X_'.join(sorted(k if isinstance(k, str) else k.name
                                                   for k in _leaf_keys(self))))
    _num_buckets = property(lambda self: self.hash_bucket_size)

    @property
    def _parse_example_spec(self):
        config = {}
        for key in self.keys:
            if isinstance(key, _FeatureColumn):
                config.update(key._parse_example_spec)
            else:
                config[key] = VarLenFeature(dtypes.string)
        return config

    def _transform_feature(self, inputs):
        feature_tensors = []
        for key in _leaf_keys(self):
            if isinstance(key, str):
                feature_tensors.append(inputs.get(key))
                continue
            ids, weights = key._get_sparse_tensors(inputs)
            if weights is not None:
                raise ValueError('crossed_column does not support weight_tensor, but the given column populates '
                                 'weight_tensor. Given column: {}'.format(key.name))
            feature_tensors.append(ids)
        return sparse_cross_ops.sparse_cross_hashed(feature_tensors, num_buckets=self.hash_bucket_size,
                                                    hash_key=self.hash_key)

    def _get_sparse_tensors(self, inputs, weight_collections=None, trainable=None):
        return IdWeightPair(inputs.get(self), None)


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """Hashed crosses of string features and categorical columns (SparseCross with FingerprintCat64)."""
    if not hash_bucket_size or hash_bucket_size < 1:
        raise ValueError('hash_bucket_size must be > 1. hash_bucket_size: {}'.format(hash_bucket_size))
    if not keys or len(keys) < 2:
        raise ValueError('keys must be a list with length > 1. Given: {}'.format(keys))
    for key in keys:
        if not isinstance(key, (str, _CategoricalColumn)):
            raise ValueError('Unsupported key type. All keys must be either string, or categorical column except '
                             '_HashedCategoricalColumn. Given: {}'.format(key))
        if isinstance(key, _HashedCategoricalColumn):
            raise ValueError('categorical_column_with_hash_bucket is not supported for crossing. Hashing before '
                             'crossing will increase probability of collision. Instead, use the feature name as a '
                             'string. Given: {}'.format(key))
    return _CrossedColumn(tuple(keys), hash_bucket_size, hash_key)
