"""The CSVDataset op of tf.data.experimental.CsvDataset (TF 1.15's name and inputs).

Each record (a line; with use_quote_delim a quoted field may span lines) of each file, after the
header line when `header`, is split at `field_delim` with RFC 4180 quoting, reduced to
`select_cols` when given, and each field converted to its column's type: an empty field or one
equal to `na_value` takes the column's record default, an error when the default is empty. Host
kernel in sluice/kernels/csv_dataset_kernels.py.
"""
from sluice.ops import dataset_ops as _dataset_ops  # noqa: F401  (the base dataset ops come first)
from sluice.ops.dataset_ops import _dataset

_dataset('CSVDataset', ['filenames: string', 'compression_type: string', 'buffer_size: int64', 'header: bool',
                        'field_delim: string', 'use_quote_delim: bool', 'na_value: string', 'select_cols: int64',
                        'record_defaults: output_types'])
