"""input_layer, linear_model and make_parse_example_spec: feature columns applied to a features dict.

_LazyBuilder caches each transformation once per call (columns are hashable namedtuples), and hands a raw
feature to a column as a rank >= 2 tensor (a rank-1 feature gains a trailing dimension of 1).
input_layer   variable scope 'input_layer'; per column (sorted by name) in scope <column name>: its dense
              tensor reshaped to [batch, num_elements]; the results concatenated along axis 1.
linear_model  variable scope 'linear_model'; per column (sorted by name) in scope <column name>: a
              'weights' variable (zeros) of [num_elements, units] for dense columns (a matmul) or
              [num_buckets, units] for categorical ones (a sparse lookup combined by sparse_combiner);
              the sum plus 'bias_weights' [units] (zeros), named 'weighted_sum'.
"""
from sluice.engine import dtypes
from sluice.engine.graph import GraphKeys, convert_to_tensor, get_default_graph
from sluice.feature_column import columns as fc
from sluice.ops import array_ops, init_ops, math_ops, variable_scope
from sluice.ops.nn_conv_pool import bias_add
from sluice.ops.nn_embedding_sparse import safe_embedding_lookup_sparse
from sluice.ops.sparse_ops import sparse_reshape
from sluice.ops.sparse_tensor import SparseTensor

__all__ = ['input_layer', 'linear_model', 'make_parse_example_spec']


class _LazyBuilder:
    """Transformed features by key or column, each built once (TF's _LazyBuilder)."""

    def __init__(self, features):
        self._features = dict(features)
        self._feature_tensors = {}

    def get(self, key):
        if key in self._feature_tensors:
            return self._feature_tensors[key]
        if isinstance(key, str):
            feature = self._get_raw_feature_as_tensor(key)
        elif isinstance(key, fc._FeatureColumn):
            feature = key._transform_feature(self)
            if feature is None:
                raise ValueError('Column {} is not supported.'.format(key.name))
        else:
            raise TypeError('"key" must be either a "str" or "_FeatureColumn". Provided: {}'.format(key))
        self._feature_tensors[key] = feature
        return feature

    def _get_raw_feature_as_tensor(self, key):
        if key not in self._features:
            raise ValueError('Feature {} is not in features dictionary.'.format(key))
        raw = self._features[key]
        if raw is None:
            raise ValueError('Feature {} is not in features dictionary.'.format(key))
        if isinstance(raw, SparseTensor):
            rank = raw.dense_shape.shape[0].value
            if rank == 1:
                return sparse_reshape(raw, [-1, 1])
            return raw
        tensor = convert_to_tensor(raw)
        rank = tensor.shape.ndims
        if rank == 0:
            raise ValueError('Feature (key: {}) cannot have rank 0. Given: {}'.format(key, tensor))
        if rank == 1:
            return array_ops.expand_dims(tensor, -1)
        return tensor


def _check_columns(feature_columns, allowed, message):
    if isinstance(feature_columns, fc._FeatureColumn) or not hasattr(feature_columns, '__iter__'):
        feature_columns = [feature_columns]
    feature_columns = list(feature_columns)
    if not feature_columns:
        raise ValueError('feature_columns must not be empty.')
    for column in feature_columns:
        if not isinstance(column, allowed):
            raise ValueError(message.format(column))
    names = [c.name for c in feature_columns]
    for name in set(names):
        if names.count(name) > 1:
            raise ValueError('Duplicate feature column name found for columns: {}.'.format(
                [c for c in feature_columns if c.name == name]))
    return sorted(feature_columns, key=lambda c: c.name)


def _add_to(var, weight_collections):
    graph = get_default_graph()
    for name in weight_collections or ():
        if var not in graph.get_collection(name):
            graph.add_to_collection(name, var)


def _flatten_batch(tensor, column):
    num_elements = column._variable_shape.num_elements()
    batch_size = array_ops.shape(tensor)[0]
    return array_ops.reshape(tensor, (batch_size, num_elements))


def input_layer(features, feature_columns, weight_collections=None, trainable=True, cols_to_vars=None,
                cols_to_output_tensors=None):
    """A dense [batch, sum of num_elements] tensor of the dense columns of `features` (module docstring)."""
    columns = _check_columns(feature_columns, fc._DenseColumn,
                             'Items of feature_columns must be a _DenseColumn. You can wrap a categorical column '
                             'with an embedding_column or indicator_column. Given: {}')
    with variable_scope.variable_scope(None, default_name='input_layer', values=list(features.values())):
        builder = _LazyBuilder(features)
        outputs = []
        for column in columns:
            with variable_scope.variable_scope(None, default_name=column._var_scope_name):
                tensor = column._get_dense_tensor(builder, weight_collections=weight_collections,
                                                  trainable=trainable)
                output = _flatten_batch(tensor, column)
                outputs.append(output)
                if cols_to_vars is not None:
                    cols_to_vars[column] = _scope_variables()
                if cols_to_output_tensors is not None:
                    cols_to_output_tensors[column] = output
        return array_ops.concat(outputs, 1)


def _scope_variables():
    prefix = variable_scope.get_variable_scope().name + '/'
    return [v for v in get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES) if v.op.name.startswith(prefix)]


def _weights(shape, trainable, weight_collections):
    var = variable_scope.get_variable(name='weights', shape=shape, initializer=init_ops.zeros_initializer(),
                                      trainable=trainable)
    _add_to(var, weight_collections)
    return var


def _weighted_sum(column, builder, units, sparse_combiner, weight_collections, trainable):
    if isinstance(column, fc._CategoricalColumn):
        id_tensor, weight_tensor = column._get_sparse_tensors(builder, weight_collections=weight_collections,
                                                              trainable=trainable)
        id_tensor = sparse_reshape(id_tensor, [math_ops.cast(id_tensor.dense_shape[0], dtypes.int64), -1])
        if weight_tensor is not None:
            weight_tensor = sparse_reshape(weight_tensor,
                                           [math_ops.cast(weight_tensor.dense_shape[0], dtypes.int64), -1])
        weight = _weights((column._num_buckets, units), trainable, weight_collections)
        return safe_embedding_lookup_sparse(weight, id_tensor, sparse_weights=weight_tensor,
                                            combiner=sparse_combiner, name='weighted_sum'), weight
    tensor = _flatten_batch(column._get_dense_tensor(builder, weight_collections=weight_collections,
                                                     trainable=trainable), column)
    weight = _weights((column._variable_shape.num_elements(), units), trainable, weight_collections)
    return math_ops.matmul(tensor, weight, name='weighted_sum'), weight


def linear_model(features, feature_columns, units=1, sparse_combiner='sum', weight_collections=None,
                 trainable=True, cols_to_vars=None):
    """Logits [batch, units]: a learned linear function of every column (module docstring)."""
    if sparse_combiner not in ('mean', 'sqrtn', 'sum'):
        raise ValueError('sparse_combiner must be one of "mean", "sqrtn", "sum". Given: {}'.format(sparse_combiner))
    columns = _check_columns(feature_columns, (fc._DenseColumn, fc._CategoricalColumn),
                             'Items of feature_columns must be either a _DenseColumn or _CategoricalColumn. '
                             'Given: {}')
    with variable_scope.variable_scope(None, default_name='linear_model', values=list(features.values())):
        builder = _LazyBuilder(features)
        weighted_sums = []
        for column in columns:
            with variable_scope.variable_scope(None, default_name=column._var_scope_name):
                weighted_sum, weight = _weighted_sum(column, builder, units, sparse_combiner, weight_collections,
                                                     trainable)
                weighted_sums.append(weighted_sum)
                if cols_to_vars is not None:
                    cols_to_vars[column] = [weight]
        predictions_no_bias = math_ops.add_n(weighted_sums, name='weighted_sum_no_bias')
        bias = variable_scope.get_variable('bias_weights', shape=[units], initializer=init_ops.zeros_initializer(),
                                           trainable=trainable)
        _add_to(bias, weight_collections)
        if cols_to_vars is not None:
            cols_to_vars['bias'] = [bias]
        return bias_add(predictions_no_bias, bias, name='weighted_sum')


def make_parse_example_spec(feature_columns):
    """The union of the columns' parse specs: {feature key: FixedLenFeature / VarLenFeature}."""
    result = {}
    for column in feature_columns:
        if not isinstance(column, fc._FeatureColumn):
            raise ValueError('All feature_columns must be _FeatureColumn instances. Given: {}'.format(column))
        for key, value in column._parse_example_spec.items():
            if key in result and result[key] != value:
                raise ValueError('feature_columns contain different parse_spec for key {}. Given {} and {}'
                                 .format(key, value, result[key]))
        result.update(column._parse_example_spec)
    return result
