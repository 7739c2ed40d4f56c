"""tf.data.experimental.CsvDataset (TF 1.15): the records of CSV files as tuples of scalars.

A record default is a value (a scalar or 1-element vector: the column's type and the value an
empty or `na_value` field takes) or a dtype (the column is required: an empty field is an error).
Columns are float32, float64, int32, int64 or string. The CSVDataset op's kernel reads the files
(sluice/kernels/csv_dataset_kernels.py).
"""
from sluice.data.dataset_ops import DatasetV1, _element_attrs
from sluice.engine import dtypes
from sluice.engine import graph as _graph
from sluice.engine import op_builder
from sluice.engine.tensor_shape import TensorShape
from sluice.kernels import csv_dataset_kernels as _kernels  # noqa: F401  (registers the op and kernel)

_COLUMN_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)
_DEFAULT_BUFFER = 4 * 1024 * 1024


def _record_default(value, i):
    if isinstance(value, dtypes.DType):
        return _graph.convert_to_tensor([], dtype=value, name='record_default_%d' % i)
    return _graph.convert_to_tensor(value, name='record_default_%d' % i)


class CsvDataset(DatasetV1):
    """One element per CSV record: a tuple of scalars typed as `record_defaults`."""

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None, header=False,
                 field_delim=',', use_quote_delim=True, na_value='', select_cols=None):
        with _graph.name_scope(None, 'CsvDataset'):
            names = _graph.convert_to_tensor(filenames, dtype=dtypes.string, name='filenames')
            defaults = [_record_default(v, i) for i, v in enumerate(record_defaults)]
            types = tuple(d.dtype.base_dtype for d in defaults)
            for t in types:
                if t not in _COLUMN_TYPES:
                    raise TypeError("Value for attr 'output_types' of %s is not in the list of allowed values: "
                                    'float, double, int32, int64, string' % t.name)
            for d in defaults:
                if d.shape.ndims is not None and (d.shape.ndims > 1 or d.shape.num_elements() not in (0, 1, None)):
                    raise ValueError('Each record default should be at most rank 1 with at most one element, '
                                     'got shape %s' % d.shape)
            if select_cols is not None and len(select_cols) != len(defaults):
                raise ValueError('Length of select_cols (%d) and record_defaults (%d) should match.'
                                 % (len(select_cols), len(defaults)))
            inputs = [names,
                      _graph.convert_to_tensor(compression_type or '', dtype=dtypes.string, name='compression_type'),
                      _graph.convert_to_tensor(_DEFAULT_BUFFER if buffer_size is None else buffer_size,
                                               dtype=dtypes.int64, name='buffer_size'),
                      _graph.convert_to_tensor(header, dtype=dtypes.bool, name='header'),
                      _graph.convert_to_tensor(field_delim, dtype=dtypes.string, name='field_delim'),
                      _graph.convert_to_tensor(use_quote_delim, dtype=dtypes.bool, name='use_quote_delim'),
                      _graph.convert_to_tensor(na_value, dtype=dtypes.string, name='na_value'),
                      _graph.convert_to_tensor([] if select_cols is None else list(select_cols), dtype=dtypes.int64,
                                               name='select_cols'),
                      defaults]
            shapes = tuple(TensorShape([]) for _ in types)
            variant = op_builder.output('CSVDataset', inputs, _element_attrs(types, shapes))
        super().__init__(variant, types, shapes)


CsvDatasetV1 = CsvDataset
