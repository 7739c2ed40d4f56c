"""The sorted string table (SSTable) of TensorFlow checkpoint `.index` files.

TensorFlow's `tensorflow/core/lib/io/table*` is LevelDB's table format without filter blocks.
A file is a run of blocks followed by a fixed 48-byte footer:

    [data block 0][trailer] ... [data block n][trailer] [metaindex block][trailer]
    [index block][trailer] [footer]

Block: entries `varint32 shared, varint32 non_shared, varint32 value_length, key[shared:],
value`, where `shared` is the length of the prefix this key has in common with the previous key
(0 at a restart point: every `restart_interval` entries, 16 for data blocks, 1 for the index
block); then the restart offsets as fixed32 little-endian, then their count as fixed32.
Trailer: one compression-type byte (0 none, 1 snappy) and the masked CRC32C of the block bytes
followed by that type byte.  Block handle: varint64 offset, varint64 size (size excludes the
trailer).  Index block: one entry per data block, its key a separator >= every key of the block and
< every key of the next one, its value the block's handle.  The metaindex block is empty.  Footer:
metaindex handle, index handle, zero padding to 40 bytes, magic 0xdb4775248b80fb57 as fixed64 LE.

TableWriter follows TF's TableBuilder decisions exactly (when a data block is cut, the shortest
separator / short successor keys of the index block, block_size 256 KiB), so the same entries give
the same bytes.  TableReader reads the whole file (index files are small: ~100 bytes per tensor),
verifies every block checksum and decodes all entries up front, so a damaged file fails at open
with DataLossError.  Block handles are checked against the file's size, as TF's reader does, not
against the start of the footer window.
"""
import bisect
import struct

from sluice.engine import errors

from sluice.io import crc32c

__all__ = ['TableWriter', 'TableReader', 'MAGIC', 'FOOTER_SIZE', 'BLOCK_SIZE',
           'NO_COMPRESSION', 'SNAPPY_COMPRESSION', 'encode_varint', 'decode_varint']

MAGIC = 0xdb4775248b80fb57
FOOTER_SIZE = 48              # 2 * max encoded BlockHandle (2 * 10 bytes each) + 8-byte magic
BLOCK_TRAILER_SIZE = 5        # type byte + fixed32 masked crc
BLOCK_SIZE = 262144           # TF's table::Options default
RESTART_INTERVAL = 16
NO_COMPRESSION = 0
SNAPPY_COMPRESSION = 1

_FIXED32 = struct.Struct('<I')


def encode_varint(value):
    """LEB128 bytes of a non-negative int (TF's PutVarint32/64)."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7f) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(buf, pos, limit=None, max_bytes=10):
    """(value, next_pos) of the varint at buf[pos:]; ValueError if it is cut off or too long."""
    limit = len(buf) if limit is None else limit
    result = shift = 0
    for i in range(max_bytes):
        if pos >= limit:
            break
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7f) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
    raise ValueError('bad varint')


def _shortest_separator(start, limit):
    """A short key k with start <= k < limit (TF's FindShortestSeparator, bytewise order)."""
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i < n:  # neither key is a prefix of the other
        byte = start[i]
        if byte < 0xff and byte + 1 < limit[i]:
            return start[:i] + bytes((byte + 1,))
    return start


def _short_successor(key):
    """A short key >= key: the first byte that is not 0xff, incremented (TF's FindShortSuccessor)."""
    for i, byte in enumerate(key):
        if byte != 0xff:
            return key[:i] + bytes((byte + 1,))
    return key


class _BlockBuilder:
    """Accumulates prefix-compressed entries of one block."""

    def __init__(self, restart_interval):
        self.restart_interval = restart_interval
        self.reset()

    def reset(self):
        self.buffer = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b''

    @property
    def empty(self):
        return not self.buffer

    def size_estimate(self):
        return len(self.buffer) + 4 * len(self.restarts) + 4

    def add(self, key, value):
        shared = 0
        if self.counter < self.restart_interval:
            last = self.last_key
            n = min(len(last), len(key))
            while shared < n and last[shared] == key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buffer))
            self.counter = 0
        buf = self.buffer
        buf += encode_varint(shared)
        buf += encode_varint(len(key) - shared)
        buf += encode_varint(len(value))
        buf += key[shared:]
        buf += value
        self.last_key = key
        self.counter += 1

    def finish(self):
        out = self.buffer + b''.join(_FIXED32.pack(r) for r in self.restarts)
        out += _FIXED32.pack(len(self.restarts))
        return bytes(out)


class TableWriter:
    """Writes a table to a binary file object; keys (bytes) must be added in strictly increasing order.

    `block_size` and `restart_interval` default to TF's values (only tests change them).  Blocks
    are written uncompressed, as TensorFlow's BundleWriter does.
    """

    def __init__(self, file, block_size=BLOCK_SIZE, restart_interval=RESTART_INTERVAL):
        self._file = file
        self._block_size = block_size
        self._data_block = _BlockBuilder(restart_interval)
        self._index_block = _BlockBuilder(1)
        self._offset = 0
        self._last_key = None
        self._pending_handle = None  # handle of the last data block, indexed once the next key is known
        self._closed = False

    @property
    def num_bytes(self):
        return self._offset

    def add(self, key, value):
        if self._closed:
            raise ValueError('TableWriter.add after finish()')
        key, value = bytes(key), bytes(value)
        if self._last_key is not None:
            if key <= self._last_key:
                raise ValueError('table keys must be added in strictly increasing order: %r after %r'
                                 % (key, self._last_key))
            # An entry this big gets a block of its own (TF's kOverlyLargeBlockRatio = 2).
            if len(key) + len(value) >= 2 * self._block_size:
                self._flush()
        if self._pending_handle is not None:
            self._index_block.add(_shortest_separator(self._last_key, key), self._pending_handle)
            self._pending_handle = None
        self._last_key = key
        self._data_block.add(key, value)
        if self._data_block.size_estimate() >= self._block_size:
            self._flush()

    def finish(self):
        """Writes the remaining data block, the metaindex and index blocks and the footer."""
        if self._closed:
            raise ValueError('TableWriter.finish called twice')
        self._flush()
        self._closed = True
        metaindex = self._write_block(_BlockBuilder(RESTART_INTERVAL))
        if self._pending_handle is not None:
            self._index_block.add(_short_successor(self._last_key), self._pending_handle)
            self._pending_handle = None
        index = self._write_block(self._index_block)
        footer = (metaindex + index).ljust(FOOTER_SIZE - 8, b'\0') + struct.pack('<Q', MAGIC)
        self._file.write(footer)
        self._offset += len(footer)
        return self._offset

    def _flush(self):
        if self._data_block.empty:
            return
        self._pending_handle = self._write_block(self._data_block)

    def _write_block(self, block):
        contents = block.finish()
        block.reset()
        trailer_type = bytes((NO_COMPRESSION,))
        crc = crc32c.crc32c(trailer_type, crc32c.crc32c(contents))
        self._file.write(contents)
        self._file.write(trailer_type + _FIXED32.pack(crc32c.mask(crc)))
        handle = encode_varint(self._offset) + encode_varint(len(contents))
        self._offset += len(contents) + BLOCK_TRAILER_SIZE
        return handle


def _snappy_uncompress(data, filename):
    try:
        import snappy  # python-snappy
        return snappy.uncompress(data)
    except ImportError:
        pass
    try:
        import cramjam
        return bytes(cramjam.snappy.decompress_raw(data))
    except ImportError:
        raise errors.UnimplementedError(
            'Table %s has a snappy-compressed block; install python-snappy (or cramjam) to read it'
            % filename) from None
    except Exception:
        raise errors.DataLossError('corrupted compressed block contents in %s' % filename) from None


class TableReader:
    """All entries of a table, decoded and checksum-verified at construction.

    `TableReader(path)` or `TableReader(data=bytes, name=...)`.  `get(key)` -> value or None,
    `items()` in key order, `seek(key)` -> entries from the first key >= key.  Keys and values are
    bytes.  Raises DataLossError for a damaged or truncated table.
    """

    def __init__(self, path=None, data=None, name=None):
        if data is None:
            with open(path, 'rb') as f:
                data = f.read()
        self.name = name or path or '<table>'
        self._data = memoryview(bytes(data))
        self._keys = []
        self._values = []
        self._read()
        self._data = None

    def _corrupt(self, what):
        return errors.DataLossError('%s (table %s)' % (what, self.name))

    def _read(self):
        data = self._data
        if len(data) < FOOTER_SIZE:
            raise self._corrupt('file is too short (%d bytes) to be an sstable' % len(data))
        footer = data[len(data) - FOOTER_SIZE:]
        if struct.unpack('<Q', footer[40:48])[0] != MAGIC:
            raise self._corrupt('not an sstable (bad magic number)')
        try:
            _, pos = self._handle(footer, 0)           # metaindex: empty in TF's files
            index_offset, index_size = self._handle(footer, pos)[0]
        except ValueError:
            raise self._corrupt('bad block handle') from None
        index = self._block(index_offset, index_size)
        for _, handle in self._entries(index):
            try:
                (offset, size), _ = self._handle(handle, 0)
            except ValueError:
                raise self._corrupt('bad block handle') from None
            for key, value in self._entries(self._block(offset, size)):
                if self._keys and key <= self._keys[-1]:
                    raise self._corrupt('keys out of order')
                self._keys.append(key)
                self._values.append(value)

    @staticmethod
    def _handle(buf, pos):
        offset, pos = decode_varint(buf, pos)
        size, pos = decode_varint(buf, pos)
        return (offset, size), pos

    def _block(self, offset, size):
        """The verified, uncompressed contents of the block at offset."""
        # TF checks a handle against the file's size, not the footer window: a block may run into
        # the last 48 bytes when the footer's padding is short, and TF still reads that table.
        end = offset + size + BLOCK_TRAILER_SIZE
        if end > len(self._data):
            raise self._corrupt('truncated block read')
        raw = self._data[offset:offset + size + 1]
        stored = _FIXED32.unpack(self._data[offset + size + 1:end])[0]
        if crc32c.unmask(stored) != crc32c.crc32c(raw):
            raise self._corrupt('block checksum mismatch')
        kind = raw[size]
        contents = raw[:size]
        if kind == NO_COMPRESSION:
            return contents
        if kind == SNAPPY_COMPRESSION:
            return memoryview(_snappy_uncompress(bytes(contents), self.name))
        raise self._corrupt('bad block type')

    def _entries(self, block):
        """(key, value) pairs of a block, keys restored from their shared prefixes."""
        n = len(block)
        if n < 4:
            raise self._corrupt('bad block contents')
        num_restarts = _FIXED32.unpack(block[n - 4:])[0]
        limit = n - 4 - 4 * num_restarts  # where the restart array starts
        if limit < 0:
            raise self._corrupt('bad block contents')
        out = []
        pos, key = 0, b''
        try:
            while pos < limit:
                shared, pos = decode_varint(block, pos, limit, 5)
                non_shared, pos = decode_varint(block, pos, limit, 5)
                value_len, pos = decode_varint(block, pos, limit, 5)
                if shared > len(key) or pos + non_shared + value_len > limit:
                    raise ValueError
                key = key[:shared] + bytes(block[pos:pos + non_shared])
                pos += non_shared
                out.append((key, bytes(block[pos:pos + value_len])))
                pos += value_len
        except ValueError:
            raise self._corrupt('bad entry in block') from None
        return out

    def __len__(self):
        return len(self._keys)

    def __contains__(self, key):
        return self.get(key) is not None

    def get(self, key, default=None):
        key = bytes(key)
        i = bisect.bisect_left(self._keys, key)
        if i < len(self._keys) and self._keys[i] == key:
            return self._values[i]
        return default

    def keys(self):
        return list(self._keys)

    def items(self):
        return list(zip(self._keys, self._values))

    def seek(self, key):
        """(key, value) pairs from the first key >= `key`, in order."""
        i = bisect.bisect_left(self._keys, bytes(key))
        return list(zip(self._keys[i:], self._values[i:]))
