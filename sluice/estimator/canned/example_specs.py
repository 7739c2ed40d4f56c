"""classifier_parse_example_spec / regressor_parse_example_spec (TF 1.15 v1, canned/parsing_utils.py): the
columns' parse spec plus the label (FixedLenFeature of (1,) or (label_dimension,)) and the weight feature."""
from sluice.engine import dtypes
from sluice.feature_column import columns as fc
from sluice.feature_column.feature_layers import make_parse_example_spec
from sluice.ops.parsing_ops import FixedLenFeature

__all__ = ['classifier_parse_example_spec', 'regressor_parse_example_spec']


def _add_label_and_weight(parsing_spec, label_key, label_spec, weight_column):
    if label_key in parsing_spec:
        raise ValueError('label should not be used as feature. label_key: {}, features: {}'
                         .format(label_key, parsing_spec.keys()))
    parsing_spec[label_key] = label_spec
    if weight_column is None:
        return parsing_spec
    if isinstance(weight_column, str):
        weight_column = fc.numeric_column(weight_column)
    if not isinstance(weight_column, fc._NumericColumn):
        raise ValueError('weight_column should be an instance of tf.feature_column.numeric_column. Given type: {} '
                         'value: {}'.format(type(weight_column), weight_column))
    if weight_column.key in parsing_spec:
        raise ValueError('weight_column should not be used as feature. weight_column: {}, features: {}'
                         .format(weight_column.key, parsing_spec.keys()))
    parsing_spec.update(weight_column._parse_example_spec)
    return parsing_spec


def classifier_parse_example_spec(feature_columns, label_key, label_dtype=dtypes.int64, label_default=None,
                                  weight_column=None):
    label_spec = FixedLenFeature((1,), label_dtype, label_default)
    return _add_label_and_weight(make_parse_example_spec(feature_columns), label_key, label_spec, weight_column)


def regressor_parse_example_spec(feature_columns, label_key, label_dtype=dtypes.float32, label_default=None,
                                 label_dimension=1, weight_column=None):
    label_spec = FixedLenFeature((label_dimension,), label_dtype, label_default)
    return _add_label_and_weight(make_parse_example_spec(feature_columns), label_key, label_spec, weight_column)
