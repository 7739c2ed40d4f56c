"""TensorFlow V2 checkpoints ("tensor bundles"): `PREFIX.index` + `PREFIX.data-00000-of-00001`.

Layout (tensorflow/core/util/tensor_bundle):
  * data file: the tensors' bytes back to back, in the order they were added, no padding.
    Numeric and bool tensors: their C-order bytes in the writer's byte order (the header says
    which; every current host is little-endian, the reader swaps otherwise).  Strings: the varint64
    length of every element, a fixed32 masked CRC32C of those lengths (each length checksummed
    as a little-endian uint32, or uint64 when >= 2**32, not as its varint bytes), then the bytes
    of every element.
  * index file: an SSTable (sluice.io.table) whose empty key holds the BundleHeaderProto
    (num_shards, endianness, version {producer: 1}) and whose other keys, in bytewise order, are
    tensor names mapping to a BundleEntryProto (dtype, shape, shard_id, offset, size, crc32c).
    The entry's crc32c is the masked CRC32C of the bytes the data file holds for the tensor,
    except for strings, where the lengths enter the checksum as fixed-width integers as above.
  * partitioned tensors: the full name's entry has dtype, full shape and one TensorSliceProto
    per stored slice and no data; each slice is stored as an ordinary entry under the key
    EncodeTensorNameSlice(name, slice): OrderedCode of 0, the name, the rank, then per dimension
    the signed start and length (length -1 for a whole dimension).

BundleWriter streams each tensor to a temporary data file with one write (arrays are written
from their own buffer, no per-element Python work except the unavoidable one for string
elements), keeps the entries in memory, and on finish() writes the index to a temporary file,
fsyncs both and renames them into place, data first then index (as TF does): until finish() the
previous files under the prefix are untouched and a crash never leaves a partially written file
under the final names.  (Re-saving to the *same* prefix has a short window between the two
renames where the new data file sits beside the old index: Saver's usual fresh prefix per step,
plus the `checkpoint` state file written afterwards, avoids it.)  BundleReader reads the index at open and each tensor with one read straight into a
new array, verifying its checksum; damage raises DataLossError naming the tensor.
"""
import math
import os
import random
import re
import sys
import threading

import numpy as np

from sluice.engine import dtypes
from sluice.engine import errors
from sluice.engine.tensor_shape import TensorShape
from sluice.io import crc32c
from sluice.io.protos import BundleEntryProto, BundleHeaderProto, TensorSliceProto
from sluice.io.table import TableReader, TableWriter

__all__ = ['BundleWriter', 'BundleReader', 'index_filename', 'data_filename', 'merge_bundles',
           'encode_tensor_name_slice', 'decode_tensor_name_slice', 'parse_slice_spec']

HEADER_KEY = b''
BUNDLE_VERSION = 1       # kTensorBundleVersion: the producer version written
MIN_PRODUCER = 0         # kTensorBundleMinProducer: oldest producer this reader accepts
_UINT32_MAX = 0xffffffff
# Tensor bytes are stored in the writing host's order, recorded in the header (as TF does).
_HOST_ENDIANNESS = BundleHeaderProto.LITTLE if sys.byteorder == 'little' else BundleHeaderProto.BIG


def index_filename(prefix):
    return '%s.index' % os.fspath(prefix)


def data_filename(prefix, shard_id=0, num_shards=1):
    return '%s.data-%05d-of-%05d' % (os.fspath(prefix), shard_id, num_shards)


def _key_bytes(name):
    return name.encode('utf-8') if isinstance(name, str) else bytes(name)


def _key_str(key):
    return key.decode('utf-8', 'backslashreplace')


def _array_crc(u8):
    """CRC32C of a uint8 array without copying it where the checksum library allows."""
    try:
        return crc32c.value_function()(u8)
    except TypeError:  # this implementation wants bytes
        return crc32c.crc32c(u8)


# ------------------------------------------------------------------------------------------
# Tensor slices: TF's TensorSlice text form and OrderedCode-encoded slice keys.

def parse_slice_spec(spec):
    """TF's slice text ("0,2:-:1,3", '-' a whole dimension) as [(start, length)], length -1 = whole."""
    if not isinstance(spec, str):
        return [(int(s), -1 if l is None else int(l)) for s, l in spec]
    extents = []
    for part in spec.split(':'):
        if part == '-':
            extents.append((0, -1))
            continue
        try:
            start, length = (int(x) for x in part.split(','))
        except ValueError:
            raise errors.InvalidArgumentError(
                "Expected a pair of numbers or '-' but got '%s': string = %s" % (part, spec)) from None
        if start < 0 or length <= 0:
            raise errors.InvalidArgumentError(
                'Expected non-negative start and positive length but got start = %d, length = %d: '
                'string = %s' % (start, length, spec))
        extents.append((start, length))
    return extents


def _ordered_num(value):
    """OrderedCode::WriteNumIncreasing: a length byte, then the big-endian bytes without leading zeros."""
    body = value.to_bytes((value.bit_length() + 7) // 8, 'big')
    return bytes((len(body),)) + body


def _signed_header(raw, n):
    """XORs the sign+length header of an n-byte OrderedCode signed number into `raw` (in place)."""
    if n <= 8:
        raw[0] ^= (0xff << (8 - n)) & 0xff
    else:  # the run of length bits spills into the second byte
        raw[0] ^= 0xff
        raw[1] ^= 0x80 if n == 9 else 0xc0


def _ordered_signed(value):
    """OrderedCode::WriteSignedNumIncreasing: n-byte two's complement with the top bits a sign+length header."""
    magnitude = ~value if value < 0 else value
    n = magnitude.bit_length() // 7 + 1  # n bytes hold [-2**(7n-1), 2**(7n-1))
    raw = bytearray(value.to_bytes(n, 'big', signed=True))
    _signed_header(raw, n)
    return bytes(raw)


def _read_ordered_signed(key, pos):
    flip = 0 if key[pos] & 0x80 else 0xff  # a clear top bit means negative: header bits inverted
    first = key[pos] ^ flip
    if first != 0xff:
        n = 8 - (first ^ 0xff).bit_length()
    else:
        second = key[pos + 1] ^ flip
        n = 8 if second < 0x80 else 9 if second < 0xc0 else 10
    raw = bytearray(key[pos:pos + n])
    if len(raw) < n:
        raise ValueError('truncated number')
    _signed_header(raw, n)
    return int.from_bytes(raw, 'big', signed=True), pos + n


def _escape(data):
    """OrderedCode string body: 0x00 -> 00 ff, 0xff -> ff 00 (the terminator is 00 01)."""
    return b'\x00\xff'.join(part.replace(b'\xff', b'\xff\x00') for part in data.split(b'\x00'))


def encode_tensor_name_slice(name, extents):
    """The index key of one stored slice (checkpoint::EncodeTensorNameSlice)."""
    out = bytearray(_ordered_num(0))
    out += _escape(_key_bytes(name)) + b'\x00\x01'
    out += _ordered_num(len(extents))
    for start, length in extents:
        out += _ordered_signed(start if length >= 0 else 0)
        out += _ordered_signed(length if length >= 0 else -1)
    return bytes(out)


_SPECIAL = re.compile(b'[\x00\xff]')


def decode_tensor_name_slice(key):
    """(name, [(start, length)]) of a slice key (length -1: whole dimension); ValueError if not one."""
    key = bytes(key)
    try:
        if key[0] != 0:
            raise ValueError
        pos, name = 1, bytearray()
        while True:
            m = _SPECIAL.search(key, pos)
            pair = key[m.start():m.start() + 2]
            name += key[pos:m.start()]
            pos = m.start() + 2
            if pair == b'\x00\x01':
                break
            name += {b'\x00\xff': b'\x00', b'\xff\x00': b'\xff'}[pair]
        rank = int.from_bytes(key[pos + 1:pos + 1 + key[pos]], 'big')
        pos += 1 + key[pos]
        extents = []
        for _ in range(rank):
            start, pos = _read_ordered_signed(key, pos)
            length, pos = _read_ordered_signed(key, pos)
            extents.append((start, length))
    except (ValueError, IndexError, KeyError, AttributeError):
        raise ValueError('not a tensor slice key: %r' % key) from None
    if pos != len(key):
        raise ValueError('not a tensor slice key: %r' % key)
    return _key_str(bytes(name)), extents


def _slice_proto(extents):
    proto = TensorSliceProto()
    for start, length in extents:
        extent = proto.extent.add()
        if length >= 0:  # a whole dimension is an empty Extent
            extent.start = start
            extent.length = length
    return proto


def _slice_extents(proto):
    return [(e.start, e.length) if e.WhichOneof('has_length') else (0, -1) for e in proto.extent]


def _index_for(extents):
    return tuple(slice(None) if length < 0 else slice(start, start + length) for start, length in extents)


# ------------------------------------------------------------------------------------------
# Writing.

def _as_array(value, dtype):
    """(C-contiguous array in host byte order, or object array of bytes; sluice DType)."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype).base_dtype
    if type(value).__module__.split('.')[0] == 'cupy':
        value = value.get()
    array = np.asarray(value)
    if dtype is None:
        dtype = dtypes.string if array.dtype.kind in 'OSU' else dtypes.as_dtype(array.dtype)
    if dtype == dtypes.string:
        items = [v if isinstance(v, bytes) else v.encode('utf-8') if isinstance(v, str) else bytes(v)
                 for v in array.reshape(-1).tolist()]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(array.shape), dtype
    if dtype.name == 'bfloat16' and array.dtype == np.uint16 and not dtype.is_numpy_compatible:
        return np.asarray(array, order="C"), dtype  # bfloat16 bit patterns, without ml_dtypes
    return np.asarray(array, dtype=_numpy_dtype(dtype, "save"), order="C"), dtype


def _numpy_dtype(dtype, what, name=''):
    if dtype.name in ('resource', 'variant'):
        raise errors.UnimplementedError('Cannot %s tensor %s of dtype %s in a checkpoint' % (what, name, dtype.name))
    try:
        return np.dtype(dtype.as_numpy_dtype)
    except TypeError as e:  # bfloat16 without ml_dtypes
        raise errors.UnimplementedError('Cannot %s tensor %s of dtype %s: %s' % (what, name, dtype.name, e)) \
            from None


def _entry_dtype(key, entry):
    try:
        return dtypes.as_dtype(entry.dtype)
    except TypeError:
        raise errors.DataLossError('Invalid DataType enum %d for tensor %s in the checkpoint index'
                                   % (entry.dtype, _key_str(key))) from None


def _encode_varints(lengths):
    """LEB128 bytes of a uint64 array, vectorised (at most 10 passes)."""
    n = lengths.size
    counts = np.ones(n, np.int64)
    rest = lengths >> np.uint64(7)
    while rest.any():
        counts += rest > 0
        rest >>= np.uint64(7)
    ends = np.cumsum(counts)
    starts = ends - counts
    out = np.empty(int(ends[-1]) if n else 0, np.uint8)
    value = lengths.copy()
    for k in range(int(counts.max()) if n else 0):
        live = counts > k
        more = (counts[live] > k + 1).astype(np.uint8) << 7
        out[starts[live] + k] = (value[live] & np.uint64(0x7f)).astype(np.uint8) | more
        value >>= np.uint64(7)
    return out.tobytes()


def _lengths_checksum_bytes(lengths):
    """The bytes the lengths enter the CRC as: uint32 each, uint64 for lengths >= 2**32."""
    if lengths.size == 0 or int(lengths.max()) <= _UINT32_MAX:
        return lengths.astype('<u4').tobytes()
    return b''.join(int(v).to_bytes(4 if v <= _UINT32_MAX else 8, 'little') for v in lengths.tolist())


def _string_payload(array):
    """(data file bytes, crc) of a string tensor."""
    items = array.reshape(-1).tolist()
    lengths = np.fromiter((len(v) for v in items), dtype=np.uint64, count=len(items))
    crc = crc32c.crc32c(_lengths_checksum_bytes(lengths))
    length_checksum = crc32c.mask(crc).to_bytes(4, 'little')
    body = b''.join(items)
    crc = crc32c.crc32c(body, crc32c.crc32c(length_checksum, crc))
    return _encode_varints(lengths) + length_checksum + body, crc


class BundleWriter:
    """Writes one V2 checkpoint under `prefix` (the files appear only when finish() succeeds).

        writer = BundleWriter('/dir/model.ckpt-7')
        writer.add('layer1/weights', array)      # one write per tensor, in add order
        writer.finish()                           # index written, both files renamed into place

    Also a context manager: leaving the block finishes, or aborts on an exception.
    """

    def __init__(self, prefix, sync=True):
        self.prefix = os.fspath(prefix)
        self._sync = sync
        parent = os.path.dirname(self.prefix)
        if parent:
            os.makedirs(parent, exist_ok=True)
        tag = '.tempstate%d' % random.getrandbits(63)
        self._data_path = data_filename(self.prefix) + tag
        self._index_path = index_filename(self.prefix) + tag
        self._data = open(self._data_path, 'wb')
        self._entries = {}
        self._size = 0
        self._done = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._done:
            return
        if exc_type is None:
            self.finish()
        else:
            self.abort()

    def _check_key(self, key):
        if self._done:
            raise errors.FailedPreconditionError('BundleWriter is closed')
        if key == HEADER_KEY:
            raise ValueError('the empty name is reserved for the checkpoint header')
        if key in self._entries:
            raise errors.InvalidArgumentError('Adding duplicate key: %s' % _key_str(key))

    def add(self, name, value, dtype=None):
        """Appends a tensor (NumPy array or anything np.asarray takes; strings as bytes/str)."""
        key = _key_bytes(name)
        self._check_key(key)
        array, dtype = _as_array(value, dtype)
        entry = BundleEntryProto(dtype=dtype.as_datatype_enum, shard_id=0, offset=self._size)
        entry.shape.SetInParent()  # TF always writes the shape field, even a scalar's empty one
        for d in array.shape:
            entry.shape.dim.add(size=d)
        if dtype == dtypes.string:
            payload, crc = _string_payload(array)
            self._data.write(payload)
            size = len(payload)
        else:
            raw = array.reshape(-1).view(np.uint8)
            crc = _array_crc(raw)
            self._data.write(raw.data)
            size = raw.size
        entry.size = size
        entry.crc32c = crc32c.mask(crc)
        self._entries[key] = entry
        self._size += size
        return entry

    def add_slice(self, name, full_shape, slice_spec, value, dtype=None):
        """Stores `value` as the part `slice_spec` of a tensor of shape `full_shape`.

        `slice_spec`: TF's text form ("0,2:-") or [(start, length)] pairs (length -1 or None: the
        whole dimension).  A slice covering the whole tensor is stored as a plain tensor, as TF does.
        """
        key = _key_bytes(name)
        if key == HEADER_KEY:
            raise ValueError('the empty name is reserved for the checkpoint header')
        full_shape = [int(d) for d in full_shape]
        extents = parse_slice_spec(slice_spec)
        array, dtype = _as_array(value, dtype)
        if len(extents) != len(full_shape):
            raise errors.InvalidArgumentError('Slice %s does not match the rank of shape %s'
                                              % (slice_spec, full_shape))
        if any(length >= 0 and start + length > d for d, (start, length) in zip(full_shape, extents)):
            raise errors.InvalidArgumentError('Slice %s is out of the bounds of shape %s' % (slice_spec, full_shape))
        slice_shape = [d if length < 0 else length for d, (_, length) in zip(full_shape, extents)]
        if list(array.shape) != slice_shape:
            raise errors.InvalidArgumentError('Slice %s of shape %s needs a tensor of shape %s, got %s'
                                              % (slice_spec, full_shape, slice_shape, list(array.shape)))
        if slice_shape == full_shape:
            return self.add(name, array, dtype)
        full = self._entries.get(key)
        if full is None:
            if self._done:
                raise errors.FailedPreconditionError('BundleWriter is closed')
            full = BundleEntryProto(dtype=dtype.as_datatype_enum)
            full.shape.SetInParent()
            for d in full_shape:
                full.shape.dim.add(size=d)
        elif not full.slices or full.dtype != dtype.as_datatype_enum or \
                [d.size for d in full.shape.dim] != full_shape:
            raise errors.InvalidArgumentError('Adding slice of %s conflicts with its earlier entry'
                                              % _key_str(key))
        self.add(encode_tensor_name_slice(key, extents), array, dtype)
        full.slices.add().CopyFrom(_slice_proto(extents))
        self._entries[key] = full
        return full

    def finish(self):
        """Writes the index and moves both files to their final names."""
        if self._done:
            raise errors.FailedPreconditionError('BundleWriter is closed')
        try:
            self._close_synced(self._data)
            with open(self._index_path, 'wb') as index:
                write_index(index, self._entries, num_shards=1)
                self._close_synced(index)
            os.replace(self._data_path, data_filename(self.prefix))
            os.replace(self._index_path, index_filename(self.prefix))
            if self._sync:
                _sync_dir(os.path.dirname(self.prefix) or '.')
        except BaseException:
            self.abort()
            raise
        self._done = True

    def _close_synced(self, f):
        f.flush()
        if self._sync:
            os.fsync(f.fileno())
        f.close()

    def abort(self):
        """Drops the temporary files; the files under the prefix stay as they were."""
        self._done = True
        self._data.close()
        for path in (self._data_path, self._index_path):
            try:
                os.remove(path)
            except OSError:
                pass


def write_index(f, entries, num_shards=1, endianness=_HOST_ENDIANNESS):
    """Writes the index table: the header, then `entries` ({key bytes: BundleEntryProto}) in key order."""
    header = BundleHeaderProto(num_shards=num_shards, endianness=endianness)
    header.version.producer = BUNDLE_VERSION
    table = TableWriter(f)
    table.add(HEADER_KEY, header.SerializeToString())
    for key in sorted(entries):
        table.add(key, entries[key].SerializeToString())
    table.finish()


def _sync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------------------
# Reading.

def _decode_varints(buf, count):
    """(uint64 lengths, bytes consumed) of the first `count` varints in uint8 array `buf`."""
    if count == 0:
        return np.zeros(0, np.uint64), 0
    head = buf[:10 * count]
    ends = np.flatnonzero(head < 0x80)[:count]
    if ends.size < count:
        raise ValueError('truncated string lengths')
    starts = np.concatenate(([0], ends[:-1] + 1))
    widths = ends - starts + 1
    if widths.max() > 10:
        raise ValueError('bad string length')
    values = np.zeros(count, np.uint64)
    for k in range(int(widths.max())):
        live = widths > k
        values[live] |= (head[starts[live] + k] & 0x7f).astype(np.uint64) << np.uint64(7 * k)
    return values, int(ends[-1]) + 1


class BundleReader:
    """Reads a V2 checkpoint: `BundleReader(prefix)`; NotFoundError if `prefix.index` is missing.

    keys() / has_tensor(name) / dtype_and_shape(name) / get_variable_to_shape_map() /
    get_variable_to_dtype_map() / read(name) (also get_tensor) / read_slice(name, spec).
    Partitioned tensors appear under their full name (their slice keys are hidden, as in TF's
    CheckpointReader) and read() assembles them.
    """

    def __init__(self, prefix):
        self.prefix = os.fspath(prefix)
        path = index_filename(self.prefix)
        if not os.path.exists(path):
            raise errors.NotFoundError('%s; No such file or directory' % path)
        self._table = TableReader(path)
        raw_header = self._table.get(HEADER_KEY)
        if raw_header is None:
            raise errors.DataLossError('Unable to read file (%s). Perhaps the file is corrupt or was '
                                       'produced by a newer version of TensorFlow with format changes '
                                       '(failed to seek to header entry)' % path)
        try:
            self.header = BundleHeaderProto.FromString(raw_header)
        except Exception:
            raise errors.DataLossError('Unable to read file (%s): unable to parse header' % path) from None
        self._check_version(self.header.version)
        self._swap = self.header.endianness != _HOST_ENDIANNESS
        self._entries = {}
        slice_keys = set()
        for key, value in self._table.items():
            if key == HEADER_KEY:
                continue
            try:
                entry = BundleEntryProto.FromString(value)
            except Exception:
                raise errors.DataLossError('Entry for key %s not parseable.' % _key_str(key)) from None
            self._entries[key] = entry
            for proto in entry.slices:
                slice_keys.add(encode_tensor_name_slice(key, _slice_extents(proto)))
        self._names = [k for k in self._entries if k not in slice_keys]
        self._files = {}
        self._lock = threading.Lock()

    @staticmethod
    def _check_version(version):
        if version.producer < MIN_PRODUCER:
            raise errors.InvalidArgumentError('Checkpoint producer version %d below min producer %d '
                                              'supported by TensorFlow' % (version.producer, MIN_PRODUCER))
        if version.min_consumer > BUNDLE_VERSION:
            raise errors.InvalidArgumentError('Checkpoint min consumer version %d above current version '
                                              '%d for TensorFlow' % (version.min_consumer, BUNDLE_VERSION))
        if BUNDLE_VERSION in version.bad_consumers:
            raise errors.InvalidArgumentError('Checkpoint disallows consumer version %d.' % BUNDLE_VERSION)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        with self._lock:
            for f in self._files.values():
                f.close()
            self._files.clear()

    # ---- metadata
    def keys(self):
        """Tensor names (str), sorted, without the header and slice keys."""
        return [_key_str(k) for k in self._names]

    def has_tensor(self, name):
        return _key_bytes(name) in self._entries

    def entry(self, name):
        """The BundleEntryProto of `name`; NotFoundError if absent."""
        key = _key_bytes(name)
        entry = self._entries.get(key)
        if entry is None:
            raise errors.NotFoundError('Key %s not found in checkpoint' % _key_str(key))
        if any(d.size < 0 for d in entry.shape.dim) or entry.shape.unknown_rank:
            raise errors.DataLossError('Invalid tensor shape: %s %s' % (_key_str(key), entry.shape))
        _entry_dtype(key, entry)
        return entry

    def dtype_and_shape(self, name):
        entry = self.entry(name)
        return _entry_dtype(_key_bytes(name), entry), TensorShape([d.size for d in entry.shape.dim])

    def get_variable_to_shape_map(self):
        return {_key_str(k): [d.size for d in self._entries[k].shape.dim] for k in self._names}

    def get_variable_to_dtype_map(self):
        return {_key_str(k): _entry_dtype(k, self._entries[k]) for k in self._names}

    def debug_string(self):
        """"name (DT_FLOAT) [3,4]" lines, as TF's BundleReader::DebugString."""
        from sluice.io.protos import DataType
        lines = []
        for key in self._names:
            entry = self._entries[key]
            dims = ','.join(str(d.size) for d in entry.shape.dim)
            lines.append('%s (%s) [%s]\n' % (_key_str(key), DataType.Name(entry.dtype), dims))
        return ''.join(lines)

    # ---- values
    def read(self, name):
        """The tensor as a new NumPy array (object array of bytes for strings)."""
        entry = self.entry(name)
        if entry.slices:
            return self._assemble(_key_str(_key_bytes(name)), entry)
        return self._read_entry(_key_str(_key_bytes(name)), entry)

    get_tensor = read

    def read_slice(self, name, slice_spec):
        """The part `slice_spec` (TF text form or [(start, length)]) of tensor `name`."""
        full = self.read(name)
        extents = parse_slice_spec(slice_spec)
        if len(extents) != full.ndim:
            raise errors.InvalidArgumentError('Slice %s does not match the rank of %s %s'
                                              % (slice_spec, name, list(full.shape)))
        for (start, length), d in zip(extents, full.shape):
            if length >= 0 and start + length > d:
                raise errors.InvalidArgumentError('Slice %s is out of the bounds of %s %s'
                                                  % (slice_spec, name, list(full.shape)))
        return np.array(full[_index_for(extents)], order="C")

    def _assemble(self, name, entry):
        dtype = dtypes.as_dtype(entry.dtype)
        shape = [d.size for d in entry.shape.dim]
        itemsize = 1 if dtype == dtypes.string else _numpy_dtype(dtype, 'read', name).itemsize
        # Everything the index claims is checked against it and the data files before allocating.
        regions, parts = [], []
        covered = stored = 0
        for proto in entry.slices:
            extents = _slice_extents(proto)
            region = [(0, d) if length < 0 else (start, start + length)
                      for d, (start, length) in zip(shape, extents)]
            for other in regions:  # stored slices never overlap; a file that says so is corrupt
                if all(a0 < b1 and b0 < a1 for (a0, a1), (b0, b1) in zip(region, other)):
                    raise errors.DataLossError('Overlapping slices of partitioned tensor %s' % name)
            regions.append(region)
            covered += math.prod(b - a for a, b in region)
            key = encode_tensor_name_slice(name, extents)
            part = self._entries.get(key)
            if part is None:
                raise errors.NotFoundError('Key %s not found in checkpoint' % _key_str(key))
            self._check_extent(name, part)
            stored += part.size
            parts.append((extents, part))
        count = math.prod(shape)
        if covered != count:
            raise errors.InvalidArgumentError('Does not have sufficient slices for partitioned tensor %s '
                                              'to restore in slice_spec: %s' % (name, '-' if not shape
                                                                               else ':'.join('-' for _ in shape)))
        if count * itemsize > stored:
            raise errors.DataLossError('Partitioned tensor %s claims %d bytes but its slices store %d'
                                       % (name, count * itemsize, stored))
        out = np.empty(shape, dtype=object if dtype == dtypes.string else _numpy_dtype(dtype, 'read', name))
        for extents, part in parts:
            out[_index_for(extents)] = self._read_entry(name, part)
        return out

    def _data_file(self, shard_id):
        f = self._files.get(shard_id)
        if f is None:
            path = data_filename(self.prefix, shard_id, self.header.num_shards)
            try:
                f = open(path, 'rb')
            except FileNotFoundError:
                raise errors.NotFoundError('%s; No such file or directory' % path) from None
            self._files[shard_id] = f
        return f

    def _data_file_size(self, shard_id):
        return os.fstat(self._data_file(shard_id).fileno()).st_size

    def _check_extent(self, name, entry):
        """The entry's bytes must lie inside its data file: checked before allocating what it claims."""
        with self._lock:
            file_size = self._data_file_size(entry.shard_id)
        if entry.offset < 0 or entry.size < 0 or entry.offset + entry.size > file_size:
            raise errors.DataLossError(
                'TensorBundle at %s shard %d: tensor %s needs bytes [%d, %d) but the data file has %d bytes '
                '(truncated checkpoint)' % (self.prefix, entry.shard_id, name, entry.offset,
                                            entry.offset + entry.size, file_size))

    def _read_bytes(self, name, entry, out):
        """Reads entry.size bytes into the uint8 array `out`."""
        with self._lock:
            f = self._data_file(entry.shard_id)
            f.seek(entry.offset)
            got = f.readinto(out.data) if out.size else 0
        if got != out.size:
            raise errors.DataLossError(
                'TensorBundle at %s shard %d: tensor %s needs bytes [%d, %d) but the data file ends '
                'early (truncated checkpoint)' % (self.prefix, entry.shard_id, name, entry.offset,
                                                  entry.offset + entry.size))

    def _checksum_error(self, name, entry, actual):
        return errors.DataLossError(
            'TensorBundle at %s shard %d (%d bytes): Checksum does not match: stored %08d vs. '
            'calculated on the restored bytes %d (tensor %s)'
            % (self.prefix, entry.shard_id, entry.size, crc32c.unmask(entry.crc32c), actual, name))

    def _read_entry(self, name, entry):
        dtype = dtypes.as_dtype(entry.dtype)
        shape = [d.size for d in entry.shape.dim]
        if dtype == dtypes.string:
            return self._read_strings(name, entry, shape)
        np_dtype = _numpy_dtype(dtype, 'read', name)
        expected = math.prod(shape) * np_dtype.itemsize
        if entry.size != expected:
            raise errors.DataLossError('Invalid size in bundle entry: key %s; stored size %d; expected '
                                       'size %d' % (name, entry.size, expected))
        self._check_extent(name, entry)
        out = np.empty(shape, np_dtype)
        raw = out.reshape(-1).view(np.uint8)
        self._read_bytes(name, entry, raw)
        actual = _array_crc(raw)
        if crc32c.unmask(entry.crc32c) != actual:
            raise self._checksum_error(name, entry, actual)
        if self._swap and np_dtype.itemsize > 1:
            # Checksummed as stored; swap each scalar (each half of a complex) afterwards.
            width = np_dtype.itemsize // 2 if np_dtype.kind == 'c' else np_dtype.itemsize
            out.reshape(-1).view('u%d' % width).byteswap(inplace=True)
        return out

    def _read_strings(self, name, entry, shape):
        count = math.prod(shape)  # Python ints: a claimed product must not overflow
        if entry.size == 0 and count == 0:
            return np.empty(shape, dtype=object)
        if entry.size < count:  # each string takes at least its one-byte length
            raise errors.DataLossError('Invalid size in bundle entry: key %s; stored size %d; expected '
                                       'size is at least %d' % (name, entry.size, count))
        self._check_extent(name, entry)
        out = np.empty(count, dtype=object)
        buf = np.empty(entry.size, np.uint8)
        self._read_bytes(name, entry, buf)
        try:
            lengths, pos = _decode_varints(buf, count)
        except ValueError as e:
            raise errors.DataLossError('TensorBundle at %s: string tensor %s: %s' % (self.prefix, name, e)) \
                from None
        if self._swap:
            raise errors.UnimplementedError('Reading string tensor %s of a big-endian checkpoint' % name)
        crc = crc32c.crc32c(_lengths_checksum_bytes(lengths))
        data = buf.tobytes()
        stored = data[pos:pos + 4]
        if len(stored) < 4 or crc32c.unmask(int.from_bytes(stored, 'little')) != crc:
            raise errors.DataLossError('The length checksum does not match for tensor %s in TensorBundle at %s'
                                       % (name, self.prefix))
        ends = np.cumsum(lengths).astype(np.int64) + (pos + 4) if count else np.zeros(0, np.int64)
        if count and int(ends[-1]) != entry.size:
            raise errors.DataLossError('Invalid size in bundle entry: key %s; stored size %d; the strings '
                                       'need %d' % (name, entry.size, int(ends[-1])))
        crc = crc32c.crc32c(data[pos:], crc)
        if crc32c.unmask(entry.crc32c) != crc:
            raise self._checksum_error(name, entry, crc)
        starts = ends - lengths.astype(np.int64)
        out[:] = [data[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
        return out.reshape(shape)


def merge_bundles(prefixes, merged_prefix):
    """TF's MergeV2Checkpoints: one index over the shards of several bundles, data files renamed.

    Each bundle in `prefixes` must have one data shard; the merged bundle has len(prefixes) shards
    and the source index files are deleted.
    """
    entries = {}
    data_moves = []
    num_shards = len(prefixes)
    for shard_id, prefix in enumerate(prefixes):
        reader = BundleReader(prefix)
        reader.close()
        if reader.header.num_shards != 1:
            raise errors.InvalidArgumentError('merge_bundles needs single-shard bundles: %s has %d'
                                              % (prefix, reader.header.num_shards))
        for key, entry in reader._entries.items():
            existing = entries.get(key)
            if existing is not None:
                if not existing.slices or not entry.slices:
                    raise errors.InvalidArgumentError('Duplicate tensor keyed by %s encountered, when '
                                                      'merging prefix: %s' % (_key_str(key), prefix))
                existing.slices.extend(entry.slices)
                continue
            if not entry.slices:
                entry.shard_id = shard_id
            entries[key] = entry
        data_moves.append((data_filename(prefix), data_filename(merged_prefix, shard_id, num_shards)))
    parent = os.path.dirname(os.fspath(merged_prefix))
    if parent:
        os.makedirs(parent, exist_ok=True)
    for src, dst in data_moves:
        os.replace(src, dst)
    tmp = index_filename(merged_prefix) + '.tempstate%d' % random.getrandbits(63)
    with open(tmp, 'wb') as f:
        write_index(f, entries, num_shards=num_shards)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, index_filename(merged_prefix))
    for prefix in prefixes:
        try:
            os.remove(index_filename(prefix))
        except OSError:
            pass
