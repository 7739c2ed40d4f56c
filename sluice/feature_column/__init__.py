"""tf.feature_column (TF 1.15, v1): columns (columns.py) and the layers that apply them (feature_layers.py).

shared_embedding_columns and the sequence columns are not implemented yet: asking for them
raises an AttributeError that says so.
"""
from sluice.feature_column.columns import (bucketized_column, categorical_column_with_hash_bucket,  # noqa: F401
                                           categorical_column_with_identity,
                                           categorical_column_with_vocabulary_file,
                                           categorical_column_with_vocabulary_list, crossed_column, embedding_column,
                                           indicator_column, numeric_column, weighted_categorical_column)
from sluice.feature_column.feature_layers import input_layer, linear_model, make_parse_example_spec  # noqa: F401
from sluice.unimplemented import namespace_getattr as _namespace_getattr

__getattr__ = _namespace_getattr(__name__, 'tf.feature_column')
