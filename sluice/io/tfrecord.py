"""TFRecord files, byte-compatible with TensorFlow's (tf.python_io / tf.io in TF 1.x).

Framing of each record (tensorflow/core/lib/io/record_writer.h):
    uint64 length (little-endian) | uint32 masked crc32c(the 8 length bytes)
    | data | uint32 masked crc32c(data)
With GZIP or ZLIB compression the whole framed stream is deflated as one zlib stream (GZIP: gzip
wrapper, window bits 31; ZLIB: zlib wrapper, 15), level Z_DEFAULT_COMPRESSION, memLevel 9, as TF
does, so for the same records Python's zlib produces the same bytes as TF's writer.  `flush()`
on a compressed writer ends the deflate block with Z_PARTIAL_FLUSH, again as TF.

Writing: records are framed in Python and collected in a list; the list is joined and written
(deflated first when compressed) once about 1 MiB is pending, so the file sees few large writes.
The 12-byte header of each record length is cached (datasets often repeat lengths). A writer the
program never closes is closed when it is garbage-collected (__del__) or, still open at interpreter
exit, by sluice.io.open_writers: what was written is on disk, as with TF.

Reading (`RecordReader`): the file is read (and inflated) in 1 MiB chunks into one bytes buffer,
and records are sliced out of it with struct.unpack_from, two CRC calls and one slice per
record: no system call per record.  Offsets are positions in the uncompressed stream, as TF's
RecordReader reports them; `read_record(offset)` returns (data, next_offset) and repositions
when asked for another offset (seek when uncompressed; rewind or skip ahead in the inflated
stream when compressed), for the queue-based TFRecordReader op.

Errors follow TF's RecordReader exactly:
  * bad length CRC: DataLossError "corrupted record at <record offset>" (TF adds
    " (Is this even a TFRecord file?)" at offset 0); bad data CRC: "corrupted record at
    <offset of the data>", i.e. record offset + 12;
  * the file ending inside a record's data or footer: DataLossError "truncated record at
    <record offset>"; ending inside the 12-byte header is a clean end of file (TF reads the
    header with a short read that it treats as EOF);
  * a bad deflate stream: DataLossError "inflate() failed with error <code>: <zlib message>";
    a compressed stream that stops early just ends the records available; concatenated gzip
    or zlib members are read one after another.
  * files that cannot be opened: NotFoundError "<path>; No such file or directory" (and the
    other errno classes TF uses); writing to a closed writer: FailedPreconditionError.
"""

import errno as _errno
import os
import re
import struct
import zlib

from sluice.engine import errors
from sluice.io import crc32c as _crc32c
from sluice.io import open_writers

__all__ = ['TFRecordCompressionType', 'TFRecordOptions', 'TFRecordWriter', 'RecordReader',
           'tf_record_iterator']

_HEADER = struct.Struct('<QI')     # length, masked crc of the 8 length bytes
_LENGTH = struct.Struct('<Q')
_UINT32 = struct.Struct('<I')
_HEADER_SIZE = 12
_FOOTER_SIZE = 4
_M32 = 0xFFFFFFFF
_MASK_DELTA = 0xa282ead8

_CHUNK = 1 << 20                   # bytes per file read / pending bytes per file write
_MAX_READ = 1 << 26                # largest single read (a huge record takes several)
_HEADER_CACHE_LIMIT = 4096


class TFRecordCompressionType(object):
    """The type of compression for the records (TF 1.x enum values)."""
    NONE = 0
    ZLIB = 1
    GZIP = 2


class TFRecordOptions(object):
    """Options for TFRecord files: the compression type and zlib settings.

    `compression_type`: "GZIP", "ZLIB", "" / None (no compression) or a
    TFRecordCompressionType value.  The zlib fields apply to writers only; None keeps zlib's
    TF defaults (level Z_DEFAULT_COMPRESSION, memLevel 9, default strategy, window bits 15 or
    31 for GZIP).  `input_buffer_size` / `output_buffer_size` are accepted for compatibility
    and not needed here.  `flush_mode` other than Z_NO_FLUSH is applied after every write.
    """
    compression_type_map = {
        TFRecordCompressionType.ZLIB: "ZLIB",
        TFRecordCompressionType.GZIP: "GZIP",
        TFRecordCompressionType.NONE: "",
    }

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        self.get_compression_type_string(compression_type)  # validates; kept as given
        self.compression_type = compression_type
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """'' / 'ZLIB' / 'GZIP' for a TFRecordOptions, TFRecordCompressionType value or string."""
        if not options:
            return ""
        if isinstance(options, TFRecordOptions):
            return cls.get_compression_type_string(options.compression_type)
        if isinstance(options, TFRecordCompressionType):
            return cls.compression_type_map[options]
        try:
            if options in cls.compression_type_map:
                return cls.compression_type_map[options]
            if options in cls.compression_type_map.values():
                return options
        except TypeError:  # unhashable
            pass
        raise ValueError('Not a valid compression_type: "{}"'.format(options))

    def _zlib_params(self):
        """(level, method, wbits, memLevel, strategy, flush_mode) for zlib.compressobj."""
        kind = self.get_compression_type_string(self)
        wbits = self.window_bits
        if wbits is None:
            wbits = 31 if kind == 'GZIP' else 15
        pick = lambda value, default: default if value is None else value  # noqa: E731
        return (pick(self.compression_level, zlib.Z_DEFAULT_COMPRESSION),
                pick(self.compression_method, zlib.DEFLATED), wbits,
                pick(self.mem_level, 9), pick(self.compression_strategy, zlib.Z_DEFAULT_STRATEGY),
                pick(self.flush_mode, zlib.Z_NO_FLUSH))


def _as_options(options):
    return options if isinstance(options, TFRecordOptions) else TFRecordOptions(options)


_OS_ERRORS = {
    _errno.ENOENT: errors.NotFoundError,
    _errno.ENOTDIR: errors.FailedPreconditionError,
    _errno.EISDIR: errors.FailedPreconditionError,
    _errno.EACCES: errors.PermissionDeniedError,
    _errno.EPERM: errors.PermissionDeniedError,
    _errno.EROFS: errors.PermissionDeniedError,
    _errno.ENOSPC: errors.ResourceExhaustedError,
    _errno.EEXIST: errors.AlreadyExistsError,
    _errno.ENAMETOOLONG: errors.InvalidArgumentError,
}


def _os_error(path, exc):
    """The TF error for a failed file operation ("<path>; <strerror>", as TF's IOError)."""
    cls = _OS_ERRORS.get(exc.errno, errors.UnknownError)
    return cls(None, None, '%s; %s' % (path, exc.strerror or exc))


def _path_str(path):
    path = os.fspath(path)
    return path.decode('utf-8') if isinstance(path, bytes) else path


def _open(path, mode):
    try:
        return open(path, mode, buffering=0)
    except OSError as e:
        raise _os_error(path, e) from None


def _frame_header(n):
    length = _LENGTH.pack(n)
    crc = _crc32c.value_function()(length)
    return length + _UINT32.pack(_crc32c.mask(crc))


class TFRecordWriter(object):
    """Writes records to a TFRecord file (`tf.python_io.TFRecordWriter`).

    `TFRecordWriter(path, options=None)`: options is a TFRecordOptions, a
    TFRecordCompressionType value or a compression string.  write(record) takes bytes (also
    bytearray, memoryview, or str, written as UTF-8).  Use as a context manager or call close().
    """

    def __init__(self, path, options=None):
        options = _as_options(options)
        self._path = _path_str(path)
        self._compression = TFRecordOptions.get_compression_type_string(options)
        self._deflater = None
        self._flush_mode = zlib.Z_NO_FLUSH
        if self._compression:
            level, method, wbits, mem_level, strategy, flush_mode = options._zlib_params()
            self._deflater = zlib.compressobj(level, method, wbits, mem_level, strategy)
            self._flush_mode = flush_mode
        self._crc = _crc32c.value_function()
        self._headers = {}
        self._pending = []
        self._pending_size = 0
        self._file = _open(self._path, 'wb')
        open_writers.track(self)   # closed at exit when the program does not close it

    def __repr__(self):
        return '<TFRecordWriter %s>' % self._path

    def write(self, record):
        """Appends one record."""
        if type(record) is not bytes:
            record = self._coerce(record)
        pending = self._pending
        if pending is None:
            raise errors.FailedPreconditionError(None, None, 'Writer is closed.')
        n = len(record)
        header = self._headers.get(n)
        if header is None:
            header = _frame_header(n)
            if len(self._headers) < _HEADER_CACHE_LIMIT:
                self._headers[n] = header
        crc = self._crc(record)
        pending.append(header)
        pending.append(record)
        pending.append(_UINT32.pack(((((crc >> 15) | (crc << 17)) & _M32) + _MASK_DELTA) & _M32))
        self._pending_size += n + 16
        if self._pending_size >= _CHUNK or self._flush_mode != zlib.Z_NO_FLUSH:
            self._drain(self._flush_mode)

    @staticmethod
    def _coerce(record):
        if isinstance(record, str):
            return record.encode('utf-8')
        if isinstance(record, (bytes, bytearray, memoryview)):
            return bytes(record)
        raise TypeError('write() argument must be bytes or str, not %s' % type(record).__name__)

    def _drain(self, zflush=None):
        """Writes the pending frames (deflated first when compressing)."""
        data = b''.join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        if self._deflater is not None:
            data = self._deflater.compress(data)
            if zflush is not None and zflush != zlib.Z_NO_FLUSH:
                data += self._deflater.flush(zflush)
        if data:
            try:
                self._file.write(data)
            except OSError as e:
                raise _os_error(self._path, e) from None

    def flush(self):
        """Writes everything so far to the file (ending the deflate block with a partial flush)."""
        if self._pending is None:
            raise errors.FailedPreconditionError(None, None, 'Writer is closed.')
        self._drain(zlib.Z_PARTIAL_FLUSH)

    def close(self):
        """Writes the rest (and the compressed stream's end) and closes the file; idempotent."""
        if self._pending is None:
            return
        try:
            self._drain(zlib.Z_FINISH)
        finally:
            self._pending = None
            self._file.close()
            open_writers.untrack(self)

    _close_at_exit = close

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown or a failed open: nothing to save
            pass


_ZLIB_ERROR = re.compile(r'Error (-?\d+) while [a-z ]+: (.*)')


def _inflate_error(exc):
    m = _ZLIB_ERROR.match(str(exc))
    code, detail = (m.group(1), m.group(2)) if m else ('-3', str(exc))
    return errors.DataLossError(None, None, 'inflate() failed with error %s: %s' % (code, detail))


class RecordReader(object):
    """Reads the records of one TFRecord file, sequentially or from given offsets.

    `RecordReader(path, compression_type='')` (a compression string, enum value or
    TFRecordOptions).  Iterating yields each record's bytes from the current position;
    `read_record(offset)` returns `(data, next_offset)` and raises OutOfRangeError at the end
    of the file; `offset` is the position of the next record.  Close with close() or `with`.
    """

    def __init__(self, path, compression_type='', buffer_size=_CHUNK):
        self._path = _path_str(path)
        kind = TFRecordOptions.get_compression_type_string(compression_type)
        self._wbits = {'': None, 'ZLIB': 15, 'GZIP': 31}[kind]
        self._chunk = max(int(buffer_size), 4096)
        self._crc = _crc32c.value_function()
        self._file = _open(self._path, 'rb')
        self._rewind()

    def _rewind(self):
        self._file.seek(0)
        self._buf = b''
        self._pos = 0          # index of the next unread byte in _buf
        self._base = 0         # stream offset of _buf[0]
        self._eof = False
        self._inflater = None if self._wbits is None else zlib.decompressobj(self._wbits)

    @property
    def offset(self):
        """Stream offset of the next record (uncompressed bytes)."""
        return self._base + self._pos

    def _read_source(self, want):
        """Next bytes of the (inflated) stream, about `want` or more; b'' at its end."""
        if self._inflater is None:  # capped: a damaged length must not allocate terabytes
            return self._file.read(min(want, _MAX_READ))
        inflater = self._inflater
        while True:
            if inflater.eof:  # a member ended: another may follow (concatenated gzip)
                rest = inflater.unused_data or self._file.read(self._chunk)
                if not rest:
                    return b''
                inflater = self._inflater = zlib.decompressobj(self._wbits)
            else:
                rest = inflater.unconsumed_tail or self._file.read(self._chunk)
                if not rest:  # compressed input ends early: TF stops at what inflated
                    return b''
            try:
                out = inflater.decompress(rest, min(max(want, self._chunk), _MAX_READ))
            except zlib.error as e:
                raise _inflate_error(e) from None
            if out:
                return out

    def _fill(self, need):
        """Makes `need` bytes available at _pos unless the stream ends first; returns how many."""
        buf, pos = self._buf, self._pos
        have = len(buf) - pos
        parts = [buf[pos:]] if have else []
        while have < need and not self._eof:
            more = self._read_source(max(self._chunk, need - have))
            if not more:
                self._eof = True
                break
            parts.append(more)
            have += len(more)
        self._base += pos
        self._buf = parts[0] if len(parts) == 1 else b''.join(parts)
        self._pos = 0
        return have

    def _next(self):
        """The next record's bytes, or None at a clean end of file."""
        buf, pos = self._buf, self._pos
        end = pos + _HEADER_SIZE
        if end > len(buf):
            if self._fill(_HEADER_SIZE) < _HEADER_SIZE:
                self._pos = len(self._buf)  # a partial header reads as end of file
                return None
            buf, pos = self._buf, 0
            end = _HEADER_SIZE
        length, masked = _HEADER.unpack_from(buf, pos)
        if _crc32c.mask(self._crc(buf[pos:pos + 8])) != masked:
            raise self._corrupted(self._base + pos)
        self._last_header = buf[pos:end]
        stop = end + length
        if stop + _FOOTER_SIZE > len(buf):
            self._pos = pos
            if self._fill(_HEADER_SIZE + length + _FOOTER_SIZE) < _HEADER_SIZE + length + _FOOTER_SIZE:
                raise errors.DataLossError(None, None, 'truncated record at %d' % self._base)
            buf, pos = self._buf, 0
            end, stop = _HEADER_SIZE, _HEADER_SIZE + length
        data = buf[end:stop]
        if _crc32c.mask(self._crc(data)) != _UINT32.unpack_from(buf, stop)[0]:
            raise self._corrupted(self._base + end)
        self._pos = stop + _FOOTER_SIZE
        return data

    @staticmethod
    def _corrupted(offset):
        hint = ' (Is this even a TFRecord file?)' if offset == 0 else ''
        return errors.DataLossError(None, None, 'corrupted record at %d%s' % (offset, hint))

    def _seek(self, offset):
        if offset < 0:
            raise errors.InvalidArgumentError(None, None, 'negative record offset %d' % offset)
        if self._base <= offset <= self._base + len(self._buf):
            self._pos = offset - self._base
            return
        if self._inflater is None:
            self._file.seek(offset)
            self._buf, self._pos, self._base, self._eof = b'', 0, offset, False
            return
        if offset < self._base:  # deflate streams only go forward: start over
            self._rewind()
        while self._base + len(self._buf) < offset and not self._eof:
            self._pos = len(self._buf)
            self._fill(min(offset - self._base - self._pos, self._chunk))
        self._pos = min(offset - self._base, len(self._buf))

    def read_record(self, offset):
        """(data, next_offset) of the record at `offset`; OutOfRangeError at the end of file."""
        if offset != self._base + self._pos:
            self._seek(offset)
        data = self._next()
        if data is None:
            raise errors.OutOfRangeError(None, None, 'eof')
        return data, self._base + self._pos

    def __iter__(self):
        return self._records(close_at_end=False)

    def _records(self, close_at_end):
        # The hot loop of _next, inlined with locals and literal constants (12 = header,
        # 4 = footer); any slow case (refill, end of file, error) goes through _next itself.
        # Headers seen before are looked up in `lengths` (header bytes -> length) instead of
        # being unpacked and checksummed again.  The position lives in self._buf / self._pos,
        # shared with read_record.
        crc32c, unpack_u32 = self._crc, _UINT32.unpack_from
        lengths = {}
        try:
            while True:
                buf, pos = self._buf, self._pos
                end = pos + 12
                length = lengths.get(buf[pos:end])
                if length is None or end + length + 4 > len(buf):
                    data = self._next()
                    if data is None:
                        return
                    if len(lengths) < _HEADER_CACHE_LIMIT:  # _next checked this header
                        lengths[self._last_header] = len(data)
                    yield data
                    continue
                stop = end + length
                data = buf[end:stop]
                crc = crc32c(data)
                if ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xa282ead8) & 0xFFFFFFFF \
                        != unpack_u32(buf, stop)[0]:
                    raise self._corrupted(self._base + end)
                self._pos = stop + 4
                yield data
        finally:
            if close_at_end:  # tf_record_iterator: exhausted, failed or closed early
                self.close()

    def close(self):
        self._buf = b''
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()


def tf_record_iterator(path, options=None):
    """An iterator over the records (bytes) of the TFRecord file `path`.

    The file is opened here (NotFoundError when missing, as TF); `options` is a
    TFRecordOptions, compression string or TFRecordCompressionType value.  The iterator's
    close() releases the file early.
    """
    compression = TFRecordOptions.get_compression_type_string(options)
    return RecordReader(path, compression)._records(close_at_end=True)
