"""Dataset.cache(filename): the first complete pass is written to `<filename>.index`, later passes
(and later datasets naming the same file) read it instead of their input.

The file is sluice's own: b'SLUICE-DATA-CACHE1\\n', then the elements back to back, each component
as (dtype string, rank, dims, payload): raw bytes for numbers, a length and the bytes of each item
for strings. It is written to a temporary name and renamed when the pass completes, so a pass cut
short leaves no cache. Reading checks every length against the bytes present (DataLossError).
"""
import os
import struct

import numpy as np

from sluice.engine import errors
from sluice.kernels.dataset_sources import DatasetValue, ElementError, closing_iter

_MAGIC = b'SLUICE-DATA-CACHE1\n'
_U64 = struct.Struct('<Q')


def _encode(element):
    parts = [_U64.pack(len(element))]
    for c in element:
        a = np.asarray(c)
        kind = 'O' if a.dtype == object else a.dtype.str
        parts += [_U64.pack(len(kind)), kind.encode(), _U64.pack(a.ndim)] + [_U64.pack(d) for d in a.shape]
        if a.dtype == object:
            for item in a.reshape(-1):
                item = item if isinstance(item, bytes) else str(item).encode()
                parts += [_U64.pack(len(item)), item]
        else:
            raw = np.ascontiguousarray(a).tobytes()
            parts += [_U64.pack(len(raw)), raw]
    return b''.join(parts)


class _Reader:
    def __init__(self, data, path):
        self.data, self.pos, self.path = data, len(_MAGIC), path

    def _bad(self):
        return errors.DataLossError(None, None, 'Corrupted cache file %s at offset %d' % (self.path, self.pos))

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise self._bad()
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u64(self):
        return _U64.unpack(self.take(8))[0]

    def element(self):
        n = self.u64()
        if n > 4096:
            raise self._bad()
        out = []
        for _ in range(n):
            kind = self.take(self.u64()).decode('ascii', 'replace')
            ndim = self.u64()
            if ndim > 64:
                raise self._bad()
            shape = tuple(self.u64() for _ in range(ndim))
            count = int(np.prod(shape, dtype=np.float64))
            if kind == 'O':
                if count * 8 > len(self.data) - self.pos:
                    raise self._bad()
                a = np.empty(count, dtype=object)
                for i in range(count):
                    a[i] = self.take(self.u64())
                out.append(a.reshape(shape))
            else:
                try:
                    dtype = np.dtype(kind)
                except TypeError:
                    raise self._bad() from None
                raw = self.take(self.u64())
                if dtype.hasobject or len(raw) != count * dtype.itemsize:
                    raise self._bad()
                out.append(np.frombuffer(raw, dtype=dtype).reshape(shape).copy())
        return tuple(out)


def _read(path):
    with open(path, 'rb') as f:
        data = f.read()
    if not data.startswith(_MAGIC):
        raise errors.DataLossError(None, None, '%s is not a sluice dataset cache file' % path)
    reader = _Reader(data, path)
    while reader.pos < len(data):
        yield reader.element()


class FileCacheValue(DatasetValue):
    def __init__(self, input_value, filename):
        self.input = input_value
        name = filename.decode() if isinstance(filename, bytes) else str(filename)
        self.path = name + '.index'

    def iterate(self):
        if os.path.exists(self.path):
            yield from _read(self.path)
            return
        tmp = '%s.tmp-%d-%d' % (self.path, os.getpid(), id(self))
        it = closing_iter(self.input)
        complete = True
        try:
            with open(tmp, 'wb') as f:
                f.write(_MAGIC)
                for element in it:
                    if type(element) is ElementError:
                        complete = False  # a pass with a failed element is not cached
                    else:
                        f.write(_encode(element))
                    yield element
            if complete:
                os.replace(tmp, self.path)
        finally:
            it.close()
            if os.path.exists(tmp):
                os.remove(tmp)
