"""Host dataset values of tf.data's sources: tensors, slices, range, Python generators, zip,
concatenate and the file readers (TFRecord, text lines, fixed-length records).

A dataset value (what a dataset op's kernel outputs in a run) says how to iterate its elements:
`iterate()` returns a Python generator of elements, each a tuple of arrays (one per flat
component), ending with StopIteration; closing the generator releases what it holds (files,
threads). A value whose elements are rows of arrays (`index_view()` gives (arrays, make_stream))
can also be iterated as a stream of row indices, which shuffle, repeat, take, skip and batch
transform without touching the rows: batch then gathers a whole batch with one fancy index per
component (dataset_transforms.py).
"""
import gzip
import itertools
import os
import zlib

import numpy as np

from sluice.engine import errors
from sluice.io.tfrecord import RecordReader

INDEX_CHUNK = 4096  # row indices an index stream yields at a time


class DatasetValue:
    """Base of the host dataset values.

    fresh: every element's arrays are new, held by nothing else (a batch, a parsed record), so an
    iterator may hand them to the graph as they are; otherwise (rows of a constant, a cache) the
    iterator copies them first, as kernels and fetches may reuse fresh arrays in place.
    """
    fresh = False

    def iterate(self):
        raise NotImplementedError

    def index_view(self):
        """(arrays, make_stream) when elements are rows `[a[i] for a in arrays]`, else None.

        make_stream() returns a generator of int64 index arrays (chunks), in element order."""
        return None

    def string_columns(self, n):
        """For one-string elements (the file datasets): a generator of object arrays of `n` elements
        (fewer at the end), the elements in order; None when the value has no such path."""
        return None


class ElementError:
    """An element whose computation failed (a map, filter or flat_map function raised): stages pass it
    on in its place, a batch holding one becomes it, and the iterator raises `error` when it comes
    out, then goes on with the next element, as TF's iterators do."""
    __slots__ = ('error',)

    def __init__(self, error):
        self.error = error


def call_or_error(fn, element):
    """fn(element), or an ElementError holding the OpError it raised."""
    try:
        return fn(element)
    except errors.OpError as e:
        return ElementError(e)


def first_error(elements):
    """The first ElementError among `elements`, or None."""
    for e in elements:
        if type(e) is ElementError:
            return e
    return None


def closing_iter(value):
    """value.iterate(), as a generator that closes the inner one when it is itself closed or dropped."""
    it = value.iterate()
    try:
        yield from it
    finally:
        it.close()


def _invalid(message):
    return errors.InvalidArgumentError(None, None, message)


class TensorsValue(DatasetValue):
    """Dataset.from_tensors: one element."""

    def __init__(self, components):
        self.components = tuple(components)

    def iterate(self):
        yield self.components


class SlicesValue(DatasetValue):
    """Dataset.from_tensor_slices: row i of every component."""

    def __init__(self, components):
        arrays = [np.asarray(c) for c in components]
        for a in arrays:
            if a.ndim == 0:
                raise _invalid('Tensors passed to from_tensor_slices must have at least one dimension.')
        n = arrays[0].shape[0]
        for i, a in enumerate(arrays[1:], 1):
            if a.shape[0] != n:
                raise _invalid('Dimension 0 in both shapes must be equal: shapes are [%d] and [%d] (component %d)'
                               % (n, a.shape[0], i))
        self.arrays = arrays
        self.n = n

    def iterate(self):
        arrays = self.arrays
        for i in range(self.n):
            yield tuple(a[i] for a in arrays)

    def index_view(self):
        n = self.n

        def stream():
            for start in range(0, n, INDEX_CHUNK):
                yield np.arange(start, min(n, start + INDEX_CHUNK), dtype=np.int64)
        return self.arrays, stream


class RangeValue(DatasetValue):
    fresh = True  # NumPy scalars
    def __init__(self, start, stop, step):
        if step == 0:
            raise _invalid('step must be a non-zero integer.')
        self.range = range(int(start), int(stop), int(step))

    def iterate(self):
        for v in self.range:
            yield (np.int64(v),)


class GeneratorValue(DatasetValue):
    """Dataset.from_generator: each element the generator yields, converted and checked. The generator
    is called with the values of the dataset's `args` as TF passes them: a 0-d value as a NumPy scalar
    (a string as bytes), others as arrays (strings as object arrays of bytes)."""

    def __init__(self, generator, types, shapes, args=()):
        self.generator = generator
        self.types = types
        self.shapes = shapes
        self.args = [np.asarray(a)[()] if np.ndim(a) == 0 else a for a in args]

    def iterate(self):
        types, shapes = self.types, self.shapes
        for value in self.generator.fn(*self.args):
            flat = self.generator.flatten(value)
            element = []
            for v, dtype, shape in zip(flat, types, shapes):
                try:
                    a = np.asarray(v, dtype=dtype)
                except (ValueError, TypeError):
                    raise TypeError('`generator` yielded an element that could not be converted to the expected '
                                    'type. The expected type was %s, but the yielded element was %s.'
                                    % (np.dtype(dtype).name, v)) from None
                if dtype != object and np.asarray(v).dtype.kind in 'US' and a.dtype != object:
                    raise TypeError('`generator` yielded an element that could not be converted to the expected '
                                    'type. The expected type was %s, but the yielded element was %s.'
                                    % (np.dtype(dtype).name, v))
                if dtype == object:
                    a = _as_bytes_array(a)
                if shape is not None and (len(shape) != a.ndim or any(
                        d is not None and d != s for d, s in zip(shape, a.shape))):
                    raise _invalid('`generator` yielded an element of shape %s where an element of shape %s was '
                                   'expected.' % (_shape_str(a.shape), _shape_str(shape)))
                element.append(a)
            yield tuple(element)


def _shape_str(shape):
    return '(%s)' % ', '.join('?' if d is None else str(d) for d in shape) if len(shape) != 1 else \
        '(%s,)' % ('?' if shape[0] is None else shape[0])


def _as_bytes_array(a):
    out = np.empty(a.shape, dtype=object)
    flat = out.reshape(-1)
    for i, v in enumerate(a.reshape(-1)):
        flat[i] = v.encode('utf-8') if isinstance(v, str) else bytes(v)
    return out


class ZipValue(DatasetValue):
    def __init__(self, inputs):
        self.inputs = inputs
        self.fresh = all(v.fresh for v in inputs)

    def iterate(self):
        its = [closing_iter(v) for v in self.inputs]
        try:
            while True:
                parts = []
                for it in its:
                    part = next(it, None)
                    if part is None:
                        return
                    parts.append(part)
                error = first_error(parts)
                yield error if error is not None else sum(parts, ())
        finally:
            for it in its:
                it.close()


class ConcatenateValue(DatasetValue):
    def __init__(self, first, second):
        self.parts = (first, second)
        self.fresh = first.fresh and second.fresh

    def iterate(self):
        for part in self.parts:
            it = part.iterate()
            try:
                yield from it
            finally:
                it.close()


# -- file readers ------------------------------------------------------------------------------------------------

def _filenames(value):
    names = np.asarray(value).reshape(-1) if np.ndim(value) <= 1 else None
    if names is None:
        raise _invalid('`filenames` must be a scalar or a vector.')
    return [n if isinstance(n, bytes) else str(n).encode() for n in names]


def _compression(op_name, value):
    if isinstance(value, np.ndarray):
        value = value.item()
    kind = value.decode() if isinstance(value, bytes) else str(value)
    if kind not in ('', 'ZLIB', 'GZIP'):
        raise _invalid('Unsupported compression_type: %s.' % kind)
    return kind


def _file_error(path, exc):
    from sluice.queues.reader_kernels import file_error
    return file_error(path, exc)


def _scalar_string(data):
    a = np.empty((), dtype=object)
    a[()] = data
    return a


class TFRecordValue(DatasetValue):
    fresh = True
    def __init__(self, filenames, compression_type, buffer_size):
        self.filenames = _filenames(filenames)
        self.compression = _compression('TFRecordDataset', compression_type)
        self.buffer_size = int(buffer_size) if int(buffer_size) > 0 else 256 * 1024

    def _records(self):
        for name in self.filenames:
            reader = RecordReader(name, self.compression, self.buffer_size)
            try:
                yield from reader
            finally:
                reader.close()

    def iterate(self):
        for data in self._records():
            yield (_scalar_string(data),)

    def string_columns(self, n):
        return _columns(self._records(), n)


def _columns(records, n):
    try:
        while True:
            chunk = list(itertools.islice(records, n))
            if not chunk:
                return
            column = np.empty(len(chunk), dtype=object)
            column[:] = chunk
            yield column
    finally:
        records.close()


def _read_file(name, compression):
    try:
        with open(os.fsdecode(name), 'rb') as f:
            raw = f.read()
    except OSError as e:
        raise _file_error(name, e) from None
    try:
        if compression == 'GZIP':
            return gzip.decompress(raw)
        if compression == 'ZLIB':
            return zlib.decompress(raw)
    except (OSError, zlib.error, EOFError) as e:
        raise errors.DataLossError(None, None, '%s: %s' % (os.fsdecode(name), e)) from None
    return raw


class TextLineValue(DatasetValue):
    fresh = True
    def __init__(self, filenames, compression_type, buffer_size):
        self.filenames = _filenames(filenames)
        self.compression = _compression('TextLineDataset', compression_type)

    def iterate(self):
        for name in self.filenames:
            data = _read_file(name, self.compression)
            lines = data.split(b'\n')
            if lines and lines[-1] == b'':
                lines.pop()
            for line in lines:
                yield (_scalar_string(line[:-1] if line.endswith(b'\r') else line),)


class FixedLengthRecordValue(DatasetValue):
    fresh = True
    def __init__(self, filenames, header_bytes, record_bytes, footer_bytes, buffer_size, compression_type):
        self.filenames = _filenames(filenames)
        self.header, self.record, self.footer = int(header_bytes), int(record_bytes), int(footer_bytes)
        if self.header < 0 or self.record <= 0 or self.footer < 0:
            raise _invalid('record_bytes must be positive and header_bytes, footer_bytes non-negative: got %d, %d, '
                           '%d' % (self.record, self.header, self.footer))
        self.compression = _compression('FixedLengthRecordDataset', compression_type)

    def iterate(self):
        for name in self.filenames:
            data = _read_file(name, self.compression)
            body = len(data) - self.header - self.footer
            if body % self.record and not self.compression:
                raise _invalid('Excluding the header (%d bytes) and footer (%d bytes), input file "%s" has body '
                               'length %d, which is not an exact multiple of the record length (%d bytes).'
                               % (self.header, self.footer, os.fsdecode(name), body, self.record))
            for start in range(self.header, self.header + body - self.record + 1, self.record):
                yield (_scalar_string(data[start:start + self.record]),)
