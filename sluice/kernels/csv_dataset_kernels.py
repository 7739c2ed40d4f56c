"""Kernel and host dataset value of CSVDataset (contract in sluice/ops/csv_dataset_ops.py).

Files are read whole (decompressed as the file datasets do), cut into records at newlines outside
quotes, and each record goes through DecodeCSV's splitter and number converters
(parsing_kernels), so quoting rules and field errors read as tf.io.decode_csv's.
"""
import numpy as np

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.kernels.dataset_sources import DatasetValue, _compression, _filenames, _read_file, _scalar_string
from sluice.kernels.parsing_kernels import _number_converter, _split_record
from sluice.kernels.registry import register_kernel
from sluice.ops import csv_dataset_ops as _ops  # noqa: F401  (registers the op)


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _bytes(value):
    value = value.item() if isinstance(value, np.ndarray) else value
    return value if isinstance(value, bytes) else str(value).encode('utf-8')


def _records(data, quoted):
    """The records of a file: lines, a line break inside an open quote joining two lines (CRLF ends count)."""
    lines = data.split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    pending = None
    for line in lines:
        record = line if pending is None else pending + b'\n' + line
        if quoted and record.count(b'"') % 2:
            pending = record
            continue
        pending = None
        yield record[:-1] if record.endswith(b'\r') else record
    if pending is not None:
        yield pending


class CsvValue(DatasetValue):
    fresh = True

    def __init__(self, op, types, filenames, compression, header, delim, quoted, na_value, select, defaults):
        self.op, self.types = op, types
        self.filenames = _filenames(filenames)
        self.compression = _compression('CSVDataset', compression)
        self.header, self.quoted = bool(header), bool(quoted)
        self.delim, self.na_value = _bytes(delim), _bytes(na_value)
        if len(self.delim) != 1:
            raise _invalid(op, 'field_delim should be only 1 char')
        self.select = [int(c) for c in np.reshape(select, [-1])]
        if self.select and len(self.select) != len(types):
            raise _invalid(op, 'select_cols should match output size')
        if any(b <= a for a, b in zip(self.select, self.select[1:])) or any(c < 0 for c in self.select):
            raise _invalid(op, 'select_cols should be strictly increasing indices')
        self.fill = []
        for d in defaults:
            flat = np.asarray(d).reshape(-1)
            if flat.size > 1:
                raise _invalid(op, 'Each record default should be at most rank 1')
            self.fill.append(flat[0] if flat.size else None)
        self.converters = [None if t == dtypes.string else _number_converter(op, t) for t in types]
        self.np_types = [object if t == dtypes.string else t.as_numpy_dtype for t in types]

    def _element(self, record, r):
        fields = _split_record(self.op, record, self.delim, self.quoted)
        if self.select:
            if len(fields) <= self.select[-1]:
                raise _invalid(self.op, 'Expect %d fields but have %d in record %d'
                               % (self.select[-1] + 1, len(fields), r))
            fields = [fields[c] for c in self.select]
        elif len(fields) != len(self.types):
            raise _invalid(self.op, 'Expect %d fields but have %d in record %d' % (len(self.types), len(fields), r))
        out = []
        for c, field in enumerate(fields):
            if not field or field == self.na_value:
                if self.fill[c] is None:
                    raise _invalid(self.op, 'Field %d is required but missing in record %d!' % (c, r))
                value = self.fill[c]
            else:
                value = field if self.converters[c] is None else self.converters[c](field, c, r)
            out.append(_scalar_string(value) if self.np_types[c] is object else np.array(value, self.np_types[c]))
        return tuple(out)

    def iterate(self):
        for name in self.filenames:
            records = _records(_read_file(name, self.compression), self.quoted)
            if self.header:
                next(records, None)
            for r, record in enumerate(records):
                yield self._element(record, r)


@register_kernel('CSVDataset', devices=('CPU',), fresh_output=True)
def csv_dataset(op, ctx):
    types = list(op.get_attr('output_types'))

    def run(filenames, compression, buffer_size, header, delim, quoted, na_value, select, *defaults):
        return CsvValue(op, types, filenames, compression, header, delim, quoted, na_value, select, defaults)
    return run
