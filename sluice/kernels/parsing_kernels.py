"""CPU kernels of the parsing ops: DecodeRaw, DecodeCSV, ParseExampleV2 (and TF's older ParseExample,
ParseSingleExample forms). Strings are host values (object arrays of bytes), so these run on the CPU.

DecodeRaw: one bytearray copy of the input strings (joined when there are several, which checks
they have one length) and np.frombuffer over it: the result is a writable array of its own; a
byte order other than the machine's is converted once with astype, bool is `bytes != 0`.

DecodeCSV: each record is split in Python (RFC 4180 quoting: "" escapes a quote, a quoted field
ends at the delimiter or the end), then each column is converted once with NumPy after its
fields are checked as TF checks them (integers: optional sign and digits, surrounding spaces;
floats: what strtod reads, no underscores).

ParseExampleV2: each serialized Example is parsed with the Example proto class (upb, C) and each
feature's value list goes to NumPy in one call (np.array over the repeated field). Dense features
are written into a preallocated [batch] + shape array; FixedLenSequenceFeatures are padded to the
longest example with the default; VarLenFeatures become COO triples (indices built with
np.repeat / arange). Errors use TF's messages: the batch form names the example
('Name: <unknown>, Key: a, Index: 0. ...'), the scalar form parse_single_example uses does not.
"""
import re
import sys

import numpy as np
from google.protobuf.message import DecodeError

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.io.protos import Example
from sluice.kernels.graph_kernels import tf_type_name
from sluice.kernels.registry import register_kernel


def _invalid(op, message):
    return errors.error_for_op(errors.InvalidArgumentError, op, message)


def _shape_str(dims):
    return '[%s]' % ','.join('?' if d is None else str(d) for d in dims)


def _as_bytes(s):
    return s.encode('utf-8') if isinstance(s, str) else bytes(s)


# -- DecodeRaw ---------------------------------------------------------------------------------------

@register_kernel('DecodeRaw', devices=('CPU',), fresh_output=True)
def decode_raw(op, ctx):
    out_type = op.get_attr('out_type')
    np_type = np.dtype(out_type.as_numpy_dtype)
    is_bool = out_type.base_dtype == dtypes.bool
    read_type = np.dtype(np.uint8) if is_bool else np_type
    size = read_type.itemsize
    swapped = size > 1 and bool(op.get_attr('little_endian')) != (sys.byteorder == 'little')
    if swapped:
        read_type = read_type.newbyteorder()
    type_name = tf_type_name(out_type)

    def finish(array):
        if swapped:
            array = array.astype(np_type)
        return array != 0 if is_bool else array

    def bad_length(n):
        return _invalid(op, 'Input to DecodeRaw has length %d that is not a multiple of %d, the size of %s'
                        % (n, size, type_name))

    def run(data):
        if data.ndim == 0:
            item = data[()]
            if isinstance(item, str):
                item = item.encode('utf-8')
            if len(item) % size:
                raise bad_length(len(item))
            return finish(np.frombuffer(bytearray(item), read_type))
        items = data.reshape(-1).tolist()
        if not items:
            return np.empty(data.shape + (0,), np_type)
        n = len(items[0])
        if n % size:
            raise bad_length(n)
        buf = bytearray().join(items)
        if len(buf) != n * len(items):
            for i, item in enumerate(items):
                if len(item) != n:
                    raise _invalid(op, 'DecodeRaw requires input strings to all be the same size, but element %d '
                                       'has size %d != %d' % (i, len(item), n))
        return finish(np.frombuffer(buf, read_type).reshape(data.shape + (n // size,)))
    return run


# -- DecodeCSV --------------------------------------------------------------------------------------------

_INT_RE = re.compile(rb'^\s*[+-]?\d+\s*$')
_HEX_FLOAT_RE = re.compile(rb'^\s*[+-]?0[xX][0-9a-fA-F.]+(p[+-]?\d+)?\s*$')
_INT_RANGES = {dtypes.int32: (-2 ** 31, 2 ** 31 - 1), dtypes.int64: (-2 ** 63, 2 ** 63 - 1)}


def _split_record(op, record, delim, quoted):
    """The fields of one CSV record (bytes), TF's quoting rules; [] for an empty record."""
    if not record:
        return []
    if not quoted:
        return record.split(delim)
    fields = []
    i, n = 0, len(record)
    while True:
        if i < n and record[i] == 34:  # '"': a quoted field, "" is an escaped quote
            parts, j = [], i + 1
            while True:
                k = record.find(b'"', j)
                if k < 0:
                    raise _invalid(op, 'Quoted field has to end with quote followed by delim or end')
                parts.append(record[j:k])
                if k + 1 < n and record[k + 1] == 34:
                    parts.append(b'"')
                    j = k + 2
                    continue
                j = k + 1
                break
            if j < n and record[j:j + len(delim)] != delim:
                raise _invalid(op, 'Quote inside a string has to be escaped by another quote')
            fields.append(b''.join(parts))
            if j >= n:
                return fields
            i = j + len(delim)
            continue
        k = record.find(delim, i)
        field = record[i:] if k < 0 else record[i:k]
        if b'"' in field or b'\n' in field or b'\r' in field:
            raise _invalid(op, 'Unquoted fields cannot have quotes/CRLFs inside')
        fields.append(field)
        if k < 0:
            return fields
        i = k + len(delim)


def _number_converter(op, dtype):
    """A function field, column, record -> Python number, raising TF's error for a bad field."""
    name = tf_type_name(dtype)
    if dtype in _INT_RANGES:
        low, high = _INT_RANGES[dtype]

        def to_int(field, column, record):
            if _INT_RE.match(field):
                value = int(field)
                if low <= value <= high:
                    return value
            raise _invalid(op, 'Field %d in record %d is not a valid %s: %s'
                           % (column, record, name, field.decode('utf-8', 'replace')))
        return to_int

    def to_float(field, column, record):
        if b'_' not in field:
            try:
                return float(field)
            except ValueError:
                if _HEX_FLOAT_RE.match(field):
                    return float.fromhex(field.strip().decode())
        raise _invalid(op, 'Field %d in record %d is not a valid %s: %s'
                       % (column, record, name, field.decode('utf-8', 'replace')))
    return to_float


@register_kernel('DecodeCSV', devices=('CPU',), multi_output=True, fresh_output=True)
def decode_csv(op, ctx):
    types = list(op.get_attr('OUT_TYPE'))
    delim = _as_bytes(op.get_attr('field_delim'))
    quoted = bool(op.get_attr('use_quote_delim'))
    na_value = _as_bytes(op.get_attr('na_value'))
    select = list(op.get_attr('select_cols') or [])
    n_cols = len(types)
    np_types = [np.dtype(object) if t == dtypes.string else np.dtype(t.as_numpy_dtype) for t in types]
    converters = [None if t == dtypes.string else _number_converter(op, t) for t in types]
    if len(delim) != 1:
        raise _invalid(op, 'field_delim should be only 1 char')

    def run(records, *defaults):
        fill = []
        for c, d in enumerate(defaults):
            flat = np.asarray(d).reshape(-1)
            if flat.size > 1:
                raise _invalid(op, 'Shape of a default must be a length-0 or length-1 vector, or a scalar.')
            fill.append(flat[0] if flat.size else None)
        columns = [[] for _ in range(n_cols)]
        for r, record in enumerate(records.reshape(-1).tolist()):
            fields = _split_record(op, _as_bytes(record), delim, quoted)
            if select:
                if len(fields) <= select[-1]:
                    raise _invalid(op, 'Expect %d fields but have %d in record %d' % (select[-1] + 1, len(fields), r))
                fields = [fields[c] for c in select]
            elif len(fields) != n_cols:
                raise _invalid(op, 'Expect %d fields but have %d in record %d' % (n_cols, len(fields), r))
            for c, field in enumerate(fields):
                if not field or field == na_value:
                    if fill[c] is None:
                        raise _invalid(op, 'Field %d is required but missing in record %d!' % (c, r))
                    columns[c].append(fill[c])
                elif converters[c] is None:
                    columns[c].append(field)
                else:
                    columns[c].append(converters[c](field, c, r))
        shape = records.shape
        out = []
        for values, np_type in zip(columns, np_types):
            if np_type == np.dtype(object):
                array = np.empty(len(values), dtype=object)
                array[:] = values
            else:
                array = np.array(values, dtype=np_type) if values else np.empty(0, np_type)
            out.append(array.reshape(shape))
        return out
    return run


# -- Example parsing --------------------------------------------------------------------------------------

_KIND = {dtypes.float32: 'float_list', dtypes.int64: 'int64_list', dtypes.string: 'bytes_list'}
_KIND_NAME = {'float_list': 'float', 'int64_list': 'int64', 'bytes_list': 'string'}


def _values_array(values, np_type):
    """A repeated field's values as a 1-D array (object array of bytes for strings)."""
    # values[:] is a list: NumPy converts a list far faster than it probes a protobuf container.
    if np_type is None:
        array = np.empty(len(values), dtype=object)
        array[:] = values[:] if not isinstance(values, tuple) else list(values)
        return array
    return np.array(values[:], dtype=np_type)


_SMALL = 16       # lists longer than this are read from their wire bytes, not value by value
_FLOAT_LE = np.dtype('<f4')


def _packed_payload(data):
    """(offset, length) of the payload of a message whose only field is one packed field 1."""
    if not data:
        return 0, 0
    i, length, shift = 1, 0, 0
    while True:
        c = data[i]
        i += 1
        length |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return i, length


def _varints(data, offset, length):
    """The packed varints data[offset:offset + length] as int64 (vectorised: no Python loop per value)."""
    raw = np.frombuffer(data, np.uint8, length, offset)
    ends = np.flatnonzero(raw < 0x80)
    if len(ends) == length:
        return raw.astype(np.int64)
    starts = np.empty(len(ends), dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    position = np.arange(length, dtype=np.int64) - np.repeat(starts, ends - starts + 1)
    parts = (raw & 0x7F).astype(np.uint64) << (7 * position).astype(np.uint64)
    return np.bitwise_or.reduceat(parts, starts).view(np.int64)


def _list_array(value_list, kind, np_type):
    """The values of a FloatList / Int64List / BytesList message as a 1-D array.

    Long numeric lists go through their packed wire bytes (one np.frombuffer, or the vectorised
    varint decode): converting a repeated field element by element makes a Python object per
    value, which is what limits a parsing thread (and, under the GIL, every other thread).
    """
    values = value_list.value
    if np_type is None or len(values) <= _SMALL:
        return _values_array(values, np_type)
    data = value_list.SerializeToString()
    offset, length = _packed_payload(data)
    if kind == 'float_list':
        if length != 4 * len(values):  # not packed: never written so by TF, but legal
            return _values_array(values, np_type)
        return np.frombuffer(data, _FLOAT_LE, len(values), offset).astype(np.float32, copy=False)
    out = _varints(data, offset, length)
    if len(out) != len(values):
        return _values_array(values, np_type)
    return out


class _DenseSpec:
    __slots__ = ('key', 'dtype', 'kind', 'np_type', 'shape', 'size', 'variable', 'stride')

    def __init__(self, key, dtype, shape):
        self.key = key
        self.dtype = dtype
        self.kind = _KIND[dtype]
        self.np_type = None if dtype == dtypes.string else np.dtype(dtype.as_numpy_dtype)
        dims = shape.as_list() if shape.dims is not None else []
        self.variable = bool(dims) and dims[0] is None
        self.shape = tuple(dims)
        rest = dims[1:] if self.variable else dims
        self.stride = int(np.prod(rest, dtype=np.int64)) if rest else 1
        self.size = None if self.variable else self.stride


class ExampleParser:
    """Parses serialized Examples into the parse ops' flat outputs (sparse triples, then dense values)."""

    def __init__(self, op, sparse_keys, sparse_types, dense_keys, dense_types, dense_shapes):
        self.op = op
        self.sparse = [(k, t, _KIND[t], None if t == dtypes.string else np.dtype(t.as_numpy_dtype))
                       for k, t in zip(sparse_keys, sparse_types)]
        self.dense = [_DenseSpec(k, t, s) for k, t, s in zip(dense_keys, dense_types, dense_shapes)]

    # -- errors, in TF's two forms --
    def _where(self, single, names, i, key):
        if single:
            return 'Key: %s.  ' % key
        return 'Name: %s, Key: %s, Index: %d.  ' % (self._name(names, i), key, i)

    @staticmethod
    def _name(names, i):
        return names[i] if names else '<unknown>'

    def _missing(self, single, names, i, spec):
        prefix = '' if single else 'Name: %s, ' % self._name(names, i)
        return _invalid(self.op, '%sFeature: %s (data type: %s) is required but could not be found.'
                        % (prefix, spec.key, tf_type_name(spec.dtype)))

    def _dense_type_error(self, single, names, i, spec, kind):
        return _invalid(self.op, "%sData types don't match. Data type: %s but expected type: %s"
                        % (self._where(single, names, i, spec.key), _KIND_NAME[kind], tf_type_name(spec.dtype)))

    def _dense_size_error(self, single, names, i, spec, n):
        if single:
            return _invalid(self.op, "Key: %s.  Can't parse serialized Example: Some %s slice was not parsed."
                            % (spec.key, spec.kind))
        return _invalid(self.op, '%sNumber of %s values != expected.  Values size: %d but output shape: %s'
                        % (self._where(single, names, i, spec.key), _KIND_NAME[spec.kind], n,
                           _shape_str(spec.shape)))

    def _stride_error(self, single, names, i, spec, n):
        if single:
            return _invalid(self.op, 'Error while parsing feature with key %s: number of elements should be '
                                     'divisible by %d, found %d instead' % (spec.key, spec.stride, n))
        return _invalid(self.op, '%sNumber of %s values is not a multiple of stride length. Saw %d values but '
                                 'output shape is: %s' % (self._where(single, names, i, spec.key),
                                                          _KIND_NAME[spec.kind], n, _shape_str(spec.shape)))

    # -- parsing --
    def _examples(self, flat):
        out = []
        for s in flat:
            try:
                out.append(Example.FromString(s).features.feature)
            except (DecodeError, TypeError, ValueError):
                shown = s if isinstance(s, bytes) else repr(s)
                raise _invalid(self.op, "Could not parse example input, value: '%s'"
                               % shown.decode('utf-8', 'backslashreplace')) from None
        return out

    def parse(self, serialized, names, defaults):
        """The flat outputs for `serialized` (a 0-d or 1-d object array) and the dense defaults."""
        single = serialized.ndim == 0
        flat = [serialized[()]] if single else serialized.reshape(-1).tolist()
        names = [n.decode('utf-8', 'replace') if isinstance(n, bytes) else str(n)
                 for n in np.asarray(names, dtype=object).reshape(-1).tolist()] if names is not None else []
        maps = self._examples(flat)
        if single and not self.sparse and not any(spec.variable for spec in self.dense):
            return [self._dense_one(maps[0], spec, d) for spec, d in zip(self.dense, defaults)]
        sparse_out = [self._sparse(maps, single, names, spec) for spec in self.sparse]
        dense_out = [self._dense(maps, single, names, spec, np.asarray(d)) for spec, d in zip(self.dense, defaults)]
        return ([s[0] for s in sparse_out] + [s[1] for s in sparse_out] + [s[2] for s in sparse_out]
                + dense_out)

    def _list_of(self, fmap, spec, single, names, i):
        """The FloatList/Int64List/BytesList of feature spec.key, or None when the example lacks it."""
        f = fmap.get(spec.key)
        if f is None:
            return None
        which = f.WhichOneof('kind')
        if which is None:
            return None
        if which != spec.kind:
            raise self._dense_type_error(single, names, i, spec, which)
        return getattr(f, which)

    def _dense_one(self, fmap, spec, default):
        """One fixed-shape dense feature of a single example (parse_single_example's common case)."""
        values = self._list_of(fmap, spec, True, (), 0)
        if values is None:
            default = np.asarray(default)
            if default.size == 0:
                raise self._missing(True, (), 0, spec)
            return np.array(default.reshape(spec.shape))
        n = len(values.value)
        if n != spec.size:
            raise self._dense_size_error(True, (), 0, spec, n)
        out = _list_array(values, spec.kind, spec.np_type)
        if not out.flags.writeable:
            out = out.copy()
        return out.reshape(spec.shape)

    def _dense(self, maps, single, names, spec, default):
        values_of = [self._list_of(fmap, spec, single, names, i) for i, fmap in enumerate(maps)]
        if spec.variable:
            return self._dense_variable(single, names, spec, default, values_of)
        for i, values in enumerate(values_of):  # TF's checks, in example order
            if values is None:
                if default.size == 0:
                    raise self._missing(single, names, i, spec)
            elif len(values.value) != spec.size:
                raise self._dense_size_error(single, names, i, spec, len(values.value))
        shape = (len(maps),) + spec.shape
        if spec.kind == 'float_list' and spec.size > _SMALL:
            out = self._floats_joined(values_of, spec, default)
            if out is not None:
                return out.reshape(shape)[0, ...] if single else out.reshape(shape)
        if spec.np_type is not None and spec.size <= _SMALL:
            # Short numeric lists (labels): one list of every value, one conversion.
            flat = []
            fill = None
            for values in values_of:
                if values is None:
                    if fill is None:
                        fill = default.reshape(-1).tolist()
                    flat.extend(fill)
                else:
                    flat.extend(values.value)
            out = np.array(flat, dtype=spec.np_type).reshape(shape)
            return out[0, ...] if single else out  # 0-d arrays, not NumPy scalars
        out = np.empty(shape, dtype=object if spec.np_type is None else spec.np_type)
        fallback = None
        for i, values in enumerate(values_of):
            if values is None:
                if fallback is None:
                    fallback = default.reshape(spec.shape)
                out[i, ...] = fallback  # `out[i] =` would store a 0-d array as one object element
            else:
                out[i, ...] = _list_array(values, spec.kind, spec.np_type).reshape(spec.shape)
        return out[0, ...] if single else out  # 0-d arrays, not NumPy scalars

    @staticmethod
    def _floats_joined(values_of, spec, default):
        """Long float features of every example from their packed wire bytes, joined once (a flat
        float32 array), or None if one is not packed."""
        payloads = []
        fill = None
        for values in values_of:
            if values is None:
                if fill is None:
                    fill = np.ascontiguousarray(default, dtype=_FLOAT_LE).tobytes()
                payloads.append(fill)
                continue
            data = values.SerializeToString()
            offset, length = _packed_payload(data)
            if length != 4 * spec.size:
                return None
            payloads.append(memoryview(data)[offset:offset + length])
        return np.frombuffer(bytearray().join(payloads), _FLOAT_LE).astype(np.float32, copy=False)

    def _dense_variable(self, single, names, spec, default, values_of):
        rest = spec.shape[1:]
        rows = []
        for i, values in enumerate(values_of):
            if values is None:
                rows.append(None)
                continue
            n = len(values.value)
            if n % spec.stride:
                raise self._stride_error(single, names, i, spec, n)
            rows.append(_list_array(values, spec.kind, spec.np_type).reshape((n // spec.stride,) + rest))
        longest = max((len(r) for r in rows if r is not None), default=0)
        dtype = object if spec.np_type is None else spec.np_type
        pad = default.reshape(-1)[0] if default.size else (b'' if spec.np_type is None else 0)
        out = np.empty((len(rows), longest) + rest, dtype=dtype)
        out[...] = pad
        for i, r in enumerate(rows):
            if r is not None and len(r):
                out[i, :len(r)] = r
        return out[0, ...] if single else out  # 0-d arrays, not NumPy scalars

    def _sparse(self, maps, single, names, spec):
        key, dtype, kind, np_type = spec
        parts = []
        for i, fmap in enumerate(maps):
            f = fmap.get(key)
            which = None if f is None else f.WhichOneof('kind')
            if which is None:
                parts.append(_values_array((), np_type))
                continue
            if which != kind:
                raise _invalid(self.op, "%sData types don't match. Expected type: %s, Actual type: %s"
                               % (self._where(single, names, i, key), tf_type_name(dtype), _KIND_NAME[which]))
            parts.append(_list_array(getattr(f, kind), kind, np_type))
        counts = np.array([len(p) for p in parts], dtype=np.int64)
        if len(parts) == 1:
            values = parts[0] if parts[0].flags.writeable else parts[0].copy()
        else:
            values = np.concatenate(parts) if parts else _values_array((), np_type)
            if np_type is None:
                values = values.astype(object, copy=False)
        longest = int(counts.max()) if len(counts) else 0
        within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        if single:
            return within.reshape(-1, 1), values, np.array([longest], dtype=np.int64)
        rows = np.repeat(np.arange(len(parts), dtype=np.int64), counts)
        indices = np.stack([rows, within], axis=1)
        return indices, values, np.array([len(parts), longest], dtype=np.int64)


def _keys(value):
    return [k.decode('utf-8') if isinstance(k, bytes) else str(k) for k in np.asarray(value, dtype=object).reshape(-1)]


def _parser_factory(op, sparse_types, dense_types, dense_shapes):
    """A function (sparse_keys, dense_keys) -> ExampleParser, remembering the last one made."""
    cache = {}

    def parser_for(sparse_keys, dense_keys):
        key = (tuple(sparse_keys), tuple(dense_keys))
        parser = cache.get(key)
        if parser is None:
            if len(sparse_keys) != len(sparse_types) or len(dense_keys) != len(dense_types):
                raise _invalid(op, 'Expected len(sparse_keys) == num_sparse and len(dense_keys) == len(Tdense)')
            cache.clear()
            parser = cache[key] = ExampleParser(op, sparse_keys, sparse_types, dense_keys, dense_types,
                                                dense_shapes)
        return parser
    return parser_for


@register_kernel('ParseExampleV2', devices=('CPU',), multi_output=True, fresh_output=True)
def parse_example_v2(op, ctx):
    sparse_types = list(op.get_attr('sparse_types'))
    dense_types = list(op.get_attr('Tdense'))
    if op.get_attr('ragged_value_types'):
        raise errors.error_for_op(errors.UnimplementedError, op, 'RaggedFeature parsing is not supported')
    parser_for = _parser_factory(op, sparse_types, dense_types, list(op.get_attr('dense_shapes')))
    fixed = [ctx.constant_input(i) for i in (2, 3)]
    const_parser = parser_for(_keys(fixed[0]), _keys(fixed[1])) if all(v is not None for v in fixed) else None

    def run(serialized, names, sparse_keys, dense_keys, ragged_keys, *defaults):
        if serialized.ndim > 1:
            raise _invalid(op, 'Expected serialized to be a scalar or vector, got shape: %s'
                           % _shape_str(serialized.shape))
        parser = const_parser or parser_for(_keys(sparse_keys), _keys(dense_keys))
        return parser.parse(serialized, names if np.size(names) else None, defaults)
    return run


@register_kernel('ParseExample', devices=('CPU',), multi_output=True, fresh_output=True)
def parse_example_v1(op, ctx):
    n_sparse = op.get_attr('Nsparse')
    n_dense = op.get_attr('Ndense')
    parser_for = _parser_factory(op, list(op.get_attr('sparse_types')), list(op.get_attr('Tdense')),
                                 list(op.get_attr('dense_shapes')))

    def run(serialized, names, *rest):
        sparse_keys = [_keys(k)[0] for k in rest[:n_sparse]]
        dense_keys = [_keys(k)[0] for k in rest[n_sparse:n_sparse + n_dense]]
        parser = parser_for(sparse_keys, dense_keys)
        return parser.parse(serialized, names if np.size(names) else None, rest[n_sparse + n_dense:])
    return run


@register_kernel('ParseSingleExample', devices=('CPU',), multi_output=True, fresh_output=True)
def parse_single_example(op, ctx):
    parser = ExampleParser(op, list(op.get_attr('sparse_keys')), list(op.get_attr('sparse_types')),
                           list(op.get_attr('dense_keys')), list(op.get_attr('Tdense')),
                           list(op.get_attr('dense_shapes')))

    def run(serialized, *defaults):
        if serialized.ndim != 0:
            raise _invalid(op, 'Expected serialized to be a scalar, got shape: %s' % _shape_str(serialized.shape))
        return parser.parse(serialized, None, defaults)
    return run

