"""tf.data.experimental.CsvDataset (TF 1.15): the records of CSV files as tuples of scalars.

A record default is a value (a scalar or 1-element vector: the column's type and the value an
empty or `na_value` field takes) or a dtype (the column is required: an empty field is an error).
Columns are float32, float64, int32, int64 or string. The CSVDataset op's kernel reads the files
(sluice/kernels/csv_dataset_kernels.py).

make_csv_dataset builds TF 1.15's pipeline: the files matching the pattern (shuffled), a CsvDataset
per file interleaved, shuffle and repeat for num_epochs, batch (dropping the remainder when it
repeats forever), then each batch as an OrderedDict by column name (and the label column apart).
Column names come from the header line, types, when not given, from the first
num_rows_for_inference records: each column takes the least permissive of int32, int64, float32,
float64, string that reads every non-empty value seen.
"""
import collections
import csv
import gzip

from sluice.data.dataset_ops import AUTOTUNE, DatasetV1, _element_attrs
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


def _text_opener(compression_type):
    kind = compression_type or ''
    if kind == 'GZIP':
        return lambda name: gzip.open(name, 'rt', newline='')
    if kind == 'ZLIB':
        raise ValueError('compression_type (%s) is not supported for probing columns' % kind)
    if kind:
        raise ValueError('compression_type (%s) is not supported' % kind)
    return lambda name: open(name, 'r', newline='')


def _reader(f, field_delim, use_quote_delim):
    return csv.reader(f, delimiter=field_delim, quoting=csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE)


def _header_names(filenames, field_delim, use_quote_delim, opener):
    names = None
    for name in filenames:
        with opener(name) as f:
            row = next(_reader(f, field_delim, use_quote_delim), None)
        if row is None:
            raise ValueError('Received StopIteration when reading the header line of %s.  Empty file?' % name)
        if names is not None and row != names:
            raise ValueError('Files have different column names in the header row.')
        names = row
    return names


def _fits(text, dtype):
    import numpy as np
    try:
        if dtype == dtypes.int32:
            return np.iinfo(np.int32).min <= int(text) <= np.iinfo(np.int32).max
        if dtype == dtypes.int64:
            return np.iinfo(np.int64).min <= int(text) <= np.iinfo(np.int64).max
        with np.errstate(over='ignore'):  # an overflow to inf is the answer sought, not a warning
            return bool(dtype.as_numpy_dtype(text) < np.inf)  # TF's rule: nan and inf make a column strings
    except (ValueError, OverflowError):
        return False


_INFERENCE_ORDER = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64)


def _infer_defaults(filenames, n_cols, field_delim, use_quote_delim, na_value, header, n_rows, columns, opener):
    found = [None] * len(columns)
    seen = 0
    for name in filenames:
        with opener(name) as f:
            rows = _reader(f, field_delim, use_quote_delim)
            if header:
                next(rows, None)
            for row in rows:
                if n_rows is not None and seen >= n_rows:
                    break
                if len(row) != n_cols:
                    raise ValueError('Problem inferring types: CSV row has different number of fields than '
                                     'expected.')
                seen += 1
                for j, c in enumerate(columns):
                    text = row[c]
                    if text in ('', na_value):
                        continue
                    start = 0 if found[j] is None else (_INFERENCE_ORDER.index(found[j]) if found[j] in
                                                        _INFERENCE_ORDER else len(_INFERENCE_ORDER))
                    found[j] = next((t for t in _INFERENCE_ORDER[start:] if _fits(text, t)), dtypes.string)
    return [_graph.convert_to_tensor([''] if t in (None, dtypes.string) else [0], dtype=t or dtypes.string)
            for t in found]


def _column_indices(select_columns, names):
    index = {n: i for i, n in enumerate(names)}
    out = []
    for v in select_columns:
        if isinstance(v, int):
            if not 0 <= v < len(names):
                raise ValueError('Column index %d specified in select_columns out of valid range.' % v)
            out.append(v)
        elif v in index:
            out.append(index[v])
        else:
            raise ValueError("Value '%s' specified in select_columns not a valid column index or name." % v)
    result = sorted(set(out))
    if len(result) != len(out):
        raise ValueError('select_columns contains duplicate columns')
    return result


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None, label_name=None,
                     select_columns=None, field_delim=',', use_quote_delim=True, na_value='', header=True,
                     num_epochs=None, shuffle=True, shuffle_buffer_size=10000, shuffle_seed=None,
                     prefetch_buffer_size=AUTOTUNE, num_parallel_reads=1, sloppy=False, num_rows_for_inference=100,
                     compression_type=None, ignore_errors=False):
    """Batches of CSV records as OrderedDicts of columns (and a label), TF 1.15's pipeline."""
    import glob
    patterns = [file_pattern] if isinstance(file_pattern, str) else list(file_pattern)
    filenames = [n for p in patterns for n in sorted(glob.glob(p))]
    if not filenames:
        raise ValueError('No files match %s.' % (file_pattern,))
    dataset = DatasetV1.from_tensor_slices(filenames)
    if shuffle:
        dataset = dataset.shuffle(len(filenames), shuffle_seed)
    opener = _text_opener(compression_type) if column_names is None or column_defaults is None else None
    if column_names is None:
        if not header:
            raise ValueError('Cannot infer column names without a header line.')
        column_names = _header_names(filenames, field_delim, use_quote_delim, opener)
    column_names = list(column_names)
    if len(column_names) != len(set(column_names)):
        raise ValueError('Cannot have duplicate column names.')
    if select_columns is not None:
        select_columns = _column_indices(select_columns, column_names)
    if column_defaults is not None:
        column_defaults = [_graph.convert_to_tensor([], dtype=d) if isinstance(d, dtypes.DType) else d
                           for d in column_defaults]
    else:
        column_defaults = _infer_defaults(filenames, len(column_names), field_delim, use_quote_delim, na_value,
                                          header, num_rows_for_inference,
                                          select_columns or list(range(len(column_names))), opener)
    if select_columns is not None and len(column_defaults) != len(select_columns):
        raise ValueError('If specified, column_defaults and select_columns must have same length.')
    if select_columns is not None and len(column_names) > len(select_columns):
        column_names = [column_names[i] for i in select_columns]
    if label_name is not None and label_name not in column_names:
        raise ValueError('`label_name` provided must be one of the columns.')

    def per_file(filename):
        ds = CsvDataset(filename, column_defaults, compression_type=compression_type, header=header,
                        field_delim=field_delim, use_quote_delim=use_quote_delim, na_value=na_value,
                        select_cols=select_columns)
        return ds._derive('IgnoreErrorsDataset', [], ds.output_types, ds.output_shapes) if ignore_errors else ds

    def by_name(*columns):
        features = collections.OrderedDict(zip(column_names, columns))
        if label_name is None:
            return features
        label = features.pop(label_name)
        return features, label

    dataset = dataset.interleave(per_file, cycle_length=2 if num_parallel_reads == AUTOTUNE else num_parallel_reads)
    if num_epochs != 1 and shuffle:
        from sluice.data.experimental import shuffle_and_repeat
        dataset = dataset.apply(shuffle_and_repeat(shuffle_buffer_size, num_epochs, shuffle_seed))
    elif shuffle:
        dataset = dataset.shuffle(shuffle_buffer_size, shuffle_seed)
    elif num_epochs != 1:
        dataset = dataset.repeat(num_epochs)
    dataset = dataset.batch(batch_size, drop_remainder=num_epochs is None)
    return dataset.map(by_name).prefetch(prefetch_buffer_size)
